"""Only-IF's uneven distributions (issue 17 item 9): imbalance_alpha read as a Zipf exponent (default) or as
the exponent of the power law of examples per instruction (Zhang, Wang, Charton 2024, §4.4)."""

import json
import math
from collections import Counter

import pytest

import genforge
from genforge.core.errors import ParameterError


def train_counts(tmp_path, **params):
    genforge.generate("rewrite", tmp_path, split_plan="iid", sizes={"train": 6000, "validation": 0, "test_id": 0},
                      params={"n_instructions": 300, "input_length": 25, "pattern_length": 5,
                              "replacement_length": 5, **params})
    lines = (tmp_path / "rewrite" / "train.jsonl").read_text().splitlines()
    return Counter(json.loads(line)["instruction"] for line in lines)


def test_examples_per_instruction_follow_the_power_law_of_the_given_exponent(tmp_path):
    exponent = 2.5  # share of rules with at least n examples ~ n^-(exponent - 1)
    counts = train_counts(tmp_path, imbalance_alpha=exponent, imbalance_law="examples_per_instruction")
    per_rule = sorted(counts.values(), reverse=True)
    # The tail of the count distribution: the rank of a count falls as count^-(exponent - 1).
    slope = (math.log(30) - math.log(3)) / (math.log(per_rule[29]) - math.log(per_rule[2]))
    assert slope == pytest.approx(-(exponent - 1), abs=0.35)


def test_the_zipf_reading_is_the_default_and_the_two_meet_at_exponent_one_plus_one_over_alpha(tmp_path):
    zipf = train_counts(tmp_path / "zipf", imbalance_alpha=1.0)
    counts = train_counts(tmp_path / "counts", imbalance_alpha=2.0, imbalance_law="examples_per_instruction")
    # Same law, other draws (the law's name enters the run's seed): the top shares agree within sampling noise.
    for first, second in zip(sorted(zipf.values(), reverse=True)[:5], sorted(counts.values(), reverse=True)[:5]):
        assert abs(first - second) / 6000 < 0.025
    assert max(zipf.values()) / 6000 > 0.1  # and far from uniform (1/300)


def test_the_power_law_of_counts_needs_an_exponent_above_one():
    with pytest.raises(ParameterError, match="imbalance_alpha"):
        genforge.generate("rewrite", "/nonexistent", params={"imbalance_alpha": 0.8,
                                                               "imbalance_law": "examples_per_instruction"})
