"""Errors raised through the Python API name Python arguments, never CLI flags.

The engine states its errors once, in the CLI's words ("pass --overwrite to
replace it"), because most are met on the command line. A Python caller
would read a flag it cannot pass, so the public functions translate the
message on the way out ("pass overwrite=True to replace it"), unless the CLI
itself called them.

>>> in_python_terms("output folder 'data/rewrite' already exists; pass --overwrite to replace it")
"output folder 'data/rewrite' already exists; pass overwrite=True to replace it"
>>> in_python_terms("split 'train' is sampled and needs a size (--size train=N)")
"split 'train' is sampled and needs a size (sizes={'train': N})"
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from typing import Callable, Iterator, TypeVar

from genforge.core.errors import GenforgeError

Function = TypeVar("Function", bound=Callable)

_called_by_cli = contextvars.ContextVar("genforge_called_by_cli", default=False)

#: Flags that are switches on the command line and booleans in Python.
SWITCHES = {"overwrite", "allow-repeats", "resume", "trace", "lenient", "regenerate"}
#: Flags whose Python argument has another name.
RENAMED = {"size": "sizes", "param": "params", "plan-option": "plan_options", "split": "splits",
           "measure": "measures"}

_KEYED = re.compile(r"--(size|param|plan-option) ([A-Za-z_][\w]*)=([\w.]+)")
_KEY_ONLY = re.compile(r"--(size|param|plan-option) ([A-Za-z_][\w]*)\b(?!=)")
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\b")


def _python_name(flag: str) -> str:
    return RENAMED.get(flag, flag.replace("-", "_"))


def in_python_terms(message: str) -> str:
    """The message with each CLI flag replaced by the Python argument it stands for."""
    message = _KEYED.sub(lambda m: f"{_python_name(m[1])}={{'{m[2]}': {m[3]}}}", message)
    message = _KEY_ONLY.sub(lambda m: f"{_python_name(m[1])}['{m[2]}']", message)
    return _FLAG.sub(lambda m: f"{_python_name(m[1])}=True" if m[1] in SWITCHES else _python_name(m[1]), message)


@contextlib.contextmanager
def cli_call() -> Iterator[None]:
    """While active, errors keep the CLI's flag names (the CLI wraps each command in it)."""
    token = _called_by_cli.set(True)
    try:
        yield
    finally:
        _called_by_cli.reset(token)


def speaks_python(function: Function) -> Function:
    """Decorate a public API function: its GenforgeErrors name Python arguments when called from Python."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except GenforgeError as error:
            if not _called_by_cli.get() and error.args and isinstance(error.args[0], str):
                error.args = (in_python_terms(error.args[0]), *error.args[1:])
            raise

    return wrapper  # type: ignore[return-value]
