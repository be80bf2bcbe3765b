"""The multiplication task end to end: split ranges, carry plan, partial-product traces, golden output."""

import hashlib

import pytest

import genforge
from genforge.core.errors import ParameterError
from genforge.core.rng import RandomStream
from genforge.generators import arithmetic
from genforge.core.registry import get_task

TASK = get_task("multiplication")


def generate(tmp_path, read_records, plan, sizes, **params):
    manifest = genforge.generate("multiplication", tmp_path, split_plan=plan, sizes=sizes, params=params)
    return {f["split"]: read_records(tmp_path / "multiplication" / f["name"]) for f in manifest["files"]}


def test_longer_plan_trains_on_1_to_5_digits_and_tests_on_6_to_10(tmp_path, read_records):
    records = generate(tmp_path, read_records, "longer",
                       {"train": 300, "validation": 20, "test_id": 20, "test_ood_length": 40},
                       index_hints=True, reversed_output=True)
    for split in ("train", "validation", "test_id"):
        for record in records[split]:
            c = record["meta"]["complexity"]
            assert 1 <= c["digits_a"] <= 5 and 1 <= c["digits_b"] <= 5
    for record in records["test_ood_length"]:
        c = record["meta"]["complexity"]
        assert 6 <= c["digits_a"] <= 10 and 6 <= c["digits_b"] <= 10
        assert TASK.solve(record["instruction"], record["input"]) == record["target"]


def test_held_out_carry_pattern_separates_chain_lengths(tmp_path, read_records):
    records = generate(tmp_path, read_records, "held_out_carry_pattern",
                       {"train": 200, "validation": 20, "test_id": 20, "test_ood_carry": 40})
    assert max(r["meta"]["complexity"]["longest_carry_chain"] for r in records["train"]) <= 2
    assert min(r["meta"]["complexity"]["longest_carry_chain"] for r in records["test_ood_carry"]) >= 3
    for record in records["test_ood_carry"]:
        assert record["meta"]["complexity"]["digits"] <= 5


def test_trace_lists_partial_products_with_running_sums(tmp_path, read_records):
    genforge.generate("multiplication", tmp_path, split_plan="iid", trace=True,
                      sizes={"train": 30, "validation": 0, "test_id": 0})
    for record in read_records(tmp_path / "multiplication" / "train.jsonl"):
        a, b = record["input"].split("*")
        assert len(record["trace"]) == len(b)
        assert record["trace"][-1].endswith(f"sum={int(a) * int(b)}")
        assert record["trace"] == list(arithmetic.multiplication_trace(a, b))


def test_index_hints_need_a_marker_per_product_place(tmp_path):
    with pytest.raises(ParameterError, match="test_digits_max = 27 gives 54 places"):
        genforge.generate("multiplication", tmp_path, params={"index_hints": True, "test_digits_max": 27})


def test_random_hint_offsets_leave_room_for_every_padded_product_place():
    params = TASK.Params.resolve(index_hints=True, zero_padding=True, random_hint_offset=True,
                                 train_digits_max=20, test_digits_min=21, test_digits_max=26)
    for example in TASK.sample_block(RandomStream.from_parts("offsets"), params, 300):
        width = example.meta["complexity"]["digits"]
        assert len(example.target) == 2 * (2 * width)  # 2n places, a marker and a digit each
        assert TASK.solve(example.instruction, example.input) == example.target


def test_golden_output(tmp_path):
    sizes = {"train": 50, "validation": 10, "test_id": 10, "test_ood_length": 10}
    genforge.generate("multiplication", tmp_path, sizes=sizes, seed=0)
    digests = {split: hashlib.sha256((tmp_path / "multiplication" / f"{split}.jsonl").read_bytes()).hexdigest()
               for split in sizes}
    assert digests == GOLDEN


# A change here needs a version bump of the task (multiplication 1.2).
GOLDEN = {
    "train": "fb138f8e4a2d83a3a6d1b67f482e1f492f0464b3ea820c2e6025548bc3e14bc6",
    "validation": "49d114c7a8085e1972bcb0b801d80432aabfc44d5db680c059d0e392851cebaa",
    "test_id": "817185cc23cc243935f48f097918e1a7aba24b5c96387331420c4d35f52ba3a1",
    "test_ood_length": "aa1f76425d9db045611a9714e3543a1eddf33bee0f0856926928baecb94fa0cf",
}
