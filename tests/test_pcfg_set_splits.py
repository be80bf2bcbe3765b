"""pcfg_set: every split plan keeps its promise, records are valid, output is pinned."""

import hashlib
import json

import pytest
from click.testing import CliRunner

import genforge
from genforge.cli import cli, main
from genforge.core.checking import validate_path
from genforge.core.errors import ParameterError
from genforge.core.rng import RandomStream
from genforge.core.registry import get_task
from pcfg_set_reference import base, function_tokens, parent_child_pairs, reference_value

SMALL = {"train": 300, "validation": 40, "test_id": 40}
SYSTEMATIC_PAIRS = {("swap_first_last", "repeat"), ("repeat", "remove_second"),
                    ("append", "remove_second"), ("append", "swap_first_last")}


def generate(tmp_path, plan, test_split, params=None, sizes=None):
    sizes = sizes or {**SMALL, test_split: 40}
    genforge.generate("pcfg_set", tmp_path, split_plan=plan, sizes=sizes, params=params)
    folder = tmp_path / "pcfg_set"
    assert validate_path(folder)["records"] == sum(sizes.values())
    records = {}
    for split in sizes:
        with open(folder / f"{split}.jsonl", "rb") as file:
            records[split] = [json.loads(line) for line in file]
    return records


def pairs_of(record):
    return {(base(f), base(g)) for f, g in parent_child_pairs(record["input"])}


def test_random_plan_targets_agree_with_the_reference_and_inputs_are_disjoint(tmp_path):
    records = generate(tmp_path, "random", "test_id", sizes=SMALL)
    inputs = {split: {r["input"] for r in rows} for split, rows in records.items()}
    assert not inputs["train"] & inputs["test_id"] and not inputs["train"] & inputs["validation"]
    for rows in records.values():
        for record in rows:
            assert record["instruction"] is None
            assert record["target"] == " ".join(reference_value(record["input"]))


def test_systematicity_pairs_never_occur_in_training_and_always_in_the_test(tmp_path):
    records = generate(tmp_path, "systematicity", "test_ood_systematicity")
    for split in SMALL:
        assert all(not pairs_of(r) & SYSTEMATIC_PAIRS for r in records[split])
    assert all(pairs_of(r) & SYSTEMATIC_PAIRS for r in records["test_ood_systematicity"])
    # pairs are edges of the tree, not neighbours in the text: some held-out pair is split by a comma
    def text_neighbours(record):
        tokens = record["input"].split()
        return set(zip(tokens, tokens[1:]))
    assert any(pairs_of(r) & SYSTEMATIC_PAIRS - text_neighbours(r) for r in records["test_ood_systematicity"])


def test_productivity_train_has_at_most_eight_functions_and_the_test_more(tmp_path):
    records = generate(tmp_path, "productivity", "test_ood_productivity")
    for split in SMALL:
        assert max(len(function_tokens(r["input"])) for r in records[split]) <= 8
    assert min(len(function_tokens(r["input"])) for r in records["test_ood_productivity"]) >= 9


def test_productivity_threshold_is_a_parameter(tmp_path):
    records = generate(tmp_path, "productivity", "test_ood_productivity",
                       params={"productivity_max_train_functions": 3},
                       sizes={"train": 100, "validation": 0, "test_id": 0, "test_ood_productivity": 30})
    assert max(len(function_tokens(r["input"])) for r in records["train"]) <= 3
    assert min(len(function_tokens(r["input"])) for r in records["test_ood_productivity"]) >= 4


def twins(record):
    return [t for t in function_tokens(record["input"]) if t.endswith("_twin")]


def test_substitutivity_alone_twins_appear_in_train_only_as_the_single_function(tmp_path):
    records = generate(tmp_path, "substitutivity", "test_ood_substitutivity",
                       sizes={"train": 600, "validation": 40, "test_id": 40, "test_ood_substitutivity": 40})
    with_twins = [r for r in records["train"] if twins(r)]
    assert with_twins, "the synonyms must be seen in training"
    assert {base(t) for r in with_twins for t in twins(r)} == {"reverse", "append"}
    for split in SMALL:
        assert all(len(function_tokens(r["input"])) == 1 for r in records[split] if twins(r))
    for record in records["test_ood_substitutivity"]:
        assert twins(record) and len(function_tokens(record["input"])) >= 2
        assert record["target"] == " ".join(reference_value(record["input"]))


