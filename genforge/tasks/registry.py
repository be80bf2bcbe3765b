"""The task registry: every task comes from the ``genforge.tasks`` entry points.

Built-in tasks are registered the same way as third-party ones (see
``pyproject.toml``), so a plugin package adds a task just by declaring an
entry point. A plugin that fails to import is reported on stderr and left
out, so one broken plugin does not take the others down.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from importlib.metadata import entry_points

from genforge.core.errors import UnknownTaskError, did_you_mean, one_of
from genforge.tasks.base import Task

ENTRY_POINT_GROUP = "genforge.tasks"
TASK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=1)
def _load_all() -> dict[str, type[Task]]:
    tasks: dict[str, type[Task]] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            task_class = entry.load()
        except Exception as error:  # a broken plugin must not break the CLI
            print(f"genforge: warning: task {entry.name!r} ({entry.value}) failed to load: {error}", file=sys.stderr)
            continue
        if not (isinstance(task_class, type) and issubclass(task_class, Task)):
            print(f"genforge: warning: entry point {entry.name!r} is not a genforge Task; skipped", file=sys.stderr)
            continue
        if not TASK_NAME.match(task_class.name) or task_class.name != entry.name:
            print(
                f"genforge: warning: entry point {entry.name!r} names task {task_class.name!r}; "
                "they must be equal and use lower-case letters, digits and '_'",
                file=sys.stderr,
            )
            continue
        tasks[entry.name] = task_class
    return tasks


def task_names() -> list[str]:
    return sorted(_load_all())


@lru_cache(maxsize=None)
def get_task(name: str) -> Task:
    tasks = _load_all()
    if name not in tasks:
        raise UnknownTaskError(
            f"unknown task {name!r}{did_you_mean(name, tasks)}; available tasks: {one_of(tasks) or '(none installed)'}"
        )
    return tasks[name]()


def refresh() -> None:
    """Forget loaded plugins (after installing one in the same process)."""
    _load_all.cache_clear()
    get_task.cache_clear()
