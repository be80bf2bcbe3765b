"""The task registry: every task comes from the ``genforge.tasks`` entry points.

Built-in tasks are registered the same way as third-party ones (see
``pyproject.toml``), so a plugin package adds a task just by declaring an
entry point. A task's module is imported only when the task is used; when
listing every task, a plugin that fails to import is reported on stderr and
left out, so one broken plugin does not take the others down.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from genforge.core.errors import UnknownTaskError, UsageError, did_you_mean, one_of
from genforge.core.task import Task

ENTRY_POINT_GROUP = "genforge.tasks"
TASK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        found.setdefault(entry.name, entry)
    return found


def _load(entry: EntryPoint) -> type[Task]:
    task_class = entry.load()
    if not (isinstance(task_class, type) and issubclass(task_class, Task)):
        raise TypeError(f"{entry.value} is not a genforge Task subclass")
    if not TASK_NAME.match(task_class.name) or task_class.name != entry.name:
        raise TypeError(
            f"entry point {entry.name!r} names task {task_class.name!r}; they must be equal "
            "and use lower-case letters, digits and '_'"
        )
    return task_class


def task_names() -> list[str]:
    """Names of every task whose plugin loads."""
    names = []
    for name, entry in _entry_points().items():
        try:
            get_task(name)
        except UsageError as error:
            print(f"genforge: warning: {error}", file=sys.stderr)
            continue
        names.append(name)
    return names


@lru_cache(maxsize=None)
def get_task(name: str) -> Task:
    entries = _entry_points()
    if name not in entries:
        raise UnknownTaskError(
            f"unknown task {name!r}{did_you_mean(name, entries)}; available tasks: {one_of(entries) or '(none installed)'}"
        )
    try:
        task_class = _load(entries[name])
    except Exception as error:  # a broken plugin must be reported, not crash the CLI
        raise UsageError(f"task {name!r} ({entries[name].value}) failed to load: {error}") from None
    return task_class()


def refresh() -> None:
    """Forget loaded plugins (after installing one in the same process)."""
    _entry_points.cache_clear()
    get_task.cache_clear()
