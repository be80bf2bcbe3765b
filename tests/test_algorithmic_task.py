"""The algorithmic (RASP-L) task: hand-checked operations, independent property checks, length splits, golden output."""

import hashlib
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import genforge
from genforge.core.errors import InfeasibleError, ParameterError, UsageError
from genforge.core.params import resolve
from genforge.core.rng import RandomStream
from genforge.generators.algorithmic import OPS
from genforge.tasks.registry import get_task

TASK = get_task("algorithmic")


@pytest.mark.parametrize("op, text, target", [
    ("count", "3 7", "3 4 5 6 7"),
    ("count", "12 12", "12"),
    ("mode", "5 3 5 3 1", "3"),          # 5 and 3 tie: the smaller wins
    ("mode", "8 1 8", "8"),
    ("mode", "42", "42"),
    ("copy_unique", "4 9 2", "4 9 2"),
    ("copy_repeat", "4 4 2", "4 4 2"),
    ("sort", "10 2 33 2", "2 2 10 33"),  # numeric order, repeats kept
    ("reverse", "1 20 3", "3 20 1"),
    ("parity", "1 0 1 1", "1"),
    ("parity", "1 1 0", "0"),
])
def test_operations_hand_checked(op, text, target):
    assert TASK.solve(op, text) == target


@pytest.mark.parametrize("instruction, text", [
    ("shuffle", "1 2"),
    (None, "1 2"),
    ("count", "7 3"),
    ("count", "1 2 3"),
    ("parity", "1 2"),
    ("sort", "1 -2"),
    ("reverse", ""),
])
def test_unreadable_inputs_raise_usage_errors(instruction, text):
    with pytest.raises(UsageError):
        TASK.solve(instruction, text)


def independent_target(op, tokens):
    if op == "count":
        return list(range(tokens[0], tokens[1] + 1))
    if op == "mode":
        counts = Counter(tokens)
        top = max(counts.values())
        return [sorted(t for t in counts if counts[t] == top)[0]]
    if op in ("copy_unique", "copy_repeat"):
        return tokens
    if op == "sort":
        return sorted(tokens)
    if op == "reverse":
        return list(reversed(tokens))
    return [tokens.count(1) % 2]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(OPS), st.integers(2, 60), st.integers(1, 30), st.integers(0, 2 ** 32))
def test_sampled_targets_match_an_independent_computation(op, vocabulary, high, seed):
    if op in ("count", "copy_unique"):
        vocabulary = max(vocabulary, high + 5)
    params = {**resolve(TASK.parameters, {"op": op, "vocabulary_size": vocabulary, "train_length_max": high,
                                          "test_length_min": high + 1, "test_length_max": high + 5}), "seed": 0}
    TASK.check_params(params)
    for example in TASK.sample_block(RandomStream.from_parts("algorithmic", seed), params, 30):
        tokens = [int(word) for word in example.input.split(" ")]
        target = [int(word) for word in example.target.split(" ")]
        assert example.instruction == op
        assert target == independent_target(op, tokens)
        length = tokens[1] - tokens[0] + 1 if op == "count" else len(tokens)
        assert example.meta["complexity"] == {"length": length, "output_length": len(target)}
        assert 1 <= length <= high
        bound = 2 if op == "parity" else vocabulary
        assert all(0 <= token < bound for token in tokens + target)
        if op == "copy_unique":
            assert len(set(tokens)) == len(tokens)
        if op == "count":
            assert len(tokens) == 2


@pytest.mark.parametrize("op", OPS)
def test_no_training_example_reaches_the_test_lengths(tmp_path, read_records, op):
    sizes = {"train": 200, "validation": 20, "test_id": 20, "test_ood_length": 40}
    manifest = genforge.generate("algorithmic", tmp_path, sizes=sizes, params={"op": op})
    records = {f["split"]: read_records(tmp_path / "algorithmic" / f["name"]) for f in manifest["files"]}
    for split in ("train", "validation", "test_id"):
        assert all(1 <= r["meta"]["complexity"]["length"] <= 40 for r in records[split])
    assert all(41 <= r["meta"]["complexity"]["length"] <= 50 for r in records["test_ood_length"])
    for rows in records.values():
        for record in rows:
            assert record["meta"]["domain"] == op
            assert TASK.solve(record["instruction"], record["input"]) == record["target"]


