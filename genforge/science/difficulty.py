"""Difficulty selection: ``--difficulty-range LOW:HIGH`` for any plan, and the ``easy_to_hard`` plan.

Every record carries ``meta.difficulty`` in [0, 1] (the task's documented,
monotone function of its complexity). Selecting by it needs no per-task code:

* :func:`generate_in_range` runs a task's plan through the engine's own
  candidate blocks and keeps, in every split, only records whose difficulty is
  in ``[LOW, HIGH]``.
* :func:`easy_to_hard_split` trains on the easy part of the training
  distribution and tests on its hard part, in the spirit of Easy2Hard-Bench
  (Ding et al. 2024), which labels examples by difficulty so that models can be
  trained on easy and evaluated on hard ones.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional, Sequence

from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.records import record_id
from genforge.core.spec import TaskSpec
from genforge.core.writer import AtomicFolder, HashingWriter
from genforge.core.canonical import pretty_dumps
from genforge.science.pool import STALL_BLOCKS, sample_budget, split_blocks

_DIFFICULTY_KEY = b'"difficulty":'


def parse_range(text: str) -> tuple[float, float]:
    """``"0.2:0.6"`` -> (0.2, 0.6); either end may be empty (``":0.3"`` means 0 to 0.3)."""
    low_text, sep, high_text = str(text).partition(":")
    if not sep:
        raise UsageError(f"--difficulty-range {text!r} is not LOW:HIGH (e.g. 0:0.3 or 0.7:1)")
    try:
        low = float(low_text) if low_text.strip() else 0.0
        high = float(high_text) if high_text.strip() else 1.0
    except ValueError:
        raise UsageError(f"--difficulty-range {text!r}: LOW and HIGH must be numbers from 0 to 1") from None
    if not 0.0 <= low <= high <= 1.0:
        raise UsageError(f"--difficulty-range {text!r} is not allowed: expected 0 <= LOW <= HIGH <= 1")
    return low, high


def body_difficulty(body: bytes) -> float:
    """``meta.difficulty`` of an encoded record body without decoding it.

    ``meta`` is the last key and its keys are sorted, so the last unescaped
    ``"difficulty":`` is meta's own (a quote inside a string is escaped).
    """
    start = body.rfind(_DIFFICULTY_KEY) + len(_DIFFICULTY_KEY)
    end = start
    while body[end:end + 1] not in (b",", b"}"):
        end += 1
    return float(body[start:end])


def generate_in_range(spec: TaskSpec, out: str | Path, low: float, high: float, *, overwrite: bool = False,
                      progress=None, head: dict) -> dict:
    """Every split of ``spec`` with only records of difficulty in [low, high]; returns the manifest."""
    destination = Path(out) / spec.task
    files = []
    earlier: set = set()
    with AtomicFolder(destination, overwrite) as staging:
        for split in spec.plan().splits:
            size = spec.sizes[split.name]
            if size is None and split.source == "sample":
                raise UsageError(f"split {split.name!r} is sampled and needs a size (--size {split.name}=N)")
            name = f"{split.name}.jsonl"
            writer = HashingWriter(staging / name)
            try:
                current = _fill(spec, split, size, low, high, earlier, writer, progress)
            finally:
                summary = writer.close()
            earlier |= current
            files.append({"name": name, "split": split.name, **summary})
        manifest = {**head, "files": files}
        for entry in manifest["splits"]:
            entry["size"] = next(f["records"] for f in files if f["split"] == entry["name"])
        (staging / "manifest.json").write_bytes(pretty_dumps(manifest))
    return manifest


def _fill(spec, split, size: Optional[int], low, high, earlier: set, writer: HashingWriter, progress) -> set:
    allow_repeats = spec.allow_repeats or split.repeats
    current: set = set()
    if size == 0:
        return current
    budget = None if split.source == "enumerate" else 2 * sample_budget(spec, size)
    used = stalled = 0
    seen_low, seen_high = 1.0, 0.0
    blocks = split_blocks(spec, split.name)
    try:
        for block in blocks:
            used += 1
            before = writer.records
            for digest, body in block:
                if digest in earlier or (digest in current and not allow_repeats):
                    continue
                difficulty = body_difficulty(body)
                seen_low, seen_high = min(seen_low, difficulty), max(seen_high, difficulty)
                if not low <= difficulty <= high:
                    continue
                current.add(digest)
                writer.write_line(b'{"id":"' + record_id(spec.task, split.name, writer.records).encode() + b'",'
                                  + body + b"\n")
                if writer.records == size:
                    break
            if writer.records == size:
                break
            stalled = stalled + 1 if writer.records == before else 0
            if budget is not None and (used >= budget or stalled >= STALL_BLOCKS):
                break
            if progress is not None:
                progress(split.name, writer.records, size)
    finally:
        blocks.close()
    if size is not None and writer.records < size:
        raise InfeasibleError(
            f"split {split.name!r} of task {spec.task!r}: only {writer.records} distinct examples with difficulty "
            f"in [{low}, {high}] found, {size} requested (difficulties seen: {seen_low} to {seen_high}). Ask for at most {writer.records} "
            f"(--size {split.name}={writer.records}), widen --difficulty-range, or change the task parameters")
    return current


def quantile(sorted_values: Sequence[float], share: float) -> float:
    """The value at rank ``share`` of sorted values (nearest rank, lower)."""
    return sorted_values[min(len(sorted_values) - 1, max(0, math.floor(share * (len(sorted_values) - 1))))]


def easy_hard_thresholds(difficulties: Sequence[float], easy_quantile: float, hard_quantile: float) -> tuple[float, float]:
    """(easy_max, hard_min): easy is ``d <= easy_max``, hard is ``d >= hard_min`` and above easy_max."""
    ordered = sorted(difficulties)
    easy_max = quantile(ordered, easy_quantile)
    hard_min = ordered[min(len(ordered) - 1, math.ceil(hard_quantile * (len(ordered) - 1)))]
    if hard_min <= easy_max:
        above = [d for d in ordered if d > easy_max]
        if not above:
            # Ties at the top: the easy part gives up its highest value so a hard part exists.
            below = [d for d in ordered if d < ordered[-1]]
            if not below:
                raise InfeasibleError(
                    f"every pooled record has difficulty {ordered[-1]}: there is no easy and hard part to split; "
                    f"widen the task parameters so that difficulty varies")
            easy_max = below[-1]
            above = [d for d in ordered if d > easy_max]
        hard_min = above[0]
    return easy_max, hard_min
