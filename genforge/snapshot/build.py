"""``genforge snapshot build``: every task of a suite, with manifest, cards and exports.

The whole snapshot is written into a hidden staging folder and renamed into
place at the end (as the engine does for one task), so a failed build leaves
the previous snapshot or nothing. No clock is read: every file, the dataset
card and Croissant's ``datePublished`` included, is a pure function of the
resolved suite and the genforge version, so two builds are byte-identical.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

from genforge.core.version import __version__
from genforge.core.canonical import pretty_dumps
from genforge.core.checking import file_digest
from genforge.core.engine import Progress
from genforge.core.engine import generate as generate_task
from genforge.core.engine import estimate_bytes
from genforge.core.errors import UsageError
from genforge.core.writer import AtomicFolder, OutputLock, check_destination, check_out
from genforge.snapshot.card import render_card
from genforge.snapshot.croissant import croissant_metadata
from genforge.snapshot.genbench import genbench_card
from genforge.snapshot.lm_eval_export import write_lm_eval
from genforge.snapshot.statistics import split_statistics
from genforge.snapshot.suite import Suite, canary_string
from genforge.python_names import speaks_python

MANIFEST = "manifest.json"
SNAPSHOT_FORMAT = "genforge-snapshot/1"


def task_entry(task_manifest: dict) -> dict:
    """The snapshot manifest's summary of one task folder."""
    return {
        "task": task_manifest["task"],
        "task_version": task_manifest["task_version"],
        "split_plan": task_manifest["split_plan"],
        "seed": task_manifest["seed"],
        "params": task_manifest["params"],
        "shard_size": task_manifest["options"].get("shard_size"),
        "splits": task_manifest["splits"],
    }


def _file_entry(folder: Path, path: str, task=None, split=None, records=0) -> dict:
    sha256, size, _ = file_digest(folder / path)
    return {"path": path, "task": task, "split": split, "records": records, "bytes": size, "sha256": sha256}


def _metadata_paths(folder: Path, data_paths: set) -> list[str]:
    """Every other file of the snapshot, '/'-separated, in code-point order."""
    paths = []
    for root, directories, files in os.walk(folder):
        directories.sort()
        for name in files:
            relative = (Path(root) / name).relative_to(folder).as_posix()
            if relative != MANIFEST and relative not in data_paths:
                paths.append(relative)
    return sorted(paths)


def write_snapshot(suite: Suite, folder: Path, *, workers: int = 1, progress: Optional[Progress] = None,
                   max_bytes: Optional[int] = None) -> dict:
    """Write the snapshot's files into an existing empty ``folder``; return the manifest.

    With ``max_bytes``, each task may use what the tasks before it left of it
    (the engine stops a task that passes its share).
    """
    canary = canary_string(suite.canary)
    resolved = suite.as_dict()
    tasks, files, statistics = [], [], {}
    for spec in suite.entries:
        remaining = None
        if max_bytes is not None:
            remaining = max_bytes - sum(entry["bytes"] for entry in files)
            if remaining < 1:
                raise UsageError(f"the snapshot passed --max-bytes {max_bytes:,} before task {spec.task!r}; "
                                 "nothing was kept")
        task_manifest = generate_task(spec, folder, workers=workers, progress=progress, max_bytes=remaining)
        tasks.append(task_entry(task_manifest))
        statistics[spec.task] = {}
        for entry in task_manifest["files"]:
            path = f"{spec.task}/{entry['name']}"
            statistics[spec.task][entry["split"]] = split_statistics(folder / path)
            files.append({"path": path, "task": spec.task, "split": entry["split"], "records": entry["records"],
                          "bytes": entry["bytes"], "sha256": entry["sha256"]})
        files.append(_file_entry(folder, f"{spec.task}/{MANIFEST}"))
    genbench = genbench_card(suite.name, canary, tasks)
    (folder / "suite.json").write_bytes(pretty_dumps(resolved))
    (folder / "genbench_card.json").write_bytes(pretty_dumps(genbench))
    write_lm_eval(folder, tasks)
    data_files = [entry for entry in files if entry["split"] is not None]
    (folder / "croissant.json").write_bytes(pretty_dumps(croissant_metadata(resolved, canary, data_files)))
    (folder / "README.md").write_text(render_card(resolved, canary, tasks, statistics, genbench), encoding="utf-8",
                                      newline="\n")
    for path in _metadata_paths(folder, {entry["path"] for entry in files}):
        files.append(_file_entry(folder, path))
    manifest = {
        "format": SNAPSHOT_FORMAT,
        "genforge_version": __version__,
        "name": suite.name,
        "canary": canary,
        "suite": resolved,
        "tasks": tasks,
        "files": files,
    }
    manifest_bytes = pretty_dumps(manifest)
    if max_bytes is not None:
        total = sum(entry["bytes"] for entry in files) + len(manifest_bytes)
        if total > max_bytes:
            raise UsageError(f"the snapshot with its cards and manifest would be {total:,} bytes, more than "
                             f"--max-bytes {max_bytes:,}; nothing was kept")
    (folder / MANIFEST).write_bytes(manifest_bytes)
    return manifest


@speaks_python
def build_snapshot(
    suite: Suite,
    out: str | Path,
    *,
    workers: int = 1,
    overwrite: bool = False,
    progress: Optional[Progress] = None,
    max_bytes: Optional[int] = None,
    note=None,
) -> dict:
    """Build ``suite`` into the folder ``out`` (atomically) and return its manifest.

    Leftovers of a killed build of the same folder are removed first (``note`` is told).

    ``max_bytes`` refuses, before writing anything, a suite whose data files
    are estimated (from the first block of each split) to exceed that size,
    and stops the build, keeping nothing, if the files pass it while writing.
    """
    check_out(out)
    destination = Path(out)
    check_destination(destination, overwrite)
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise UsageError(f"max bytes = {max_bytes!r} is not allowed: expected a whole number of bytes >= 1")
        estimate = sum(estimate_bytes(spec)[0] for spec in suite.entries)
        if estimate > max_bytes:
            raise UsageError(
                f"the snapshot would be about {estimate:,} bytes of data (estimated from the first block of "
                f"each split), more than --max-bytes {max_bytes:,}; nothing was written. Build fewer tasks "
                "(--tasks), use smaller sizes in the suite, or raise --max-bytes"
            )
    locked = destination.parent.is_dir()
    with OutputLock(destination) if locked else nullcontext():
        with AtomicFolder(destination, overwrite, note=(note or (lambda message: None)) if locked else None) as staging:
            manifest = write_snapshot(suite, staging, workers=workers, progress=progress, max_bytes=max_bytes)
    return manifest
