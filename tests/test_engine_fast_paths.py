"""The engine's fast paths give exactly what the plain definitions give.

Records are encoded from a per-split head plus per-record fields and validated
in two parts; blocks travel packed; enumerated splits run on workers; two_hop
and comparison compute buckets of many facts at once; checkpoints become
durable on a background thread. Each is checked here against the slow,
obvious form it replaces.
"""

from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import genforge
from genforge.core.blocks import BlockJob, RecordEncoder, pack, split_context, unpack
from genforge.core.canonical import encode_constant_fields, encode_record, encode_varying_fields
from genforge.core.checkpoints import Checkpoints
from genforge.core.records import Example, key_digest
from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.core.spec import resolve_spec
from genforge.core.validation import SPLIT_CONSTANT_FIELDS, split_schema, validator_for_task
from genforge.generators.knowledge_graph import code_bucket, code_buckets

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
scalar = st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1), text,
                   st.floats(min_value=1e-4, max_value=1e15), st.just(0.0))
meta = st.dictionaries(text, st.one_of(scalar, st.dictionaries(text, scalar, max_size=4)), max_size=5)


@settings(max_examples=200, deadline=None)
@given(instruction=st.one_of(st.none(), text), input=text, target=text, meta=meta,
       trace=st.one_of(st.none(), st.lists(text, max_size=4)), task=st.sampled_from(["rewrite", "two_hop"]),
       split=st.sampled_from(["train", "test_ood_length"]))
def test_head_plus_fields_is_the_canonical_record(instruction, input, target, meta, trace, task, split):
    record = {"id": "", "task": task, "task_version": "1.0", "split": split, "instruction": instruction,
              "input": input, "target": target}
    fields = {"instruction": instruction, "input": input, "target": target}
    if trace is not None:
        record["trace"] = fields["trace"] = trace
    record["meta"] = fields["meta"] = meta
    head = encode_constant_fields({"task": task, "task_version": "1.0", "split": split})
    assert b'{"id":"",' + head + encode_varying_fields(fields) == encode_record(record)


def _addition_record(**changes):
    record = {"id": "addition/train/000000", "task": "addition", "task_version": "1.0", "split": "train",
              "instruction": "add plain", "input": "1+2", "target": "3",
              "meta": {"domain": "add", "difficulty": 0.5, "complexity": {
                  "digits_a": 1, "digits_b": 1, "digits": 1, "result_digits": 1, "carries": 0,
                  "longest_carry_chain": 0}}}
    for key, value in changes.items():
        if value is None and key != "instruction":
            del record[key]
        else:
            record[key] = value
    return record


CHANGES = [
    {}, {"id": "addition/train/12"}, {"id": "Addition/train/000000"}, {"task": "Add"}, {"task_version": "1"},
    {"split": "a b"}, {"instruction": None}, {"instruction": 3}, {"input": None}, {"target": 7},
    {"trace": ["a", 1]}, {"trace": ["a"]}, {"extra": 1}, {"meta": {"domain": "add"}},
    {"meta": {"domain": "mul", "difficulty": 0.5, "complexity": {}}}, {"meta": None},
]


@pytest.mark.parametrize("changes", CHANGES)
def test_the_two_part_validation_accepts_exactly_what_the_record_schema_accepts(changes):
    validator = validator_for_task("addition")
    record = _addition_record(**changes)
    constant = {key: record[key] for key in SPLIT_CONSTANT_FIELDS if key in record}
    varying = {key: value for key, value in record.items() if key not in SPLIT_CONSTANT_FIELDS}
    in_two_parts = validator.constant_part_is_valid(constant) and validator.varying_part_is_valid(varying)
    assert in_two_parts == validator.is_valid(record)


def test_a_schema_that_does_not_separate_is_not_split():
    assert split_schema({"type": "object", "allOf": [{"required": ["id"]}]}, SPLIT_CONSTANT_FIELDS) is None
    assert split_schema({"type": "array"}, SPLIT_CONSTANT_FIELDS) is None


def test_the_encoder_fast_path_matches_the_whole_record_path():
    spec = resolve_spec("addition", params={"index_hints": True}, trace=True)
    context = split_context(BlockJob(spec, spec.key(), "train", 0))
    task, encoder = context.task, context.encoder
    examples = [e for e in task.sample_block(RandomStream.from_parts("fast path"), context.sample_params, 64) if e]
    assert examples
    for example in examples:
        assert encoder.body(example) == encoder._checked_record_bytes(example)


