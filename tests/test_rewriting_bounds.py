"""Bounded work for rewrite and markov: settings that ran for minutes (or forever) are refused up front
or give up after a bounded number of draws, with a message naming what to change."""

import json
import re
import time

import pytest

import genforge
from genforge.core.errors import InfeasibleError, ParameterError
from genforge.generators.instruction_pool import STALL_DRAWS
from genforge.generators.rewrite_sampler import chance_without
from genforge.tasks.rewrite import MIN_NOOP_CHANCE

SMALL = {"train": 20, "validation": 2, "test_id": 2}


def generate(task, tmp_path, params, sizes=SMALL, plan="iid"):
    return genforge.generate(task, tmp_path, split_plan=plan, sizes=sizes, params=params)


def test_a_pool_larger_than_the_rule_space_gives_up_after_a_stall_not_fifty_draws_per_rule(tmp_path):
    # 2 symbols, patterns of 1, empty replacements: 2 rules exist. It used to draw 50 x 100,000 times.
    params = {"alphabet_size": 2, "pattern_length": 1, "replacement_length": 0, "input_length": 2,
              "n_instructions": 100_000}
    with pytest.raises(InfeasibleError, match="ask for at most") as caught:
        generate("rewrite", tmp_path, params)
    attempts = int(re.search(r"in ([\d,]+) attempts", str(caught.value)).group(1).replace(",", ""))
    assert attempts <= STALL_DRAWS + 10


@pytest.mark.parametrize("task, params, message", [
    # The schema keeps the pool to 100,000 rules (it was 10,000,000: minutes before the first example).
    ("rewrite", {"n_instructions": 100_001}, "'n_instructions' = 100001 is out of range"),
    # 1,001 rules of 20,000 symbols each: more than the 20,000,000 pool symbols allowed.
    ("rewrite", {"input_length": 10_000, "pattern_length": 10_000, "replacement_length": 10_000,
                 "longer_input_length": 20_000, "n_instructions": 1001}, "ask for at most 1,000"),
    ("rewrite", {"input_length": 10_001}, "'input_length' = 10001 is out of range"),
    # Up to 4 rules per instruction: 25,000 instructions are 100,000 rules.
    ("markov", {"n_instructions": 25_001}, "ask for at most 25,000"),
])
def test_pools_and_inputs_beyond_the_work_bounds_are_refused(tmp_path, task, params, message):
    with pytest.raises(ParameterError, match=message):
        generate(task, tmp_path, params)


def test_noop_inputs_that_would_almost_never_miss_the_pattern_are_refused(tmp_path):
    # Over 2 symbols a 100-symbol input contains any 1-symbol pattern: every no-op draw was rejected
    # after 64 random inputs, and noop_share=1 never finished.
    assert chance_without(2, 1, 100) < MIN_NOOP_CHANCE
    with pytest.raises(ParameterError, match="noop_share.*longer_input_length"):
        generate("rewrite", tmp_path, {"noop_share": 1.0, "alphabet_size": 2, "pattern_length": 1})
    # With 26 symbols and patterns of 4 such inputs are easy to find, and all of them are no-ops.
    assert chance_without(26, 4, 100) > 0.9
    generate("rewrite", tmp_path, {"noop_share": 1.0, "pattern_length": 4, "replacement_length": 4})
    records = [json.loads(line) for line in (tmp_path / "rewrite" / "train.jsonl").read_text().splitlines()]
    assert records and all(r["input"] == r["target"] for r in records)


@pytest.mark.parametrize("params, message", [
    # Rule lists need distinct patterns; 2 symbols and patterns of 1 give 2. Drawing a third never ended.
    ({"alphabet_size": 2, "pattern_length_max": 1, "rules_min": 3, "rules_max": 3, "train_rules_min": 3,
      "train_rules_max": 3, "test_rules_min": 5, "test_rules_max": 5}, "'test_rules_max' = 5.*give only 2"),
    ({"alphabet_size": 2, "pattern_length_max": 1, "rules_min": 1, "rules_max": 3, "train_rules_min": 1,
      "train_rules_max": 1, "test_rules_min": 2, "test_rules_max": 2}, "'rules_max' = 3.*give only 2"),
    # Runs of 20,000 steps on 20,000 symbols: each attempt built gigabytes of trace.
    ({"max_steps": 10_000, "longer_max_steps": 20_000, "input_length": 10_000, "longer_input_length": 20_000},
     "symbols in one run's trace"),
    ({"max_steps": 999, "longer_max_steps": 1000, "longer_input_length": 50, "domains": ["shrinking"],
      "held_out_domains": []}, "rule tries in one run"),
])
def test_markov_settings_whose_attempts_never_end_are_refused(tmp_path, params, message):
    with pytest.raises(ParameterError, match=message):
        generate("markov", tmp_path, params)


def test_a_markov_split_whose_runs_never_stop_gives_up_after_a_bounded_number_of_attempts(tmp_path):
    # Two symbols, two rules with the patterns a and b, none terminal: every run goes on forever and
    # is rejected after max_steps, on inputs as long as the trace bound allows (10 x 10,000 symbols).
    # The split gives up after 64 blocks of 256 attempts without an example, in seconds.
    params = {"alphabet_size": 2, "domains": ["permuting"], "held_out_domains": [], "pattern_length_max": 1,
              "replacement_length_max": 1, "terminal_share": 0, "rules_min": 2, "rules_max": 2,
              "train_rules_min": 2, "train_rules_max": 2, "test_rules_min": 1, "test_rules_max": 1,
              "min_steps": 0, "max_steps": 9, "longer_max_steps": 10, "min_input_length": 9000,
              "input_length": 9000, "longer_input_length": 10_000, "n_instructions": 2}
    started = time.process_time()
    with pytest.raises(InfeasibleError, match="only 0 distinct examples found in 16,384 attempts"):
        generate("markov", tmp_path, params, sizes={"train": 1000, "validation": 0, "test_id": 0})
    assert time.process_time() - started < 30
