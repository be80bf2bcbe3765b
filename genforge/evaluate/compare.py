"""Comparing models on the same references (``genforge compare``).

The report (a plain dict) holds

* ``table``: per model and scored split, exact match with its bootstrap 95%
  interval, and per model and task the ID accuracy, each OOD split's
  accuracy and the gap ``ID - OOD`` with intervals (as ``evaluate``);
* ``pairs``: for each pair of models, over every scored record, the
  accuracy difference with a paired bootstrap 95% interval and McNemar's
  exact test (:mod:`genforge.evaluate.statistics`);
* ``items``: per-item difficulty fitted by a Rasch (1PL) model from all
  models' right and wrong answers, and its Spearman correlation with the
  records' ``meta.difficulty`` (genforge's own estimate), overall and per
  task. With few models most items share one of a few answer patterns, so
  the fitted difficulties take few distinct values; the correlation says
  whether genforge's difficulty orders items the way the models found them;
* ``concordance``: Kendall's tau-b between the model rankings of every two
  scored splits (and of every two tasks, by their overall accuracy), and
  its mean: do the splits agree on which model is better?
"""

from __future__ import annotations

import hashlib
from itertools import combinations
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from genforge.core.errors import UsageError
from genforge.evaluate.intervals import RESAMPLES, SEED
from genforge.evaluate.normalize import normalizer_for
from genforge.evaluate.predictions import read_predictions
from genforge.evaluate.references import ReferenceSet
from genforge.evaluate.scoring import score as score_report
from genforge.evaluate.statistics import fit_rasch, kendall_tau, mcnemar_exact, paired_bootstrap, spearman


def model_names(paths: Sequence[str | Path], names: Sequence[str]) -> list[str]:
    if names and len(names) != len(paths):
        raise UsageError(f"{len(names)} --name given for {len(paths)} predictions files; give one per file or none")
    chosen = list(names) or [Path(p).stem for p in paths]
    if len(set(chosen)) != len(chosen):
        raise UsageError(f"two models share a name ({', '.join(chosen)}); name them with --name")
    return chosen


def _correctness(references: ReferenceSet, predictions: dict) -> np.ndarray:
    outcome = []
    for reference in references.records.values():
        normalize = normalizer_for(reference.task)
        text = predictions.get(reference.id)
        outcome.append(text is not None and normalize(text) == normalize(reference.target))
    return np.array(outcome, dtype=np.int8)


def _rng(*parts) -> np.random.Generator:
    key = hashlib.sha256(f"{SEED}/{parts}".encode()).digest()
    return np.random.default_rng(int.from_bytes(key[:8], "little"))


def compare(paths: Sequence[str | Path], references: ReferenceSet, names: Sequence[str] = (),
            lenient: bool = False) -> dict:
    if len(paths) < 2:
        raise UsageError("compare needs at least two predictions files (one per model)")
    names = model_names(paths, names)
    reports, outcomes = {}, {}
    for name, path in zip(names, paths):
        predicted, stats = read_predictions(path, references, lenient)
        reports[name] = score_report(references, predicted, stats)
        outcomes[name] = _correctness(references, predicted)
    records = list(references.records.values())
    split_of = np.array([f"{r.task}/{r.split}" for r in records])
    split_keys = [s.key for s in references.scored_splits]

    table = []
    for name in names:
        for task in reports[name]["tasks"]:
            for split in task["splits"]:
                table.append({"model": name, "task": task["task"], "split": split["split"], "shift": split["shift"],
                              "records": split["records"], "exact_match": split["exact_match"],
                              "interval": split["interval"]})
    headlines = {name: {task["task"]: task["headline"] for task in reports[name]["tasks"]} for name in names}

    pairs = []
    for first, second in combinations(names, 2):
        a, b = outcomes[first], outcomes[second]
        pairs.append({"first": first, "second": second,
                      "difference": round(float(a.mean() - b.mean()), 6) if len(a) else None,
                      "interval": paired_bootstrap(a, b, RESAMPLES, _rng(first, second)) if len(a) else None,
                      "mcnemar": mcnemar_exact(a, b)})

    return {
        "references": references.source,
        "models": names,
        "table": table,
        "headlines": headlines,
        "pairs": pairs,
        "items": _items(names, outcomes, records),
        "concordance": _concordance(names, outcomes, split_of, split_keys, records),
    }


def _items(names, outcomes, records) -> dict:
    responses = np.stack([outcomes[name] for name in names])
    _, difficulty = fit_rasch(responses)
    known = np.array([r.difficulty is not None for r in records])
    given = np.array([r.difficulty if r.difficulty is not None else np.nan for r in records])
    overall = spearman(difficulty[known], given[known]) if known.sum() > 1 else None
    per_task = {}
    for task in dict.fromkeys(r.task for r in records):
        mask = known & np.array([r.task == task for r in records])
        per_task[task] = None if mask.sum() < 2 else _round(spearman(difficulty[mask], given[mask]))
    hardest = np.argsort(-difficulty, kind="mergesort")[:5]
    return {
        "model": "Rasch (1PL), joint maximum likelihood",
        "spearman_with_meta_difficulty": _round(overall),
        "spearman_by_task": per_task,
        "distinct_difficulties": int(len(np.unique(np.round(difficulty, 6)))),
        "hardest": [{"id": records[i].id, "fitted_difficulty": round(float(difficulty[i]), 4),
                     "meta_difficulty": records[i].difficulty} for i in hardest],
        "difficulties": {r.id: round(float(d), 4) for r, d in zip(records, difficulty)},
    }


def _concordance(names, outcomes, split_of, split_keys, records) -> dict:
    def accuracies(mask):
        return [float(outcomes[name][mask].mean()) if mask.any() else 0.0 for name in names]

    by_split = {key: accuracies(split_of == key) for key in split_keys}
    tasks = list(dict.fromkeys(r.task for r in records))
    task_of = np.array([r.task for r in records])
    by_task = {task: accuracies(task_of == task) for task in tasks}
    split_pairs = [{"first": a, "second": b, "tau": _round(kendall_tau(by_split[a], by_split[b]))}
                   for a, b in combinations(split_keys, 2)]
    task_pairs = [{"first": a, "second": b, "tau": _round(kendall_tau(by_task[a], by_task[b]))}
                  for a, b in combinations(tasks, 2)]
    return {"splits": split_pairs, "tasks": task_pairs,
            "mean_tau_splits": _mean([p["tau"] for p in split_pairs]),
            "mean_tau_tasks": _mean([p["tau"] for p in task_pairs])}


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)


def _mean(values) -> Optional[float]:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None