def test_an_invalid_example_is_explained_on_the_fast_path_too():
    encoder = RecordEncoder("addition", "train", trace=False)
    complexity = {"digits_a": 1, "digits_b": 1, "digits": 1, "result_digits": 1, "carries": 0,
                  "longest_carry_chain": 0}
    bad = Example("add plain", "1+2", "3", {"domain": "multiply", "complexity": complexity})
    with pytest.raises(genforge.core.errors.CheckFailed, match="invalid record"):
        encoder.body(bad)


@given(st.lists(st.tuples(st.binary(min_size=16, max_size=16), text.map(orjson.dumps)), max_size=20))
def test_packed_blocks_unpack_to_the_same_candidates(candidates):
    # Bodies are canonical JSON (every control character escaped), like orjson's strings here.
    assert list(zip(*unpack(pack(candidates)))) == candidates


def test_bounded_array_draws_like_below_and_stays_in_bounds():
    bounds = np.array([1, 2, 3, 10, 1000, 2**40], dtype=np.uint64)
    one, other = RandomStream.from_parts("bounded"), RandomStream.from_parts("bounded")
    assert one.bounded_array(bounds).tolist() == [other.below(int(b)) for b in bounds]
    huge = np.full(2000, 2**63 + 1, dtype=np.uint64)  # rejects about half of all words
    values = RandomStream.from_parts("huge").bounded_array(huge)
    assert (values < huge).all() and len(set(values.tolist())) == 2000
    assert values.tolist() == RandomStream.from_parts("huge").bounded_array(huge).tolist()


def test_vectorised_fact_buckets_equal_the_scalar_ones():
    codes = np.concatenate([np.arange(5000, dtype=np.uint64),
                            RandomStream.from_parts("codes").words(5000), np.array([2**64 - 1], dtype=np.uint64)])
    vectorised = code_buckets(codes, 12345)
    scalar = [code_bucket(code, 12345) for code in codes.tolist()]
    assert vectorised.tolist() == scalar
    assert 0.0 <= min(scalar) and max(scalar) < 1.0
    assert 0.45 < float(np.mean(vectorised)) < 0.55


