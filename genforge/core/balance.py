"""Balance of a split: how many records carry each value of a task's label.

Classification-like tasks (a kinship relation, a relation-algebra label, a
comparison) declare ``Task.balance_key``; the manifest then lists, per split,
the count of each value, so a reader sees at once whether the labels are
balanced. Workers read each accepted example's label (:func:`label_of`) and
the engine counts the labels of the records it writes; a resumed split, whose
earlier records were written by another run, is counted from its files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import orjson


def value_at(record: dict, key: str):
    """``record["target"]`` for ``"target"``, ``record["meta"]["relation"]`` for ``"meta.relation"``."""
    value = record
    for part in key.split("."):
        value = value[part]
    return value


def label_of(example, key: str) -> str:
    """The value at ``key`` of an Example, as :func:`count_values` reads it from its record."""
    first, _, rest = key.partition(".")
    value = getattr(example, first)
    for part in rest.split(".") if rest else ():
        value = value[part]
    return str(value)


def count_values(paths: Iterable[Path], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in paths:
        with open(path, "rb") as lines:
            for line in lines:
                value = str(value_at(orjson.loads(line), key))
                counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
