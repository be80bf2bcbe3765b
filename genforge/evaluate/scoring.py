"""Scoring: predictions against references, into one report (a plain dict).

Per task the report holds

* ``splits``: each scored split's exact match and token accuracy, the
  number of missing predictions (counted wrong), the scores of the trivial
  baselines and a ``trivial`` flag list, and the breakdowns by every
  complexity measure (accuracy per value) and by domain;
* ``headline``: ID accuracy (records of the in-distribution test splits:
  shift ``iid``, not ``train``, pooled), each OOD split's accuracy and its
  gap ``ID - OOD`` (positive: the model does worse out of distribution);
* ``valley``: the 'generalization valley' view of Scylla (Qi et al. 2024,
  "Quantifying Generalization Complexity for Large Language Models",
  arXiv 2410.01769): for each complexity measure and value, ID accuracy,
  pooled OOD accuracy and their gap; ``peak`` is the value where the gap is
  largest (Scylla's 'critical complexity').

Accuracies are micro-averages (records pooled), ``None`` for an empty group.
Every accuracy (splits, ID, OOD, complexity levels, domains, valley rows)
and every gap carries a seeded bootstrap 95% interval (``interval``,
``id_interval``, ``ood_interval``, ``gap_interval``: ``[low, high]``; see
:mod:`genforge.evaluate.intervals`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping

from genforge.evaluate.intervals import accuracy_interval, gap_interval
from genforge.evaluate.baselines import FLAGGING_BASELINES, TRIVIAL_THRESHOLD, baseline_answer
from genforge.evaluate.metrics import Tally, difference, rounded, token_accuracy
from genforge.evaluate.normalize import normalizer_for
from genforge.evaluate.predictions import PredictionStats
from genforge.evaluate.references import ReferenceSet, SplitInfo


def value_order(value) -> tuple:
    """Numbers in numeric order, then strings in text order."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def role(split: SplitInfo) -> str:
    if split.is_train:
        return "train"
    if split.is_in_distribution:
        return "id"
    if split.is_seen:
        return "seen"
    return "ood" if split.is_out_of_distribution else "unknown"


def score(references: ReferenceSet, predictions: Mapping[str, str], stats: PredictionStats,
          threshold: float = TRIVIAL_THRESHOLD) -> dict:
    """The report of ``predictions`` on the scored splits of ``references``."""
    splits = {s.key: s for s in references.scored_splits}
    by_split: dict[str, Tally] = defaultdict(Tally)
    by_level: dict[tuple, Tally] = defaultdict(Tally)  # (split key, measure, value)
    by_domain: dict[tuple, Tally] = defaultdict(Tally)  # (split key, domain)
    pooled: dict[tuple, Tally] = defaultdict(Tally)  # (task, role, measure, value)
    baselines: dict[tuple, Tally] = defaultdict(Tally)  # (split key, baseline)

    for reference in references.records.values():
        normalize = normalizer_for(reference.task)
        split = splits[f"{reference.task}/{reference.split}"]
        target = normalize(reference.target)
        text = predictions.get(reference.id)
        if text is None:
            correct, token_score = False, 0.0
        else:
            predicted = normalize(text)
            correct, token_score = predicted == target, token_accuracy(predicted, target)
        missing = text is None
        by_split[split.key].add(correct, token_score, missing)
        by_domain[(split.key, reference.domain)].add(correct, token_score, missing)
        for measure, value in reference.complexity.items():
            by_level[(split.key, measure, value)].add(correct, token_score, missing)
            pooled[(split.task, role(split), measure, value)].add(correct, token_score, missing)
        for name in FLAGGING_BASELINES:
            answer = baseline_answer(name, reference, references)
            if answer is not None:
                baselines[(split.key, name)].add(normalize(answer) == target, 0.0)

    tasks = list(dict.fromkeys(s.task for s in references.scored_splits))
    return {
        "source": references.source,
        "predictions": stats.as_dict(),
        "missing": sum(t.missing for t in by_split.values()),
        "trivial_threshold": threshold,
        "tasks": [
            _task_report(task, [s for s in references.scored_splits if s.task == task], by_split, by_level,
                         by_domain, pooled, baselines, threshold)
            for task in tasks
        ],
    }


def _task_report(task, splits, by_split, by_level, by_domain, pooled, baselines, threshold) -> dict:
    measures = sorted({measure for (key, measure, _) in by_level if key.startswith(task + "/")})
    levels = {measure: sorted({value for (key, m, value) in by_level if m == measure and key.startswith(task + "/")},
                              key=value_order) for measure in measures}
    split_reports = []
    for split in splits:
        tally = by_split[split.key]
        baseline_scores = {name: rounded(baselines[(split.key, name)].exact_match) for name in FLAGGING_BASELINES}
        split_reports.append({
            "split": split.name,
            "shift": split.shift,
            "role": role(split),
            **tally.as_dict(),
            "baselines": baseline_scores,
            "trivial": [name for name, value in baseline_scores.items() if value is not None and value >= threshold],
            "by_complexity": {
                measure: [{"value": value, **by_level[(split.key, measure, value)].as_dict()}
                          for value in levels[measure] if (split.key, measure, value) in by_level]
                for measure in measures
            },
            "by_domain": [{"domain": domain, **by_domain[(key, domain)].as_dict()}
                          for key, domain in sorted(by_domain) if key == split.key],
        })

    id_splits = [s for s in splits if s.is_in_distribution]
    id_tally = Tally()
    for split in id_splits:
        part = by_split[split.key]
        id_tally.records += part.records
        id_tally.correct += part.correct
        id_tally.missing += part.missing
        id_tally.token_total += part.token_total
    id_accuracy = id_tally.exact_match
    id_counts = (id_tally.correct, id_tally.records)
    ood = [{"split": s.name, "shift": s.shift, "records": by_split[s.key].records,
            "correct": by_split[s.key].correct, "exact_match": rounded(by_split[s.key].exact_match),
            "interval": accuracy_interval(by_split[s.key].correct, by_split[s.key].records),
            "gap": difference(id_accuracy, by_split[s.key].exact_match),
            "gap_interval": gap_interval(id_counts, (by_split[s.key].correct, by_split[s.key].records))}
           for s in splits if s.is_out_of_distribution]

    return {
        "task": task,
        "measures": measures,
        "levels": levels,
        "varying_measures": [m for m in measures if len(levels[m]) > 1],
        "splits": split_reports,
        "headline": {
            "id_splits": [s.name for s in id_splits],
            "id": id_tally.as_dict() if id_splits else None,
            "ood": ood,
        },
        "valley": _valley(task, measures, levels, pooled) if id_splits and ood else {},
    }


def _valley(task, measures, levels, pooled) -> dict:
    valley = {}
    for measure in measures:
        rows = []
        for value in levels[measure]:
            inside = pooled.get((task, "id", measure, value), Tally())
            outside = pooled.get((task, "ood", measure, value), Tally())
            rows.append({
                "value": value,
                "id_records": inside.records, "id_exact_match": rounded(inside.exact_match),
                "id_interval": accuracy_interval(inside.correct, inside.records),
                "ood_records": outside.records, "ood_exact_match": rounded(outside.exact_match),
                "ood_interval": accuracy_interval(outside.correct, outside.records),
                "gap": difference(inside.exact_match, outside.exact_match),
                "gap_interval": gap_interval((inside.correct, inside.records), (outside.correct, outside.records)),
            })
        with_gap = [row for row in rows if row["gap"] is not None]
        peak = max(with_gap, key=lambda row: row["gap"])["value"] if with_gap else None
        valley[measure] = {"levels": rows, "peak": peak}
    return valley
