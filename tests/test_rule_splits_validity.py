"""Issue 15 (items 4, 5, 8): the rule tasks' OOD splits shift only along the axis they name.

Each test measures, at small sizes, what the issue measured at default sizes, with code that does not
come from the package (histograms, rule shapes and near matches are recomputed here).
"""

import json
import re
from collections import Counter

import pytest

import genforge


def records(folder, split):
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines()]


def shares(values):
    counts = Counter(values)
    total = sum(counts.values())
    return {key: count / total for key, count in counts.items()}


def total_variation(first, second):
    return 0.5 * sum(abs(first.get(key, 0) - second.get(key, 0)) for key in set(first) | set(second))


def one_letter(text):
    return len(set(text)) <= 1


# -- markov: the longer test keeps train's rule mix and many rule lists (item 4) -----------------

@pytest.fixture(scope="module")
def markov_longer(tmp_path_factory):
    out = tmp_path_factory.mktemp("markov_longer")
    genforge.generate("markov", out, split_plan="longer",
                      sizes={"train": 1500, "validation": 0, "test_id": 0, "test_ood_length": 400})
    return records(out / "markov", "train"), records(out / "markov", "test_ood_length")


def test_markov_longer_test_has_the_rule_mix_of_train(markov_longer):
    train, test = markov_longer
    train_domains = shares(r["meta"]["domain"] for r in train)
    test_domains = shares(r["meta"]["domain"] for r in test)
    assert set(test_domains) == set(train_domains)  # shrinking rule lists too
    assert total_variation(train_domains, test_domains) < 0.1
    rule_counts = (shares(r["meta"]["complexity"]["rules"] for r in rows) for rows in (train, test))
    assert total_variation(*rule_counts) < 0.1


def test_markov_longer_test_draws_many_rule_lists(markov_longer):
    _, test = markov_longer
    counts = Counter(r["instruction"] for r in test)
    assert len(counts) > 0.6 * len(test)
    assert sum(count for _, count in counts.most_common(10)) < 0.1 * len(test)


def test_markov_longer_test_has_no_excess_of_one_letter_targets(markov_longer):
    train, test = markov_longer
    test_share = sum(one_letter(r["target"]) for r in test) / len(test)
    train_share = sum(one_letter(r["target"]) for r in train) / len(train)
    assert test_share <= train_share + 0.05


def test_markov_longer_test_has_only_longer_inputs(markov_longer):
    train, test = markov_longer
    assert max(len(r["input"]) for r in train) < min(len(r["input"]) for r in test)
    assert max(r["meta"]["complexity"]["steps"] for r in test) <= 60  # longer_max_steps


# -- rewrite: the domain test at train's k, near-miss no-op inputs (item 8) ----------------------

def test_rewrite_domain_test_keeps_the_k_of_train(tmp_path):
    genforge.generate("rewrite", tmp_path, split_plan="held_out_domain", params={"n_instructions": 200},
                      sizes={"train": 300, "validation": 0, "test_id": 0, "test_ood_domain": 200, "test_ood_k": 50})
    train_k = {r["meta"]["complexity"]["k"] for r in records(tmp_path / "rewrite", "train")} - {0}
    domain_k = {r["meta"]["complexity"]["k"] for r in records(tmp_path / "rewrite", "test_ood_domain")}
    assert train_k <= set(range(5, 11)) and domain_k <= set(range(5, 11))
    assert len(domain_k) >= 5  # the whole train range, not one value


def closest_match(pattern, text):
    """The fewest letters in which ``pattern`` differs from a window of ``text``."""
    width = len(pattern)
    return min(sum(a != b for a, b in zip(pattern, text[start:start + width]))
               for start in range(len(text) - width + 1))


@pytest.mark.parametrize("params, expected", [({}, 1), ({"noop_inputs": "near_miss"}, 1)])
def test_rewrite_noop_inputs_hold_a_near_miss_of_the_pattern_by_default(tmp_path, params, expected):
    genforge.generate("rewrite", tmp_path, split_plan="iid", params={"noop_share": 0.5, **params},
                      sizes={"train": 200, "validation": 0, "test_id": 0})
    noops = [r for r in records(tmp_path / "rewrite", "train") if r["input"] == r["target"]]
    assert len(noops) > 60
    for record in noops:
        pattern = record["instruction"].split(" -> ")[0]
        assert closest_match(pattern, record["input"]) == expected


def test_rewrite_random_noop_inputs_remain_an_option(tmp_path):
    genforge.generate("rewrite", tmp_path, split_plan="iid", params={"noop_share": 0.5, "noop_inputs": "random"},
                      sizes={"train": 200, "validation": 0, "test_id": 0})
    noops = [r for r in records(tmp_path / "rewrite", "train") if r["input"] == r["target"]]
    assert noops and all(closest_match(r["instruction"].split(" -> ")[0], r["input"]) > 5 for r in noops)


# -- symbolic: unseen instructions held out by rule shape (item 5) -------------------------------

def rule_shape(rule):
    """Integer constants abstracted, a rule and its reverse the same: written here, not imported."""
    left, right = (re.sub(r"\d+", "#", side.strip()) for side in rule.split("->"))
    return frozenset((left, right))


@pytest.fixture(scope="module")
def symbolic_unseen(tmp_path_factory):
    from genforge.generators.symbolic_examples import SEEN
    everything = sum(len(rules) for rules in SEEN.values())  # every training-eligible rule in the pool
    out = tmp_path_factory.mktemp("symbolic_unseen")
    genforge.generate("symbolic", out, split_plan="unseen_instructions",
                      params={"n_instructions": everything, "examples_per_instruction": 4},
                      sizes={"validation": 0, "test_id": 0, "test_ood_instruction": 300})
    return records(out / "symbolic", "train"), records(out / "symbolic", "test_ood_instruction")


def test_symbolic_unseen_rules_share_no_shape_with_training_rules(symbolic_unseen):
    train, test = symbolic_unseen
    train_shapes = {rule_shape(r["instruction"]) for r in train}
    assert len(train_shapes) > 30
    assert not [r["instruction"] for r in test if rule_shape(r["instruction"]) in train_shapes]


def test_symbolic_unseen_test_covers_every_family_and_no_shape_dominates(symbolic_unseen):
    _, test = symbolic_unseen
    assert {r["meta"]["domain"] for r in test} == {"polynomial", "trigonometric", "exponential_logarithmic"}
    shapes = Counter(rule_shape(r["instruction"]) for r in test)
    assert len(shapes) >= 8 and max(shapes.values()) < 0.2 * len(test)
