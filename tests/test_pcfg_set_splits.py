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
from pcfg_set_reference import PUBLISHED, adjacent_pairs, base, function_tokens, parent_child_pairs, reference_value

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


def test_systematicity_holds_out_adjacent_pairs_only(tmp_path):
    # Hupkes et al. (2020): the test holds the inputs where a pair occurs as adjacent words (the child is the
    # parent's first argument); a pair in another argument position stays in train.
    records = generate(tmp_path, "systematicity", "test_ood_systematicity",
                       sizes={"train": 800, "validation": 0, "test_id": 0, "test_ood_systematicity": 60})
    assert all(not adjacent_pairs(r["input"]) & SYSTEMATIC_PAIRS for r in records["train"])
    assert all(adjacent_pairs(r["input"]) & SYSTEMATIC_PAIRS for r in records["test_ood_systematicity"])
    assert any(pairs_of(r) & SYSTEMATIC_PAIRS for r in records["train"])  # e.g. append x , swap_first_last y


def test_systematicity_test_has_the_functions_per_input_law_of_train(tmp_path):
    # Without matching, the test averaged 11.2 functions against 3.4 in train (issue 15): a length confound.
    records = generate(tmp_path, "systematicity", "test_ood_systematicity",
                       sizes={"train": 1500, "validation": 0, "test_id": 0, "test_ood_systematicity": 400})
    def law(rows):  # functions per input, 2.. (a pair needs two functions), counts above 8 pooled
        counts = [min(r["meta"]["complexity"]["functions"], 9) for r in rows if r["meta"]["complexity"]["functions"] > 1]
        return {n: counts.count(n) / len(counts) for n in range(2, 10)}
    train, test = law(records["train"]), law(records["test_ood_systematicity"])
    assert 0.5 * sum(abs(train[n] - test[n]) for n in train) < 0.12


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
    # the PCFG law: a third of its inputs hold one function (the published law: 1.5%, too few at this size)
    records = generate(tmp_path, "substitutivity", "test_ood_substitutivity", params={"input_law": "pcfg"},
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
    exceptions = set(PUBLISHED)
    records = generate(tmp_path, "overgeneralisation", "test_ood_exception", params={"exception_ratio": 0.2},
                       sizes={"train": 400, "validation": 40, "test_id": 40, "test_ood_exception": 40})

    def rule_answer(record):  # what a model that overgeneralises the rules answers
        return " ".join(reference_value(record["input"]))

    for rows in records.values():
        for record in rows:
            assert record["instruction"] == ("exceptions: reverse echo ; prepend remove_first ; echo remove_first ; "
                                             "prepend reverse")
            assert record["target"] == " ".join(reference_value(record["input"], exceptions))
            is_exception = record["target"] != rule_answer(record)
            assert (record["meta"]["domain"] == "exception") == is_exception
            # an exception pair either shows its effect or does not occur at all
            assert is_exception or not adjacent_pairs(record["input"]) & exceptions
    assert not any(adjacent_pairs(r["input"]) & exceptions for r in records["test_id"])
    assert all(r["target"] != rule_answer(r) for r in records["test_ood_exception"])
    # every published pair is tested
    assert set.union(*(adjacent_pairs(r["input"]) & exceptions for r in records["test_ood_exception"])) == exceptions


def test_overgeneralisation_share_follows_the_published_ratio_rule():
    # Published: per pair, ratio x the occurrences of the pair's rarer function in train.
    task = get_task("pcfg_set")
    params = task.Params.resolve(exception_ratio=0.2)
    train = task.split_plans(params)["overgeneralisation"].split("train")
    share = train.sample_params["exception_share"]
    examples = [e for e in task.sample_block(RandomStream.from_parts("law"), params, 4000) if e is not None]
    counts = {f: sum(function_tokens(e.input).count(f) for e in examples) / len(examples)
              for pair in PUBLISHED for f in pair}
    measured = 0.2 * sum(min(counts[f], counts[g]) for f, g in PUBLISHED)
    assert abs(share - measured) < 0.1 * measured  # the analytic law is within 10% of the sampled corpus
    examples = task.sample_block(RandomStream.from_parts("ratio-test"), params.for_split(train.sample_params, 0), 3000)
    kept = [e for e in examples if e is not None]
    assert len(kept) >= 2990
    sampled = sum(e.meta["domain"] == "exception" for e in kept) / len(kept)
    assert abs(sampled - share) < 4 * (share * (1 - share) / len(kept)) ** 0.5 + 0.005


def test_overgeneralisation_default_ratio_keeps_exceptions_rare(tmp_path):
    records = generate(tmp_path, "overgeneralisation", "test_ood_exception",
                       sizes={"train": 400, "validation": 0, "test_id": 0, "test_ood_exception": 5})
    assert sum(r["meta"]["domain"] == "exception" for r in records["train"]) <= 10  # about 0.8% of 400 expected


@pytest.mark.parametrize("params, words", [
    ({"string_length_min": 4, "string_length_max": 3}, "'string_length_min' = 4"),
    ({"unary_probability": 0.6, "binary_probability": 0.4}, "below 1"),
    ({"productivity_max_train_functions": 35}, "'productivity_max_train_functions' = 35"),
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
        "train": "8f764e0608b45da375120d5afb7d8133665877cb1bf7f52ae34e911d07ba3b4b",
        "validation": "fbfb28965eee56dbcbd9361b6cd60df5b5f2f06f88451b975537e8497a0c7847",
        "test_id": "d299fd55f1d9307006a0e9f361fe6a50481a355c68ced598372a8b182625d80c",
    },
    "systematicity": {
        "train": "5170022452362c8a63aa9ab203733b1c5888812b3c461830f72da0b9c79784f5",
        "validation": "115e5fb4e2e201df6f2e37beb0ff250a5db7853c5bd362efc340f29eee238bae",
        "test_id": "f7484a161e4dbb4dca40e6bb0fc89ba52323cefe0d7b85acb43ce414577fc86d",
        "test_ood_systematicity": "2bcc4ed89408020cfd8062f847dd66201114099b2d594a2f7e5ead94850a0160",
    },
    "productivity": {
        "train": "0f7903d1eeb13c6494d3a35bf72c1f527e1e5ba13b96973b2e5f7bf649a08aab",
        "validation": "9d79138b5b32d94e1e67882cfb798520ef8202a45f984cda0319b880a45b78d7",
        "test_id": "9ce8689dc1d405d31ca898f4a881b29aa8ba89abe5fc1ce85cfdcbe18a6ce496",
        "test_ood_productivity": "1da591a08a75352b91881e21dbdc7bb1b08712720d708dd08871bc610dc17d59",
    },
    "substitutivity": {
        "train": "8f764e0608b45da375120d5afb7d8133665877cb1bf7f52ae34e911d07ba3b4b",
        "validation": "bf6f132f6d22e2fb14598e186a01687338412c0695d0772d9d2219f043635e43",
        "test_id": "d299fd55f1d9307006a0e9f361fe6a50481a355c68ced598372a8b182625d80c",
        "test_ood_substitutivity": "322dae8cbad8fc83b90e2cf98026bf6c5a769288e9809608a33fa3016080dd63",
    },
    "overgeneralisation": {
        "train": "157a999c68161d9e344db30ad323a94dbeb09e1a7d917907dbdefcc883849db7",
        "validation": "7f15a338b695483c4095835cad9a1c068e9332b1d34d87c8ae76da0567167a0e",
        "test_id": "263e9b5701123e4a14c42cb7f0def6d1d12e87da0cc0d87327009c5649a23b61",
        "test_ood_exception": "2eeaf839c84551c2870b00096422b74612858580c947cccc344c7f0924c026ad",
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
