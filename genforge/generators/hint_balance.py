"""HINT's balance by operator count, with the result cap, from one pilot sample.

HINT (Li et al., ICLR 2023, the released ``expr_generation`` notebook) draws
the same number of expressions for every operator count of a split (all of
them for the counts that have fewer, 0 to 2 operators), so that the count is
not skewed by which draws its value range keeps. genforge's sampler draws the
count, then the tree, then rejects: long expressions leave the value range
more often, so a uniform count kept 16.6% of training expressions with 2
operators and 6.8% with 10 (issue 15). Here the count ``n`` is drawn with
probability proportional to ``1 / kept(n)`` (at most ``MAX_RATIO`` times the
weight of the best-kept count), where ``kept(n)`` is the share of
draws with ``n`` operators that the split keeps (value range, zero rule and
result cap), so that every count is kept equally often.

Both depend on each other: the cap's keep probabilities are set from the
result law, which depends on the count law. Both are found from one pilot of
(count, result) pairs drawn with a uniform count, by reweighting the pilot
and iterating a few times (``ROUNDS``; the weights settle in two or three).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Optional

import numpy as np

from genforge.generators.hint_result_cap import keep_probabilities

ROUNDS = 6
#: A count is boosted at most this many times its uniform weight's worth: a count that the split's ranges
#: keep far more rarely than the others (long trees under a small value cap) would otherwise take most draws
#: and make the split too costly to fill. The default plans stay well within it (kept rates differ 2.4x).
MAX_RATIO = 4.0


@dataclass(frozen=True)
class Balance:
    """The count law, the cap's keep probabilities and the kept draws per draw of a split."""

    #: Cumulative probabilities of the counts low..high (None: uniform).
    cumulative: Optional[np.ndarray]
    keep: dict
    kept_per_draw: float


def balance(pairs: Mapping[tuple[int, int], float], per_attempt: float, low: int, high: int, cap: float,
            balanced: bool) -> Balance:
    """From the pilot's shares of (count, result) pairs, drawn with a uniform count, and its accepted
    draws per attempt: the count law (balanced, or uniform), the cap's keep probabilities and the rate."""
    span = high - low + 1
    by_count: dict[int, dict[int, float]] = defaultdict(dict)
    for (n, result), share in pairs.items():
        by_count[n][result] = share
    # Accepted draws per draw of count n (the pilot drew every count with probability 1 / span).
    accepted = {n: per_attempt * span * sum(results.values()) for n, results in by_count.items()}
    weights = {n: 1.0 / span for n in range(low, high + 1)}
    keep = _keep(by_count, weights, span, cap)
    for _ in range(ROUNDS if balanced else 0):
        kept = _kept_by_count(by_count, accepted, keep)
        if not kept:
            break
        floor = max(kept.values()) / MAX_RATIO
        inverse = {n: 1.0 / max(rate, floor) for n, rate in kept.items()}
        norm = sum(inverse.values())
        weights = {n: inverse.get(n, 0.0) / norm for n in range(low, high + 1)}
        keep = _keep(by_count, weights, span, cap)  # the cap is set on the result law of the final weights
    kept = _kept_by_count(by_count, accepted, keep)
    rate = sum(weights[n] * kept.get(n, 0.0) for n in weights)
    if not balanced:
        return Balance(None, keep, rate)
    cumulative = np.cumsum([weights[n] for n in range(low, high + 1)])
    return Balance(cumulative / cumulative[-1] if cumulative[-1] > 0 else None, keep, rate)


def _keep(by_count, weights, span: int, cap: float) -> dict:
    """The cap's keep probabilities for the result law of the pilot reweighted to the count law ``weights``."""
    results: dict[int, float] = defaultdict(float)
    for n, shares in by_count.items():
        for result, share in shares.items():
            results[result] += share * weights[n] * span
    total = sum(results.values())
    if cap >= 1.0 or not total:
        return {}
    return keep_probabilities({r: s / total for r, s in sorted(results.items())}, cap)


def _kept_by_count(by_count, accepted, keep) -> dict[int, float]:
    """Kept draws per draw of each count that the pilot saw, after the cap's thinning."""
    kept = {}
    for n, shares in by_count.items():
        total = sum(shares.values())
        thinned = sum(share * keep.get(result, 1.0) for result, share in shares.items()) / total
        if accepted[n] * thinned > 0:
            kept[n] = accepted[n] * thinned
    return kept
