"""What markov, rewrite and symbolic declare for `genforge audit`: nuisance features, moves, probes."""

import pytest

from genforge.core.registry import get_task
from genforge.core.spec import resolve_spec


def record(instruction, input, target, domain, **complexity):
    return {"instruction": instruction, "input": input, "target": target,
            "meta": {"domain": domain, "complexity": complexity}}


def plans(task):
    return get_task(task).split_plans(resolve_spec(task).typed())


def test_markov_features_name_rule_type_sizes_and_one_letter_targets():
    features = get_task("markov").nuisance_features(
        record("ab -> a", "abab", "aa", "shrinking", rules=1, pattern_length=2, input_length=4, steps=2))
    assert features == {"domain": "shrinking", "rules": 1, "pattern_length": 2, "input_length": 4, "steps": 2,
                        "one_letter_target": True}


def test_rewrite_features_leave_out_k_of_unconstrained_rules_and_measure_no_op_near_misses():
    task = get_task("rewrite")
    noop = task.nuisance_features(record("abcd -> x", "zzabcezz", "zzabcezz", "unconstrained", k=0,
                                         input_length=8, steps=0))
    assert noop == {"domain": "unconstrained", "input_length": 8, "noop": True, "noop_closest_match": 1}
    applied = task.nuisance_features(record("aabb -> x", "zaabbz", "zxz", "repeated", k=2, input_length=6, steps=1))
    assert applied == {"domain": "repeated", "input_length": 6, "noop": False, "k": 2}


def test_rewrite_probe_answers_the_input_unchanged():
    (probe,) = get_task("rewrite").shortcut_probes(resolve_spec("rewrite").typed())
    predict = probe.fit([])
    assert predict({"instruction": "a -> b", "input": "cab"}) == "cab"


def test_symbolic_features():
    features = get_task("symbolic").nuisance_features(
        record("(a + 3)^2 -> a^2 + 6*a + 9", "sin((x + 3)^2)", "sin(x^2 + 6*x + 9)", "polynomial",
               depth=3, nodes=6, rule_nodes=5, match_depth=1))
    assert features == {"domain": "polynomial", "depth": 3, "rule_nodes": 5, "match_depth": 1,
                        "rule_has_constant": True}


@pytest.mark.parametrize("task, plan, split, moved", [
    ("markov", "longer", "test_ood_length", {"input_length", "steps"}),
    # The held-out domain's outputs and rule lists have its own lengths (growing rules lengthen).
    ("markov", "held_out_domain", "test_ood_domain", {"domain", "pattern_length", "output_length", "target_length",
                                                      "instruction_length"}),
    ("rewrite", "held_out_domain", "test_ood_domain", {"domain", "k"}),  # train mixes in rules without k
    ("markov", "held_out_domain", "test_ood_rules", {"rules", "instruction_length"}),  # more rules: longer lists
    ("rewrite", "longer", "test_ood_length", {"input_length"}),
    ("rewrite", "held_out_domain", "test_ood_k", {"k", "domain"}),  # unconstrained rules have no k
    ("symbolic", "deeper", "test_ood_depth", {"depth", "match_depth"}),
    ("symbolic", "unseen_instructions", "test_ood_instruction", {"rule_nodes", "instruction_length"}),
])
def test_each_ood_split_declares_the_features_its_shift_moves(task, plan, split, moved):
    spec = plans(task)[plan].split(split)
    assert set(spec.moves) == moved
    for name in ("train", "test_id"):
        assert plans(task)[plan].split(name).moves == ()
