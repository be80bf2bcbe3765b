"""``genforge list`` without importing every task: name, version and summary, cached.

Listing the tasks needs each task class's ``version`` and ``summary``, and importing the task
modules imports numpy and the generators (about as long as the whole start-up should take). So the
list is kept in a small JSON file in the user's cache folder, under a fingerprint of everything the
list could depend on: the entry points of the ``genforge.tasks`` group, the size and modification
time of every ``.py`` file of the packages they point into, of each ``sys.path`` folder but the
first (installing or removing a package changes it; the first is the script's or the current folder,
which differs between ``genforge`` and ``python -m``) and the Python and genforge versions. Any change makes a miss,
and a miss loads every task exactly as before (``genforge.api.list_tasks``), printing the same
warnings for a plugin that fails to load; a list with such a failure is not cached, so the failure
is reported every time. Set GENFORGE_CACHE_DIR to move the cache (an unwritable one is skipped).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

GROUP = "genforge.tasks"
_FORMAT = 1  # bump when the cached file's layout changes


def _cache_file() -> Path:
    base = os.environ.get("GENFORGE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "genforge")
    # One file per environment: two virtual environments do not evict each other's list.
    environment = hashlib.sha256(sys.prefix.encode()).hexdigest()[:16]
    return Path(base) / f"task-list-{environment}.json"


def _python_files(folder: str) -> list[tuple[str, int, int]]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(root, name))
                found.append((os.path.join(root, name), stat.st_size, stat.st_mtime_ns))
    return found


def _stamp(path: str) -> list:
    try:
        stat = os.stat(path)
    except OSError:
        return [path, None]
    return [path, stat.st_size, stat.st_mtime_ns]


def fingerprint() -> tuple[list[str], str]:
    """The task entry points' names (in the registry's order) and a digest of what the list depends on."""
    from importlib.metadata import entry_points
    from importlib.util import find_spec

    from genforge.core.version import __version__

    entries: dict[str, str] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        entries.setdefault(entry.name, entry.value)  # the registry keeps the first one, too
    sources: list = []
    for top in sorted({value.split(":")[0].split(".")[0] for value in entries.values()}):
        try:
            spec = find_spec(top)  # a top-level name: finds the files without importing them
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            sources.append([top, None])
        elif spec.submodule_search_locations:
            for folder in sorted(spec.submodule_search_locations):
                sources.extend(_python_files(folder))
        else:
            sources.append(_stamp(spec.origin or top))
    state = {"format": _FORMAT, "python": sys.version, "genforge": __version__, "entries": entries,
             "sources": sources, "path": [_stamp(folder or ".") for folder in sys.path[1:]]}
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
    return list(entries), digest


def _read(path: Path, digest: str) -> list[dict] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != digest or not isinstance(data.get("tasks"), list):
        return None
    keys = ("name", "version", "summary")
    if not all(isinstance(task, dict) and all(isinstance(task.get(key), str) for key in keys) for task in data["tasks"]):
        return None  # a damaged file: load the tasks (and rewrite it)
    return data["tasks"]


def _write(path: Path, digest: str, tasks: list[dict]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"fingerprint": digest, "tasks": tasks}), encoding="utf-8", newline="\n")
        os.replace(temporary, path)  # readers see the old file or the new one, never half of one
    except OSError:
        pass  # a read-only home: list without a cache


def list_tasks() -> list[dict[str, str]]:
    """Every installed task: name, version and summary (what ``genforge.api.list_tasks`` returns)."""
    names, digest = fingerprint()
    path = _cache_file()
    cached = _read(path, digest)
    if cached is not None:
        return cached
    from genforge.api import list_tasks as load_every_task

    tasks = load_every_task()
    if [task["name"] for task in tasks] == names:  # every plugin loaded: nothing to report next time
        _write(path, digest, tasks)
    return tasks
