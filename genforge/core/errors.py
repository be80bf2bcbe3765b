"""Errors a user can act on.

Every error raised for bad input or an infeasible request is a
:class:`GenforgeError`; the CLI prints its message once and exits with
``exit_code`` (2 for bad input, 1 for a failed check such as a corrupted file).
"""

from __future__ import annotations

import difflib
from typing import Iterable


class GenforgeError(Exception):
    """Base class: the message says what is wrong and what is allowed."""

    exit_code = 2


class UsageError(GenforgeError):
    """A bad argument, parameter, path or file given by the user."""


class ParameterError(UsageError):
    """A task parameter that is unknown, of the wrong type or out of range."""


class UnknownTaskError(UsageError):
    """A task name that no installed plugin provides."""


class InfeasibleError(GenforgeError):
    """A request the example space cannot satisfy (too many unique examples)."""


class WorkerLost(GenforgeError):
    """A worker process died (killed, out of memory): the run stops as if it had been killed itself.

    Its staging folder and last checkpoint are kept (``keeps_staging``), so the
    same command with ``--resume`` continues it.
    """

    exit_code = 1
    keeps_staging = True


class CheckFailed(GenforgeError):
    """A validation or verification that found a problem in existing files."""

    exit_code = 1


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a close match, or ''."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


def one_of(choices: Iterable[str]) -> str:
    return ", ".join(sorted(choices))
