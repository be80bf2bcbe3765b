"""``genforge audit``: what the splits of a generated folder or a snapshot actually contain.

Per split: record and uniqueness counts, domain and complexity histograms,
difficulty quantiles, diversity (distinct instructions, entropy of the
instruction and domain distributions); per test split against train: exact
overlap of canonical inputs (instruction + input, the engine's dedup unit), of
bare inputs and of instructions, the share of test input 4-grams seen in
train, and atom / compound divergence (:mod:`genforge.science.divergence`).

Files are streamed: a split is held as counters and 8-byte digest sets, plus
a bounded sample of records (every k-th) for the shortcut and confound checks
of :mod:`genforge.science.shortcuts` (probes fit on train, nuisance-feature
TV from train). The audit *fails* (``ok`` false, CLI exit 1) when a promised
property is broken (``violations``): a test split sharing an input with
train, a split with shift ``instruction`` sharing an instruction with train,
or an ``mcd`` split whose atom divergence exceeds the bound its manifest
records; or when something is *flagged* (``flags``): a shortcut probe, a
nuisance shift the split does not name, a test input equal to a train input
up to the task's ``canonical_key``, or (with predictions) an OOD split no
harder than ``test_id``. See docs/sections/audit.md.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Optional

import orjson

from genforge.core.errors import UsageError
from genforge.core.probes import canonical_key_of
from genforge.science.divergence import atom_divergence, compound_divergence
from genforge.core.registry import get_task
from genforge.core.splits import SEEN
from genforge.science.audit_predictions import prediction_findings
from genforge.science.audit_text import render_checks
from genforge.science.shortcuts import Thresholds, run_checks

NGRAM = 4
#: Numeric complexity measures with more distinct values than this are binned for display.
HISTOGRAM_VALUES = 30
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def _entropy(counts: Counter) -> float:
    """Shannon entropy in bits."""
    total = sum(counts.values())
    if not total:
        return 0.0
    return max(0.0, -sum(c / total * math.log2(c / total) for c in counts.values() if c))


def ngram_units(text: str, by_tokens: bool) -> list[str]:
    return text.split() if by_tokens else list(text)


def ngrams(units: list[str]) -> list[str]:
    if len(units) < NGRAM:
        return ["\x1f".join(units)] if units else []
    return ["\x1f".join(units[i:i + NGRAM]) for i in range(len(units) - NGRAM + 1)]


class SplitStats:
    """Counters of one split, filled record by record."""

    def __init__(self, name: str, shift: str, task, by_tokens: bool, keep_ngrams: bool):
        self.name, self.shift, self.task, self.by_tokens = name, shift, task, by_tokens
        self.records = 0
        self.keys: set = set()
        self.exact_keys: set = set()
        self.inputs: set = set()
        self.instructions: Counter = Counter()
        self.domains: Counter = Counter()
        self.complexity: dict[str, Counter] = {}
        self.difficulty: Counter = Counter()
        self.atoms: Counter = Counter()
        self.compounds: Counter = Counter()
        self.structure_error: Optional[str] = None
        self.ngram_set: Optional[set] = set() if keep_ngrams else None
        self.ngrams_total = 0
        self.ngrams_seen = 0

    def add(self, record: dict, train: Optional["SplitStats"]) -> None:
        self.records += 1
        instruction = record.get("instruction")
        text = record["input"]
        self.exact_keys.add(_digest(canonical_key_of(instruction, text)))  # the key as written
        # The task's canonical form: equal for inputs that ask the same question (3*4 and 4*3).
        self.keys.add(_digest(self.task.canonical_key(instruction, text)))
        self.inputs.add(_digest(text))
        if instruction is not None:
            self.instructions[_digest(instruction)] += 1
        meta = record.get("meta") or {}
        self.domains[str(meta.get("domain"))] += 1
        for measure, value in (meta.get("complexity") or {}).items():
            self.complexity.setdefault(measure, Counter())[value] += 1
        if "difficulty" in meta:
            self.difficulty[meta["difficulty"]] += 1
        if self.structure_error is None:
            try:
                atoms, compounds = self.task.structure(record)
                self.atoms.update(atoms)
                self.compounds.update(compounds)
            except Exception as error:  # a record the task cannot parse: report, keep auditing the rest
                self.structure_error = f"{type(error).__name__}: {error}"
        grams = ngrams(ngram_units(text, self.by_tokens))
        if self.ngram_set is not None:
            self.ngram_set.update(_digest(g) for g in grams)
        if train is not None and train.ngram_set is not None:
            self.ngrams_total += len(grams)
            self.ngrams_seen += sum(1 for g in grams if _digest(g) in train.ngram_set)

    def summary(self, train: Optional["SplitStats"]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "split": self.name,
            "shift": self.shift,
            "records": self.records,
            "unique_inputs": len(self.inputs),
            "unique_canonical_inputs": len(self.keys),
            "duplicates": self.records - len(self.keys),
            "unique_instructions": len(self.instructions),
            "instruction_entropy_bits": round(_entropy(self.instructions), 4),
            "domains": dict(sorted(self.domains.items())),
            "domain_entropy_bits": round(_entropy(self.domains), 4),
            "complexity": {measure: histogram(counts) for measure, counts in sorted(self.complexity.items())},
            "difficulty_quantiles": quantiles(self.difficulty),
        }
        if self.structure_error:
            result["structure_error"] = self.structure_error
        if train is not None and train is not self:
            result["against_train"] = {
                "exact_input_overlap": len(self.exact_keys & train.exact_keys),
                "canonical_input_overlap": len(self.keys & train.keys),
                "input_overlap": len(self.inputs & train.inputs),
                "instruction_overlap": len(self.instructions.keys() & train.instructions.keys()),
                "ngram_unit": "token" if self.by_tokens else "character",
                f"seen_{NGRAM}gram_share": round(self.ngrams_seen / self.ngrams_total, 4) if self.ngrams_total else None,
                "atom_divergence": round(atom_divergence(train.atoms, self.atoms), 4),
                "compound_divergence": round(compound_divergence(train.compounds, self.compounds), 4),
            }
        return result


def _sort_key(value: Any) -> tuple:
    return (0, value, "") if isinstance(value, (int, float)) and not isinstance(value, bool) else (1, 0, str(value))


def histogram(counts: Counter) -> dict[str, int]:
    """``value -> count`` in value order; many distinct numbers are grouped into ranges ``low..high``."""
    values = sorted(counts, key=_sort_key)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if len(values) <= HISTOGRAM_VALUES or not numeric:
        return {str(v): counts[v] for v in values}
    low, high = values[0], values[-1]
    width = (high - low) / 10
    bins: Counter = Counter()
    for value, number in counts.items():
        bins[min(9, int((value - low) / width))] += number
    return {f"{_round(low + i * width)}..{_round(low + (i + 1) * width)}": bins[i] for i in range(10) if bins[i]}


def _round(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


def quantiles(counts: Counter) -> dict[str, float]:
    """Nearest-rank quantiles of a value -> count table."""
    total = sum(counts.values())
    if not total:
        return {}
    ordered = sorted(counts.items())
    result = {}
    for share in QUANTILES:
        rank = min(total - 1, math.floor(share * (total - 1)))
        running = 0
        for value, number in ordered:
            running += number
            if running > rank:
                result[f"q{int(share * 100):02d}"] = value
                break
    return result


def read_records(path: Path) -> Iterator[dict]:
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError:
                raise UsageError(f"{path}:{number}: not a JSON record; run 'genforge validate' on the folder") from None


def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise UsageError(f"{folder}: no manifest.json; give a generated task folder (OUT/TASK) or a snapshot folder")
    try:
        return json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise UsageError(f"{path}: not valid JSON: {error}") from None


def _tokens_by_default(path: Path) -> bool:
    """Token n-grams when inputs average at least NGRAM words, else character n-grams."""
    lengths = []
    for record in read_records(path):
        lengths.append(len(record["input"].split()))
        if len(lengths) == 200:
            break
    return bool(lengths) and sum(lengths) / len(lengths) >= NGRAM


#: Training records the probes are fit on and other splits' records kept for probes and features
#: (every k-th record beyond these): bounds memory and time on large folders.
FIT_RECORDS = 10000
KEEP_RECORDS = 5000


def audit_task_folder(folder: Path, histograms: bool = False, limits: Optional[Thresholds] = None) -> dict:
    """Audit one generated task folder (``manifest.json`` + one JSONL file per split)."""
    manifest = _read_manifest(folder)
    if "task" not in manifest or "files" not in manifest:
        raise UsageError(f"{folder / 'manifest.json'}: not a task manifest (no 'task' or 'files')")
    task = get_task(manifest["task"])
    shifts = {entry["name"]: entry.get("shift", "unknown") for entry in manifest.get("splits", [])}
    # A split may be written as several shards: its files in manifest order.
    files: dict[str, list[Path]] = {}
    for entry in manifest["files"]:
        if entry.get("split"):
            files.setdefault(entry["split"], []).append(folder / entry["name"])
    for paths in files.values():
        for path in paths:
            if not path.is_file():
                raise UsageError(f"{path}: listed in the manifest but missing")
    train_name = "train" if "train" in files else next(iter(files), None)
    by_tokens = _tokens_by_default(files[train_name][0]) if train_name else True
    stats: dict[str, SplitStats] = {}
    counts = Counter()
    for entry in manifest["files"]:
        counts[entry.get("split")] += entry.get("records") or 0
    samples: dict[str, list] = {}
    train = None
    # Train first: the other splits are compared with it as they stream.
    for name in sorted(files, key=lambda split: split != train_name):
        split = SplitStats(name, shifts.get(name, "unknown"), task, by_tokens, keep_ngrams=name == train_name)
        stride = max(1, -(-counts[name] // (FIT_RECORDS if name == train_name else KEEP_RECORDS)))
        kept = samples[name] = []
        for path in files[name]:
            for record in read_records(path):
                if split.records % stride == 0:
                    kept.append(record)
                split.add(record, train if name != train_name else None)
        stats[name] = split
        if name == train_name:
            train = split
    summaries = [stats[name].summary(train) for name in files]
    violations = _violations(manifest, summaries)
    checks = run_checks(task, manifest, {name: samples[name] for name in files}, train_name, shifts,
                        limits or Thresholds()) if train_name else {"flags": [], "expected": []}
    flags = _duplicate_flags(summaries) + checks["flags"]
    report = {"folder": str(folder), "task": manifest["task"], "split_plan": manifest.get("split_plan"),
              "train_split": train_name, "splits": summaries, "violations": violations, **checks,
              "flags": flags, "ok": not violations and not flags}
    if histograms:  # raw value -> count tables, for the charts
        report["histograms"] = {name: {"difficulty": dict(stats[name].difficulty),
                                       "complexity": {m: dict(c) for m, c in stats[name].complexity.items()}}
                                for name in files}
    return report


def _violations(manifest: dict, summaries: list[dict]) -> list[str]:
    problems = []
    probes = {entry["name"] for entry in manifest.get("splits", []) if entry.get("probe_of")}
    for summary in summaries:
        against = summary.get("against_train")
        if against is None:
            continue
        name = summary["split"]
        if name in probes:  # a probe of train (SplitSpec.probe_of) promises the opposite: every input in train
            missing = summary["unique_canonical_inputs"] - against["canonical_input_overlap"]
            if missing:
                problems.append(f"{name}: {missing} input(s) not in train (a probe of train promises none)")
            continue
        if against["exact_input_overlap"]:
            problems.append(f"{name}: {against['exact_input_overlap']} input(s) also in train "
                            "(the splits of a plan promise none)")
        if summary["shift"] == "instruction" and against["instruction_overlap"]:
            problems.append(f"{name}: {against['instruction_overlap']} instruction(s) also in train "
                            "(an unseen-instruction split promises none)")
        bound = ((manifest.get("options") or {}).get("plan_options") or {}).get("max_atom_divergence")
        if manifest.get("split_plan") == "mcd" and summary["shift"] == "compound" and bound is not None \
                and against["atom_divergence"] > bound:
            problems.append(f"{name}: atom divergence {against['atom_divergence']} above the mcd bound {bound}")
    return problems


def _duplicate_flags(summaries: list[dict]) -> list[dict]:
    """A test input equal to a train input up to the task's symmetries (not letter for letter)."""
    flags = []
    for summary in summaries:
        against = summary.get("against_train")
        if summary["shift"] == SEEN:  # a probe of train repeats train on purpose
            continue
        if against and against["canonical_input_overlap"] > against["exact_input_overlap"]:
            count = against["canonical_input_overlap"] - against["exact_input_overlap"]
            flags.append({"check": "duplicate", "split": summary["split"], "name": "canonical_key", "value": count,
                          "message": f"{count} input(s) equal a train input up to the task's symmetry "
                                     "(the same canonical key, e.g. swapped operands)"})
    return flags


