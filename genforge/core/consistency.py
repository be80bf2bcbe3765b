"""A generated folder's manifest against its own run: plan, shifts, parameters and a sample of targets.

Checksums say the files are the ones the manifest lists; they cannot say the
manifest tells the truth about the run. A manifest edited by hand (a test
split's ``shift`` set to ``iid``, which moves an OOD split into the ID score,
or a parameter changed) passes them. So ``validate`` also resolves the run
from the manifest (task, params, seed, split plan) and checks that

* the parameters are the task's resolution of themselves (nothing unknown,
  nothing out of range, every default explicit);
* the splits are the plan's, in its order, each with the plan's ``shift``;
* the first :data:`SAMPLED_RECORDS` records of each split are byte for byte
  what the run regenerates.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from genforge.core.errors import CheckFailed, GenforgeError

SAMPLED_RECORDS = 20
#: The options a task's own split plans record; a generic plan or a difficulty range records more.
ENGINE_OPTIONS = {"trace", "allow_repeats", "shard_size"}


def check_run_consistency(folder: Path, manifest: dict) -> None:
    """Raise CheckFailed naming the first way ``manifest`` disagrees with the run it describes."""
    from genforge.core.plans import generic_plan
    from genforge.core.registry import get_task
    from genforge.core.spec import resolve_spec

    where = folder / "manifest.json"
    task_name, plan_name = manifest["task"], manifest["split_plan"]
    try:
        get_task(task_name)  # an unknown task is a failed check, not a traceback
    except GenforgeError as error:
        raise CheckFailed(f"{where}: {error}") from None
    if generic_plan(plan_name) is not None or set(manifest.get("options", {})) - ENGINE_OPTIONS:
        return  # generic plans and difficulty ranges record their own options; checksums still apply
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
    _compare_with_regenerated(folder, manifest, spec)


def _split_lines(folder: Path, manifest: dict, split: str, count: int) -> list[bytes]:
    """The first ``count`` lines of a split, across its shard files in order."""
    lines: list[bytes] = []
    for entry in manifest["files"]:
        if entry["split"] != split:
            continue
        with open(folder / entry["name"], "rb") as file:
            for line in file:
                if len(lines) == count:
                    return lines
                lines.append(line)
    return lines


def _compare_with_regenerated(folder: Path, manifest: dict, spec) -> None:
    """Regenerate the first records of every split and compare bytes.

    A split's first records do not depend on how many it holds (blocks are
    consumed in order and splits are disjoint by construction), so a run with
    every size cut to SAMPLED_RECORDS writes exactly the first lines of each
    file. Data from another genforge version may legitimately differ: then
    only the checks above apply.
    """
    from dataclasses import replace

    from genforge.core.engine import generate as generate_run
    from genforge.core.version import __version__

    if manifest.get("genforge_version") != __version__:
        return
    sizes = {entry["name"]: min(entry["size"], SAMPLED_RECORDS) for entry in manifest["splits"]}
    options = manifest.get("options", {})
    sample_spec = replace(spec, sizes={**spec.sizes, **sizes}, shard_size=None,
                          trace=bool(options.get("trace")), allow_repeats=bool(options.get("allow_repeats")))
    with tempfile.TemporaryDirectory(prefix="genforge-validate-") as scratch:
        regenerated = generate_run(sample_spec, Path(scratch))
        for entry in regenerated["files"]:
            fresh = (Path(scratch) / manifest["task"] / entry["name"]).read_bytes().splitlines(keepends=True)
            present = _split_lines(folder, manifest, entry["split"], len(fresh))
            for number, (want, have) in enumerate(zip(fresh, present), start=1):
                if want != have:
                    raise CheckFailed(
                        f"{folder}: record {number} of split {entry['split']!r} is not what the run in manifest.json "
                        f"(task, params, seed, plan) generates: expected {want[:160]!r}, found {have[:160]!r}; the "
                        "data or the manifest was edited")
