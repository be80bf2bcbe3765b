"""Candidate records from a task's own plans, for the generic plans and sweeps.

The generic plans (``mcd``, ``easy_to_hard``) and sweeps do not sample on
their own: they read the candidates the engine's block functions produce for
a split of the task's own plan (the same seeded blocks, hence the same
determinism). The generic plans hand the records they select to the engine,
which writes them like any split.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Iterator, Mapping, Optional

import orjson

from genforge.core.version import __version__
from genforge.core.blocks import BlockJob, Candidate, blocks_in_order, unpack
from genforge.core.fill import STALL_BLOCKS, budget_blocks
from genforge.core.spec import TaskSpec

__all__ = ["STALL_BLOCKS", "decode", "draw_pool", "manifest_head", "plan_option", "sample_budget", "split_blocks",
           "train_distribution_splits"]


def split_blocks(spec: TaskSpec, split_name: str) -> Iterator[list[Candidate]]:
    """The engine's candidate blocks for one split of ``spec``'s plan, in block order."""
    key = spec.key()
    for block in blocks_in_order(lambda index: BlockJob(spec, key, split_name, index)):
        yield list(zip(*unpack(block)))


def sample_budget(spec: TaskSpec, size: int) -> int:
    """Blocks a sampled split may use for ``size`` records (the engine's rule)."""
    return budget_blocks(size, spec.task_object().attempts_per_record)


def decode(body: bytes) -> dict:
    """The record dict of a candidate body (its id is empty until written)."""
    return orjson.loads(b'{"id":"",' + body)


def draw_pool(spec: TaskSpec, size: int, splits: Iterable[str]) -> list[dict]:
    """Up to ``size`` distinct records from ``splits`` of the plan, in order; fewer if the space runs dry."""
    pool: list[dict] = []
    seen: set = set()
    for split_name in splits:
        if len(pool) >= size:
            break
        split = spec.plan().split(split_name)
        budget = None if split.source == "enumerate" else sample_budget(spec, size - len(pool))
        stalled = used = 0
        blocks = split_blocks(spec, split_name)
        try:
            for block in blocks:
                used += 1
                before = len(pool)
                for digest, body in block:
                    if digest not in seen:
                        seen.add(digest)
                        pool.append(decode(body))
                        if len(pool) >= size:
                            break
                if len(pool) >= size:
                    break
                stalled = stalled + 1 if len(pool) == before else 0
                if budget is not None and (used >= budget or stalled >= STALL_BLOCKS):
                    break
        finally:
            blocks.close()
    return pool


def train_distribution_splits(spec: TaskSpec) -> list[str]:
    """The plan's splits drawn from the training distribution (shift ``iid``), train first."""
    return [split.name for split in spec.plan().splits if split.shift == "iid"]


def manifest_head(spec: TaskSpec, split_plan: str, splits: list[dict], options: Mapping[str, Any]) -> dict:
    return {
        "genforge_version": __version__,
        "task": spec.task,
        "task_version": spec.task_version,
        "seed": spec.seed,
        "split_plan": split_plan,
        "params": dict(spec.params),
        "options": {"trace": spec.trace, "allow_repeats": spec.allow_repeats, "shard_size": None, **options},
        "splits": splits,
    }


def plan_option(options: Mapping[str, Any], name: str, default: Any, kind: type, low: Optional[float] = None,
                high: Optional[float] = None) -> Any:
    """One plan option, converted and range-checked, with a message naming it."""
    from genforge.core.errors import UsageError

    value = options.get(name, default)
    try:
        value = kind(value) if not isinstance(value, kind) or isinstance(value, bool) else value
    except (TypeError, ValueError):
        raise UsageError(f"plan option {name} = {value!r} is not a {kind.__name__}") from None
    if isinstance(value, float) and not math.isfinite(value):  # NaN passes every range check
        raise UsageError(f"plan option {name} = {value!r} is not allowed: expected a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise UsageError(f"plan option {name} = {value!r} is not allowed: expected {low} to {high}")
    return value
