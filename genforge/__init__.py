"""genforge: synthetic benchmarks with controlled train/test splits for studying generalization."""

from genforge.api import describe, generate, list_tasks, load, load_snapshot, solve
from genforge.core.errors import GenforgeError
from genforge.core.task import Task
from genforge.core.version import __version__
from genforge.dataset import Dataset

from genforge import evaluate  # noqa: E402  (a callable package: genforge.evaluate(predictions, references))
from genforge.evaluate.public import render_prompt, score  # noqa: E402

__all__ = ["Dataset", "GenforgeError", "Task", "__version__", "describe", "evaluate", "generate", "list_tasks",
           "load", "load_snapshot", "render_prompt", "score", "solve"]
