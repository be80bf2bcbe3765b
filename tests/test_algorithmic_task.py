"""The algorithmic (RASP-L) task: hand-checked operations, independent property checks, length splits, golden output."""

import hashlib
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import genforge
from genforge.core.errors import InfeasibleError, ParameterError, UsageError
from genforge.core.rng import RandomStream
from genforge.generators import algorithmic
from genforge.generators.algorithmic import OPS
from genforge.core.registry import get_task

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
    params = TASK.Params.resolve(op=op, vocabulary_size=vocabulary, train_length_max=high,
                                 test_length_min=high + 1, test_length_max=high + 5)
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



@settings(max_examples=60, deadline=None)
@given(st.sampled_from(OPS), st.sampled_from([11, 1000, 10 ** 6]), st.integers(1, 45), st.booleans(),
       st.integers(0, 2 ** 32))
def test_every_sampling_method_matches_an_independent_computation(op, vocabulary, high, dense, seed):
    # Large vocabularies (copy_unique redraws repeated tokens) and, with the dense shuffle switched off,
    # small ones (copy_unique samples segment by segment) take the paths the default parameters do not.
    vocabulary = max(vocabulary, high + 5)
    params = TASK.Params.resolve(op=op, vocabulary_size=vocabulary, train_length_max=high,
                                 test_length_min=high + 1, test_length_max=high + 5)
    with pytest.MonkeyPatch.context() as patch:
        if not dense:
            patch.setattr(algorithmic, "_DENSE_SWAP_LIMIT", 0)
        examples = TASK.sample_block(RandomStream.from_parts("methods", seed), params, 40)
    for example in examples:
        tokens = [int(word) for word in example.input.split(" ")]
        target = [int(word) for word in example.target.split(" ")]
        assert example.input == " ".join(map(str, tokens)) and example.target == " ".join(map(str, target))
        assert target == independent_target(op, tokens)
        length = tokens[1] - tokens[0] + 1 if op == "count" else len(tokens)
        assert example.meta["complexity"] == {"length": length, "output_length": len(target)}
        assert 1 <= length <= high
        assert all(0 <= token < (2 if op == "parity" else vocabulary) for token in tokens + target)
        if op == "copy_unique":
            assert len(set(tokens)) == len(tokens)


@pytest.mark.parametrize("dense", [True, False])
def test_copy_unique_draws_every_ordered_sample_equally_often(monkeypatch, dense):
    # 5 tokens, length 3: 60 ordered samples; a chi-square far above its 59 degrees of freedom means bias.
    if not dense:
        monkeypatch.setattr(algorithmic, "_DENSE_SWAP_LIMIT", 0)
    counts = Counter()
    for block in range(60):
        tokens = algorithmic.distinct_token_block(RandomStream.from_parts("uniform", block), 5,
                                                  np.full(256, 3, dtype=np.int64))
        counts.update(map(tuple, tokens.reshape(-1, 3).tolist()))
    assert len(counts) == 60
    expected = 60 * 256 / 60
    assert sum((seen - expected) ** 2 / expected for seen in counts.values()) < 120

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
    params = TASK.Params.resolve(op="reverse")
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


# A change here needs a version bump of the task (algorithmic 1.2).
GOLDEN = {
    "count": {
        "train": "22c16a82dd054b70d5bfe9b7ee98430b",
        "validation": "cf86576d4048faf597f7d8e1686f4633",
        "test_id": "aea082a0e96a77fc7ddd905173095d98",
        "test_ood_length": "c86031dad8b1e965d8981db154cac006",
    },
    "mode": {
        "train": "4dcce78649ad59018bf9b7a97c1a2588",
        "validation": "ae5d59e4e0156dcad1541763513beee7",
        "test_id": "c6b6a319915dac136fb5807ec1990496",
        "test_ood_length": "06c541f4ca8c3cd37ffa548abcf9a447",
    },
    "copy_unique": {
        "train": "1c11f062828f27ba5a45e47bbbb77d06",
        "validation": "4b1d41ed3b544859029a2b1aa67dd369",
        "test_id": "9719810f5f5caed9debffa6b02ac2891",
        "test_ood_length": "e86f8521836f054e0d2cd836e9ed5dd8",
    },
    "copy_repeat": {
        "train": "c0586034531852a580d71dd05d1e39ae",
        "validation": "2675aa4c9158df3c1ab521fd33658c7d",
        "test_id": "749bbec318d7be02fad9b5f82d0815bb",
        "test_ood_length": "d84f4d3ceb1bbc9faf092e603ceeae31",
    },
    "sort": {
        "train": "e416b83d4cca7d354fa5b91a2e3fed9f",
        "validation": "4a126445cf7f4e6cf19b0f532e3829e1",
        "test_id": "4badca00939c74f642b86858251419cd",
        "test_ood_length": "eb1cd967bd8ec1d58931b82f5df9f354",
    },
    "reverse": {
        "train": "59cba5b748a7a1cbc6a63d9c5cf5407a",
        "validation": "3e4867b4d92a2c6df87b5198f435bcd8",
        "test_id": "65758be8b788d4641f12e728111ed15a",
        "test_ood_length": "7252c8628e56edae2f5cc8df674c659d",
    },
    "parity": {
        "train": "005cda30b441b8c4437d94a6c3f4c69e",
        "validation": "d2150f92617287afe61d6325140c2d76",
        "test_id": "8bcc0e860431462bea8aa0585229b74f",
        "test_ood_length": "5e1dc9a2988df9c542becfcac531e6b9",
    },
}