def audit_path(path: str | Path, histograms: bool = False, limits: Optional[Thresholds] = None,
               predictions: Optional[str | Path] = None, ood_margin: float = 0.0) -> dict:
    """Audit a task folder or every task folder of a snapshot; ``ok`` is false if any promise is broken
    or anything is flagged. With ``predictions`` (a reference model's, as ``genforge evaluate`` reads
    them), an OOD split the model does not find harder than ``test_id`` is flagged too."""
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"{path!r} is not a folder; give a generated task folder (OUT/TASK) or a snapshot folder")
    manifest = _read_manifest(folder)
    if manifest.get("kind") == "sweep":
        tasks = [audit_task_folder(folder / run["folder"], histograms, limits) for run in manifest.get("runs", [])]
    elif "tasks" in manifest and "task" not in manifest:
        tasks = [audit_task_folder(folder / entry["task"], histograms, limits) for entry in manifest["tasks"]]
    else:
        tasks = [audit_task_folder(folder, histograms, limits)]
    for task in tasks if predictions is not None else ():
        # Per task folder, so that a sweep's runs (same ids in every run) are each scored.
        found = prediction_findings(Path(task["folder"]), predictions, ood_margin)
        if task["task"] in found:
            task["model_exact_match"] = found[task["task"]]["scores"]
            task["flags"] += found[task["task"]]["flags"]
            task["ok"] = task["ok"] and not found[task["task"]]["flags"]
    return {"path": str(folder), "tasks": tasks, "ok": all(task["ok"] for task in tasks)}


