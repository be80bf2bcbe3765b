"""Blocks: the unit of work, seeded independently so any worker can run any block.

A block is ``BLOCK_SIZE`` sampling attempts for one split, drawn from a random
stream seeded by (task, task version, params, seed, split, block index). Its
result is a pure function of that tuple, so the output bytes do not depend on
how many workers ran or in what order: the engine consumes block results in
block order and decides dedup and record ids there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from genforge.core.canonical import encode_record
from genforge.core.errors import CheckFailed
from genforge.core.records import Example, bucket_of, build_record, key_digest, record_id
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitSpec, sample_params_for
from genforge.core.validation import validator_for_task
from genforge.tasks.registry import get_task

BLOCK_SIZE = 256
#: Bytes of ``{"id":"",`` that precede the body of a record encoded with an empty id.
_EMPTY_ID_PREFIX = len(b'{"id":"",')


@dataclass(frozen=True)
class BlockJob:
    task: str
    task_version: str
    params_json: str
    plan: str
    split: str
    seed: int
    block: int
    trace: bool


#: One accepted candidate: (16-byte digest of its canonical input, record body bytes).
Candidate = tuple[bytes, bytes]


class RecordEncoder:
    """Validates and encodes the examples of one split of one task."""

    def __init__(self, task_name: str, split: str, trace: bool):
        self.task = get_task(task_name)
        self.split = split
        self.trace = trace
        self.validator = validator_for_task(task_name)
        # A valid id for validation; the engine writes the real one.
        self._placeholder_id = record_id(self.task.name, split, 0)

    def body(self, example: Example) -> bytes:
        """Canonical record bytes after ``{"id":"",``; the engine prepends the id."""
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

    def candidates(self, examples: Iterable[Example | None], spec: SplitSpec) -> list[Candidate]:
        accepted = []
        accepts, body = spec.accepts, self.body
        for example in examples:
            if example is None:
                continue
            digest = key_digest(example.key())
            if accepts(example, bucket_of(digest)):
                accepted.append((digest, body(example)))
        return accepted


@lru_cache(maxsize=32)
def _block_context(task_name: str, params_json: str, plan: str, split: str, trace: bool, seed: int):
    task = get_task(task_name)
    params = json.loads(params_json)
    spec = task.split_plans(params)[plan].split(split)
    # ``seed`` rides along so tasks can derive fixed pools (rule sets, graphs) from it.
    sample_params = {**sample_params_for(params, spec), "seed": seed}
    return task, params, spec, sample_params, RecordEncoder(task_name, split, trace)


def run_block(job: BlockJob) -> list[Candidate]:
    """The accepted candidates of one block (runs in any process)."""
    task, params, spec, sample_params, encoder = _block_context(
        job.task, job.params_json, job.plan, job.split, job.trace, job.seed
    )
    rng = RandomStream.from_parts(job.task, job.task_version, params, job.seed, job.split, job.block)
    return encoder.candidates(task.sample_block(rng, sample_params, BLOCK_SIZE), spec)


def enumerated_blocks(encoder: RecordEncoder, examples: Iterable[Example], spec: SplitSpec) -> Iterator[list[Candidate]]:
    """Candidates of an enumerated split, in blocks of BLOCK_SIZE."""
    chunk: list[Example] = []
    for example in examples:
        chunk.append(example)
        if len(chunk) == BLOCK_SIZE:
            yield encoder.candidates(chunk, spec)
            chunk = []
    if chunk:
        yield encoder.candidates(chunk, spec)
