"""The block-at-a-time paths of the engine give the answers of their record-by-record definitions."""

from __future__ import annotations

import hashlib
import random

import numpy
import pytest

from genforge.core import blocks
from genforge.core.blocks import RecordEncoder, buckets_of
from genforge.core.errors import CheckFailed
from genforge.core.records import Example, bucket_of, key_digest
from genforge.core.rng import block_seeds, derive_seed
from genforge.core.splits import accept_all, accepted_indices, all_of, bucket_range


def _digests(count: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.getrandbits(128).to_bytes(16, "big") for _ in range(count)]


def test_block_buckets_are_bucket_of_each_digest():
    digests = _digests(2000)
    # Digests whose first 8 bytes sit at a float rounding tie (truncating conversions differ there).
    digests += [((1 << 63) + (1 << 10)).to_bytes(8, "big") + bytes(8), ((1 << 64) - 1).to_bytes(8, "big") + bytes(8)]
    examples = [Example(None, str(i), "") for i in range(len(digests))]
    assert buckets_of(examples, digests).tolist() == [bucket_of(digest) for digest in digests]


def test_python_fallback_gives_the_same_buckets(monkeypatch):
    digests = _digests(300, seed=1)
    examples = [Example(None, str(i), "") for i in range(len(digests))]
    fast = buckets_of(examples, digests).tolist()
    monkeypatch.setattr(blocks, "_NUMPY_BUCKETS_EXACT", False)
    assert buckets_of(examples, digests).tolist() == fast


def test_an_example_bucket_overrides_its_digest():
    digests = _digests(3)
    examples = [Example(None, "a", ""), Example(None, "b", "", bucket=0.25), Example(None, "c", "")]
    assert buckets_of(examples, digests).tolist() == [bucket_of(digests[0]), 0.25, bucket_of(digests[2])]


def _even_input(example: Example, bucket: float) -> bool:
    return int(example.input) % 2 == 0


@pytest.mark.parametrize("predicate", [
    accept_all,
    bucket_range(0.8, 0.9),
    all_of(_even_input, bucket_range(0.0, 0.8)),
    all_of(bucket_range(0.1, 0.7), _even_input, all_of(bucket_range(0.3, 1.0), lambda e, b: b < 0.5)),
    _even_input,
])
def test_accepted_indices_are_the_predicate_record_by_record(predicate):
    examples = [Example(None, str(i), "") for i in range(1000)]
    buckets = buckets_of(examples, [key_digest(example.key()) for example in examples])
    expected = [i for i, example in enumerate(examples) if predicate(example, float(buckets[i]))]
    assert accepted_indices(predicate, examples, buckets) == expected


@pytest.mark.parametrize("block", [0, 1, 9, 10, 255, 123456789])
def test_block_seeds_are_derive_seed(block):
    parts = ("task", "1.0", {"b": [1, 2], "a": "é", "c": 0.5}, 7, "train")
    assert block_seeds(*parts)(block) == derive_seed(*parts, block)


def _sampled_additions(count: int) -> list[Example]:
    import genforge.core.spec as spec_module
    from genforge.core.rng import RandomStream

    spec = spec_module.resolve_spec("addition")
    task = spec.task_object()
    params = task.split_params(spec.typed(), spec.plan().splits[0], spec.seed)
    return [e for e in task.sample_block(RandomStream(hashlib.sha256(b"x").digest()), params, count) if e]


@pytest.mark.parametrize("trace", [False, True])
def test_block_bodies_equal_the_record_by_record_bytes(trace):
    encoder = RecordEncoder("addition", "train", trace=trace)
    examples = _sampled_additions(64)
    expected = [encoder._checked_record_bytes(example) for example in examples]
    assert encoder.bodies(examples) == expected
    assert encoder.bodies(examples, newline=True) == [body + b"\n" for body in expected]


def test_text_needing_escapes_gives_the_canonical_bytes():
    encoder = RecordEncoder("addition", "train", trace=False)
    first, second = _sampled_additions(2)
    odd = [first._replace(instruction=None), second._replace(target='5"\n\u2028%s%%\x00é\\')]
    assert encoder.bodies(odd) == [encoder._checked_record_bytes(example) for example in odd]


def test_an_invalid_meta_in_a_block_is_explained():
    encoder = RecordEncoder("addition", "train", trace=False)
    good, other = _sampled_additions(2)
    bad = other._replace(meta={**other.meta, "domain": "mul"})  # addition's domain is the constant "add"
    with pytest.raises(CheckFailed, match="domain"):
        encoder.bodies([good, bad])


def test_an_invalid_record_in_a_block_is_explained():
    encoder = RecordEncoder("addition", "train", trace=False)
    good, other = _sampled_additions(2)
    bad = other._replace(target=3)  # a target must be a string
    with pytest.raises(CheckFailed, match="target"):
        encoder.bodies([good, bad])


def test_buckets_are_float64():
    examples = [Example(None, "a", "")]
    assert buckets_of(examples, _digests(1)).dtype == numpy.float64


def test_a_block_crosses_processes_packed_and_unchanged():
    import pickle

    from genforge.core.blocks import Block

    block = Block(_digests(3), [b'"a":"x\\ny"}\n', b'"b":1}\n', b'"c":"\\r"}\n'], ["p", "q", "p"])
    packed = pickle.dumps(block)
    back = pickle.loads(packed)
    assert (back.digests, back.lines, back.labels) == (block.digests, block.lines, block.labels)
    assert len(packed) < 3 * 16 + 60 + 200  # two byte strings, not a list of objects each
    empty = pickle.loads(pickle.dumps(Block([], [], None)))
    assert (empty.digests, empty.lines, empty.labels) == ([], [], None)


def test_key_digests_are_key_digest_of_each():
    from genforge.core.records import key_digests

    keys = ["", "a", "add plain\x1f1+2", "é" * 300, "\x00\x1f"]
    assert key_digests(keys) == [key_digest(key) for key in keys]


def test_shared_meta_dicts_are_encoded_once_with_the_same_bytes_and_checked():
    encoder = RecordEncoder("addition", "train", trace=False)
    examples = _sampled_additions(40)
    shared = examples[0].meta
    same = [example._replace(meta=shared) for example in examples]  # one meta object for the whole block
    assert encoder.bodies(same) == [encoder._checked_record_bytes(example) for example in same]
    broken = {**shared, "domain": "mul"}
    with pytest.raises(CheckFailed, match="domain"):
        encoder.bodies([example._replace(meta=broken) for example in examples])


def test_bucket_window_is_the_intersection_of_a_splits_bucket_intervals():
    from genforge.core.splits import SplitSpec, with_bucket_window

    nested = SplitSpec("s", 10, "", all_of(_even_input, all_of(bucket_range(0.1, 0.9), bucket_range(0.3, 1.0))))
    assert with_bucket_window(nested).sample_params["bucket_window"] == (0.3, 0.9)
    plain = SplitSpec("p", 10, "", _even_input)
    assert with_bucket_window(plain) is plain
    listed = SplitSpec("e", None, "", bucket_range(0.0, 0.8), source="enumerate")
    assert with_bucket_window(listed) is listed
