"""Statistics for comparing models, in numpy only: ranks, Spearman, Kendall's tau-b, McNemar, Rasch (1PL).

* **Spearman's rho**: Pearson correlation of the average ranks (ties share
  their mean rank).
* **Kendall's tau-b**: (concordant - discordant) pairs over the tie-corrected
  number of pairs (Kendall 1945); with ``n`` models there are ``n(n-1)/2``
  pairs, so with few models it moves in coarse steps.
* **McNemar's exact test**: of the records exactly one of two models gets
  right, ``b`` for the first and ``c`` for the second; under "equally good"
  ``b ~ Binomial(b + c, 1/2)``, and the two-sided p-value is
  ``min(1, 2 P(X <= min(b, c)))`` (McNemar 1947, exact form).
* **Rasch model (1PL IRT)**: ``P(model m gets item i right) =
  sigmoid(ability_m - difficulty_i)``, fitted by joint maximum likelihood
  with a small L2 penalty (so items every model gets right, or wrong, keep a
  finite difficulty) by Newton steps on each block of parameters; abilities
  are centred at 0 to fix the scale's origin (Rasch 1960; Baker and Kim
  2004 on joint estimation).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

PENALTY = 0.1
ITERATIONS = 200


def average_ranks(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(left, right) -> Optional[float]:
    """Spearman's rank correlation, None when either side is constant or shorter than 2."""
    if len(left) < 2:
        return None
    a, b = average_ranks(left), average_ranks(right)
    if a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def kendall_tau(left, right) -> Optional[float]:
    """Kendall's tau-b, None when either side is constant or shorter than 2."""
    n = len(left)
    concordant = discordant = ties_left = ties_right = 0
    for i in range(n):
        for j in range(i + 1, n):
            x, y = np.sign(left[i] - left[j]), np.sign(right[i] - right[j])
            if x == 0 and y == 0:
                continue
            if x == 0:
                ties_left += 1
            elif y == 0:
                ties_right += 1
            elif x == y:
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_left) * (concordant + discordant + ties_right))
    return None if denominator == 0 else (concordant - discordant) / denominator


def mcnemar_exact(first: np.ndarray, second: np.ndarray) -> dict:
    """Discordant counts and the exact two-sided p-value for two 0/1 vectors over the same records."""
    b = int(np.sum((first == 1) & (second == 0)))
    c = int(np.sum((first == 0) & (second == 1)))
    n = b + c
    if n == 0:
        return {"only_first": b, "only_second": c, "p_value": 1.0}
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n
    return {"only_first": b, "only_second": c, "p_value": min(1.0, 2 * tail)}


def paired_bootstrap(first: np.ndarray, second: np.ndarray, resamples: int, rng: np.random.Generator) -> list:
    """95% percentile interval of accuracy(first) - accuracy(second), records resampled jointly."""
    n = len(first)
    difference = first.astype(float) - second.astype(float)
    draws = np.empty(resamples)
    for start in range(0, resamples, 200):  # chunks keep memory at 200 x n
        size = min(200, resamples - start)
        picks = rng.integers(0, n, size=(size, n))
        draws[start:start + size] = difference[picks].mean(axis=1)
    low, high = np.percentile(draws, [2.5, 97.5])
    return [round(float(low), 6), round(float(high), 6)]


def fit_rasch(responses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(abilities per model, difficulties per item) of a models x items 0/1 matrix."""
    responses = np.asarray(responses, dtype=float)
    models, items = responses.shape
    ability, difficulty = np.zeros(models), np.zeros(items)
    for _ in range(ITERATIONS):
        p = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
        weight = p * (1 - p)
        # Newton step for each ability (rows), then each difficulty (columns), penalised towards 0.
        ability += (np.sum(responses - p, axis=1) - PENALTY * ability) / (np.sum(weight, axis=1) + PENALTY)
        p = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
        weight = p * (1 - p)
        step = (np.sum(p - responses, axis=0) - PENALTY * difficulty) / (np.sum(weight, axis=0) + PENALTY)
        difficulty += step
        shift = ability.mean()
        ability -= shift
        difficulty -= shift
        if np.max(np.abs(step)) < 1e-8:
            break
    return ability, difficulty