def test_substitutivity_leaf_twins_in_train_take_only_strings(tmp_path):
    records = generate(tmp_path, "substitutivity", "test_ood_substitutivity",
                       params={"twin_train_context": "leaf", "twin_functions": ["echo"]})
    parents = lambda record: {parent for parent, _ in parent_child_pairs(record["input"])}  # noqa: E731
    assert any(twins(r) for r in records["train"])
    for split in SMALL:
        for record in records[split]:
            assert all(base(t) == "echo" for t in twins(record))
            assert "echo_twin" not in parents(record)
    assert all("echo_twin" in parents(r) for r in records["test_ood_substitutivity"])


def test_overgeneralisation_exceptions_are_rare_in_train_and_tested_apart(tmp_path):
    exceptions = {("echo", "reverse"), ("prepend", "shift")}
    records = generate(tmp_path, "overgeneralisation", "test_ood_exception", params={"exception_ratio": 0.2},
                       sizes={"train": 400, "validation": 40, "test_id": 40, "test_ood_exception": 40})

    def rule_answer(record):  # what a model that overgeneralises the rules answers
        return " ".join(reference_value(record["input"]))

    for rows in records.values():
        for record in rows:
            assert record["instruction"] == "exceptions: echo reverse ; prepend shift"
            assert record["target"] == " ".join(reference_value(record["input"], exceptions))
            is_exception = record["target"] != rule_answer(record)
            assert (record["meta"]["domain"] == "exception") == is_exception
            # an exception edge either shows its effect or does not occur at all
            assert is_exception or not pairs_of(record) & exceptions
    share = sum(r["target"] != rule_answer(r) for r in records["train"]) / 400
    assert 0.12 < share < 0.28  # binomial(400, 0.2): 4 standard deviations each side
    assert not any(pairs_of(r) & exceptions for r in records["test_id"])
    assert all(r["target"] != rule_answer(r) for r in records["test_ood_exception"])


def test_overgeneralisation_share_of_exception_examples_is_the_ratio():
    # Straight from the sampler with the train split's settings, so that enough draws are cheap.
    task = get_task("pcfg_set")
    params = task.Params.resolve(exception_ratio=0.5)
    train = task.split_plans(params)["overgeneralisation"].split("train")
    examples = task.sample_block(RandomStream.from_parts("ratio-test"), params.for_split(train.sample_params, 0), 4000)
    kept = [e for e in examples if e is not None]
    assert len(kept) >= 3990
    share = sum(e.meta["domain"] == "exception" for e in kept) / len(kept)
    assert abs(share - 0.5) < 0.032  # 4 standard deviations of binomial(4000, 0.5)


def test_overgeneralisation_default_ratio_keeps_exceptions_rare(tmp_path):
    records = generate(tmp_path, "overgeneralisation", "test_ood_exception",
                       sizes={"train": 400, "validation": 0, "test_id": 0, "test_ood_exception": 5})
    assert sum(r["meta"]["domain"] == "exception" for r in records["train"]) <= 12  # 1% of 400 = 4 expected


@pytest.mark.parametrize("params, words", [
    ({"string_length_min": 4, "string_length_max": 3}, "'string_length_min' = 4"),
    ({"unary_probability": 0.6, "binary_probability": 0.4}, "below 1"),
    ({"productivity_max_train_functions": 30}, "'productivity_max_train_functions' = 30"),
    ({"function_weights": [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]}, "'function_weights'"),
    ({"string_length_max": 20, "max_output_length": 10}, "'string_length_max' = 20"),
])
def test_inconsistent_parameters_are_refused_with_the_parameter_named(tmp_path, params, words):
    with pytest.raises(ParameterError, match=words):
        genforge.generate("pcfg_set", tmp_path, params=params, sizes={"train": 1})


def test_a_bad_pair_parameter_is_refused_by_the_cli_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "pcfg_set", "--out", str(tmp_path), "--param", "systematicity_pairs=append echo,foo bar"])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "systematicity_pairs" in error and "foo bar" in error and "Traceback" not in error
    assert not (tmp_path / "pcfg_set").exists()


