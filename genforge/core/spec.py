"""TaskSpec: everything that determines the bytes of a generated task folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from genforge.core import params as params_module
from genforge.core.errors import UsageError, did_you_mean, one_of
from genforge.core.splits import SplitPlan
from genforge.core.task import Task
from genforge.core.registry import get_task

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class TaskSpec:
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
    #: the task's typed parameters (its ``Params``) for ``params``; derived, not part of the request
    typed_params: Any = field(default=None, compare=False, repr=False)

    def task_object(self) -> Task:
        return get_task(self.task)

    def typed(self) -> Any:
        """The parameters as the task's hooks take them (its typed ``Params``)."""
        return self.typed_params if self.typed_params is not None else self.task_object().typed(self.params)

    def plan(self) -> SplitPlan:
        return self.task_object().split_plans(self.typed())[self.split_plan]


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
) -> TaskSpec:
    """Check every user choice against the task and return the resolved spec."""
    if not isinstance(task_name, str):
        raise UsageError(f"task = {task_name!r} is not allowed: expected a task name (text)")
    for what, value in (("params", params), ("sizes", sizes)):
        if value is not None and (not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value)):
            raise UsageError(f"{what} = {value!r} is not allowed: expected a mapping from names (text) to values")
    if split_plan is not None and not isinstance(split_plan, str):
        raise UsageError(f"split plan = {split_plan!r} is not allowed: expected a plan name (text)")
    task = get_task(task_name)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"seed = {seed!r} is not allowed: expected an integer from 0 to {MAX_SEED}")
    if shard_size is not None and (isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1):
        raise UsageError(f"shard size = {shard_size!r} is not allowed: expected a whole number >= 1 (records per file)")
    resolved = params_module.resolve(task.parameters, params)
    typed = task.typed(resolved)
    task.check_params(typed)
    plans = task.split_plans(typed)
    plan_name = split_plan or task.default_split_plan
    if plan_name not in plans:
        raise UsageError(
            f"unknown split plan {plan_name!r} for task {task_name!r}{did_you_mean(plan_name, plans)}; "
            f"allowed: {one_of(plans)}"
        )
    plan = plans[plan_name]
    resolved_sizes: dict[str, Optional[int]] = {spec.name: spec.size for spec in plan.splits}
    for name, size in dict(sizes or {}).items():
        if name not in resolved_sizes:
            raise UsageError(
                f"split {name!r} is not in plan {plan_name!r}{did_you_mean(name, resolved_sizes)}; "
                f"its splits: {', '.join(plan.names)}"
            )
        if isinstance(size, str):
            try:
                size = int(size)
            except ValueError:
                raise UsageError(f"size of split {name!r} = {size!r} is not a whole number") from None
        if size is None and plan.split(name).source == "enumerate":
            resolved_sizes[name] = None  # everything the enumerated split holds
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise UsageError(f"size of split {name!r} = {size!r} is not allowed: expected a whole number >= 0")
        resolved_sizes[name] = size
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
        typed_params=typed,
    )
