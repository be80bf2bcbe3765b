"""Blocks: the unit of work, seeded independently so any worker can run any block.

A block is ``BLOCK_SIZE`` sampling attempts for one split, drawn from a random
stream seeded by (task, task version, params, seed, split, block index). Its
result is a pure function of that tuple, so the output bytes do not depend on
how many workers ran or in what order: the engine consumes block results in
block order and decides dedup and record ids there.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence
from itertools import count
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

import numpy
from orjson import OPT_SORT_KEYS, dumps

from genforge.core.balance import label_of, value_at
from genforge.core.canonical import encode_constant_fields, encode_record, encode_varying_fields
from genforge.core.errors import CheckFailed
from genforge.core.records import Example, bucket_of, build_record, key_digest, key_digests, record_id
from genforge.core.rng import RandomStream, block_seeds
from genforge.core.splits import SplitSpec, accepted_indices
from genforge.core.validation import validator_for_task
from genforge.core.registry import get_task

if TYPE_CHECKING:
    from genforge.core.spec import TaskSpec

BLOCK_SIZE = 256
#: Bytes of ``{"id":"",`` that precede the body of a record encoded with an empty id.
_EMPTY_ID_PREFIX = len(b'{"id":"",')


@dataclass(frozen=True)
class BlockJob:
    """One block of one split of a request: all a worker needs to compute it."""

    spec: "TaskSpec"
    #: ``spec.key()``, computed once per split: workers keep their context per request under it.
    key: str
    split: str
    block: int


#: One accepted candidate: (16-byte digest of its canonical input, record body bytes).
Candidate = tuple[bytes, bytes]
DIGEST_SIZE = 16
_PLAIN_KEY = Example.key


class Block:
    """A block's accepted candidates, in order: their digests, their record lines (each body and a
    newline) and, when the task declares a ``balance_key`` or ``cap_key``, their labels (else None).

    Lists in this process, so the engine reads them as they are; packed for the trip between
    processes: the digests concatenated and the lines concatenated, two objects to pickle instead
    of hundreds. A canonical body never holds a raw newline or carriage return (control characters
    are escaped), so the lines split back exactly.
    """

    __slots__ = ("digests", "lines", "labels")

    def __init__(self, digests: list[bytes], lines: list[bytes], labels: Optional[list[str]] = None):
        self.digests, self.lines, self.labels = digests, lines, labels

    def __len__(self) -> int:
        return len(self.digests)

    def __reduce__(self):
        return _unpacked, (b"".join(self.digests), b"".join(self.lines), self.labels)


def _unpacked(digests: bytes, lines: bytes, labels: Optional[list[str]]) -> Block:
    return Block([digests[i:i + DIGEST_SIZE] for i in range(0, len(digests), DIGEST_SIZE)], lines.splitlines(True),
                 labels)


def pack(candidates: list[Candidate], labels: Optional[list[str]] = None) -> Block:
    return Block([digest for digest, _ in candidates], [body + b"\n" for _, body in candidates], labels)


def unpack(block: Block) -> tuple[list[bytes], list[bytes]]:
    """(digests, bodies) of a block, in order."""
    return block.digests, [line[:-1] for line in block.lines]


class RecordEncoder:
    """Validates and encodes the examples of one split of one task.

    The fields every record of the split shares (task, version, split, the
    id's form) are validated and encoded once, here; each record then only
    validates and encodes its own fields (see ``core/validation.py``).
    """

    def __init__(self, task_name: str, split: str, trace: bool):
        self.task = get_task(task_name)
        self.split = split
        self.trace = trace
        self.validator = validator_for_task(task_name)
        self._difficulty = self.task.difficulty
        # A valid id for validation; the engine writes the real one, of the same form.
        self._placeholder_id = record_id(self.task.name, split, 0)
        constant = {"id": self._placeholder_id, "task": self.task.name, "task_version": self.task.version,
                    "split": split}
        self._fast = self.validator.separable
        if self._fast and not self.validator.constant_part_is_valid(constant):
            sample = {**constant, "instruction": None, "input": "", "target": "", "meta": {}}
            raise CheckFailed(f"task {self.task.name!r}, split {split!r}: invalid record fields: "
                              f"{self.validator.explain(sample)}")
        del constant["id"]
        self._head = encode_constant_fields(constant)
        # A record's bytes after the id when its fields are encoded one by one (``bodies``).
        frame = self._head.replace(b"%", b"%%") + b'"instruction":%b,"input":%b,"target":%b,"meta":%b}'
        self._body_frame, self._line_frame = frame, frame + b"\n"

    def _checked_record_bytes(self, example: Example) -> bytes:
        """The same bytes by building and validating the whole record (slow path; explains failures)."""
        task = self.task
        record = build_record(
            example,
            task=task.name,
            task_version=task.version,
            split=self.split,
            record_id=self._placeholder_id,
            difficulty=task.difficulty(example),
            with_trace=self.trace,
        )
        if not self.validator.is_valid(record):
            raise CheckFailed(
                f"task {task.name!r} produced an invalid record for split {self.split!r} "
                f"(a bug in the task): {self.validator.explain(record)}; input {example.input[:80]!r}"
            )
        record["id"] = ""
        return encode_record(record)[_EMPTY_ID_PREFIX:]

    def record_candidates(self, records: Iterable[dict], labels: Optional[list[str]] = None) -> list[Candidate]:
        """Records made by another split (a generic plan's pool), re-labelled with this split, as (digest, body)."""
        accepted, task, label_key = [], self.task, self.task.label_key
        for record in records:
            record = {**record, "id": self._placeholder_id, "split": self.split}
            if not self.validator.is_valid(record):
                raise CheckFailed(f"task {task.name!r}, split {self.split!r}: a pooled record is invalid: "
                                  f"{self.validator.explain(record)}")
            # The task's canonical key, as its examples' key() gives it: dedup treats both alike.
            key = task.canonical_key(record["instruction"], record["input"])
            record["id"] = ""
            accepted.append((key_digest(key), encode_record(record)[_EMPTY_ID_PREFIX:]))
            if labels is not None:
                labels.append(str(value_at(record, label_key)))
        return accepted

    def candidates(self, examples: Iterable[Example | None], spec: SplitSpec,
                   repeats: Optional["RepeatMemory"] = None, first_attempt: int = 0,
                   labels: Optional[list[str]] = None) -> Block:
        """The accepted examples of a block, in order.

        With ``repeats``, an example already accepted at an earlier attempt of
        the split (``first_attempt`` numbers this block's first one) is left
        out before it is encoded: the engine would drop it as a repeat anyway.
        With ``labels``, each accepted example's label (``Task.label_key``) is appended to it.

        A block at a time: keys and digests by comprehension, buckets and
        bucket intervals by numpy (``accepted_indices``), validation in one
        call and fields encoded one by one into a frame (see ``bodies``); the
        bytes are those of the record-by-record definition
        (``_checked_record_bytes``).
        """
        if not isinstance(examples, list):
            examples = list(examples)  # read twice below
        attempts = [attempt for attempt, example in enumerate(examples, first_attempt) if example is not None] \
            if repeats is not None else None
        live = [example for example in examples if example is not None]
        if not live:
            return Block([], [], labels)
        digests = key_digests(self.keys(live))
        chosen = accepted_indices(spec.accepts, live, buckets_of(live, digests))
        if repeats is not None:
            kept = []
            for index in chosen:
                if not repeats.seen_before(digests[index], attempts[index]):
                    repeats.note(digests[index], attempts[index])
                    kept.append(index)
            chosen = kept
        accepted = [live[index] for index in chosen]
        if labels is not None:
            label_key = self.task.label_key
            labels.extend(label_of(example, label_key) for example in accepted)
        return Block([digests[index] for index in chosen], self.bodies(accepted, newline=True), labels)

    @staticmethod
    def keys(examples: list[Example]) -> list[str]:
        """Each example's canonical input (``Example.key``, or a task's own through an Example subclass)."""
        if all(kind.key is _PLAIN_KEY for kind in {type(example) for example in examples}):  # inlined
            return [example.input if example.instruction is None else example.instruction + "\x1f" + example.input
                    for example in examples]
        return [example.key() for example in examples]

    def difficulties(self, examples: list[Example]) -> list[float]:
        """Each example's difficulty (``Task.difficulty``) as written: a float rounded to four decimals."""
        difficulty = self._difficulty
        return [round(float(difficulty(example)), 4) for example in examples]

    def bodies(self, examples: list[Example], newline: bool = False) -> list[bytes]:
        """``body`` of each example (a record line with ``newline``), a block at a time: one
        validation call for all of them."""
        if not self._fast:
            end = b"\n" if newline else b""
            return [self._checked_record_bytes(example) + end for example in examples]
        trace, difficulties = self.trace, self.difficulties(examples)
        # Framed: the other fields are str (or None) by the check here, all their schema asks, and
        # each is encoded alone (as orjson writes it inside an object) into a fixed frame.
        framed = not trace and self.validator.meta_alone and _plain_strings(examples)
        frame = self._line_frame if newline else self._body_frame
        if framed:
            shared = self._shared_metas(examples, difficulties)
            if shared is not None:
                return [frame % (dumps(e.instruction), dumps(e.input), dumps(e.target), meta)
                        for e, meta in zip(examples, shared)]
        metas = [{**example.meta, "difficulty": value} for example, value in zip(examples, difficulties)]
        if framed and self.validator.metas_are_valid(metas):
            # Encoded inside the frame: an orjson result kept past its record (a list of them)
            # costs about 1 µs more each in allocation than one dropped at once.
            return [frame % (dumps(e.instruction), dumps(e.input), dumps(e.target), dumps(meta, option=OPT_SORT_KEYS))
                    for e, meta in zip(examples, metas)]
        if trace:
            fields = [{"instruction": e.instruction, "input": e.input, "target": e.target, "trace": list(e.trace),
                       "meta": meta} if e.trace is not None else
                      {"instruction": e.instruction, "input": e.input, "target": e.target, "meta": meta}
                      for e, meta in zip(examples, metas)]
        else:
            fields = [{"instruction": e.instruction, "input": e.input, "target": e.target, "meta": meta}
                      for e, meta in zip(examples, metas)]
        if not self.validator.varying_parts_are_valid(fields):
            for example, part in zip(examples, fields):
                if not self.validator.varying_part_is_valid(part):
                    self._checked_record_bytes(example)  # raises, explaining the problem
        head = self._head
        return [head + encode_varying_fields(part, newline) for part in fields]

    def _shared_metas(self, examples: list[Example], difficulties: list[float]) -> Optional[list[bytes]]:
        """Each example's meta with its difficulty, validated and encoded (keys sorted), when samplers
        share meta dicts: None unless the block holds at most half as many meta objects as examples,
        or if one is invalid.

        Each (meta object, difficulty) pair is then validated and encoded once; identities are
        stable while the block's examples are alive.
        """
        ids = [id(example.meta) for example in examples]
        if 2 * len(set(ids)) > len(ids):
            return None
        by_id = {id(example.meta): example.meta for example in examples}
        pairs = list(zip(ids, difficulties))
        distinct = list(dict.fromkeys(pairs))
        metas = [{**by_id[key], "difficulty": value} for key, value in distinct]
        if not self.validator.metas_are_valid(metas):
            return None
        encoded = dict(zip(distinct, [dumps(meta, option=OPT_SORT_KEYS) for meta in metas]))
        return [encoded[pair] for pair in pairs]

    def body(self, example: Example) -> bytes:
        """Canonical record bytes after ``{"id":"",``; the engine prepends the id."""
        return self.bodies([example])[0]


def _plain_strings(examples: list[Example]) -> bool:
    """Whether every input and target is a str and every instruction a str or None (exact types)."""
    return ({type(e.input) for e in examples} | {type(e.target) for e in examples} <= _STR
            and {type(e.instruction) for e in examples} <= _STR_OR_NONE)


_STR, _STR_OR_NONE = {str}, {str, type(None)}


def buckets_of(examples: list[Example], digests: list[bytes]):
    """Each example's split bucket as a float64 array: its own ``bucket`` if set, else its digest's."""
    if _NUMPY_BUCKETS_EXACT:
        # The first 8 bytes of each digest, big-endian, over 2**64: bucket_of, for the whole block.
        buckets = numpy.frombuffer(b"".join(digests), dtype=">u8")[::2] * (1.0 / 18446744073709551616.0)
    else:
        buckets = numpy.array([bucket_of(digest) for digest in digests], dtype=numpy.float64)
    for index, example in enumerate(examples):
        if example.bucket is not None:
            buckets[index] = example.bucket
    return buckets


def _numpy_converts_like_python() -> bool:
    """Whether numpy's uint64 -> float64 rounds as Python's int -> float does (to nearest, ties to even),
    tried on values at and around the halfway points where a truncating conversion would differ."""
    values = [(1 << 63) + (1 << 10), (1 << 63) + (1 << 10) + 1, (1 << 63) + (3 << 10), (1 << 64) - 1,
              (1 << 53) + 1, (1 << 53) + 3, (1 << 62) + (1 << 9) + 1, 12345678901234567890]
    as_numpy = (numpy.array(values, dtype=numpy.uint64) * (1.0 / 18446744073709551616.0)).tolist()
    return as_numpy == [value / 18446744073709551616.0 for value in values]


_NUMPY_BUCKETS_EXACT = _numpy_converts_like_python()


class RepeatMemory:
    """Where in a split each accepted input first appeared, as this process saw it.

    Blocks are pure functions of their index, so "digest d was accepted at
    attempt a" is a fact about the split, true in every run and on every
    worker; a later attempt with the same digest is certain to be dropped by
    the engine's dedup, and need not be encoded or sent. In small spaces most
    draws are such repeats. Where they are rare it costs more than it saves,
    so it switches itself off if its first ``TRIAL`` inputs came with fewer
    than TRIAL / 10 repeats; it stops growing at ``LIMIT`` inputs. The
    engine's own dedup stays exact regardless.
    """

    TRIAL = 20_000
    LIMIT = 250_000

    def __init__(self):
        self._first: dict[bytes, int] = {}
        self._repeats = 0
        self.active = True

    def seen_before(self, digest: bytes, attempt: int) -> bool:
        first = self._first.get(digest)
        if first is not None and first < attempt:
            self._repeats += 1
            return True
        return False

    def note(self, digest: bytes, attempt: int) -> None:
        first = self._first.get(digest)
        if first is None:
            if len(self._first) < self.LIMIT:
                self._first[digest] = attempt
                if len(self._first) == self.TRIAL and self._repeats < self.TRIAL // 10:
                    self.active = False
                    self._first.clear()
        elif attempt < first:
            self._first[digest] = attempt


class _SplitContext:
    """What a process needs to run blocks of one split of one request (built once per process)."""

    def __init__(self, job: BlockJob):
        spec = job.spec
        self.task = task = spec.task_object()
        self.split = spec.plan().split(job.split)
        self.enumerated = self.split.source == "enumerate"
        self.allow_repeats = spec.allow_repeats or self.split.repeats
        #: what sample_block receives: typed params with the split's settings and the run's seed
        self.sample_params = task.split_params(spec.typed(), self.split, spec.seed)
        self.encoder = RecordEncoder(spec.task, job.split, spec.trace)
        self.repeats = None if self.enumerated or self.allow_repeats else RepeatMemory()
        #: the seed of each block's random stream: derive_seed(task, version, params, seed, split, block)
        self.block_seed = block_seeds(spec.task, spec.task_version, dict(spec.params), spec.seed, job.split)
        self._examples: Optional[Sequence] = None
        self._job = job

    def examples(self) -> Sequence:
        """The enumerated split's examples (or records), computed on first use.

        A pure function of the request, so any process may compute it; a local
        pool inherits the parent's (see :func:`prime_enumeration`), other
        executors compute it once per worker. Only the cheap part should happen
        eagerly: a task may return a lazy Sequence whose slices build their
        examples on demand, which spreads that work over the workers (two_hop,
        comparison).
        """
        if self._examples is None:
            if self.split.records is not None:
                self._examples = self.split.records
            else:
                spec = self._job.spec
                examples = self.task.enumerate_split(spec.typed(), spec.plan(), self.split, spec.seed)
                self._examples = examples if isinstance(examples, Sequence) else list(examples)
        return self._examples

    def enumerated_block(self, start: int) -> Sequence:
        """The enumerated split's examples (or records) from ``start``, one block of them.

        Sliced, never measured: a lazy listing (an endless stream) is read only as far as the blocks
        asked, and builds its examples here (the task's work, as sample_block is for a sampled split).
        """
        return self.examples()[start:start + BLOCK_SIZE]


#: Split contexts of this process, by (request key, split): the newest few.
_CONTEXTS: dict[tuple[str, str], _SplitContext] = {}
_KEEP_CONTEXTS = 4


def split_context(job: BlockJob) -> _SplitContext:
    where = (job.key, job.split)
    context = _CONTEXTS.get(where)
    if context is None:
        context = _CONTEXTS[where] = _SplitContext(job)
        while len(_CONTEXTS) > _KEEP_CONTEXTS:
            del _CONTEXTS[next(iter(_CONTEXTS))]
    return context


def prime_enumeration(job: BlockJob) -> None:
    """Compute a split's enumeration in this process now (a local pool forked after it inherits it)."""
    context = split_context(job)
    if context.enumerated:
        context.examples()


def forget_enumerations() -> None:
    """Drop this process's split contexts (the engine calls this when a split is done)."""
    _CONTEXTS.clear()


def run_block(job: BlockJob) -> Optional[Block]:
    """The accepted candidates of one block (runs in any process); None past an enumeration's end."""
    context = split_context(job)
    task, spec, encoder = context.task, context.split, context.encoder
    start = job.block * BLOCK_SIZE
    labels = [] if task.label_key else None
    if context.enumerated:  # an enumeration rarely repeats itself: no repeat memory
        examples = context.enumerated_block(start)
        if not examples:  # past the end
            return None
        if spec.records is not None:
            return pack(encoder.record_candidates(examples, labels), labels)
        return encoder.candidates(examples, spec, labels=labels)
    repeats = context.repeats if context.repeats is not None and context.repeats.active else None
    rng = RandomStream(context.block_seed(job.block))
    examples = task.sample_block(rng, context.sample_params, BLOCK_SIZE)
    return encoder.candidates(examples, spec, repeats, start, labels)


def blocks_in_order(make_job: Callable[[int], BlockJob]) -> Iterator[Block]:
    """Every block of a split in this process, in order (an enumerated split ends; a sampled one does not)."""
    for index in count():
        block = run_block(make_job(index))
        if block is None:
            return
        yield block
