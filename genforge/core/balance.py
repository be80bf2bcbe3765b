"""Balance of a split: how many records carry each value of a task's label.

Classification-like tasks (a kinship relation, a relation-algebra label, a
comparison) declare ``Task.balance_key``; the manifest then lists, per split,
the count of each value, so a reader sees at once whether the labels are
balanced. Read back from the finished files, so it costs nothing while
sampling and survives a resumed run unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable


def value_at(record: dict, key: str):
    """``record["target"]`` for ``"target"``, ``record["meta"]["relation"]`` for ``"meta.relation"``."""
    value = record
    for part in key.split("."):
        value = value[part]
    return value


def count_values(paths: Iterable[Path], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in paths:
        with open(path, "rb") as lines:
            for line in lines:
                value = str(value_at(json.loads(line), key))
                counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
