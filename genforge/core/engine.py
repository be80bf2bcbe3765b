"""The engine: turns a TaskSpec into split files and a manifest.

Every plan runs here, a task's own, a generic one (``mcd``, ``easy_to_hard``)
or either narrowed to a difficulty range, so all of them get workers, Dask,
shards, ``--resume`` and ``--max-bytes``. For each split, in plan order,
blocks of candidates arrive in block order (from this process and local
workers, or Dask) and :class:`~genforge.core.fill.SplitFill` writes the new
ones. Memory is flat: the 16-byte digests kept for dedup and disjointness
live in a :class:`~genforge.core.digests.DigestStore`, which spills them to
the staging folder beyond ``memory_budget`` bytes (see docs/sections/scale.md).
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import shutil
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

import orjson

from genforge.core.balance import count_values
from genforge.core.blocks import BlockJob, forget_enumerations, prime_enumeration, run_block, unpack
from genforge.core.canonical import pretty_dumps
from genforge.core.checkpoints import Checkpoints, checkpoint_due
from genforge.core.digests import DEFAULT_BUDGET, DigestStore, parse_budget
from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.executors import executor_for
from genforge.core.fill import FillState, Progress, SplitFill, budget_blocks
from genforge.core.plans import forget_plans
from genforge.core.resume import restore, resume_split
from genforge.core.spec import TaskSpec
from genforge.core.splits import SplitPlan, SplitSpec
from genforge.core.version import __version__
from genforge.core.writer import ResumableFolder, SplitWriter, check_destination, check_out

__all__ = ["Progress", "estimate_bytes", "generate", "manifest_head", "request_digest"]

MAX_WORKERS = 256
#: The collector's first threshold while generating (see _fewer_collections).
GC_THRESHOLD = 100_000
#: The dedup store's spill folder inside the staging folder (removed when the run ends).
SPILL_FOLDER = ".spill"
PROBE_SPILL_FOLDER = ".spill-probe"
#: Records per split beyond which a request is refused as a mistake (ids stay readable, runs finish).
MAX_RECORDS = 10**12


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
        "options": {"trace": spec.trace, "allow_repeats": spec.allow_repeats, "shard_size": spec.shard_size,
                    **plan.manifest_options},
        "splits": [_split_entry(s, spec.sizes[s.name]) for s in _written_splits(spec, plan)],
    }


def _split_entry(split: SplitSpec, size: Optional[int]) -> dict:
    entry = {"name": split.name, "size": size, "shift": split.shift, "description": split.description}
    if split.probe_of is not None:  # only then: other manifests keep their bytes
        entry["probe_of"] = split.probe_of
    return entry


def _written_splits(spec: TaskSpec, plan: SplitPlan) -> list[SplitSpec]:
    """The plan's splits this request writes (a sampled split without a size is left out)."""
    return [s for s in plan.splits if spec.sizes[s.name] is not None or s.source == "enumerate"]


def _size(spec: TaskSpec, split: SplitSpec) -> Optional[int]:
    """Records to write: the request's size; a generic plan's split holds exactly its records."""
    return split.size if split.records is not None else spec.sizes[split.name]


def _expected_records(spec: TaskSpec, plan: SplitPlan) -> int:
    """About how many digests the run will keep (sizes the dedup store's Bloom filter)."""
    task, total = spec.task_object(), 0
    for split in _written_splits(spec, plan):
        size = _size(spec, split)
        if size is None:
            size = task.space_size(spec.typed(), split) or 0
        total += min(size, MAX_RECORDS)
    return total


def _check_request(spec: TaskSpec, plan: SplitPlan) -> None:
    task = spec.task_object()
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


def _job_maker(spec: TaskSpec, split: SplitSpec, first: int = 0) -> Callable[[int], BlockJob]:
    key = spec.key()

    def make_job(index: int) -> BlockJob:
        return BlockJob(spec, key, split.name, first + index)

    return make_job


