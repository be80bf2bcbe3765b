"""Per-split statistics for the dataset card: complexity ranges, difficulty, domains."""

from __future__ import annotations

from pathlib import Path

import orjson

MAX_DOMAINS_SHOWN = 8


def split_statistics(path: Path) -> dict:
    """Stream one JSONL split: {records, complexity {measure: [min, max]}, difficulty [min, max], domains}."""
    ranges: dict[str, list] = {}
    difficulty: list | None = None
    domains: set = set()
    records = 0
    with open(path, "rb") as lines:
        for line in lines:
            meta = orjson.loads(line)["meta"]
            records += 1
            domains.add(meta["domain"])
            value = meta["difficulty"]
            difficulty = [value, value] if difficulty is None else [min(difficulty[0], value), max(difficulty[1], value)]
            for measure, number in meta["complexity"].items():
                if isinstance(number, bool) or not isinstance(number, (int, float)):
                    continue  # string measures (large integers, labels) have no range to show
                low_high = ranges.setdefault(measure, [number, number])
                low_high[0], low_high[1] = min(low_high[0], number), max(low_high[1], number)
    return {
        "records": records,
        "complexity": {measure: ranges[measure] for measure in sorted(ranges)},
        "difficulty": difficulty,
        "domains": sorted(domains),
    }
