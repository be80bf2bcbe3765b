"""Answer normalization for scoring: each task's own ``normalize_answer``."""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from genforge.core.registry import get_task


def _whitespace_folded(answer: str) -> str:
    return " ".join(str(answer).split())


@lru_cache(maxsize=None)
def normalizer_for(task: str) -> Callable[[str], str]:
    """``task``'s normalize_answer, made total.

    A prediction is free text from a model, so a task's normalizer may meet
    text it cannot parse (``"12a"`` for a number); such text keeps its
    whitespace-folded form instead of crashing the scorer, and so only
    matches a target written the same way.
    """
    normalize = get_task(task).normalize_answer

    def total(answer: str) -> str:
        try:
            return normalize(answer)
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError):
            return _whitespace_folded(answer)

    return total
