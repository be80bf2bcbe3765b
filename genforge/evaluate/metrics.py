"""The two scores of one prediction, and their running totals.

* **Exact match**: the prediction equals the target after the task's
  ``normalize_answer`` (whitespace folded; numbers, relation names or
  order-insensitive answers where the task says so).
* **Token accuracy**: partial credit for sequence targets. Both normalized
  answers are cut into units: whitespace-separated tokens when the target
  has more than one, otherwise characters (so a rewritten string or a
  number is scored symbol by symbol). The score is the share of positions
  ``i < max(len(prediction), len(target))`` where both have the same unit;
  a missing or extra unit counts as wrong. Two empty answers score 1.
  A missing prediction scores 0 on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from genforge.evaluate.intervals import accuracy_interval


def units(target: str, text: str) -> list[str]:
    """``text`` cut the way ``target`` is: into words if the target has several, else characters."""
    return text.split() if len(target.split()) > 1 else list(text)


def token_accuracy(prediction: str, target: str) -> float:
    """Position-wise share of matching units over the longer of the two (see module docstring)."""
    predicted, expected = units(target, prediction), units(target, target)
    longest = max(len(predicted), len(expected))
    if longest == 0:
        return 1.0
    return sum(1 for a, b in zip(predicted, expected) if a == b) / longest


@dataclass
class Tally:
    """Running totals of a group of records (a split, a complexity level, a domain)."""

    records: int = 0
    correct: int = 0
    missing: int = 0
    token_total: float = 0.0

    def add(self, correct: bool, token_score: float, missing: bool = False) -> None:
        self.records += 1
        self.correct += int(correct)
        self.missing += int(missing)
        self.token_total += token_score

    @property
    def exact_match(self) -> Optional[float]:
        return self.correct / self.records if self.records else None

    @property
    def token_accuracy(self) -> Optional[float]:
        return self.token_total / self.records if self.records else None

    def as_dict(self) -> dict:
        return {
            "records": self.records,
            "correct": self.correct,
            "missing": self.missing,
            "exact_match": rounded(self.exact_match),
            "token_accuracy": rounded(self.token_accuracy),
            "interval": accuracy_interval(self.correct, self.records),
        }


def rounded(value: Optional[float]) -> Optional[float]:
    """Six decimals: enough to tell one record in a million, short enough to read."""
    return None if value is None else round(value, 6)


def difference(left: Optional[float], right: Optional[float]) -> Optional[float]:
    return None if left is None or right is None else rounded(left - right)
