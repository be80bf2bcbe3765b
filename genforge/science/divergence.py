"""Atom and compound divergence (Keysers et al. 2020, "Measuring Compositional Generalization").

The Chernoff coefficient of two distributions is
``C_a(P || Q) = sum_k p_k**a * q_k**(1 - a)`` on normalised frequencies, with
``a`` on the *train* distribution P. Atom divergence is ``D_A = 1 - C_0.5``
(symmetric: atoms must be spread alike), compound divergence ``D_C = 1 - C_0.1``
(with a small weight on train, a compound seen even rarely in train still
counts as covered, so D_C measures how much test mass sits on compounds that
train lacks).

:class:`RunningChernoff` keeps raw counts and the unnormalised sum
``S = sum_k P_k**a Q_k**(1-a)``; since ``C = S / (|P|**a |Q|**(1-a))``, moving
one example between sides changes only the terms of its own atoms or
compounds, which is what makes the MCD search cheap.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping

ATOM_ALPHA = 0.5
COMPOUND_ALPHA = 0.1


def chernoff_coefficient(train: Mapping[str, float], test: Mapping[str, float], alpha: float) -> float:
    """``sum_k p_k**alpha * q_k**(1-alpha)`` of two count mappings (normalised here).

    An empty side has no distribution; its coefficient is taken as 1 (no divergence measurable).
    """
    train_total = sum(train.values())
    test_total = sum(test.values())
    if train_total <= 0 or test_total <= 0:
        return 1.0
    total = 0.0
    for key in sorted(train.keys() & test.keys()):
        total += (train[key] / train_total) ** alpha * (test[key] / test_total) ** (1.0 - alpha)
    return min(1.0, total)


def atom_divergence(train: Mapping[str, float], test: Mapping[str, float]) -> float:
    """``D_A = 1 - C_0.5(train || test)``."""
    return max(0.0, 1.0 - chernoff_coefficient(train, test, ATOM_ALPHA))


def compound_divergence(train: Mapping[str, float], test: Mapping[str, float]) -> float:
    """``D_C = 1 - C_0.1(train || test)``."""
    return max(0.0, 1.0 - chernoff_coefficient(train, test, COMPOUND_ALPHA))


def count(items_per_record: Iterable[Iterable[str]]) -> Counter:
    """Frequencies of atoms (or compounds) over records: each occurrence counts."""
    counts: Counter = Counter()
    for items in items_per_record:
        counts.update(items)
    return counts


class RunningChernoff:
    """The Chernoff coefficient of two multisets of integer-coded items, updated per move."""

    def __init__(self, alpha: float, size: int):
        self.alpha = alpha
        self.beta = 1.0 - alpha
        self.train = [0] * size
        self.test = [0] * size
        self.train_total = 0
        self.test_total = 0
        self.raw = 0.0

    def _term(self, p: int, q: int) -> float:
        return p ** self.alpha * q ** self.beta if p and q else 0.0

    def value(self, raw: float | None = None, train_total: int | None = None, test_total: int | None = None) -> float:
        raw = self.raw if raw is None else raw
        p = self.train_total if train_total is None else train_total
        q = self.test_total if test_total is None else test_total
        if p <= 0 or q <= 0:
            return 1.0
        return raw / (p ** self.alpha * q ** self.beta)

    def delta(self, items: Mapping[int, int], train_change: int, test_change: int) -> float:
        """Change of the raw sum if each item's count moves by the given signed amounts (x its multiplicity)."""
        change = 0.0
        train, test, term = self.train, self.test, self._term
        for item, multiplicity in items.items():
            p, q = train[item], test[item]
            change += term(p + train_change * multiplicity, q + test_change * multiplicity) - term(p, q)
        return change

    def apply(self, items: Mapping[int, int], train_change: int, test_change: int) -> None:
        self.raw += self.delta(items, train_change, test_change)
        for item, multiplicity in items.items():
            self.train[item] += train_change * multiplicity
            self.test[item] += test_change * multiplicity
        weight = sum(items.values())
        self.train_total += train_change * weight
        self.test_total += test_change * weight
