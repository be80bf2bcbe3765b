"""TaskSpec: everything that determines the bytes of a generated task folder."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from genforge.core import params as params_module
from genforge.core.errors import UsageError, did_you_mean, one_of
from genforge.core.plans import check_difficulty_range, generic_plan, generic_plans, resolve_plan
from genforge.core.registry import get_task
from genforge.core.splits import SplitPlan
from genforge.core.task import Task

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class TaskSpec:
    """A resolved request: jobs carry it to any worker, which rebuilds the plan from it."""

    task: str
    task_version: str
    params: Mapping[str, Any]
    seed: int
    split_plan: str
    #: split name -> record count (None: everything an enumerated split holds)
    sizes: Mapping[str, Optional[int]]
    trace: bool = False
    allow_repeats: bool = False
    #: records per shard file; None writes one file per split
    shard_size: Optional[int] = None
    #: a generic plan's options, resolved (``--plan-option``); empty for a task's own plans
    plan_options: Mapping[str, Any] = field(default_factory=dict)
    #: keep only records whose meta.difficulty is in [low, high] (``--difficulty-range``)
    difficulty_range: Optional[tuple[float, float]] = None
    #: the task's typed parameters (its ``Params``) for ``params``; derived, not part of the request
    typed_params: Any = field(default=None, compare=False, repr=False)

    def task_object(self) -> Task:
        return get_task(self.task)

    def typed(self) -> Any:
        """The parameters as the task's hooks take them (its typed ``Params``)."""
        return self.typed_params if self.typed_params is not None else self.task_object().typed(self.params)

    def plan(self) -> SplitPlan:
        """The split plan this request runs (built once per process)."""
        return resolve_plan(self)

    def key(self) -> str:
        """A digest of everything that fixes the plan and the bytes (a cache key, not a file name)."""
        request = [self.task, self.task_version, dict(self.params), self.seed, self.split_plan, dict(self.sizes),
                   self.trace, self.allow_repeats, self.shard_size, dict(self.plan_options),
                   list(self.difficulty_range) if self.difficulty_range else None]
        return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def resolve_spec(
    task_name: str,
    *,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    split_plan: str | None = None,
    sizes: Mapping[str, Any] | None = None,
    trace: bool = False,
    allow_repeats: bool = False,
    shard_size: Optional[int] = None,
    plan_options: Mapping[str, Any] | None = None,
    difficulty_range: Any = None,
) -> TaskSpec:
    """Check every user choice against the task and return the resolved spec."""
    if not isinstance(task_name, str):
        raise UsageError(f"task = {task_name!r} is not allowed: expected a task name (text)")
    for what, value in (("params", params), ("sizes", sizes), ("plan_options", plan_options)):
        if value is not None and (not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value)):
            raise UsageError(f"{what} = {value!r} is not allowed: expected a mapping from names (text) to values")
    if split_plan is not None and not isinstance(split_plan, str):
        raise UsageError(f"split plan = {split_plan!r} is not allowed: expected a plan name (text)")
    task = get_task(task_name)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"seed = {seed!r} is not allowed: expected an integer from 0 to {MAX_SEED}")
    if shard_size is not None and (isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1):
        raise UsageError(f"shard size = {shard_size!r} is not allowed: expected a whole number >= 1 (records per file)")
    difficulty_range = check_difficulty_range(difficulty_range)
    resolved = params_module.resolve(task.parameters, params)
    typed = task.typed(resolved)
    task.check_params(typed)
    plans = task.split_plans(typed)
    plan_name = split_plan or task.default_split_plan
    generic = None if plan_name in plans else generic_plan(plan_name)
    if plan_name not in plans and generic is None:
        allowed = {**plans, **generic_plans()}
        raise UsageError(
            f"unknown split plan {plan_name!r} for task {task_name!r}{did_you_mean(plan_name, allowed)}; "
            f"allowed: {one_of(allowed)}"
        )
    if generic is not None:
        if difficulty_range is not None:
            raise UsageError(f"--difficulty-range applies to the task's own plans, not to {plan_name!r}; "
                             "easy_to_hard already selects by difficulty")
        defaults = {name: (size, "sample") for name, size in generic.default_sizes.items()}
        resolved_sizes = _sizes(defaults, sizes, plan_name, False)
        options = generic.resolve_options(dict(plan_options or {}), seed, resolved_sizes)
    else:
        if plan_options:
            raise UsageError(f"--plan-option applies to the generic plans ({', '.join(generic_plans())}) only, "
                             f"not to {plan_name!r}")
        options = {}
        defaults = {spec.name: (spec.size, spec.source) for spec in plans[plan_name].splits}
        resolved_sizes = _sizes(defaults, sizes, plan_name, difficulty_range is not None)
    return TaskSpec(
        task=task_name,
        task_version=task.version,
        params=resolved,
        seed=seed,
        split_plan=plan_name,
        sizes=resolved_sizes,
        trace=bool(trace),
        allow_repeats=bool(allow_repeats),
        shard_size=shard_size,
        plan_options=options,
        difficulty_range=difficulty_range,
        typed_params=typed,
    )


def _sizes(defaults: Mapping[str, tuple[Optional[int], str]], given: Mapping[str, Any] | None, plan_name: str,
           filtered: bool) -> dict[str, Optional[int]]:
    """Split name -> records, from the plan's defaults and the user's ``sizes``.

    With a difficulty filter, an enumerated split the user did not size keeps
    everything in range (None) rather than its default count.
    """
    resolved: dict[str, Optional[int]] = {
        name: None if filtered and source == "enumerate" else size for name, (size, source) in defaults.items()}
    for name, size in dict(given or {}).items():
        if name not in resolved:
            raise UsageError(
                f"split {name!r} is not in plan {plan_name!r}{did_you_mean(name, resolved)}; "
                f"its splits: {', '.join(defaults)}"
            )
        if isinstance(size, str):
            try:
                size = int(size)
            except ValueError:
                raise UsageError(f"size of split {name!r} = {size!r} is not a whole number") from None
        if size is None and defaults[name][1] == "enumerate":
            resolved[name] = None  # everything the enumerated split holds
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise UsageError(f"size of split {name!r} = {size!r} is not allowed: expected a whole number >= 0")
        resolved[name] = size
    return resolved
