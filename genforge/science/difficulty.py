"""Difficulty selection: parsing ``--difficulty-range LOW:HIGH`` and the thresholds of ``easy_to_hard``.

Every record carries ``meta.difficulty`` in [0, 1] (the task's documented,
monotone function of its complexity). Selecting by it needs no per-task code:
a difficulty range narrows every split of any plan
(:func:`genforge.core.plans.within_difficulty`), and the ``easy_to_hard`` plan
(:mod:`genforge.science.plans`) trains on the easy part of the training
distribution and tests on its hard part.
"""

from __future__ import annotations

import math
from typing import Sequence

from genforge.core.errors import InfeasibleError, UsageError


def parse_range(text: str) -> tuple[float, float]:
    """``"0.2:0.6"`` -> (0.2, 0.6); either end may be empty (``":0.3"`` means 0 to 0.3)."""
    low_text, sep, high_text = str(text).partition(":")
    if not sep:
        raise UsageError(f"--difficulty-range {text!r} is not LOW:HIGH (e.g. 0:0.3 or 0.7:1)")
    try:
        low = float(low_text) if low_text.strip() else 0.0
        high = float(high_text) if high_text.strip() else 1.0
    except ValueError:
        raise UsageError(f"--difficulty-range {text!r}: LOW and HIGH must be numbers from 0 to 1") from None
    if not 0.0 <= low <= high <= 1.0:
        raise UsageError(f"--difficulty-range {text!r} is not allowed: expected 0 <= LOW <= HIGH <= 1")
    return low, high


def quantile(sorted_values: Sequence[float], share: float) -> float:
    """The value at rank ``share`` of sorted values (nearest rank, lower)."""
    return sorted_values[min(len(sorted_values) - 1, max(0, math.floor(share * (len(sorted_values) - 1))))]


def easy_hard_thresholds(difficulties: Sequence[float], easy_quantile: float, hard_quantile: float) -> tuple[float, float]:
    """(easy_max, hard_min): easy is ``d <= easy_max``, hard is ``d >= hard_min`` and above easy_max."""
    ordered = sorted(difficulties)
    easy_max = quantile(ordered, easy_quantile)
    hard_min = ordered[min(len(ordered) - 1, math.ceil(hard_quantile * (len(ordered) - 1)))]
    if hard_min <= easy_max:
        above = [d for d in ordered if d > easy_max]
        if not above:
            # Ties at the top: the easy part gives up its highest value so a hard part exists.
            below = [d for d in ordered if d < ordered[-1]]
            if not below:
                raise InfeasibleError(
                    f"every pooled record has difficulty {ordered[-1]}: there is no easy and hard part to split; "
                    f"widen the task parameters so that difficulty varies")
            easy_max = below[-1]
            above = [d for d in ordered if d > easy_max]
        hard_min = above[0]
    return easy_max, hard_min
