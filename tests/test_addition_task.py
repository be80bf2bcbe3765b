"""The addition task end to end: split ranges, plans, traces, parameter errors, golden output."""

import hashlib

import pytest
from click.testing import CliRunner

import genforge
from genforge.cli import cli
from genforge.core.errors import InfeasibleError, ParameterError
from genforge.generators import arithmetic
from genforge.core.registry import get_task

TASK = get_task("addition")
SMALL = {"train": 300, "validation": 30, "test_id": 30}


def generate(tmp_path, read_records, plan, sizes, **params):
    manifest = genforge.generate("addition", tmp_path, split_plan=plan, sizes=sizes, params=params)
    records = {f["split"]: read_records(tmp_path / "addition" / f["name"]) for f in manifest["files"]}
    return manifest, records


def test_longer_plan_keeps_every_training_operand_shorter_than_every_test_operand(tmp_path, read_records):
    _, records = generate(tmp_path, read_records, "longer", {**SMALL, "test_ood_length": 60},
                          index_hints=True, reversed_output=True)
    for split in ("train", "validation", "test_id"):
        for record in records[split]:
            c = record["meta"]["complexity"]
            assert 1 <= c["digits_a"] <= 10 and 1 <= c["digits_b"] <= 10
    for record in records["test_ood_length"]:
        c = record["meta"]["complexity"]
        assert 11 <= c["digits_a"] <= 20 and 11 <= c["digits_b"] <= 20
    lengths = {r["meta"]["complexity"]["digits"] for r in records["train"]}
    assert max(lengths) == 10  # the training range is used up to its end


def test_custom_length_ranges_are_enforced(tmp_path, read_records):
    _, records = generate(tmp_path, read_records, "longer", {"train": 200, "validation": 10, "test_id": 10,
                                                             "test_ood_length": 50},
                          train_digits_min=2, train_digits_max=3, test_digits_min=5, test_digits_max=6,
                          equal_lengths=True, zero_padding=True)
    for record in records["train"]:
        c = record["meta"]["complexity"]
        assert 2 <= c["digits_a"] == c["digits_b"] <= 3
        assert len(record["target"]) == c["digits"] + 1  # zero padding to n + 1
    for record in records["test_ood_length"]:
        assert 5 <= record["meta"]["complexity"]["digits_a"] <= 6


def test_held_out_carry_pattern_tests_only_chains_longer_than_any_in_training(tmp_path, read_records):
    _, records = generate(tmp_path, read_records, "held_out_carry_pattern", {**SMALL, "test_ood_carry": 60},
                          train_max_carry_chain=3)
    train_chains = [r["meta"]["complexity"]["longest_carry_chain"] for r in records["train"]]
    test_chains = [r["meta"]["complexity"]["longest_carry_chain"] for r in records["test_ood_carry"]]
    assert max(train_chains) == 3
    assert min(test_chains) == 4
    for record in records["test_ood_carry"]:
        c = record["meta"]["complexity"]
        assert c["digits_a"] <= 10 and c["digits_b"] <= 10  # training lengths: only the carries are new
        assert TASK.solve(record["instruction"], record["input"]) == record["target"]


def test_no_test_input_occurs_in_train_and_targets_match_the_oracle(tmp_path, read_records):
    _, records = generate(tmp_path, read_records, "longer", {**SMALL, "test_ood_length": 30},
                          train_digits_max=2, test_digits_min=3, test_digits_max=3, random_hint_offset=True,
                          index_hints=True)
    train_inputs = {r["input"] for r in records["train"]}
    for split, rows in records.items():
        for record in rows:
            assert TASK.solve(record["instruction"], record["input"]) == record["target"]
            if split != "train":
                assert record["input"] not in train_inputs


def test_random_hint_offset_uses_markers_beyond_a(tmp_path, read_records):
    _, records = generate(tmp_path, read_records, "iid", {"train": 100, "validation": 0, "test_id": 0},
                          index_hints=True, random_hint_offset=True, train_digits_max=3, test_digits_min=4,
                          test_digits_max=4)
    units_markers = {record["input"][-2] for record in records["train"]}
    assert len(units_markers) > 10