def test_describe_lists_every_parameter_and_plan():
    result = CliRunner().invoke(cli, ["describe", "pcfg_set"])
    assert result.exit_code == 0
    for word in ("unary_probability", "function_weights", "exception_ratio", "twin_train_context",
                 "random", "systematicity", "productivity", "substitutivity", "overgeneralisation"):
        assert word in result.output


#: sha256 of each file of a small default run, seed 0; a change needs a version bump of the task.
GOLDEN = {
    "random": {
        "train": "b1c3b0a52f28e64fe29b1efaf18282aa6813b0bb344ecebfbb1d0a99f2e80321",
        "validation": "aa0c8cbb3ed9ba8629b0ae76951b9709feb215bdf7cd12e90ef05d221d0221ff",
        "test_id": "89f039a71d60817f5c8bb247e31fd47eab997937c0513f403c9f7b049b898d8f",
    },
    "systematicity": {
        "train": "cb4675184bf00dd5599e06610d4892b982c023d21b2788395f9d20d5d504a507",
        "validation": "84569f6cb29b1b1ac2bbd9ced4eb2f136aec052529f6eefc6e30e6732d03a5ee",
        "test_id": "11393a6e404110784f17c9529c4f82868a02fa9e0cee8358fd5671c957722a14",
        "test_ood_systematicity": "21a561008b737868069c0f453a823ed23ba1fa323e8f5e02215974abb2467b94",
    },
    "productivity": {
        "train": "08643e3407ee3078cafa31104fb2d27f65073f7dd3f1ea424f033d3a4cd50e8f",
        "validation": "5fa9623eb4c72e6acc5f23bad4123d9fc5693957cd1c5a267543e3244febcc72",
        "test_id": "3d0ec6f2b6f9fa32536ad34fdb507ca1cfa1441b3b6fe4f560597f2a809025a0",
        "test_ood_productivity": "e005536cc170dd159b549c9bf4d5209be9a55428cd001f813bad1e4de45e962f",
    },
    "substitutivity": {
        "train": "671af54e9a0147c28a0d5ad7710bd7cbaa1e064c0e5e77ffb2101c9000f98812",
        "validation": "aa0c8cbb3ed9ba8629b0ae76951b9709feb215bdf7cd12e90ef05d221d0221ff",
        "test_id": "89f039a71d60817f5c8bb247e31fd47eab997937c0513f403c9f7b049b898d8f",
        "test_ood_substitutivity": "0f13a8388edb78472c5907675d7cfee5654b04ba0580136b8d2c6f901b32e720",
    },
    "overgeneralisation": {
        "train": "93f3e18420beeb4170b6e54fb2bf188cf630e526286e8c9e1e6c7aef7ebf40b0",
        "validation": "1844fd98b61d52cc8d1d3ad637ac029b0969f2e65d7b577a9e5870fac4fa6161",
        "test_id": "1266cad672a33ec051bbe8d640d3dd692e03d0f8423cf386605c1e31c47b59bc",
        "test_ood_exception": "b15f794422e7c44bc61ae908670e12fa1b37f08d26e602bd25622367a71c1d7a",
    },
}


@pytest.mark.parametrize("plan, test_split", [
    ("random", None), ("systematicity", "test_ood_systematicity"), ("productivity", "test_ood_productivity"),
    ("substitutivity", "test_ood_substitutivity"), ("overgeneralisation", "test_ood_exception"),
])
def test_golden_output_is_pinned(tmp_path, plan, test_split):
    sizes = {"train": 50, "validation": 10, "test_id": 10, **({test_split: 10} if test_split else {})}
    genforge.generate("pcfg_set", tmp_path, split_plan=plan, sizes=sizes, seed=0)
    digests = {split: hashlib.sha256((tmp_path / "pcfg_set" / f"{split}.jsonl").read_bytes()).hexdigest()
               for split in sizes}
    assert digests == GOLDEN[plan]


def test_worker_count_does_not_change_the_bytes(tmp_path):
    sizes = {"train": 60, "validation": 10, "test_id": 10, "test_ood_systematicity": 10}
    for workers in (1, 2):
        genforge.generate("pcfg_set", tmp_path / str(workers), split_plan="systematicity", sizes=sizes, workers=workers)
    for split in sizes:
        name = f"pcfg_set/{split}.jsonl"
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
