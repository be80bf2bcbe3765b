"""The engine: turns a TaskSpec into split files and a manifest.

For each split, in plan order, blocks of candidates arrive in block order (from
this process and local workers, or Dask); the engine drops candidates already seen
in this split (unless repeats are allowed) or in an earlier split, numbers the
rest and streams them to disk until the requested size is reached. Memory is
flat apart from the 16-byte digests kept for dedup and disjointness.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from itertools import chain
from pathlib import Path
from typing import Callable, Iterator, Optional

from genforge.core.version import __version__
from genforge.core.blocks import (BLOCK_SIZE, DIGEST_SIZE, BlockJob, PackedBlock, forget_enumerations, prime_enumeration, run_block,
                                  unpack, unpack_lines)
from genforge.core.balance import count_values
from genforge.core.canonical import pretty_dumps
from genforge.core.checkpoints import Checkpoints, checkpoint_due
from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.executors import executor_for
from genforge.core.spec import TaskSpec
from genforge.core.splits import SplitSpec
from genforge.core.writer import ResumableFolder, SplitWriter, check_destination

#: A split gives up when this many blocks in a row add nothing new.
STALL_BLOCKS = 64
MAX_WORKERS = 256
#: The collector's first threshold while generating (see _fewer_collections).
GC_THRESHOLD = 100_000
#: Records per split beyond which a request is refused as a mistake (ids stay readable, runs finish).
MAX_RECORDS = 10**12

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


class _SplitState:
    """Where the filling of one split stands (saved in checkpoints)."""

    def __init__(self, blocks_used: int = 0, written: int = 0, stalled: int = 0):
        self.blocks_used = blocks_used
        self.written = written
        self.stalled = stalled


def _fill_split(
    spec: TaskSpec,
    split: SplitSpec,
    size: Optional[int],
    blocks: Iterator[Optional[PackedBlock]],
    earlier: set,
    writer: SplitWriter,
    progress: Optional[Progress],
    budget_blocks: Optional[int],
    *,
    current: Optional[set] = None,
    state: Optional[_SplitState] = None,
    digests=None,
    checkpoint: Optional[Callable[[_SplitState], None]] = None,
    byte_limit: Optional[Callable[[], None]] = None,
    labels: Optional[Counter] = None,
) -> set:
    """Write up to ``size`` records (all for None); return this split's digests.

    ``current`` and ``state`` continue a resumed split; ``digests`` (a binary
    file) receives each written record's digest; ``checkpoint`` is called every
    time :func:`checkpoint_due` says so, ``byte_limit`` after every block; ``labels``
    counts the balance labels of the records written.
    """
    allow_repeats = spec.allow_repeats or split.repeats
    current = set() if current is None else current
    state = state or _SplitState()
    # Ids of six digits and more; "%" on bytes keeps them bytes.
    id_format = f'{{"id":"{spec.task}/{split.name}/'.encode().replace(b"%", b"%%") + b'%06d",'
    written = state.written
    last_report = 0.0
    if size == 0:
        return current
    if size is not None and written == size:  # killed just after the last record, before the split closed
        return current
    for block in blocks:
        if block is None:  # the end of an enumerated split
            break
        state.blocks_used += 1
        before = written
        # A block's lines and digests are written at once: one write and one hash update per block.
        block_digests, bodies = unpack_lines(block)
        fresh = set(block_digests)
        if (len(fresh) == len(block_digests) or allow_repeats) and earlier.isdisjoint(fresh) and (
                allow_repeats or current.isdisjoint(fresh)):
            # The usual case, checked with set operations: nothing in the block is dropped, and
            # its lines are joined without a Python-level step per record.
            room = len(bodies) if size is None else min(len(bodies), size - written)
            kept = block[0][:DIGEST_SIZE * room]  # the digests written, already joined
            current.update(block_digests[:room])
            numbers = map(id_format.__mod__, range(written, written + room))
            writer.write_block(b"".join(chain.from_iterable(zip(numbers, bodies))), room)
            written += room
            if labels is not None:
                labels.update(block[2][:room])
        else:
            lines, kept_digests = [], []
            for index, (digest, body) in enumerate(zip(block_digests, bodies)):
                if digest in earlier or (digest in current and not allow_repeats):
                    continue
                current.add(digest)
                lines.append(id_format % written + body)
                kept_digests.append(digest)
                if labels is not None:
                    labels[block[2][index]] += 1
                written += 1
                if written == size:
                    break
            writer.write_lines(lines)
            kept = b"".join(kept_digests)
        if digests is not None:
            digests.write(kept)
        state.written = written
        if byte_limit is not None:
            byte_limit()
        if written == size:
            break
        state.stalled = state.stalled + 1 if written == before else 0
        if budget_blocks is not None and (state.blocks_used >= budget_blocks or state.stalled >= STALL_BLOCKS):
            break
        if checkpoint is not None and checkpoint_due(state.blocks_used):
            checkpoint(state)
        if progress is not None and time.monotonic() - last_report > 0.5:
            last_report = time.monotonic()
            progress(split.name, written, size)
    if size is not None and written < size:
        attempts = state.blocks_used * BLOCK_SIZE
        raise InfeasibleError(
            f"split {split.name!r} of task {spec.task!r}: only {written} distinct examples found"
            + (f" in {attempts:,} attempts" if split.source == "sample" else "")
            + f", {size} requested. Ask for at most {written} (--size {split.name}={written})"
            + (" or widen the task parameters" if allow_repeats else ", widen the task parameters, or pass --allow-repeats")
        )
    if progress is not None:
        progress(split.name, written, size)
    return current


def _check_request(spec: TaskSpec, task, plan) -> None:
    for split in plan.splits:
        size = spec.sizes[split.name]
        if size is not None and size > MAX_RECORDS:
            raise UsageError(f"size of split {split.name!r} = {size:,} is not allowed: at most {MAX_RECORDS:,} "
                             "records per split")
        if split.source == "sample":
            if size is None:
                raise UsageError(f"split {split.name!r} is sampled and needs a size (--size {split.name}=N)")
            possible = task.space_size(spec.typed(), split)
            if possible is not None and size > possible and not (spec.allow_repeats or split.repeats):
                raise InfeasibleError(
                    f"split {split.name!r} of task {spec.task!r}: {size} distinct examples requested but the "
                    f"space holds only {possible}; ask for at most {possible} or widen the parameters"
                )


def _job_maker(spec: TaskSpec, params_json: str, split: SplitSpec, first: int = 0) -> Callable[[int], BlockJob]:
    enumerated = split.source == "enumerate"
    allow_repeats = spec.allow_repeats or split.repeats

    def make_job(index: int) -> BlockJob:
        return BlockJob(spec.task, spec.task_version, params_json, spec.split_plan,
                        split.name, spec.seed, first + index, spec.trace, enumerated, allow_repeats)

    return make_job


def estimate_bytes(spec: TaskSpec) -> tuple[int, list[str]]:
    """(estimated bytes of the split files, splits whose size could not be estimated).

    Each split's record size is the mean over the accepted candidates of its
    first block, times its requested size (for an enumerated split, the size
    the task reports for it, when it does).
    """
    task = spec.task_object()
    plan = spec.plan()
    params_json = json.dumps(dict(spec.params), sort_keys=True)
    total, unknown = 0, []
    for split in plan.splits:
        size = spec.sizes[split.name]
        if size == 0 or (size is None and split.source == "sample"):
            continue
        if split.source == "enumerate" and size is None:
            size = task.space_size(spec.typed(), split)
        block = run_block(_job_maker(spec, params_json, split)(0))
        forget_enumerations()
        first = unpack(block)[1] if block is not None else []
        if not first or size is None:
            unknown.append(split.name)
            continue
        id_bytes = len(f'{{"id":"{spec.task}/{split.name}/000000",'.encode())
        mean = sum(len(body) + 1 for body in first) / len(first) + id_bytes
        total += math.ceil(mean * size)
    return total, unknown


def request_digest(spec: TaskSpec) -> str:
    """A short hash of everything that fixes the output bytes (names the staging folder)."""
    return hashlib.sha256(json.dumps(manifest_head(spec), sort_keys=True).encode()).hexdigest()[:16]


@contextmanager
def _fewer_collections():
    """Raise the cyclic garbage collector's first threshold while generating.

    Sampling allocates millions of short-lived, acyclic objects (examples,
    dicts, strings), which reference counting frees; at the default threshold
    (700) the collector still scans them hundreds of times a second, about 5%
    of a run. Restored afterwards; forked workers inherit it.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _check_max_bytes(max_bytes: Optional[int]) -> None:
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1):
        raise UsageError(f"max bytes = {max_bytes!r} is not allowed: expected a whole number of bytes >= 1")


