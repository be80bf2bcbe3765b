"""A generated folder's manifest against its own run: plan, shifts, parameters and a sample of targets.

Checksums say the files are the ones the manifest lists; they cannot say the
manifest tells the truth about the run. A manifest edited by hand (a test
split's ``shift`` set to ``iid``, which moves an OOD split into the ID score,
or a parameter changed) passes them. So ``validate`` also resolves the run
from the manifest (task, params, seed, split plan) and checks that

* the parameters are the task's resolution of themselves (nothing unknown,
  nothing out of range, every default explicit);
* the splits are the plan's, in its order, each with the plan's ``shift``;
* the first :data:`SAMPLED_RECORDS` records of each file have the target the
  task's oracle gives for their instruction and input (with the run's params
  and seed, for tasks whose answers depend on them).
"""

from __future__ import annotations

import json
from pathlib import Path

from genforge.core.errors import CheckFailed, GenforgeError

SAMPLED_RECORDS = 20


def _science_plan(name: str) -> bool:
    from genforge.science.plans import SCIENCE_PLANS

    return name in SCIENCE_PLANS


def check_run_consistency(folder: Path, manifest: dict) -> None:
    """Raise CheckFailed naming the first way ``manifest`` disagrees with the run it describes."""
    from genforge.core.spec import resolve_spec
    from genforge.tasks.registry import get_task

    where = folder / "manifest.json"
    task_name, plan_name = manifest["task"], manifest["split_plan"]
    try:
        task = get_task(task_name)
    except GenforgeError as error:
        raise CheckFailed(f"{where}: {error}") from None
    if _science_plan(plan_name):
        return  # science plans record their own selection; their splits are not the task's plans
    try:
        spec = resolve_spec(task_name, params=manifest["params"], seed=manifest["seed"], split_plan=plan_name)
    except GenforgeError as error:
        raise CheckFailed(f"{where}: the recorded run cannot be resolved again: {error}") from None
    resolved = json.loads(json.dumps(dict(spec.params)))
    if resolved != manifest["params"]:
        changed = sorted(k for k in set(resolved) | set(manifest["params"])
                         if resolved.get(k) != manifest["params"].get(k))
        raise CheckFailed(f"{where}: params {', '.join(changed)} are not what task {task_name!r} resolves them to "
                          f"(manifest {[manifest['params'].get(k) for k in changed]}, resolved "
                          f"{[resolved.get(k) for k in changed]}); the manifest was edited")
    plan = spec.plan()
    declared = [(entry["name"], entry["shift"]) for entry in manifest["splits"]]
    planned = [(split.name, split.shift) for split in plan.splits]
    if [name for name, _ in declared] != [name for name, _ in planned][:len(declared)] or \
            any(name not in dict(planned) for name, _ in declared):
        raise CheckFailed(f"{where}: splits {[n for n, _ in declared]} are not those of plan {plan_name!r} "
                          f"({[n for n, _ in planned]})")
    for name, shift in declared:
        if dict(planned)[name] != shift:
            raise CheckFailed(f"{where}: split {name!r} declares shift {shift!r}, but plan {plan_name!r} gives it "
                              f"shift {dict(planned)[name]!r}; the manifest was edited (this would move the split "
                              "between the ID and OOD scores)")
    for entry in manifest["files"]:
        _check_targets(folder / entry["name"], task, manifest)


def _check_targets(path: Path, task, manifest: dict) -> None:
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if number > SAMPLED_RECORDS:
                return
            record = json.loads(line)
            try:
                answer = task.solve_in_context(record["instruction"], record["input"], manifest["params"],
                                               manifest["seed"])
            except (ValueError, KeyError, IndexError, TypeError):
                raise CheckFailed(f"{path}:{number}: the {task.name} oracle cannot read this record's input") from None
            if answer != record["target"]:
                raise CheckFailed(f"{path}:{number}: target {record['target']!r} is not what the run gives for this "
                                  f"input ({answer!r})")