def render_text(report: dict) -> str:
    lines = []
    for task in report["tasks"]:
        lines.append(f"{task['task']} ({task['split_plan']}): {task['folder']}")
        for split in task["splits"]:
            lines.append(
                f"  {split['split']:<22} [{split['shift']}] {split['records']:,} records, "
                f"{split['unique_canonical_inputs']:,} unique, {split['duplicates']:,} duplicates, "
                f"{split['unique_inputs']:,} distinct inputs, {split['unique_instructions']:,} instructions")
            lines.append(f"      diversity: instruction entropy {split['instruction_entropy_bits']} bits, "
                         f"domain entropy {split['domain_entropy_bits']} bits; domains "
                         + ", ".join(f"{d}={n}" for d, n in list(split["domains"].items())[:8])
                         + (" ..." if len(split["domains"]) > 8 else ""))
            if split["difficulty_quantiles"]:
                lines.append("      difficulty " + " ".join(f"{q}={v}" for q, v in split["difficulty_quantiles"].items()))
            for measure, counts in split["complexity"].items():
                shown = list(counts.items())
                text = " ".join(f"{v}:{n}" for v, n in shown[:12]) + (" ..." if len(shown) > 12 else "")
                lines.append(f"      {measure}: {text}")
            against = split.get("against_train")
            if against:
                share = against[f"seen_{NGRAM}gram_share"]
                lines.append(
                    f"      vs train: {against['canonical_input_overlap']} shared inputs, "
                    f"{against['instruction_overlap']} shared instructions, "
                    f"{'n/a' if share is None else f'{share:.1%}'} of {NGRAM}-grams ({against['ngram_unit']}) seen, "
                    f"D_A {against['atom_divergence']}, D_C {against['compound_divergence']}")
            if split.get("structure_error"):
                lines.append(f"      atoms/compounds unavailable: {split['structure_error']}")
        lines += render_checks(task)
        for problem in task["violations"]:
            lines.append(f"  BROKEN: {problem}")
    flags = sum(len(task.get("flags", [])) for task in report["tasks"])
    broken = sum(len(task["violations"]) for task in report["tasks"])
    lines.append("audit: ok" if report["ok"] else
                 f"audit: FAILED ({flags} flag(s): a split may not measure what it claims; "
                 f"{broken} broken promise(s))")
    return "\n".join(lines)
