"""genforge: synthetic benchmarks with controlled train/test splits for studying generalization."""

__version__ = "0.2.0"

from genforge.api import describe, generate, list_tasks, load, load_snapshot, solve  # noqa: E402
from genforge.core.errors import GenforgeError  # noqa: E402
from genforge import evaluate  # noqa: E402  (a callable package: genforge.evaluate(predictions, references))
from genforge.evaluate.public import render_prompt, score  # noqa: E402

__all__ = ["GenforgeError", "__version__", "describe", "evaluate", "generate", "list_tasks", "load", "load_snapshot",
           "render_prompt", "score", "solve"]
