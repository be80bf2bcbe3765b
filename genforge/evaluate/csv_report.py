"""The report as one long CSV table, a row per (task, split, breakdown, level).

Columns: ``task, split, shift, breakdown, measure, value, records, correct,
missing, exact_match, token_accuracy, gap`` and the bootstrap 95% intervals
``low, high`` (of exact match) and ``gap_low, gap_high`` where the report
has them. ``breakdown`` is

* ``split``: a whole split (``gap`` = ID - this split for OOD splits);
* ``complexity``: ``measure`` = a complexity measure, ``value`` its level;
* ``domain``: ``measure`` = ``domain``, ``value`` the domain;
* ``baseline``: ``measure`` = a trivial baseline, its exact match;
* ``headline``: ``split`` = ``ID``, the pooled in-distribution test splits;
* ``valley``: ``split`` = ``ID`` or ``OOD`` (pooled), per complexity level;
  the ``OOD`` row carries the gap.

Empty cells mean "not defined" (no records, no ID split).
"""

from __future__ import annotations

import csv
import io

COLUMNS = ("task", "split", "shift", "breakdown", "measure", "value", "records", "correct", "missing",
           "exact_match", "token_accuracy", "gap", "low", "high", "gap_low", "gap_high")


def _rows(report: dict):
    for task in report["tasks"]:
        name = task["task"]
        gaps = {ood["split"]: ood for ood in task["headline"]["ood"]}
        for split in task["splits"]:
            base = {"task": name, "split": split["split"], "shift": split["shift"]}
            ood = gaps.get(split["split"], {})
            yield {**base, "breakdown": "split", **_scores(split), **_bounds(split.get("interval")),
                   "gap": ood.get("gap"), **_bounds(ood.get("gap_interval"), "gap_")}
            for measure, levels in split["by_complexity"].items():
                for level in levels:
                    yield {**base, "breakdown": "complexity", "measure": measure, **_scores(level),
                           "value": level["value"]}
            for domain in split["by_domain"]:
                yield {**base, "breakdown": "domain", "measure": "domain", "value": domain["domain"],
                       **_scores(domain), **_bounds(domain.get("interval"))}
            for baseline, value in split["baselines"].items():
                yield {**base, "breakdown": "baseline", "measure": baseline, "exact_match": value}
        if task["headline"]["id"] is not None:
            headline = task["headline"]["id"]
            yield {"task": name, "split": "ID", "shift": "iid", "breakdown": "headline", **_scores(headline),
                   **_bounds(headline.get("interval"))}
        for measure, view in task["valley"].items():
            for row in view["levels"]:
                common = {"task": name, "breakdown": "valley", "measure": measure, "value": row["value"]}
                yield {**common, "split": "ID", "shift": "iid", "records": row["id_records"],
                       "exact_match": row["id_exact_match"], **_bounds(row.get("id_interval"))}
                yield {**common, "split": "OOD", "shift": "pooled", "records": row["ood_records"],
                       "exact_match": row["ood_exact_match"], "gap": row["gap"], **_bounds(row.get("ood_interval")),
                       **_bounds(row.get("gap_interval"), "gap_")}


def _bounds(interval, prefix: str = "") -> dict:
    return {} if not interval else {f"{prefix}low": interval[0], f"{prefix}high": interval[1]}


def _scores(group: dict) -> dict:
    return {key: group[key] for key in ("records", "correct", "missing", "exact_match", "token_accuracy")}


def format_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _rows(report):
        writer.writerow({key: "" if row.get(key) is None else row[key] for key in COLUMNS})
    return buffer.getvalue()