def folder_bytes(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("task, params, sizes", [
    ("two_hop", {"entities": 300, "relations": 30, "out_degree": 8}, {"test_id": 50, "test_ood": 20}),
    ("comparison", {"entities": 120, "attributes": 4}, {"test_id": 50, "test_ood": 20}),
    ("scan", {}, {}),
])
def test_enumerated_splits_are_the_same_bytes_on_workers(tmp_path, task, params, sizes):
    genforge.generate(task, tmp_path / "one", params=params, sizes=sizes, workers=1)
    genforge.generate(task, tmp_path / "two", params=params, sizes=sizes, workers=2)
    assert folder_bytes(tmp_path / "one" / task) == folder_bytes(tmp_path / "two" / task)


def test_a_checkpoint_that_fails_in_the_background_is_reported(tmp_path):
    checkpoints = Checkpoints(tmp_path / "gone", {"request": 1})  # its folder does not exist
    checkpoints.save_later("train", {"written": 0}, [])
    with pytest.raises(OSError):
        checkpoints.settle()
    checkpoints.settle()  # reported once


def test_the_repeat_memory_skips_only_later_attempts_and_retires_when_useless():
    from genforge.core.blocks import RepeatMemory

    memory = RepeatMemory()
    memory.note(b"a" * 16, 10)
    assert memory.seen_before(b"a" * 16, 11) and not memory.seen_before(b"a" * 16, 10)
    assert not memory.seen_before(b"a" * 16, 3)  # an earlier attempt (another worker's block) is kept
    memory.note(b"a" * 16, 3)
    assert memory.seen_before(b"a" * 16, 10)
    large = RepeatMemory()  # a large space: no repeats, so the memory switches itself off
    for attempt in range(RepeatMemory.TRIAL):
        large.note(attempt.to_bytes(16, "big"), attempt)
    assert not large.active
    small = RepeatMemory()  # random draws from a space of 30,000 inputs: repeats are common, so it stays on
    draws = RandomStream.from_parts("small space").indices(30_000, 60_000)
    for attempt, value in enumerate(draws):
        digest = value.to_bytes(16, "big")
        if not small.seen_before(digest, attempt):
            small.note(digest, attempt)
    assert small.active and len(set(draws)) > RepeatMemory.TRIAL


def test_generation_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    before = gc.get_threshold()
    genforge.generate("rewrite", tmp_path, sizes={"train": 300, "validation": 10, "test_id": 10,
                                                  "test_ood_instruction": 10})
    with pytest.raises(genforge.core.errors.UsageError):
        genforge.generate("rewrite", tmp_path, sizes={"train": 1})  # the folder exists: refused
    assert gc.get_threshold() == before


def test_row_subsets_are_sorted_distinct_and_uniform():
    rows = RandomStream.from_parts("rows").row_subsets(4000, 10, 3)
    assert rows.shape == (4000, 3)
    assert (np.diff(rows, axis=1) > 0).all() and rows.min() >= 0 and rows.max() < 10
    counts = np.bincount(rows.reshape(-1), minlength=10)  # each member is chosen with probability 3/10
    assert (abs(counts - 1200) < 150).all()
    full = RandomStream.from_parts("rows").row_subsets(5, 4, 4)
    assert full.tolist() == [[0, 1, 2, 3]] * 5
    assert RandomStream.from_parts("same").row_subsets(3, 50, 5).tolist() == (
        RandomStream.from_parts("same").row_subsets(3, 50, 5).tolist())


def test_subset_and_permutation_draw_every_member_once():
    stream = RandomStream.from_parts("perm")
    assert sorted(stream.permutation(1000).tolist()) == list(range(1000))
    chosen = stream.subset(1000, 300).tolist()
    assert len(set(chosen)) == 300 and all(0 <= c < 1000 for c in chosen)
    assert stream.subset(5, 0).tolist() == [] and sorted(stream.subset(5, 5).tolist()) == [0, 1, 2, 3, 4]


def _breaking_at_block_five(action):
    from genforge.core import executors

    original = executors.run_block

    def run_block(job):
        if job.block == 5:
            action()
        return original(job)

    return run_block


def test_a_failure_in_a_worker_is_raised_in_the_parent_and_nothing_is_kept(tmp_path, monkeypatch):
    from genforge.core import executors
    from genforge.core.errors import CheckFailed

    def fail():
        raise CheckFailed("block five is broken")

    monkeypatch.setattr(executors, "run_block", _breaking_at_block_five(fail))  # forked workers inherit it
    with pytest.raises(CheckFailed, match="block five is broken"):
        genforge.generate("rewrite", tmp_path, sizes={"train": 5000, "validation": 10, "test_id": 10,
                                                      "test_ood_instruction": 10}, workers=2)
    assert list(tmp_path.iterdir()) == []


def test_a_worker_that_dies_is_a_clear_error_and_the_run_is_kept_for_resume(tmp_path, monkeypatch):
    import os

    from genforge.core import executors

    parent = os.getpid()
    monkeypatch.setattr(executors, "run_block", _breaking_at_block_five(
        lambda: os._exit(3) if os.getpid() != parent else None))
    with pytest.raises(genforge.core.errors.WorkerLost, match="worker process ended unexpectedly.*resume"):
        genforge.generate("rewrite", tmp_path, sizes={"train": 5000, "validation": 10, "test_id": 10,
                                                      "test_ood_instruction": 10}, workers=2)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".rewrite.partial-")] == []


def test_a_shard_closed_twice_is_closed_once(tmp_path):
    # Ctrl-C can land between a shard's close and the writer moving to the next; abandon() closes again.
    from genforge.core.writer import HashingWriter

    writer = HashingWriter(tmp_path / "x.jsonl")
    writer.write_block(b'{"a":1}\n', 1)
    first = writer.close()
    assert writer.close() == first == {"records": 1, "bytes": 8, "sha256": first["sha256"]}


def test_pooled_records_are_deduplicated_by_the_tasks_canonical_key(tmp_path):
    # A generic plan (mcd, easy_to_hard) re-labels records of the task's own plan: their digests must be
    # the task's canonical key, as sampled examples' are, or 3*4 and 4*3 could land in two of its splits.
    genforge.generate("multiplication", tmp_path, sizes={"train": 20, "validation": 0, "test_id": 0,
                                                         "test_ood_length": 0})
    record = orjson.loads((tmp_path / "multiplication" / "train.jsonl").read_bytes().splitlines()[0])
    left, right = record["input"].split("*")
    swapped = {**record, "input": f"{right}*{left}"}
    encoder = RecordEncoder("multiplication", "train", trace=False)
    (digest, _), (swapped_digest, _) = encoder.record_candidates([record, swapped])
    task = get_task("multiplication")
    assert digest == swapped_digest == key_digest(task.canonical_key(record["instruction"], record["input"]))
