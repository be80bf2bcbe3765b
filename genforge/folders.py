"""What a folder given to a command is: a task folder, a folder of task folders, or a snapshot.

``validate``, ``audit``, ``evaluate``, ``baseline`` and ``snapshot verify``
all take a folder; they resolve it here, so each accepts the same three
forms and says which one it found.

>>> from genforge.folders import locate
>>> found = locate("data")            # doctest: +SKIP
>>> found.describe()                  # doctest: +SKIP
"data: a folder of task folders (rewrite, scan)"
>>> [folder.name for folder in found.task_folders]  # doctest: +SKIP
['rewrite', 'scan']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import click

from genforge.core.errors import CheckFailed, UsageError

TASK_FOLDER = "task folder"
FOLDER_OF_TASK_FOLDERS = "folder of task folders"
SNAPSHOT = "snapshot"
SWEEP = "sweep"

MANIFEST = "manifest.json"

WHAT_TO_GIVE = ("give a task folder (OUT/TASK, with a manifest.json naming its task), a folder of task folders "
                "(the --out of 'genforge generate') or a snapshot folder")


@dataclass(frozen=True)
class Location:
    """A resolved folder: its ``kind`` and the task folders it holds, in order."""

    path: Path
    kind: str
    task_folders: tuple[Path, ...]

    @property
    def tasks(self) -> list[str]:
        return [folder.name for folder in self.task_folders]

    def describe(self) -> str:
        """One line saying what was found, e.g. ``"snap: a snapshot of 14 tasks (addition, ...)"``."""
        if self.kind == TASK_FOLDER:
            return f"{self.path}: a task folder ({_task_of(self.path)})"
        names = ", ".join(self.tasks)
        if self.kind == SNAPSHOT:
            return f"{self.path}: a snapshot of {len(self.task_folders)} task(s) ({names})"
        if self.kind == SWEEP:
            return f"{self.path}: a sweep of {len(self.task_folders)} run(s) ({names})"
        return f"{self.path}: a folder of task folders ({names})"


def _read(path: Path) -> dict:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise CheckFailed(f"{path}: not readable as JSON ({error})") from None
    if not isinstance(value, dict):
        raise CheckFailed(f"{path}: not a JSON object")
    return value


def _task_of(folder: Path) -> str:
    try:
        return str(_read(folder / MANIFEST).get("task"))
    except CheckFailed:
        return folder.name


def _is_task_folder(folder: Path) -> bool:
    if not (folder / MANIFEST).is_file():
        return False
    try:
        return isinstance(_read(folder / MANIFEST).get("task"), str)
    except CheckFailed:
        return False


def _listed_folders(folder: Path, names: list, manifest_path: Path) -> tuple[Path, ...]:
    for name in names:
        if not isinstance(name, str) or not name or ".." in Path(name).parts or Path(name).is_absolute():
            raise CheckFailed(f"{manifest_path}: lists {name!r}, not a folder inside {folder}")
    return tuple(folder / name for name in names)


def locate(path: str | os.PathLike) -> Location:
    """Resolve ``path`` to a `Location`; UsageError (exit 2) when it is none of the three forms.

    A folder whose manifest.json has ``"task"`` is a task folder; one whose
    manifest has ``"tasks"`` is a snapshot; a sweep's manifest
    (``"kind": "sweep"``) lists its runs; a folder without a manifest is a
    folder of task folders when subfolders hold task manifests.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"path = {path!r} is not allowed: expected a folder path")
    folder = Path(path)
    if not folder.exists():
        raise UsageError(f"{str(folder)!r} does not exist or is not a folder; {WHAT_TO_GIVE}")
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is a file, not a folder; {WHAT_TO_GIVE}")
    manifest_path = folder / MANIFEST
    if manifest_path.is_file():
        manifest = _read(manifest_path)
        if isinstance(manifest.get("task"), str):
            return Location(folder, TASK_FOLDER, (folder,))
        if manifest.get("kind") == SWEEP and isinstance(manifest.get("runs"), list):
            runs = [run.get("folder") if isinstance(run, dict) else None for run in manifest["runs"]]
            return Location(folder, SWEEP, _listed_folders(folder, runs, manifest_path))
        if isinstance(manifest.get("tasks"), list):
            tasks = [entry.get("task") if isinstance(entry, dict) else None for entry in manifest["tasks"]]
            return Location(folder, SNAPSHOT, _listed_folders(folder, tasks, manifest_path))
        raise UsageError(f"{manifest_path} is neither a task manifest (with \"task\") nor a snapshot manifest "
                         f"(with \"tasks\"); {WHAT_TO_GIVE}")
    task_folders = tuple(sorted(child for child in folder.iterdir() if child.is_dir() and _is_task_folder(child)))
    if not task_folders:
        raise UsageError(f"{str(folder)!r} holds no manifest.json and no task folders; {WHAT_TO_GIVE}")
    return Location(folder, FOLDER_OF_TASK_FOLDERS, task_folders)


def say_found(location: Location) -> None:
    """Tell the user which form a command found, on stderr (stdout stays the command's report).

    Commands say it once their work succeeded: a failure stays one message, ``genforge: error: ...``.
    """
    click.echo(f"genforge: found {location.describe()}", err=True)