def estimate_bytes(spec: TaskSpec) -> tuple[int, list[str]]:
    """(estimated bytes of the split files, splits whose size could not be estimated).

    Each split's record size is the mean over the accepted candidates of its
    first block, times its requested size (for an enumerated split, the size
    the task reports for it, when it does).
    """
    task = spec.task_object()
    plan = spec.plan()
    total, unknown = 0, []
    for split in plan.splits:
        size = _size(spec, split)
        if size == 0 or (size is None and split.source == "sample"):
            continue
        if split.source == "enumerate" and size is None:
            size = task.space_size(spec.typed(), split)
        block = run_block(_job_maker(spec, split)(0))
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


def _check_arguments(workers, max_bytes, out_dir) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"workers = {workers!r} is not allowed: expected an integer from 1 to {MAX_WORKERS}")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1):
        raise UsageError(f"max bytes = {max_bytes!r} is not allowed: expected a whole number of bytes >= 1")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise UsageError(f"output folder = {out_dir!r} is not allowed: expected a path")
    check_out(out_dir)


def _check_estimate(spec: TaskSpec, max_bytes: Optional[int]) -> Optional[int]:
    if max_bytes is None:
        return None
    estimate, _ = estimate_bytes(spec)
    if estimate > max_bytes:
        raise UsageError(
            f"task {spec.task!r}: the output would be about {estimate:,} bytes (estimated from the first "
            f"block of each split), more than --max-bytes {max_bytes:,}; nothing was written. Ask for "
            "smaller splits or raise --max-bytes"
        )
    return estimate


def _difficulties_seen(spec: TaskSpec, split: SplitSpec) -> str:
    """Where the difficulties of a split lie without the range: a hint when the range holds too few."""
    unfiltered = replace(spec, difficulty_range=None)
    block = run_block(_job_maker(unfiltered, unfiltered.plan().split(split.name))(0))
    forget_enumerations()
    values = [float(orjson.loads(b'{"id":"",' + body)["meta"]["difficulty"]) for body in unpack(block)[1]] if block else []
    low, high = spec.difficulty_range
    if not values:
        return f"difficulty in [{low}, {high}]; the split drew no examples to compare"
    return (f"difficulties seen: {min(values)} to {max(values)}, asked [{low}, {high}]; widen --difficulty-range "
            "or change the task parameters")


