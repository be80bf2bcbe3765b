"""Nuisance features of records and their shift between splits (total-variation distance).

Generic features every task gets, besides the task's own
(:meth:`genforge.core.task.Task.nuisance_features`):

* ``input_length``: input units (whitespace tokens, or characters for inputs of
  about one token; see :func:`genforge.science.probes.units_of`);
* ``target_length``: target units, chosen the same way from the targets;
* ``instruction_length``: instruction tokens (records with an instruction);
* ``domain``: ``meta.domain``; ``difficulty``: ``meta.difficulty``;
* ``complexity.<measure>``: each ``meta.complexity`` measure.

**Total variation** ``TV = 1/2 sum_b |p_train(b) - p_split(b)|`` over bins
fixed by train, so that it stays meaningful at a few hundred records:
a numeric feature with more than :data:`MAX_BINS` distinct training values is
cut at train's deciles (at most ten bins), plus a ``below`` and an ``above``
bin for values outside train's range (a length split lands there: TV 1); a
categorical feature keeps train's :data:`MAX_CATEGORIES` - 1 most common
values and lumps the rest into ``other``. Two samples of a few hundred from
the same distribution then differ by TV ~0.05-0.15, well under the default
flag level of 0.3; a split with fewer records than the audit's minimum is
reported but not flagged.

**Which features a split may move.** A split's shift kind moves the features
of :data:`SHIFT_MOVES` (a ``length`` split moves lengths and complexity
measures), plus its plan's ``SplitSpec.moves``; names may be shell patterns
(``complexity.*``), and a bare measure name (``rules``) also covers ``complexity.rules``. Other features over the TV level are flagged unless the
plan's ``expected_shifts`` gives a reason.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from fnmatch import fnmatch
from typing import Any, Callable, Iterable, Mapping, Sequence

MAX_BINS = 10
MAX_CATEGORIES = 20

_SIZE = ("input_length", "target_length", "instruction_length", "complexity.*", "difficulty")
#: Shift kind -> features it moves by definition. Kinds not listed (iid, instruction, template,
#: primitive, composition, systematicity, substitutivity, pattern ...) move none: their test splits
#: should match train's lengths and complexity unless the plan says why not.
SHIFT_MOVES: dict[str, tuple[str, ...]] = {
    "length": _SIZE,
    "productivity": _SIZE,
    "depth": _SIZE,
    "length_and_value": _SIZE,
    # easy_to_hard selects by meta.difficulty: every feature that correlates with it moves
    # (operand sizes, carries, ...); its probes are still judged.
    "difficulty": ("*",),
    # A complexity split names the measure it moves through SplitSpec.moves (a carry split moves
    # complexity.longest_carry_chain, not the operand digits: that would be a confound); difficulty
    # follows any complexity measure a split moves (audit.shortcuts.shift_findings).
    "complexity": ("difficulty",),
    "value": ("target_length", "complexity.*", "difficulty"),
    "domain": ("domain",),
    # COGS / SLOG structural generalization is deeper recursion in held-out categories (Kim & Linzen 2020).
    "structural": _SIZE + ("domain",),
    # Categories of held-out items, named by meta.domain: the split is its own domain.
    "lexical": ("domain",),
    "overgeneralisation": ("domain",),
    # two_hop / comparison label each record by its side of the held-out composition (id / ood).
    "composition": ("domain",),
}


def generic_features(record: Mapping, units: Callable, target_units: Callable) -> dict[str, Any]:
    meta = record.get("meta") or {}
    features: dict[str, Any] = {"input_length": len(units(record["input"])),
                                "target_length": len(target_units(record["target"]))}
    if record.get("instruction") is not None:
        features["instruction_length"] = len(record["instruction"].split())
    if "domain" in meta:
        features["domain"] = meta["domain"]
    if isinstance(meta.get("difficulty"), (int, float)):
        features["difficulty"] = meta["difficulty"]
    for measure, value in (meta.get("complexity") or {}).items():
        features[f"complexity.{measure}"] = value
    return features


def moves(feature: str, patterns: Iterable[str]) -> bool:
    """Whether a declared name or pattern covers ``feature``; a bare measure name also covers the
    generic ``complexity.<name>`` feature (a task declaring ``rules`` means its measure, however shown)."""
    measure = feature[len("complexity."):] if feature.startswith("complexity.") else None
    return any(fnmatch(feature, pattern) or (measure is not None and fnmatch(measure, pattern))
               for pattern in patterns)


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Binning:
    """Bins of one feature, fixed by its training values."""

    def __init__(self, train_values: Sequence):
        self._memo: dict = {}
        present = [v for v in train_values if v is not None]
        distinct = set(present)
        self.numeric = bool(present) and all(_numeric(v) for v in present) and len(distinct) > MAX_BINS
        if self.numeric:
            ordered = sorted(present)
            self.low, self.high = ordered[0], ordered[-1]
            cuts = {ordered[min(len(ordered) - 1, math.ceil(len(ordered) * i / MAX_BINS))] for i in range(1, MAX_BINS)}
            self.cuts = sorted(c for c in cuts if c > self.low)  # a bin is [previous cut, cut)
        else:
            common = Counter(str(v) for v in train_values).most_common()
            keep = common if len(common) <= MAX_CATEGORIES else common[:MAX_CATEGORIES - 1]
            self.categories = {value for value, _ in keep}
            self.lumped = len(common) > len(keep)

    def label(self, value) -> str:
        """The bin of ``value`` (memoized: features take few distinct values)."""
        key = (type(value), value) if isinstance(value, (int, float, str, bool, type(None))) else None
        if key is None:
            return self._label(value)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._label(value)
        return found

    def _label(self, value) -> str:
        if not self.numeric:
            text = str(value)
            return text if text in self.categories or not self.lumped else "other"
        if value is None or not _numeric(value):
            return str(value)
        if value < self.low:
            return f"below {_short(self.low)}"
        if value > self.high:
            return f"above {_short(self.high)}"
        position = bisect_right(self.cuts, value)
        start = self.low if position == 0 else self.cuts[position - 1]
        if position < len(self.cuts):
            return f"{_short(start)}..<{_short(self.cuts[position])}"
        return f"{_short(start)}..{_short(self.high)}"


def _short(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


def histogram(binning: Binning, values: Sequence) -> Counter:
    return Counter(binning.label(v) for v in values)


def total_variation(first: Counter, second: Counter) -> float:
    a, b = sum(first.values()), sum(second.values())
    if not a or not b:
        return 0.0
    return min(1.0, 0.5 * sum(abs(first[k] / a - second[k] / b) for k in set(first) | set(second)))
