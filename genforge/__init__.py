"""genforge: synthetic benchmarks with controlled train/test splits for studying generalization."""

from genforge.api import describe, generate, list_tasks, load, load_snapshot, solve
from genforge.core.errors import GenforgeError
from genforge.core.task import Task
from genforge.core.version import __version__
from genforge.dataset import Dataset

__all__ = ["Dataset", "GenforgeError", "Task", "__version__", "describe", "generate", "list_tasks", "load",
           "load_snapshot", "solve"]
