"""Issue 15: the carry plan shifts carries only (operand sizes matched), and a*b / b*a are one question."""

from collections import Counter

import pytest

import genforge
from genforge.core.registry import get_task
from genforge.core.rng import RandomStream

SYMBOL = {"addition": "+", "multiplication": "*"}


def generate(tmp_path, read_records, task, plan, sizes, **params):
    manifest = genforge.generate(task, tmp_path, split_plan=plan, sizes=sizes, params=params)
    return {f["split"]: read_records(tmp_path / task / f["name"]) for f in manifest["files"]}


def operand_profile(records, symbol):
    """Shares of records with a 0 operand, a 0-or-1 operand, a one-digit operand, and the length-pair histogram."""
    n = len(records)
    pairs = [record["input"].split(symbol) for record in records]
    return {
        "zero": sum("0" in (a, b) for a, b in pairs) / n,
        "zero_or_one": sum(a in ("0", "1") or b in ("0", "1") for a, b in pairs) / n,
        "one_digit": sum(len(a) == 1 or len(b) == 1 for a, b in pairs) / n,
        "lengths": Counter((len(a), len(b)) for a, b in pairs),
    }


def total_variation(first: Counter, second: Counter) -> float:
    n, m = sum(first.values()), sum(second.values())
    return 0.5 * sum(abs(first[k] / n - second[k] / m) for k in set(first) | set(second))


def test_multiplication_carry_plan_draws_id_and_ood_operands_from_one_size_law(tmp_path, read_records):
    records = generate(tmp_path, read_records, "multiplication", "held_out_carry_pattern",
                       {"train": 1500, "validation": 0, "test_id": 400, "test_ood_carry": 400})
    train, ood = (operand_profile(records[s], "*") for s in ("train", "test_ood_carry"))
    # Before: 13% zero operands and 73% one-digit operands in train against none / 14% in the carry test.
    assert train["zero_or_one"] == 0 and ood["zero_or_one"] == 0
    assert abs(train["one_digit"] - ood["one_digit"]) < 0.08
    assert total_variation(train["lengths"], ood["lengths"]) < 0.12
    assert max(r["meta"]["complexity"]["longest_carry_chain"] for r in records["train"]) <= 2
    assert min(r["meta"]["complexity"]["longest_carry_chain"] for r in records["test_ood_carry"]) >= 3


@pytest.mark.parametrize("task_name", ["addition", "multiplication"])
def test_swapped_operands_never_land_in_two_splits(tmp_path, read_records, task_name):
    records = generate(tmp_path, read_records, task_name, "iid", {"train": 1500, "validation": 300, "test_id": 300},
                       train_digits_max=2, test_digits_min=3, test_digits_max=4)
    seen = {}
    for split, rows in records.items():
        for row in rows:
            key = (row["instruction"], tuple(sorted(row["input"].split(SYMBOL[task_name]))))
            assert seen.setdefault(key, split) == split, (row["input"], seen[key], split)
    # Within a split, too: a*b and b*a are one question.
    assert sum(len(rows) for rows in records.values()) == len(seen)


@pytest.mark.parametrize("task_name", ["addition", "multiplication"])
@pytest.mark.parametrize("flags", [{}, {"index_hints": True, "reversed_operands": True}, {"zero_padding": True}])
def test_sampled_keys_are_the_canonical_keys(task_name, flags):
    task = get_task(task_name)
    params = task.Params.resolve(**flags)
    for example in task.sample_block(RandomStream.from_parts("keys", task_name), params, 200):
        assert example.key() == task.canonical_key(example.instruction, example.input)
        a, b = example.input.split(SYMBOL[task_name])
        assert task.canonical_key(example.instruction, f"{b}{SYMBOL[task_name]}{a}") == example.key()


def test_nuisance_features_and_declared_moves():
    task = get_task("multiplication")
    features = task.nuisance_features({"instruction": "multiply index_hints", "input": "f0e0d0c1b2a3*f0e0d0c0b4a5"})
    assert features == {"shorter_operand_digits": 2, "longer_operand_digits": 3, "one_digit_operand": False,
                        "zero_or_one_operand": False, "carries": 3, "longest_carry_chain": 3, "result_digits": 4}
    plans = task.split_plans(task.Params.resolve())
    carry = plans["held_out_carry_pattern"].split("test_ood_carry")
    assert "longest_carry_chain" in carry.moves and "longer_operand_digits" not in carry.moves
    assert "longer_operand_digits" in plans["longer"].split("test_ood_length").moves


def test_the_carry_blind_probe_is_right_exactly_when_nothing_carries():
    task = get_task("addition")
    (probe,) = task.shortcut_probes(task.Params.resolve())
    predict = probe.fit([])
    assert predict({"instruction": "add plain", "input": "123+45"}) == "168"
    assert predict({"instruction": "add plain", "input": "19+5"}) == "14"  # 24 with the carry
    assert predict({"instruction": "add index_hints reversed_output", "input": "c0b1a9+c0b0a5"}) == "a4b1c0"


def test_addition_carry_plan_draws_id_and_ood_operands_from_one_size_law(tmp_path, read_records):
    records = generate(tmp_path, read_records, "addition", "held_out_carry_pattern",
                       {"train": 1500, "validation": 0, "test_id": 0, "test_ood_carry": 400})
    train, ood = (operand_profile(records[s], "+") for s in ("train", "test_ood_carry"))
    # Before: the carry test drew both operands with at least 5 digits, train any of 1..10 (TV 0.65 on the
    # shorter operand's digits).
    shorter = {split: Counter(min(pair) for pair in profile["lengths"].elements())
               for split, profile in (("train", train), ("ood", ood))}
    assert total_variation(shorter["train"], shorter["ood"]) < 0.08
    assert max(r["meta"]["complexity"]["longest_carry_chain"] for r in records["train"]) <= 4
    assert min(r["meta"]["complexity"]["longest_carry_chain"] for r in records["test_ood_carry"]) >= 5
