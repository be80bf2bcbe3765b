"""String rewriting: hand-checked rules, an independent re-run of every target, split promises."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import genforge
from genforge.core.errors import InfeasibleError, ParameterError
from genforge.core.validation import validator_for_task
from genforge.generators.rewriting import Rule, domain_pattern, format_rules, parse_rules, run_markov
from genforge.core.rng import RandomStream
from genforge.generators.rewrite_sampler import chance_without
from genforge.tasks.rewrite import MIN_NOOP_CHANCE


def records(folder, split):
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines()]


def reference_markov(instruction: str, text: str, limit: int = 100000):
    """Written independently of the package: a Markov algorithm by the book."""
    rules = []
    for part in instruction.split(";"):
        left, arrow, right = part.strip().partition(" ->")
        terminal = right.startswith(".")
        rules.append((left, right[1:].strip() if terminal else right.strip(), terminal))
    for _ in range(limit):
        for left, right, terminal in rules:
            if left in text:
                text = text.replace(left, right, 1)
                if terminal:
                    return text
                break
        else:
            return text
    raise AssertionError("did not halt")


def test_rewrite_replaces_only_the_leftmost_occurrence():
    assert genforge.solve("rewrite", "ab -> x", "cababab") == "cxabab"
    assert genforge.solve("rewrite", "zz -> y", "abc") == "abc"
    assert genforge.solve("rewrite", "ab -> ", "cabd") == "cd"


def test_markov_stops_after_a_terminal_rule_or_when_nothing_applies():
    # a -> b runs to exhaustion; then b ->. c fires once and stops.
    assert genforge.solve("markov", "a -> b; b ->. c", "aab") == "cbb"
    assert run_markov(parse_rules("a -> b"), "aaa", 10).steps == 3
    assert run_markov(parse_rules("a -> aa"), "a", 10) is None


def test_rule_text_round_trips():
    rules = [Rule("ab", "", True), Rule("c", "dd", False)]
    assert format_rules(rules) == "ab ->.; c -> dd"
    assert parse_rules(format_rules(rules)) == rules


def test_domain_patterns_have_their_shape():
    rng = RandomStream.from_parts("shapes")
    repeated = domain_pattern(rng, "repeated", 3, 9, "abcdefghijklmnopqrstuvwxyz")
    assert repeated[0] * 3 == repeated[:3] and repeated[3] * 3 == repeated[3:6]
    periodic = domain_pattern(rng, "periodic", 4, 10, "abcdefghijklmnopqrstuvwxyz")
    assert periodic[:4] == periodic[4:8] and periodic[8:] == periodic[:2]
    mirrored = domain_pattern(rng, "mirrored", 3, 6, "abcdefghijklmnopqrstuvwxyz")
    assert mirrored == mirrored[::-1]


rewrite_params = st.fixed_dictionaries({
    "alphabet_size": st.integers(3, 26),
    "input_length": st.integers(24, 60),
    "pattern_length": st.integers(3, 16),
    "replacement_length": st.integers(0, 12),
    "noop_share": st.sampled_from([0.0, 0.3]),
    "n_instructions": st.integers(5, 40),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=rewrite_params, seed=st.integers(0, 2**32), plan=st.sampled_from(["iid", "unseen_instructions", "longer"]))
def test_rewrite_targets_validate_and_match_an_independent_rerun(tmp_path_factory, params, seed, plan):
    out = tmp_path_factory.mktemp("rw")
    sizes = {"train": 40, "validation": 5, "test_id": 5}
    try:
        manifest = genforge.generate("rewrite", out, split_plan=plan, sizes=sizes, params=params, seed=seed,
                                     allow_repeats=params["alphabet_size"] < 4)
    except ParameterError as error:
        # No-op inputs must be findable at the longest input any plan draws (longer_input_length, 100).
        assert params["noop_share"] > 0
        assert chance_without(params["alphabet_size"], params["pattern_length"], 100) < MIN_NOOP_CHANCE
        assert "noop_share" in str(error)
        return
    except InfeasibleError as error:
        # A small alphabet with short patterns can hold fewer distinct rules than n_instructions:
        # the task must refuse it, naming what it can give.
        assert "ask for at most" in str(error)
        return
    validator = validator_for_task("rewrite")
    folder = out / "rewrite"
    for entry in manifest["files"]:
        for record in records(folder, entry["split"]):
            assert validator.is_valid(record)
            pattern, _, replacement = record["instruction"].partition(" ->")
            assert record["target"] == record["input"].replace(pattern, replacement.strip(), 1)
            assert len(pattern) == params["pattern_length"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), alphabet=st.integers(2, 4), rules=st.integers(1, 4))
def test_markov_targets_match_an_independent_rerun(tmp_path_factory, seed, alphabet, rules):
    out = tmp_path_factory.mktemp("mk")
    params = {"alphabet_size": alphabet, "rules_min": 1, "rules_max": rules, "n_instructions": 30,
              "train_rules_min": 1, "train_rules_max": 4, "test_rules_min": 5, "test_rules_max": 6}
    genforge.generate("markov", out, split_plan="iid", sizes={"train": 40, "validation": 5, "test_id": 5},
                      params=params, seed=seed, trace=True)
    for split in ("train", "validation", "test_id"):
        for record in records(out / "markov", split):
            assert record["target"] == reference_markov(record["instruction"], record["input"])
            assert record["meta"]["complexity"]["steps"] == len(record["trace"]) <= 20
            if record["trace"]:
                assert record["trace"][-1] == record["target"]


def test_unseen_instructions_plan_keeps_test_rules_out_of_train(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes={"train": 2000, "validation": 100, "test_id": 100,
                                                  "test_ood_instruction": 300})
    folder = tmp_path / "rewrite"
    train_rules = {r["instruction"] for r in records(folder, "train")}
    assert len(train_rules) > 800  # most of the 1,000-rule pool is used
    assert train_rules.isdisjoint(r["instruction"] for r in records(folder, "test_ood_instruction"))
    # test_id draws from the same training pool of rules: mostly rules seen in train.
    test_id_rules = {r["instruction"] for r in records(folder, "test_id")}
    assert len(test_id_rules & train_rules) >= 0.7 * len(test_id_rules)


def test_held_out_domain_plan_separates_domains_and_k(tmp_path):
    genforge.generate("rewrite", tmp_path, split_plan="held_out_domain",
                      sizes={"train": 500, "validation": 50, "test_id": 50, "test_ood_domain": 100, "test_ood_k": 100})
    folder = tmp_path / "rewrite"
    for record in records(folder, "train"):
        assert record["meta"]["domain"] != "mirrored"
        assert record["meta"]["domain"] == "unconstrained" or 5 <= record["meta"]["complexity"]["k"] <= 10
    assert {r["meta"]["domain"] for r in records(folder, "test_ood_domain")} == {"mirrored"}
    assert {r["meta"]["complexity"]["k"] for r in records(folder, "test_ood_k")} <= {2, 3}


def test_longer_plan_tests_only_longer_inputs(tmp_path):
    # Runs are not required to be longer too (markov 1.1 did): that kept only the rule lists that run long
    # (see test_rule_splits_validity.py).
    genforge.generate("markov", tmp_path, split_plan="longer",
                      sizes={"train": 300, "validation": 30, "test_id": 30, "test_ood_length": 100})
    folder = tmp_path / "markov"
    train = records(folder, "train")
    test = records(folder, "test_ood_length")
    assert max(len(r["input"]) for r in train) < min(len(r["input"]) for r in test)
    assert max(r["meta"]["complexity"]["steps"] for r in train) <= 20 < max(r["meta"]["complexity"]["steps"]
                                                                             for r in test)


def test_imbalance_alpha_concentrates_examples_on_few_rules(tmp_path):
    sizes = {"train": 1000, "validation": 0, "test_id": 0}
    genforge.generate("rewrite", tmp_path / "flat", split_plan="iid", sizes=sizes, params={"n_instructions": 100})
    genforge.generate("rewrite", tmp_path / "skew", split_plan="iid", sizes=sizes,
                      params={"n_instructions": 100, "imbalance_alpha": 1.5})

    def top_share(folder):
        counts = {}
        for record in records(folder / "rewrite", "train"):
            counts[record["instruction"]] = counts.get(record["instruction"], 0) + 1
        return max(counts.values()) / 1000

    assert top_share(tmp_path / "skew") > 3 * top_share(tmp_path / "flat")


def test_noop_share_leaves_that_share_of_inputs_unchanged(tmp_path):
    genforge.generate("rewrite", tmp_path, split_plan="iid", sizes={"train": 1000, "validation": 0, "test_id": 0},
                      params={"noop_share": 0.3})
    unchanged = sum(r["input"] == r["target"] for r in records(tmp_path / "rewrite", "train"))
    assert 230 < unchanged < 370
