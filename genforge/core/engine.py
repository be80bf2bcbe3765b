"""The engine: turns a TaskSpec into split files and a manifest.

For each split, in plan order, blocks of candidates arrive in block order (from
this process or a pool of workers); the engine drops candidates already seen
in this split (unless repeats are allowed) or in an earlier split, numbers the
rest and streams them to disk until the requested size is reached. Memory is
flat apart from the 16-byte digests kept for dedup and disjointness.
"""

from __future__ import annotations

import json
import math
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterator, Optional

from genforge import __version__
from genforge.core.blocks import BLOCK_SIZE, BlockJob, Candidate, RecordEncoder, enumerated_blocks
from genforge.core.canonical import pretty_dumps
from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.executors import executor_for
from genforge.core.spec import TaskSpec
from genforge.core.splits import SplitSpec
from genforge.core.writer import AtomicFolder, SplitWriter, check_destination

#: A split gives up when this many blocks in a row add nothing new.
STALL_BLOCKS = 64
MAX_WORKERS = 256

Progress = Callable[[str, int, Optional[int]], None]


def manifest_head(spec: TaskSpec) -> dict:
    """The manifest fields that describe the request (everything but files)."""
    plan = spec.plan()
    return {
        "genforge_version": __version__,
        "task": spec.task,
        "task_version": spec.task_version,
        "seed": spec.seed,
        "split_plan": spec.split_plan,
        "params": dict(spec.params),
        "options": {"trace": spec.trace, "allow_repeats": spec.allow_repeats, "shard_size": spec.shard_size},
        "splits": [
            {"name": s.name, "size": spec.sizes[s.name], "shift": s.shift, "description": s.description}
            for s in plan.splits
            if spec.sizes[s.name] is not None or s.source == "enumerate"
        ],
    }


def _fill_split(
    spec: TaskSpec,
    split: SplitSpec,
    size: Optional[int],
    blocks: Iterator[list[Candidate]],
    earlier: set,
    writer: SplitWriter,
    progress: Optional[Progress],
    budget_blocks: Optional[int],
) -> set:
    """Write up to ``size`` records (all for None); return this split's digests."""
    allow_repeats = spec.allow_repeats or split.repeats
    current: set = set()
    prefix = f"{spec.task}/{split.name}/"
    written = 0
    blocks_used = 0
    stalled = 0
    last_report = 0.0
    if size == 0:
        return current
    for block in blocks:
        blocks_used += 1
        before = written
        for digest, body in block:
            if digest in earlier or (digest in current and not allow_repeats):
                continue
            current.add(digest)
            writer.write_line(b'{"id":"' + f"{prefix}{written:06d}".encode() + b'",' + body + b"\n")
            written += 1
            if written == size:
                break
        if written == size:
            break
        stalled = stalled + 1 if written == before else 0
        if budget_blocks is not None and (blocks_used >= budget_blocks or stalled >= STALL_BLOCKS):
            break
        if progress is not None and time.monotonic() - last_report > 0.5:
            last_report = time.monotonic()
            progress(split.name, written, size)
    if size is not None and written < size:
        attempts = blocks_used * BLOCK_SIZE
        raise InfeasibleError(
            f"split {split.name!r} of task {spec.task!r}: only {written} distinct examples found"
            + (f" in {attempts:,} attempts" if split.source == "sample" else "")
            + f", {size} requested. Ask for at most {written} (--size {split.name}={written})"
            + (" or widen the task parameters" if allow_repeats else ", widen the task parameters, or pass --allow-repeats")
        )
    if progress is not None:
        progress(split.name, written, size)
    return current


def generate(
    spec: TaskSpec,
    out_dir: str | Path,
    *,
    workers: int = 1,
    overwrite: bool = False,
    progress: Optional[Progress] = None,
    scheduler: Optional[str] = None,
) -> dict:
    """Generate every split of ``spec`` into ``out_dir/<task>/`` and return the manifest.

    ``workers`` > 1 runs blocks in a local process pool; ``scheduler`` (a Dask
    scheduler address, or ``"local"`` for a local cluster of ``workers``
    processes) runs them on Dask. The bytes are the same either way.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"workers = {workers!r} is not allowed: expected an integer from 1 to {MAX_WORKERS}")
    task = spec.task_object()
    plan = spec.plan()
    destination = Path(out_dir) / spec.task
    check_destination(destination, overwrite)
    for split in plan.splits:
        size = spec.sizes[split.name]
        if split.source == "sample":
            if size is None:
                raise UsageError(f"split {split.name!r} is sampled and needs a size (--size {split.name}=N)")
            possible = task.space_size(spec.params, split)
            if possible is not None and size > possible and not (spec.allow_repeats or split.repeats):
                raise InfeasibleError(
                    f"split {split.name!r} of task {spec.task!r}: {size} distinct examples requested but the "
                    f"space holds only {possible}; ask for at most {possible} or widen the parameters"
                )
    params_json = json.dumps(dict(spec.params), sort_keys=True)
    head = manifest_head(spec)
    files = []
    earlier: set = set()
    with ExitStack() as stack:
        # Workers first: a cluster that cannot be reached fails before any folder exists.
        source = stack.enter_context(executor_for(workers, scheduler))
        staging = stack.enter_context(AtomicFolder(destination, overwrite))
        for split in plan.splits:
            size = spec.sizes[split.name]
            if size is None and split.source == "sample":
                continue
            writer = SplitWriter(staging, split.name, spec.shard_size)
            if split.source == "enumerate":
                encoder = RecordEncoder(spec.task, split.name, spec.trace)
                examples = task.enumerate_split(spec.params, plan, split, spec.seed)
                blocks = enumerated_blocks(encoder, examples, split)
                budget = None
            else:

                def make_job(index: int, split_name: str = split.name) -> BlockJob:
                    return BlockJob(spec.task, spec.task_version, params_json, spec.split_plan,
                                    split_name, spec.seed, index, spec.trace)

                blocks = source.blocks(make_job)
                budget = math.ceil(size * task.attempts_per_record / BLOCK_SIZE) + 4
            try:
                current = _fill_split(spec, split, size, blocks, earlier, writer, progress, budget)
            except BaseException:
                writer.abandon()
                raise
            finally:
                blocks.close()
            files.extend(writer.close())
            earlier |= current
        manifest = {**head, "files": files}
        for entry in manifest["splits"]:
            entry["size"] = sum(f["records"] for f in files if f["split"] == entry["name"])
        (staging / "manifest.json").write_bytes(pretty_dumps(manifest))
    return manifest
