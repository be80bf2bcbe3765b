"""Split plans as the engine runs them: a task's own plans, generic plans, difficulty ranges.

Every plan the engine runs is a :class:`~genforge.core.splits.SplitPlan`,
resolved here from a :class:`~genforge.core.spec.TaskSpec`:

* a task's own plans come from ``Task.split_plans``;
* generic plans (``mcd``, ``easy_to_hard``: any task gets them) are
  registered in the ``genforge.plans`` entry-point group, as tasks are in
  ``genforge.tasks``; genforge's own are defined in :mod:`genforge.science`,
  and core finds them the way it finds a plugin, without importing science;
* a difficulty range (``--difficulty-range LOW:HIGH``) narrows every split
  of any plan to the records whose ``meta.difficulty`` lies in it.

A plan is resolved once per process and request (``TaskSpec.key``): a generic
plan may search a pool of records to build itself, which a forked worker then
inherits rather than repeats.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Mapping, Optional, Protocol

from genforge.core.errors import UsageError
from genforge.core.records import Example
from genforge.core.splits import SplitPlan, SplitSpec, all_of

if TYPE_CHECKING:
    from genforge.core.spec import TaskSpec

PLAN_ENTRY_POINT_GROUP = "genforge.plans"


class GenericPlan(Protocol):
    """A plan every task gets: built from the task's own plans (a pool of their records)."""

    #: The plan's name, as ``--split-plan`` takes it.
    name: str
    #: One line for ``genforge describe``.
    summary: str
    #: Split name -> default record count; ``--size`` may change each.
    default_sizes: Mapping[str, int]

    def resolve_options(self, options: Mapping[str, Any], seed: int, sizes: Mapping[str, int]) -> dict[str, Any]:
        """The plan's options with defaults filled in (they may depend on the sizes), each checked."""

    def build(self, spec: "TaskSpec") -> SplitPlan:
        """The plan for ``spec``: its splits hold records (``SplitSpec.records``) made by the task's own plans."""


@lru_cache(maxsize=1)
def generic_plans() -> dict[str, GenericPlan]:
    """Every installed generic plan, by name."""
    found: dict[str, EntryPoint] = {}
    for entry in sorted(entry_points(group=PLAN_ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        found.setdefault(entry.name, entry)
    return {name: entry.load()() for name, entry in found.items()}


def generic_plan(name: str) -> Optional[GenericPlan]:
    return generic_plans().get(name)


#: Plans resolved in this process, by request key (the newest few).
_RESOLVED: "OrderedDict[str, SplitPlan]" = OrderedDict()
_KEEP = 8


def _resolve(spec: "TaskSpec") -> SplitPlan:
    task = spec.task_object()
    own = task.split_plans(spec.typed())
    if spec.split_plan in own:
        plan = own[spec.split_plan]
    else:
        plan = generic_plans()[spec.split_plan].build(spec)
    if spec.difficulty_range is not None:
        plan = within_difficulty(plan, task.difficulty, *spec.difficulty_range)
    return plan


def resolve_plan(spec: "TaskSpec") -> SplitPlan:
    """The plan ``spec`` names, built once per process and request."""
    key = spec.key()
    plan = _RESOLVED.get(key)
    if plan is None:
        plan = _resolve(spec)
        _RESOLVED[key] = plan
        while len(_RESOLVED) > _KEEP:
            _RESOLVED.popitem(last=False)
    return plan


def forget_plans() -> None:
    """Drop the plans resolved in this process (after a run: a generic plan holds its records)."""
    _RESOLVED.clear()


def split_outline(spec: "TaskSpec") -> list[tuple[str, str]]:
    """(name, source) of the splits ``spec``'s plan has, without building a generic plan (which searches)."""
    generic = generic_plan(spec.split_plan)
    if generic is not None and spec.split_plan not in spec.task_object().split_plans(spec.typed()):
        return [(name, "sample") for name in generic.default_sizes]
    return [(split.name, split.source) for split in spec.plan().splits]


def within_difficulty(plan: SplitPlan, difficulty, low: float, high: float) -> SplitPlan:
    """``plan`` with every split keeping only examples whose difficulty (as written, 4 decimals) is in [low, high].

    Membership stays a pure function of the example, so the engine's dedup,
    workers, shards and resume work as for any plan.
    """

    def in_range(example: Example, bucket: float) -> bool:
        return low <= round(float(difficulty(example)), 4) <= high

    splits = tuple(replace(split, accepts=all_of(split.accepts, in_range),
                           description=f"{split.description} (difficulty in [{low}, {high}])")
                   for split in plan.splits)
    return replace(plan, splits=splits, manifest_options={**plan.manifest_options, "difficulty_range": [low, high]},
                   attempts_factor=2 * plan.attempts_factor)


def check_difficulty_range(value: Any) -> Optional[tuple[float, float]]:
    """``(low, high)`` with 0 <= low <= high <= 1, or None; UsageError otherwise."""
    if value is None:
        return None
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise UsageError(f"difficulty_range = {value!r} is not allowed: expected (low, high) numbers")
    low, high = value
    if not 0 <= low <= high <= 1:  # also refuses NaN: every comparison with it is false
        raise UsageError(f"difficulty_range = {tuple(value)!r} is not allowed: expected 0 <= low <= high <= 1")
    return float(low), float(high)


def records_split(name: str, records, description: str, shift: str = "iid") -> SplitSpec:
    """A split of a generic plan holding ``records`` (record dicts made by a task's own plan), in order."""
    return SplitSpec(name, len(records), description, shift=shift, source="enumerate", records=tuple(records))