def generate(
    spec: TaskSpec,
    out_dir: str | Path,
    *,
    workers: int = 1,
    overwrite: bool = False,
    progress: Optional[Progress] = None,
    scheduler: Optional[str] = None,
    resume: bool = False,
    max_bytes: Optional[int] = None,
    note: Optional[Callable[[str], None]] = None,
    wait: bool = False,
) -> dict:
    """Generate every split of ``spec`` into ``out_dir/<task>/`` and return the manifest.

    ``workers`` > 1 runs blocks in ``workers`` processes (this one and forked workers); ``scheduler`` (a Dask
    scheduler address, or ``"local"`` for a local cluster of ``workers``
    processes) runs them on Dask. The bytes are the same either way.

    ``resume`` continues a run of the same request that was killed (its
    staging folder ``.TASK.partial-<hash>`` is left behind), from its last
    checkpoint; the bytes are those of an uninterrupted run. Without it such
    a leftover is removed (``note`` is told). ``max_bytes`` refuses a request
    whose split files are estimated to exceed that many bytes, before writing
    anything, and stops (leaving nothing) if the files pass it while writing.

    Another process writing the same folder makes this call fail at once
    (UsageError), or with ``wait`` wait for it to finish (the existing folder
    then needs ``overwrite`` as usual).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"workers = {workers!r} is not allowed: expected an integer from 1 to {MAX_WORKERS}")
    _check_max_bytes(max_bytes)
    if not isinstance(out_dir, (str, os.PathLike)):
        raise UsageError(f"output folder = {out_dir!r} is not allowed: expected a path")
    task = spec.task_object()
    plan = spec.plan()
    destination = Path(out_dir) / spec.task
    check_destination(destination, overwrite)
    _check_request(spec, task, plan)
    estimate = None
    if max_bytes is not None:
        estimate, unknown = estimate_bytes(spec)
        if estimate > max_bytes:
            raise UsageError(
                f"task {spec.task!r}: the output would be about {estimate:,} bytes (estimated from the first "
                f"block of each split), more than --max-bytes {max_bytes:,}; nothing was written. Ask for "
                "smaller splits or raise --max-bytes"
            )
    params_json = json.dumps(dict(spec.params), sort_keys=True)
    head = manifest_head(spec)
    files: list[dict] = []
    balances: dict[str, dict[str, int]] = {}  # label counts of the splits written by this run
    earlier: set = set()
    say = note or (lambda message: None)
    first_split = next((s for s in plan.splits if spec.sizes[s.name] is not None or s.source == "enumerate"), None)
    if workers > 1 and not scheduler and first_split is not None and first_split.source == "enumerate":
        # Forked workers inherit it: computed once rather than once per worker.
        prime_enumeration(spec.task, params_json, spec.split_plan, first_split.name, spec.seed)
    with ExitStack() as stack:
        stack.enter_context(_fewer_collections())
        # Workers first: a cluster that cannot be reached fails before any folder exists.
        source = stack.enter_context(executor_for(workers, scheduler))
        folder = ResumableFolder(destination, overwrite, f".{spec.task}.partial-{request_digest(spec)}",
                                 resume=resume, note=note, wait=wait)
        staging = stack.enter_context(folder)
        checkpoints = Checkpoints(staging, head)
        saved = checkpoints.load() if folder.resumed else None
        if folder.resumed and saved is None:
            say(f"{str(staging)!r} holds no usable checkpoint; starting from the beginning")
            for path in staging.iterdir():
                path.unlink()
        if resume and not folder.resumed:
            say(f"no interrupted run of this request to resume in {str(destination.parent)!r}; starting from the beginning")
        if saved is not None:
            files = [{key: entry[key] for key in ("name", "split", "records", "bytes", "sha256")}
                     for entry in saved["done"]]
            checkpoints.done = list(files)
            for name in dict.fromkeys(entry["split"] for entry in files):
                earlier |= checkpoints.read_digests(name, sum(e["records"] for e in files if e["split"] == name))

        def written_bytes() -> int:
            return sum(entry["bytes"] for entry in files)

        for split in plan.splits:
            size = spec.sizes[split.name]
            if size is None and split.source == "sample":
                continue
            if any(entry["split"] == split.name for entry in files):
                continue  # finished before the interruption
            state, current, writer = _SplitState(), set(), None
            if saved is not None and saved["split"] == split.name and saved["position"] is not None:
                position = saved["position"]
                try:
                    writer = SplitWriter.resume(staging, split.name, spec.shard_size, position["writer"])
                    current = checkpoints.read_digests(split.name, position["written"])
                except (OSError, KeyError, TypeError, ValueError):
                    raise UsageError(f"{str(staging)!r}: the checkpoint of split {split.name!r} does not match "
                                     "its files; run again without --resume to start over") from None
                state = _SplitState(position["blocks_used"], position["written"], position["stalled"])
                say(f"resuming split {split.name!r} at record {state.written:,} (block {state.blocks_used:,})")
            if writer is None:
                writer = SplitWriter(staging, split.name, spec.shard_size)
            # Blocks consumed before an interruption are skipped: block results depend on their index only.
            blocks = source.blocks(_job_maker(spec, params_json, split, state.blocks_used))
            budget = None if split.source == "enumerate" else (
                math.ceil(size * task.attempts_per_record / BLOCK_SIZE) + 4)
            # A resumed split appends to its digests (cut back to the checkpoint); a new one starts them afresh.
            digests = open(checkpoints.digests_path(split.name), "ab" if state.written else "wb")

            def checkpoint(state: _SplitState, writer: SplitWriter = writer, digests=digests,
                           split_name: str = split.name) -> None:
                digests.flush()
                to_sync = [os.dup(digests.fileno())]
                position = {"blocks_used": state.blocks_used, "written": state.written, "stalled": state.stalled,
                            "writer": writer.checkpoint(to_sync)}
                checkpoints.save_later(split_name, position, to_sync)

            def byte_limit(writer: SplitWriter = writer, split_name: str = split.name) -> None:
                if max_bytes is not None and written_bytes() + writer.bytes > max_bytes:
                    raise UsageError(
                        f"task {spec.task!r}: the output passed --max-bytes {max_bytes:,} while writing split "
                        f"{split_name!r} (the estimate from the first blocks was {estimate:,} bytes); "
                        "nothing was kept. Ask for smaller splits or raise --max-bytes"
                    )

            # A resumed split's earlier records were written by another run: counted from the files.
            labels = Counter() if task.balance_key and not state.written else None
            try:
                current = _fill_split(spec, split, size, blocks, earlier, writer, progress, budget,
                                      current=current, state=state, digests=digests, checkpoint=checkpoint,
                                      byte_limit=byte_limit if max_bytes is not None else None, labels=labels)
            except BaseException:
                checkpoints.settle(report=False)  # the run failed already; its checkpoint no longer matters
                writer.abandon()
                raise
            finally:
                blocks.close()
                digests.close()
                forget_enumerations()
            checkpoints.settle()  # the last mid-split checkpoint lands before the split's own
            files.extend(writer.close())
            if labels is not None:
                balances[split.name] = dict(sorted(labels.items()))
            earlier |= current
            checkpoints.done = list(files)
            checkpoints.save()
        manifest = {**head, "files": files}
        for entry in manifest["splits"]:
            split_files = [f for f in files if f["split"] == entry["name"]]
            entry["size"] = sum(f["records"] for f in split_files)
            if task.balance_key:
                entry["balance"] = balances.get(entry["name"]) or count_values(
                    (staging / f["name"] for f in split_files), task.balance_key)
        (staging / "manifest.json").write_bytes(pretty_dumps(manifest))
    return manifest
