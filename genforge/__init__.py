"""genforge: synthetic benchmarks with controlled train/test splits for studying generalization."""

# Names are imported on first use (PEP 562), so `import genforge.cli` -- and `genforge --help` --
# does not pay for numpy, jsonschema and the engine; `genforge.generate(...)` works as before.
from genforge.core.version import __version__

_LAZY = {
    "describe": "genforge.api", "generate": "genforge.api", "list_tasks": "genforge.api", "load": "genforge.api",
    "load_snapshot": "genforge.api", "solve": "genforge.api", "GenforgeError": "genforge.core.errors",
    "Task": "genforge.core.task", "Dataset": "genforge.dataset", "render_prompt": "genforge.evaluate.public",
    "score": "genforge.evaluate.public",
}

__all__ = ["Dataset", "GenforgeError", "Task", "__version__", "describe", "evaluate", "generate", "list_tasks",
           "load", "load_snapshot", "render_prompt", "score", "solve"]


def __getattr__(name: str):
    import importlib

    if name == "evaluate":  # a callable package: genforge.evaluate(predictions, references)
        return importlib.import_module("genforge.evaluate")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    try:  # a subpackage, e.g. genforge.api or genforge.core after a bare `import genforge`
        return importlib.import_module(f"genforge.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"genforge.{name}":
            raise
    raise AttributeError(f"module 'genforge' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