def test_cli_trace_writes_the_running_carries(tmp_path, read_records):
    result = CliRunner().invoke(cli, ["generate", "addition", "--out", str(tmp_path), "--split-plan", "iid",
                                      "--size", "train=20", "--size", "validation=0", "--size", "test_id=0",
                                      "--param", "reversed_operands=true", "--trace"])
    assert result.exit_code == 0, result.output
    for record in read_records(tmp_path / "addition" / "train.jsonl"):
        a, b = record["input"].split("+")
        assert record["trace"] == list(arithmetic.addition_trace(a[::-1], b[::-1]))
        assert len(record["trace"]) == record["meta"]["complexity"]["digits"]


@pytest.mark.parametrize("params, words", [
    ({"test_digits_min": 10}, ["test_digits_min", "10", "train_digits_max"]),
    ({"train_digits_min": 5, "train_digits_max": 4}, ["train_digits_min", "5"]),
    ({"index_hints": True, "test_digits_max": 60}, ["index_hints", "test_digits_max = 60", "52"]),
    ({"reversed_output": "sideways"}, ["reversed_output"]),
])
def test_bad_parameters_are_explained(tmp_path, params, words):
    with pytest.raises(ParameterError) as error:
        genforge.generate("addition", tmp_path, params=params)
    for word in words:
        assert word in str(error.value)


def test_a_split_larger_than_its_space_fails_before_writing(tmp_path):
    with pytest.raises(InfeasibleError, match="space holds only 100"):
        genforge.generate("addition", tmp_path, split_plan="longer", sizes={"train": 101, "test_ood_length": 10},
                          params={"train_digits_max": 1, "test_digits_min": 2, "test_digits_max": 2,
                                  "equal_lengths": True, "train_max_carry_chain": 0})
    assert not (tmp_path / "addition").exists()


def test_an_impossible_carry_chain_split_is_refused_with_the_space_size(tmp_path):
    with pytest.raises(InfeasibleError, match="test_ood_carry.*space holds only 0"):
        genforge.generate("addition", tmp_path, split_plan="held_out_carry_pattern",
                          params={"train_digits_max": 3, "test_digits_min": 4, "train_max_carry_chain": 3})
    description = genforge.describe("addition", {"train_digits_max": 3, "test_digits_min": 4,
                                                 "train_max_carry_chain": 3})
    splits = description["split_plans"]["held_out_carry_pattern"]["splits"]
    assert "lower train_max_carry_chain" in splits[-1]["description"]


def test_difficulty_grows_with_length_and_carries():
    easy = arithmetic.example("add", "12", "3", arithmetic.DigitFormat())
    longer = arithmetic.example("add", "1200", "3", arithmetic.DigitFormat())
    carrying = arithmetic.example("add", "1299", "1", arithmetic.DigitFormat())
    assert 0 <= TASK.difficulty(easy) < TASK.difficulty(longer) < TASK.difficulty(carrying) < 1


def test_golden_output(tmp_path):
    sizes = {"train": 50, "validation": 10, "test_id": 10, "test_ood_length": 10}
    genforge.generate("addition", tmp_path, sizes=sizes, seed=0)
    digests = {split: hashlib.sha256((tmp_path / "addition" / f"{split}.jsonl").read_bytes()).hexdigest()
               for split in sizes}
    assert digests == GOLDEN


# A change here needs a version bump of the task (addition 1.2).
GOLDEN = {
    "train": "0f8f2d10b95cb180902cf2b6b1b64f4e909024fd81054345aec551c0c8babed3",
    "validation": "8dbf7496126636f8bf699777facde91c32b5709497a685839e61c60cad808551",
    "test_id": "8d7c14997e3170eac5cbc5b63b2ce850d62e4dfb15b29d94e4bfe1c737bfa9bd",
    "test_ood_length": "d914f83cd6480f29f802fc0513fe96b18ae35b5abbb1f1eb104846c2c126416c",
}
