"""Seeded bootstrap 95% intervals for accuracies and gaps.

The bootstrap resamples a group's records with replacement and recomputes the
accuracy (Efron and Tibshirani 1993, percentile interval). For a mean of 0/1
outcomes a resample's number correct is exactly a Binomial(n, p) draw with
``p`` the observed accuracy, so it is drawn that way: same distribution, no
per-record arrays. A gap ``ID - OOD`` resamples the two sides independently
(they hold different records). :data:`RESAMPLES` draws from a generator
seeded with :data:`SEED` (per group, from its counts), so a report is a
pure function of its predictions.
"""

from __future__ import annotations

import hashlib
from typing import Optional

import numpy as np

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95


def _generator(*counts: int) -> np.random.Generator:
    key = hashlib.sha256(f"{SEED}/{counts}".encode()).digest()
    return np.random.default_rng(int.from_bytes(key[:8], "little"))


def _percentiles(draws: np.ndarray) -> list[float]:
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return [round(float(low), 6), round(float(high), 6)]


def accuracy_interval(correct: int, records: int) -> Optional[list[float]]:
    """[low, high] of the accuracy ``correct / records``; None for an empty group."""
    if not records:
        return None
    draws = _generator(correct, records).binomial(records, correct / records, RESAMPLES) / records
    return _percentiles(draws)


def gap_interval(left: tuple[int, int], right: tuple[int, int]) -> Optional[list[float]]:
    """[low, high] of ``left accuracy - right accuracy``; each side is (correct, records)."""
    if not left[1] or not right[1]:
        return None
    rng = _generator(*left, *right)
    draws = (rng.binomial(left[1], left[0] / left[1], RESAMPLES) / left[1]
             - rng.binomial(right[1], right[0] / right[1], RESAMPLES) / right[1])
    return _percentiles(draws)
