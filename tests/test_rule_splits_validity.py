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
