"""The shortcut and confound checks of ``genforge audit``: probes, nuisance shift, declarations.

Given records of each split (train's fit the probes), this module scores every
probe on every split, measures every nuisance feature's total-variation
distance from train, and turns both into *flags* (something a split should
not show) or *expected* findings (a flag the plan declares, with its reason).
The plan is rebuilt from the manifest (task, params, plan name) to read its
declarations: ``SplitPlan.expected_probes``, ``SplitPlan.expected_shifts`` and
each split's ``SplitSpec.moves``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from genforge.core import params as params_module
from genforge.core.splits import SEEN
from genforge.science.nuisance import SHIFT_MOVES, Binning, generic_features, histogram, moves, total_variation
from genforge.science.probes import LENGTH, MAJORITY, generic_probes, length_predictor, units_of


#: Records of one split a probe is scored on (every k-th): bounds the nearest-neighbour probe's work.
SCORE_RECORDS = 1000


def thin(records: Sequence, limit: int) -> list:
    """At most ``limit`` records, every k-th (files of enumerated splits are ordered: a prefix would be biased)."""
    stride = max(1, -(-len(records) // limit))
    return list(records[::stride])


@dataclass(frozen=True)
class Thresholds:
    """When a finding becomes a flag (each is a ``genforge audit`` option)."""

    #: A probe is flagged when it beats the majority baseline by more than this ...
    probe_margin: float = 0.3
    #: ... or when it reaches this exact match (the majority probe too).
    probe_level: float = 0.5
    #: A nuisance feature the split's shift does not move is flagged above this TV from train.
    max_tv: float = 0.3
    #: Splits with fewer records are reported but never flagged (their scores are too noisy).
    min_records: int = 100


def rebuild_plan(task, manifest: Mapping) -> tuple[Any, Any, Optional[str]]:
    """(typed params, the task's own plan or None, a note when declarations are unavailable)."""
    try:
        typed = task.typed(params_module.resolve(task.parameters, manifest.get("params") or {}))
    except Exception as error:  # parameters of another version: audit without declarations
        return None, None, f"parameters not readable by this genforge ({error}); no declarations read"
    try:
        plan = task.split_plans(typed).get(manifest.get("split_plan"))
    except Exception as error:
        return typed, None, f"split plans not rebuilt ({error}); no declarations read"
    if plan is None:
        return typed, None, f"plan {manifest.get('split_plan')!r} is a generic plan: no task declarations"
    return typed, plan, None


def _match(normalize, predicted: str, target: str) -> bool:
    return normalize(predicted) == normalize(target)


def _predict(predictor, records: Sequence[Mapping]) -> list[str]:
    many = getattr(predictor, "many", None)
    return list(many(records)) if many else [predictor(r) for r in records]


def score_probes(task, typed, samples: Mapping[str, list], train_name: str) -> tuple[dict, dict, list[str]]:
    """(probe -> split -> exact match, split -> length-right share, notes)."""
    train = samples[train_name]
    units = units_of(train)
    targets = [{"input": r["target"]} for r in train[:500]]
    target_units = units_of(targets)
    probes = generic_probes(units)
    notes = []
    if typed is not None:
        try:
            probes += list(task.shortcut_probes(typed))
        except Exception as error:
            notes.append(f"task probes unavailable: {type(error).__name__}: {error}")
    scored = {split: thin(records, SCORE_RECORDS) for split, records in samples.items() if records}
    scores: dict[str, dict] = {}
    for probe in probes:
        try:
            predictor = probe.fit(train)
            if getattr(predictor, "applicable", True) is False:
                notes.append(f"{probe.name}: not applicable ({probe.description})")
                continue
            scores[probe.name] = {
                split: round(sum(_match(task.normalize_answer, p, r["target"])
                                 for p, r in zip(_predict(predictor, records), records)) / len(records), 4)
                for split, records in scored.items()}
        except Exception as error:  # a task probe that breaks is reported, not fatal
            notes.append(f"{probe.name}: failed ({type(error).__name__}: {error})")
    length = length_predictor(train, units, target_units)
    length_scores = {split: round(sum(length(r) == len(target_units(r["target"])) for r in records) / len(records), 4)
                     for split, records in scored.items()}
    return scores, length_scores, notes


def probe_level(limits: Thresholds, classes: int) -> float:
    """The absolute flag level, raised to chance + margin for a split with few target classes (a
    balanced yes/no split scores 0.5 by its majority answer alone: that is chance, not a shortcut).
    ``classes`` counts at least 2, so that a split with a single answer is still judged."""
    return max(limits.probe_level, 1 / max(2, classes) + limits.probe_margin)


def probe_findings(scores: dict, plan, unjudged: set, sizes: Mapping[str, int], limits: Thresholds,
                   classes: Mapping[str, int]):
    flags, expected = [], []

    declared = dict(getattr(plan, "expected_probes", {}) or {})
    majority = scores.get(MAJORITY, {})
    for name, by_split in scores.items():
        for split, value in by_split.items():
            if split in unjudged or sizes.get(split, 0) < limits.min_records:
                continue
            base, level = majority.get(split, 0.0), probe_level(limits, classes.get(split, 2))
            if name == MAJORITY:
                why = f"the majority target alone scores {value:.2f} (>= {level:.2f})" if value >= level else None
            elif value - base > limits.probe_margin:
                why = f"{name} scores {value:.2f}, {value - base:+.2f} over the majority baseline {base:.2f}"
            elif value >= level:
                why = f"{name} scores {value:.2f} (>= {level:.2f})"
            else:
                why = None
            if why:
                finding = {"check": "probe", "split": split, "name": name, "value": value, "message": why}
                if name in declared:
                    expected.append({**finding, "reason": declared[name]})
                else:
                    flags.append(finding)
    return flags, expected


def feature_table(task, samples: Mapping[str, list], train_name: str) -> tuple[dict, list[str]]:
    """feature -> split -> values, for every generic and task feature."""
    units = units_of(samples[train_name])
    target_units = units_of([{"input": r["target"]} for r in samples[train_name][:500]])
    table: dict[str, dict[str, list]] = {}
    notes = []
    for split, records in samples.items():
        columns: dict[str, list] = {}
        for index, record in enumerate(records):
            features = generic_features(record, units, target_units)
            try:
                features.update(task.nuisance_features(record))
            except Exception as error:
                if not notes:
                    notes.append(f"task features unavailable: {type(error).__name__}: {error}")
            for name, value in features.items():
                column = columns.get(name)
                if column is None:
                    column = columns[name] = [None] * len(records)
                column[index] = value
        for name, column in columns.items():
            table.setdefault(name, {})[split] = column
    return table, notes


def shift_findings(table: dict, shifts: Mapping[str, str], plan, train_name: str, unjudged: set,
                   sizes: Mapping[str, int], limits: Thresholds) -> tuple[dict, list, list]:
    """(feature -> split -> {tv, histogram}, flags, expected)."""
    specs = {spec.name: spec for spec in plan.splits} if plan is not None else {}
    declared = dict(getattr(plan, "expected_shifts", {}) or {})
    report, flags, expected = {}, [], []
    for feature, by_split in sorted(table.items()):
        train_values = by_split.get(train_name) or [None] * sizes.get(train_name, 0)
        binning = Binning(train_values)
        train_histogram = histogram(binning, train_values)
        report[feature] = {}
        for split in sizes:
            values = by_split.get(split) or [None] * sizes[split]
            counts = histogram(binning, values)
            tv = round(total_variation(train_histogram, counts), 4)
            shift = shifts.get(split, "unknown")
            allowed = SHIFT_MOVES.get(shift, ()) + tuple(getattr(specs.get(split), "moves", ()) or ())
            moved = split != train_name and (moves(feature, allowed) or feature == "difficulty" and any(
                moves(measure, allowed) for measure in table if measure.startswith("complexity.")))
            report[feature][split] = {"tv": tv, "moved_by_shift": moved, "histogram": dict(sorted(counts.items()))}
            # difficulty is a function of the complexity measures: a split that moves one moves it too
            if moved or split in unjudged or sizes[split] < limits.min_records or tv <= limits.max_tv:
                continue
            message = (f"{feature} differs from train (TV {tv:.2f} > {limits.max_tv}); the split's shift "
                       f"'{shift}' does not move it: train {_top(train_histogram)}; {split} {_top(counts)}")
            finding = {"check": "shift", "split": split, "name": feature, "value": tv, "message": message}
            reason = next((why for pattern, why in declared.items() if moves(feature, (pattern,))), None)
            (expected.append({**finding, "reason": reason}) if reason else flags.append(finding))
    return report, flags, expected


def _top(counts, shown: int = 4) -> str:
    total = sum(counts.values()) or 1
    parts = [f"{value} {n / total:.0%}" for value, n in counts.most_common(shown)]
    return ", ".join(parts) + (", ..." if len(counts) > shown else "")


def run_checks(task, manifest: Mapping, samples: Mapping[str, list], train_name: str, shifts: Mapping[str, str],
               limits: Thresholds) -> dict:
    """Probes, nuisance shift and their flags for one task folder."""
    typed, plan, note = rebuild_plan(task, manifest)
    notes = [note] if note else []
    if not samples.get(train_name):
        return {"probes": {}, LENGTH: {}, "nuisance": {}, "flags": [], "expected": [],
                "notes": notes + ["no training records: probes and shifts not measured"]}
    scores, length_scores, probe_notes = score_probes(task, typed, samples, train_name)
    measured = {split: min(len(records), SCORE_RECORDS) for split, records in samples.items()}
    classes = {split: len({r["target"] for r in records}) for split, records in samples.items()}
    # Train fits the probes; a probe split (shift "seen") repeats train records on purpose: both are
    # reported, never flagged.
    unjudged = {train_name} | {split for split in samples if shifts.get(split) == SEEN}
    flags, expected = probe_findings(scores, plan, unjudged, measured, limits, classes)
    table, feature_notes = feature_table(task, samples, train_name)
    nuisance, shift_flags, shift_expected = shift_findings(table, shifts, plan, train_name, unjudged,
                                                           measured, limits)
    return {"probes": scores, LENGTH: length_scores, "nuisance": nuisance,
            "flags": flags + shift_flags, "expected": expected + shift_expected,
            "notes": notes + probe_notes + feature_notes}