@pytest.mark.parametrize("params, words", [
    ({"op": "copy_unique", "vocabulary_size": 30}, ["vocabulary_size", "30", "test_length_max", "copy_unique"]),
    ({"test_length_min": 40}, ["test_length_min", "40", "train_length_max"]),
    ({"op": "copy"}, ["op", "copy_unique"]),
])
def test_bad_parameters_are_explained(tmp_path, params, words):
    with pytest.raises(ParameterError) as error:
        genforge.generate("algorithmic", tmp_path, params=params)
    for word in words:
        assert word in str(error.value)


def test_count_refuses_more_examples_than_its_space_holds(tmp_path):
    # lengths 41..50 over numbers 0..59: 20 + 19 + ... + 11 = 155 inputs
    with pytest.raises(InfeasibleError, match="space holds only 155"):
        genforge.generate("algorithmic", tmp_path, sizes={"train": 10, "test_ood_length": 156},
                          params={"op": "count", "vocabulary_size": 60})


def test_normalize_reads_tokens_as_numbers_and_structure_uses_bigrams():
    assert TASK.normalize_answer(" 07  3\n") == "7 3"
    assert TASK.normalize_answer("7 x") == "7 x"
    atoms, compounds = TASK.structure({"instruction": "sort", "input": "3 1 2"})
    assert atoms == ["sort", "3", "1", "2"]
    assert compounds == ["3 1", "1 2"]


def test_difficulty_grows_with_length():
    params = {**resolve(TASK.parameters, {"op": "reverse"}), "seed": 0}
    examples = TASK.sample_block(RandomStream.from_parts("difficulty"), params, 50)
    pairs = sorted((e.meta["complexity"]["length"], TASK.difficulty(e)) for e in examples)
    assert all(0 < d < 1 for _, d in pairs)
    assert all(d1 <= d2 for (_, d1), (_, d2) in zip(pairs, pairs[1:]))


def test_golden_output(tmp_path):
    sizes = {"train": 50, "validation": 10, "test_id": 10, "test_ood_length": 10}
    digests = {}
    for op in OPS:
        genforge.generate("algorithmic", tmp_path / op, sizes=sizes, params={"op": op}, seed=0)
        digests[op] = {split: hashlib.sha256((tmp_path / op / "algorithmic" / f"{split}.jsonl").read_bytes())
                       .hexdigest()[:32] for split in sizes}
    assert digests == GOLDEN


# A change here needs a version bump of the task (algorithmic 1.0).
GOLDEN = {
    "count": {
        "train": "9702c39bdf2b6fc8ec1354e4b73cddf6",
        "validation": "353aae4ba2c506fdb2717c5aada2d80f",
        "test_id": "1911c96e59eb843caa920221cb79ce09",
        "test_ood_length": "9fd86a4234e6a51ef62408141cdce3e0",
    },
    "mode": {
        "train": "01af84e63c0b8b7ed1ec2e7638bab347",
        "validation": "fdc7108ee80f6f96c8ebbe25c86d3c7a",
        "test_id": "e5216f48e7283cbd6679a6c8ce64bba8",
        "test_ood_length": "eb62b647fec7504caa4a4dd5ce2bde2d",
    },
    "copy_unique": {
        "train": "efacdd3534a67ccdadb3c3f9f1bd9bfc",
        "validation": "17e509a551432fa5d1c056a3588912cc",
        "test_id": "3a466bcebb22a133b247312f537304ca",
        "test_ood_length": "641e4db0f0798b5ba892611ed87b5bfe",
    },
    "copy_repeat": {
        "train": "a2f68615536521d54b5234e57e89905f",
        "validation": "bfd1f3f3e5ccf37575343235668858fa",
        "test_id": "8bd988f3893830e1b9682381db5504c6",
        "test_ood_length": "eb3b701c864d16a503ef6d146862cbd4",
    },
    "sort": {
        "train": "ffdfd8d72972aa91e570404ee1aa46da",
        "validation": "0468aa3dfeb1ac6a7f52fa4843e7bfb2",
        "test_id": "be9890f1b53c51d7207bf332bbffa07b",
        "test_ood_length": "a0c8939210869ec4caa9f830f6cf05bd",
    },
    "reverse": {
        "train": "09c6c27c2c1cfc18c500a4fce595c675",
        "validation": "c693419a626f860a10718b38091d6de3",
        "test_id": "d94fc7f7c7f55439d8772f7be341c6f8",
        "test_ood_length": "72ba265f4e61e0f1c5661d2fa7151d01",
    },
    "parity": {
        "train": "56575739edaa7c0aaeead443ba66f07b",
        "validation": "218a0baabbfd55b3a933dfdfc9d9135b",
        "test_id": "8ffef70f55aee6085435e137e3fddd0d",
        "test_ood_length": "6a7f10a574b07b3ef66182e49a0c3b84",
    },
}
