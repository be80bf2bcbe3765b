"""The public Python API.

>>> import genforge
>>> manifest = genforge.generate("rewrite", "data", sizes={"train": 100}, params={"input_length": 30},
...                              overwrite=True)  # doctest: +SKIP
>>> manifest["files"][0]["name"]  # doctest: +SKIP
'train.jsonl'

Task parameters are a dict everywhere (``params={...}``); errors raised here
name the Python arguments (``overwrite=True``), not the CLI's flags.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from genforge.core.engine import Progress
from genforge.core.engine import generate as _generate
from genforge.core.errors import UsageError
from genforge.core.plans import generic_plans
from genforge.core.spec import TaskSpec, resolve_spec
from genforge.loaders import load, load_snapshot
from genforge.core.registry import get_task, task_names
from genforge.python_names import speaks_python


@speaks_python
def list_tasks() -> list[dict[str, str]]:
    """Every installed task: name, version and one-line summary."""
    return [{"name": n, "version": get_task(n).version, "summary": get_task(n).summary} for n in task_names()]


@speaks_python
def describe(task: str, params: Mapping[str, Any] | None = None) -> dict:
    """Parameters (with defaults and ranges) and split plans of a task."""
    spec = resolve_spec(task, params=params)
    task_object = get_task(task)
    plans = task_object.split_plans(spec.typed())
    return {
        "name": task,
        "version": task_object.version,
        "summary": task_object.summary,
        "default_split_plan": task_object.default_split_plan,
        "parameters": task_object.parameters,
        "split_plans": {
            name: {
                "description": plan.description,
                "splits": [
                    {"name": s.name, "size": s.size, "shift": s.shift, "description": s.description, "source": s.source}
                    for s in plan.splits
                ],
            }
            for name, plan in plans.items()
        },
        # Plans every task gets (genforge.science, or a plugin's), built from a pool of the default plan.
        "generic_split_plans": {name: plan.summary for name, plan in generic_plans().items()},
    }


@speaks_python
def generate(
    task: str,
    out: str | Path,
    *,
    split_plan: Optional[str] = None,
    sizes: Mapping[str, int] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    workers: int = 1,
    overwrite: bool = False,
    trace: bool = False,
    allow_repeats: bool = False,
    progress: Optional[Progress] = None,
    difficulty_range: Optional[tuple[float, float]] = None,
    plan_options: Mapping[str, Any] | None = None,
    shard_size: Optional[int] = None,
    scheduler: Optional[str] = None,
    resume: bool = False,
    max_bytes: Optional[int] = None,
    note: Optional[Callable[[str], None]] = None,
    memory_budget: Optional[int | str] = None,
    **unexpected: Any,
) -> dict:
    """Generate a task's splits into ``out/<task>/`` and return its manifest.

    ``workers`` processes share the work (same bytes for any number);
    ``scheduler`` sends blocks to a Dask cluster (an address, or ``"local"``);
    ``shard_size`` writes splits as ``<split>-00000-of-0000N.jsonl`` shards.

    ``split_plan="mcd"`` or ``"easy_to_hard"`` builds a generic plan for any
    task (``plan_options`` tune it); ``difficulty_range=(low, high)`` keeps only
    records whose ``meta.difficulty`` is in that range. Every plan runs on the
    same engine, so workers, shards, Dask, ``resume`` and ``max_bytes`` apply to all.

    ``resume`` continues a killed run of the same request from its last
    checkpoint (same bytes as an uninterrupted run); ``max_bytes`` refuses a
    request whose files would exceed that size (see genforge.core.engine).
    ``note`` receives messages about leftovers of interrupted runs.
    ``memory_budget`` (bytes or a text such as ``"2G"``; default 512 MiB) bounds
    the memory of the dedup digests; beyond it they spill to disk (same bytes).

    Examples:
        >>> import genforge
        >>> manifest = genforge.generate("markov", "data", params={"alphabet_size": 4},
        ...                              sizes={"train": 1000, "test_id": 100}, overwrite=True)  # doctest: +SKIP
        >>> [entry["name"] for entry in manifest["files"]]                                       # doctest: +SKIP
    """
    if unexpected:
        _refuse_keywords("generate", task, unexpected, _GENERATE_OPTIONS)
    if plan_options is not None and not isinstance(plan_options, Mapping):
        raise UsageError(f"plan_options = {plan_options!r} is not allowed: expected a mapping of option names to values")
    spec = resolve_spec(task, params=params, seed=seed, split_plan=split_plan, sizes=sizes, trace=trace,
                        allow_repeats=allow_repeats, shard_size=shard_size, plan_options=plan_options,
                        difficulty_range=difficulty_range)
    return _generate(spec, out, workers=workers, overwrite=overwrite, progress=progress, scheduler=scheduler,
                     resume=resume, max_bytes=max_bytes, note=note, extra_files=_card, memory_budget=memory_budget)


def _card(manifest: dict) -> dict[str, bytes]:
    """A dataset card next to the manifest, so Hugging Face datasets keeps the splits apart (see snapshot.folder_card).

    The engine writes it into the staging folder with the manifest, so the folder appears complete, card included.
    """
    from genforge.snapshot.folder_card import CARD, folder_card

    return {CARD: folder_card(manifest).encode("utf-8")}


_GENERATE_OPTIONS = ("split_plan", "sizes", "params", "seed", "workers", "overwrite", "trace", "allow_repeats",
                     "progress", "difficulty_range", "plan_options", "shard_size", "scheduler", "resume",
                     "max_bytes", "note", "memory_budget")


def _refuse_keywords(function: str, task: str, unexpected: Mapping[str, Any], options) -> None:
    """A keyword that is no option: say whether it is a task parameter (it goes in params) or a typo."""
    from genforge.core.errors import did_you_mean

    parameters = get_task(task).parameters if isinstance(task, str) else {}
    as_params = {name: value for name, value in unexpected.items() if name in parameters}
    if as_params:
        raise UsageError(f"{function}() takes task parameters in params=, not as keywords: "
                         f"pass params={as_params!r}")
    name = next(iter(unexpected))
    raise UsageError(f"{function}() has no argument {name!r}{did_you_mean(name, [*options, *parameters])}; "
                     f"its arguments: {', '.join(options)}; task parameters go in params={{...}}")


@speaks_python
def solve(task: str, instruction: Optional[str], input: str, *, params: Mapping[str, Any] | None = None,
          seed: Optional[int] = None) -> str:
    """The task's oracle: the target for (instruction, input); UsageError when the oracle cannot read them.

    ``params`` and ``seed`` (a manifest's) are needed only by tasks whose answer
    depends on the run, such as two_hop and comparison (their knowledge base).
    """
    if not isinstance(task, str):
        raise UsageError(f"task = {task!r} is not allowed: expected a task name (text)")
    task_object = get_task(task)
    if not isinstance(input, str) or not (instruction is None or isinstance(instruction, str)):
        raise UsageError(f"solve needs a text input and a text or None instruction, got {type(input).__name__} "
                         f"and {type(instruction).__name__}")
    try:
        if params is None and seed is None:
            return task_object.solve(instruction, input)
        spec = resolve_spec(task, params=params, seed=seed or 0)
        return task_object.solve_in_context(instruction, input, spec.typed(), spec.seed)
    except (ValueError, KeyError, IndexError) as error:  # what `genforge solve` reports for an unreadable record
        raise UsageError(f"the {task} oracle cannot read this example: {error}") from None
    except RecursionError:
        # Every oracle's parser recurses once per level of nesting: one guard for all of them.
        raise UsageError(f"the {task} oracle cannot read this example: it is nested deeper than the oracle's "
                         f"limit (Python's recursion limit, {sys.getrecursionlimit():,} frames)") from None
    except MemoryError:
        raise UsageError(f"the {task} oracle cannot solve this example: it ran out of memory (the input is "
                         "too large for it)") from None


__all__ = ["TaskSpec", "describe", "generate", "list_tasks", "load", "load_snapshot", "resolve_spec", "solve"]
