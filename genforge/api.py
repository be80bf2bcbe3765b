"""The public Python API.

>>> import genforge
>>> manifest = genforge.generate("rewrite", "data", sizes={"train": 100}, overwrite=True)  # doctest: +SKIP
>>> manifest["files"][0]["name"]  # doctest: +SKIP
'train.jsonl'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from genforge.core.engine import Progress
from genforge.core.engine import generate as _generate
from genforge.core.errors import UsageError
from genforge.core.spec import TaskSpec, resolve_spec
from genforge.loaders import load, load_snapshot
from genforge.tasks.registry import get_task, task_names


def list_tasks() -> list[dict[str, str]]:
    """Every installed task: name, version and one-line summary."""
    return [{"name": n, "version": get_task(n).version, "summary": get_task(n).summary} for n in task_names()]


def describe(task: str, params: Mapping[str, Any] | None = None) -> dict:
    """Parameters (with defaults and ranges) and split plans of a task."""
    spec = resolve_spec(task, params=params)
    task_object = get_task(task)
    plans = task_object.split_plans(spec.params)
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
        # Plans every task gets from genforge.science (built from a pool of the default plan).
        "generic_split_plans": {
            "mcd": "maximum compound divergence: train/test with D_A under a bound and D_C maximised "
                   "(--plan-option pool_size, max_atom_divergence, candidates, search_seed)",
            "easy_to_hard": "train on the easy part, test on the hard part by meta.difficulty quantiles",
        },
    }


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
) -> dict:
    """Generate a task's splits into ``out/<task>/`` and return its manifest.

    ``workers`` processes share the work (same bytes for any number);
    ``scheduler`` sends blocks to a Dask cluster (an address, or ``"local"``);
    ``shard_size`` writes splits as ``<split>-00000-of-0000N.jsonl`` shards.

    ``split_plan="mcd"`` or ``"easy_to_hard"`` builds a split-science plan for
    any task (``plan_options`` tune it); ``difficulty_range=(low, high)`` keeps
    only records whose ``meta.difficulty`` is in that range (see genforge.science).

    ``resume`` continues a killed run of the same request from its last
    checkpoint (same bytes as an uninterrupted run); ``max_bytes`` refuses a
    request whose files would exceed that size (see genforge.core.engine).
    ``note`` receives messages about leftovers of interrupted runs.
    """
    # --- split science (genforge/science): generic plans and difficulty selection ---
    from genforge.science.plans import SCIENCE_PLANS, generate_science

    if plan_options is not None and not isinstance(plan_options, Mapping):
        raise UsageError(f"plan_options = {plan_options!r} is not allowed: expected a mapping of option names to values")
    if difficulty_range is not None and (
            not isinstance(difficulty_range, (tuple, list)) or len(difficulty_range) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in difficulty_range)):
        raise UsageError(f"difficulty_range = {difficulty_range!r} is not allowed: expected (low, high) numbers")
    if difficulty_range is not None and not 0 <= difficulty_range[0] <= difficulty_range[1] <= 1:
        raise UsageError(f"difficulty_range = {tuple(difficulty_range)!r} is not allowed: "
                         "expected 0 <= low <= high <= 1")
    if not isinstance(split_plan, (str, type(None))):
        raise UsageError(f"split plan = {split_plan!r} is not allowed: expected a plan name (text)")
    if split_plan in SCIENCE_PLANS or difficulty_range is not None or plan_options:
        if resume or max_bytes is not None or shard_size is not None or scheduler is not None:
            raise UsageError("--resume, --max-bytes, --shard-size and --scheduler apply to a task's own split "
                             "plans, not to mcd, easy_to_hard or a difficulty range")
        manifest = generate_science(task, out, split_plan=split_plan, sizes=sizes, params=params, seed=seed,
                                    overwrite=overwrite, trace=trace, allow_repeats=allow_repeats,
                                    difficulty_range=difficulty_range, plan_options=plan_options, progress=progress)
        return _with_card(out, manifest)
    # --- end split science ---
    spec = resolve_spec(task, params=params, seed=seed, split_plan=split_plan, sizes=sizes, trace=trace,
                        allow_repeats=allow_repeats, shard_size=shard_size)
    return _with_card(out, _generate(spec, out, workers=workers, overwrite=overwrite, progress=progress,
                                     scheduler=scheduler, resume=resume, max_bytes=max_bytes, note=note))


def _with_card(out, manifest: dict) -> dict:
    """A dataset card next to the manifest, so Hugging Face datasets keeps the splits apart (see snapshot.folder_card)."""
    from genforge.snapshot.folder_card import write_folder_card

    write_folder_card(Path(out) / manifest["task"], manifest)
    return manifest


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
        return task_object.solve_in_context(instruction, input, spec.params, spec.seed)
    except (ValueError, KeyError, IndexError) as error:  # what `genforge solve` reports for an unreadable record
        raise UsageError(f"the {task} oracle cannot read this example: {error}") from None


__all__ = ["TaskSpec", "describe", "generate", "list_tasks", "load", "load_snapshot", "resolve_spec", "solve"]