class _Run:
    """One generation run: the files written so far, the digests of finished splits, the label counts."""

    def __init__(self, spec: TaskSpec, plan: SplitPlan, staging: Path, checkpoints: Checkpoints, *,
                 max_bytes: Optional[int], estimate: Optional[int], progress: Optional[Progress], say,
                 memory_budget: int = DEFAULT_BUDGET):
        self.spec, self.plan, self.staging, self.checkpoints = spec, plan, staging, checkpoints
        self.task = spec.task_object()
        self.max_bytes, self.estimate, self.progress, self.say = max_bytes, estimate, progress, say
        self.files: list[dict] = []
        #: digests of the records written: earlier splits', and the current split's unless it allows repeats
        self.seen = DigestStore(staging / SPILL_FOLDER, memory_budget, _expected_records(spec, plan))
        self.balances: dict[str, dict[str, int]] = {}  # label counts of the splits written by this run

    def finished(self, split: SplitSpec) -> bool:
        return any(entry["split"] == split.name for entry in self.files)

    def write_split(self, split: SplitSpec, source, saved: Optional[dict]) -> None:
        """Write one split (continuing it from ``saved`` when the checkpoint stopped inside it)."""
        spec, checkpoints = self.spec, self.checkpoints
        size = _size(spec, split)
        state, kept, writer = FillState(), None, None
        if saved is not None and saved["split"] == split.name and saved["position"] is not None:
            state, kept, writer = resume_split(self.staging, checkpoints, split.name, spec.shard_size,
                                               saved["position"], self.say)
        if writer is None:
            writer = SplitWriter(self.staging, split.name, spec.shard_size)
        # A probe split repeats an earlier split on purpose: checked only against itself, in a store of its
        # own that is dropped when it ends, so the later splits are not checked against it (see SplitSpec).
        probe = split.probe_of is not None
        seen = DigestStore(self.staging / PROBE_SPILL_FOLDER, self.seen.budget, size or 0) if probe else self.seen
        if kept is not None and not (spec.allow_repeats or split.repeats):
            for piece in checkpoints.digest_pieces(split.name):
                seen.add_raw(piece)
        # A resumed split appends to its digests (cut back to the checkpoint); a new one starts them afresh.
        digests = checkpoints.open_digest_log(split.name, kept)
        labels = self._labels(split, state, writer)
        fill = SplitFill(
            task=spec.task, split=split, size=size, writer=writer, seen=seen,
            allow_repeats=spec.allow_repeats or split.repeats, budget_blocks=self._budget(split, size),
            state=state, digests=digests, checkpoint_due=checkpoint_due,
            checkpoint=lambda state: self._checkpoint(split.name, state, writer, digests),
            after_block=(lambda: self._check_bytes(split.name, writer)) if self.max_bytes is not None else None,
            labels=labels, progress=self.progress)
        # Blocks consumed before an interruption are skipped: block results depend on their index only.
        # Executors that compute ahead stop about where the fill expects to be done (blocks_needed).
        blocks = source.blocks(_job_maker(spec, split, state.blocks_used), fill.blocks_needed)
        try:
            fill.run(blocks)
            if spec.difficulty_range is not None and not fill.state.written and size != 0:
                raise InfeasibleError(f"split {split.name!r} of task {spec.task!r} holds no record in the "
                                      "difficulty range")
        except InfeasibleError as error:
            checkpoints.settle(report=False)
            writer.abandon()
            if spec.difficulty_range is None:
                raise
            raise InfeasibleError(f"{error} ({_difficulties_seen(spec, split)})") from None
        except BaseException:
            checkpoints.settle(report=False)  # the run failed already; its checkpoint no longer matters
            writer.abandon()
            raise
        finally:
            blocks.close()
            digests.close()
            forget_enumerations()
            if probe:
                seen.close()
        checkpoints.settle()  # the last mid-split checkpoint lands before the split's own
        self.files.extend(writer.close())
        checkpoints.digest_logs[split.name] = digests.sha256()
        if labels is not None and self.task.balance_key:
            self.balances[split.name] = dict(sorted(labels.items()))
        if not probe and (spec.allow_repeats or split.repeats):  # its records are kept out of the later splits
            for piece in checkpoints.digest_pieces(split.name):
                self.seen.add_raw(piece)
        checkpoints.done = list(self.files)
        checkpoints.save()

    def _labels(self, split: SplitSpec, state: FillState, writer: SplitWriter) -> Optional[Counter]:
        """The label counts a split starts from (None when nothing needs them).

        A resumed split's earlier records were written by another run: for the manifest they are counted
        from the finished files, but a split with a label cap needs them now, counted from its staged ones.
        """
        key = self.task.label_key
        if split.label_cap is not None:
            if key is None:
                raise ValueError(f"split {split.name!r} has a label cap but task {self.task.name!r} declares "
                                 "no balance_key or cap_key")
            return Counter(count_values(writer.paths(), key) if state.written else {})
        return Counter() if self.task.balance_key and not state.written else None

    def _budget(self, split: SplitSpec, size: Optional[int]) -> Optional[int]:
        if split.source == "enumerate":
            return None
        return budget_blocks(size, self.task.attempts_per_record * self.plan.attempts_factor)

    def _checkpoint(self, split_name: str, state: FillState, writer: SplitWriter, digests) -> None:
        digests.flush()
        to_sync = [os.dup(digests.fileno())]
        position = {"blocks_used": state.blocks_used, "written": state.written, "stalled": state.stalled,
                    "digests_sha256": digests.sha256(), "writer": writer.checkpoint(to_sync)}
        self.checkpoints.save_later(split_name, position, to_sync)

    def _check_bytes(self, split_name: str, writer: SplitWriter) -> None:
        if sum(entry["bytes"] for entry in self.files) + writer.bytes > self.max_bytes:
            raise UsageError(
                f"task {self.spec.task!r}: the output passed --max-bytes {self.max_bytes:,} while writing split "
                f"{split_name!r} (the estimate from the first blocks was {self.estimate:,} bytes); "
                "nothing was kept. Ask for smaller splits or raise --max-bytes"
            )

    def check_total(self, last_bytes: int) -> None:
        """The whole output within --max-bytes, ``last_bytes`` (manifest and card) included, before they are written."""
        total = sum(entry["bytes"] for entry in self.files) + last_bytes
        if total > self.max_bytes:
            raise UsageError(
                f"task {self.spec.task!r}: the output with its manifest and card ({last_bytes:,} bytes) would be "
                f"{total:,} bytes, more than --max-bytes {self.max_bytes:,}; nothing was kept. Ask for smaller "
                "splits or raise --max-bytes")

    def manifest(self, head: dict) -> dict:
        manifest = {**head, "files": self.files}
        for entry in manifest["splits"]:
            split_files = [f for f in self.files if f["split"] == entry["name"]]
            entry["size"] = sum(f["records"] for f in split_files)
            if self.task.balance_key:
                entry["balance"] = self.balances.get(entry["name"]) or count_values(
                    (self.staging / f["name"] for f in split_files), self.task.balance_key)
        return manifest


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
    extra_files: Optional[Callable[[dict], dict[str, bytes]]] = None,
    memory_budget=None,
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

    ``extra_files(manifest)`` gives more files for the folder (name -> bytes,
    such as a dataset card); they are written with the manifest, before the
    folder is renamed into place, and count towards ``max_bytes``.

    ``memory_budget`` (bytes, or a text such as ``"512M"``; default 512 MiB)
    bounds the memory of the dedup digests: beyond it they spill to the
    staging folder. The bytes written do not depend on it.

    Another process writing the same folder makes this call fail at once
    (UsageError), or with ``wait`` wait for it to finish (the existing folder
    then needs ``overwrite`` as usual).
    """
    _check_arguments(workers, max_bytes, out_dir)
    memory_budget = DEFAULT_BUDGET if memory_budget is None else parse_budget(memory_budget)
    try:
        return _generate(spec, Path(out_dir), workers=workers, overwrite=overwrite, progress=progress,
                         scheduler=scheduler, resume=resume, max_bytes=max_bytes, note=note, wait=wait,
                         extra_files=extra_files, memory_budget=memory_budget)
    finally:
        forget_plans()  # a generic plan holds its records; a later call rebuilds it


def _generate(spec: TaskSpec, out_dir: Path, *, workers, overwrite, progress, scheduler, resume, max_bytes, note,
              wait, extra_files=None, memory_budget=DEFAULT_BUDGET) -> dict:
    plan = spec.plan()
    destination = out_dir / spec.task
    check_destination(destination, overwrite)
    _check_request(spec, plan)
    estimate = _check_estimate(spec, max_bytes)
    head = manifest_head(spec)
    say = note or (lambda message: None)
    splits = _written_splits(spec, plan)
    if workers > 1 and not scheduler and splits and splits[0].source == "enumerate":
        # Forked workers inherit it: computed once rather than once per worker.
        prime_enumeration(_job_maker(spec, splits[0])(0))
    with ExitStack() as stack:
        stack.enter_context(_fewer_collections())
        # Workers first: a cluster that cannot be reached fails before any folder exists.
        source = stack.enter_context(executor_for(workers, scheduler))
        folder = ResumableFolder(destination, overwrite, f".{spec.task}.partial-{request_digest(spec)}",
                                 resume=resume, note=note, wait=wait)
        staging = stack.enter_context(folder)
        checkpoints = Checkpoints(staging, head)
        run = _Run(spec, plan, staging, checkpoints, max_bytes=max_bytes, estimate=estimate, progress=progress,
                   say=say, memory_budget=memory_budget)
        # Before the folder is renamed into place (or kept for --resume, which rebuilds it from the digest logs).
        stack.callback(run.seen.close)
        run.seen.close()  # leftovers of a killed run
        shutil.rmtree(staging / PROBE_SPILL_FOLDER, ignore_errors=True)
        saved = restore(folder, staging, checkpoints, run, resume=resume, destination=destination, say=say)
        for split in splits:
            if not run.finished(split):
                run.write_split(split, source, saved)
        manifest = run.manifest(head)
        manifest_bytes = pretty_dumps(manifest)
        # Written before the rename like everything else: a folder in place is complete.
        extras = extra_files(manifest) if extra_files is not None else {}
        if max_bytes is not None:
            run.check_total(len(manifest_bytes) + sum(map(len, extras.values())))
        for name, data in extras.items():
            (staging / name).write_bytes(data)
        (staging / "manifest.json").write_bytes(manifest_bytes)
    return manifest
