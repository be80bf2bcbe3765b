"""The reference records predictions are scored against.

Three sources are accepted, all reduced to the same :class:`ReferenceSet`:

* a snapshot folder: ``SNAP/manifest.json`` lists ``<task>/<split>.jsonl``
  files, and ``SNAP/<task>/manifest.json`` gives each split's ``shift``;
* one generated task folder ``OUT/<task>/`` with its ``manifest.json``
  (or a folder of such task folders, as ``genforge generate`` leaves them);
* loose JSONL files (``--data``); a ``manifest.json`` next to a file supplies
  the shifts, otherwise they are guessed from the split names
  (``train``, ``validation``, ``test_id`` are i.i.d., ``test_ood_<x>`` has shift ``<x>``).

Only the splits being scored are kept in memory, plus the most frequent
training target of each task (the ``majority_target`` baseline). Ids of the
other splits are recognised by their ``<task>/<split>/`` prefix, so a
prediction for them is counted, not mistaken for an unknown id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

import orjson

from genforge.core.errors import UsageError, one_of
from genforge.core.splits import SEEN
from genforge.evaluate.normalize import normalizer_for
from genforge.evaluate.prompts import record_digest

#: The split a model is trained on; it is not scored unless asked for.
TRAIN_SPLIT = "train"


@dataclass(frozen=True, slots=True)
class Reference:
    id: str
    task: str
    split: str
    input: str
    target: str
    domain: str
    complexity: dict
    #: record_digest of the record: what predictions carry to say which record they answer.
    digest: str = ""
    difficulty: Optional[float] = None


@dataclass(frozen=True)
class SplitInfo:
    task: str
    name: str
    shift: str

    @property
    def key(self) -> str:
        return f"{self.task}/{self.name}"

    @property
    def is_train(self) -> bool:
        return self.name == TRAIN_SPLIT

    @property
    def is_in_distribution(self) -> bool:
        """An ID test split: drawn like train, but not train itself."""
        return self.shift == "iid" and not self.is_train

    @property
    def is_out_of_distribution(self) -> bool:
        return self.shift not in ("iid", "unknown", SEEN)

    @property
    def is_seen(self) -> bool:
        """A probe split repeating train records on purpose (two_hop's atomic facts): neither ID nor OOD."""
        return self.shift == SEEN


@dataclass
class ReferenceSet:
    source: str
    #: Every split the source holds, in manifest order (tasks in source order).
    splits: list[SplitInfo]
    #: The splits being scored, in the same order.
    scored_splits: list[SplitInfo]
    #: Records of the scored splits by id, in file order.
    records: dict[str, Reference] = field(default_factory=dict)
    #: Most frequent training target (raw text) per task; absent when no train split was found.
    majority_target: dict[str, str] = field(default_factory=dict)

    def knows_outside_scope(self, record_id: str) -> bool:
        """True for an id of a split that exists but is not being scored."""
        prefix = record_id.rpartition("/")[0]
        return prefix in self._unscored_keys

    def __post_init__(self):
        scored = {s.key for s in self.scored_splits}
        self._unscored_keys = {s.key for s in self.splits if s.key not in scored}


# -- split names and shifts -------------------------------------------------
def guess_shift(split: str) -> str:
    """The shift of a split known only by name (no manifest next to the file)."""
    if split in (TRAIN_SPLIT, "validation", "test", "test_id"):
        return "iid"
    if split.startswith("test_ood_"):
        return split[len("test_ood_"):]
    return "unknown"


def select_splits(splits: Sequence[SplitInfo], wanted: Optional[Sequence[str]]) -> list[SplitInfo]:
    """The splits to score: those named (``split`` or ``task/split``), else every split but train."""
    if not wanted:
        return [s for s in splits if not s.is_train]
    chosen = []
    for name in wanted:
        matches = [s for s in splits if name in (s.name, s.key)]
        if not matches:
            available = one_of({s.key for s in splits})
            raise UsageError(f"--split {name!r} matches no split; available: {available}")
        chosen.extend(m for m in matches if m not in chosen)
    return [s for s in splits if s in chosen]


# -- reading records ----------------------------------------------------------
def _read_json(path: Path) -> dict:
    try:
        value = orjson.loads(path.read_bytes())
    except (orjson.JSONDecodeError, OSError) as error:
        raise UsageError(f"{path}: cannot read it as JSON: {error}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{path}: expected a JSON object")
    return value


def _records(path: Path) -> Iterator[tuple[int, Reference]]:
    """(line number, Reference) for each line of a genforge JSONL file."""
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise UsageError(f"{where}: not valid JSON: {error}") from None
            yield number, to_reference(record, where)


def to_reference(record, where: str) -> Reference:
    """A record (a dict) as a Reference; UsageError naming ``where`` when it is not a genforge record."""
    try:
        meta = record["meta"]
        difficulty = meta.get("difficulty")
        reference = Reference(
            record["id"], record["task"], record["split"], record["input"], record["target"],
            meta["domain"], meta["complexity"], record_digest(record),
            difficulty if isinstance(difficulty, (int, float)) else None,
        )
    except (KeyError, TypeError, AttributeError):
        raise UsageError(
            f"{where}: not a genforge record (needs id, task, split, input, target, meta.domain, "
            "meta.complexity)"
        ) from None
    if not all(isinstance(v, str) for v in (reference.id, reference.task, reference.split,
                                            reference.input, reference.target)):
        raise UsageError(f"{where}: id, task, split, input and target must be strings")
    if not isinstance(reference.complexity, dict):
        raise UsageError(f"{where}: meta.complexity must be an object")
    return reference


class _MajorityCounter:
    """Counts normalized training targets; ties go to the target seen first."""

    def __init__(self):
        self.counts: dict[str, Counter] = {}
        self.first_raw: dict[tuple[str, str], str] = {}

    def add(self, reference: Reference) -> None:
        normalized = normalizer_for(reference.task)(reference.target)
        self.counts.setdefault(reference.task, Counter())[normalized] += 1
        self.first_raw.setdefault((reference.task, normalized), reference.target)

    def result(self) -> dict[str, str]:
        # Counter.most_common keeps insertion order among equal counts: first seen wins.
        return {task: self.first_raw[(task, counts.most_common(1)[0][0])] for task, counts in self.counts.items()}


def _load_files(source: str, splits: list[SplitInfo], files: list[tuple[SplitInfo, Path]],
                wanted: Optional[Sequence[str]]) -> ReferenceSet:
    scored = select_splits(splits, wanted)
    references = ReferenceSet(source, splits, scored)
    majority = _MajorityCounter()
    scored_keys = {s.key for s in scored}
    for split, path in files:
        in_scope = split.key in scored_keys
        if not (in_scope or split.is_train):
            continue  # never read: its ids are recognised by prefix
        for number, reference in _records(path):
            if (reference.task, reference.split) != (split.task, split.name):
                raise UsageError(f"{path}:{number}: record of {reference.task}/{reference.split} in the file of "
                                 f"{split.key}")
            if split.is_train:
                majority.add(reference)
            if in_scope:
                if reference.id in references.records:
                    raise UsageError(f"{path}:{number}: id {reference.id!r} appears twice in the references")
                references.records[reference.id] = reference
    references.majority_target = majority.result()
    return references


# -- the three sources ----------------------------------------------------------
def _task_folder(folder: Path, manifest: dict) -> tuple[list[SplitInfo], list[tuple[SplitInfo, Path]]]:
    task = manifest.get("task")
    if not isinstance(task, str) or not isinstance(manifest.get("files"), list):
        raise UsageError(f"{folder / 'manifest.json'}: not a genforge task manifest (needs 'task' and 'files')")
    shifts = {s.get("name"): s.get("shift", "unknown") for s in manifest.get("splits", []) if isinstance(s, dict)}
    splits, files = [], []
    for entry in manifest["files"]:
        name = entry.get("split") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(entry.get("name"), str):
            raise UsageError(f"{folder / 'manifest.json'}: a files entry has no 'name' and 'split'")
        info = SplitInfo(task, name, shifts.get(name, guess_shift(name)))
        splits.append(info)
        files.append((info, _existing(folder / entry["name"])))
    return splits, files


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise UsageError(f"{path}: listed in the manifest but missing")
    return path


def _snapshot(folder: Path, manifest: dict) -> tuple[list[SplitInfo], list[tuple[SplitInfo, Path]]]:
    task_manifests: dict[str, dict] = {}
    for entry in manifest.get("tasks", []):
        if isinstance(entry, dict) and isinstance(entry.get("task"), str):
            path = folder / entry["task"] / "manifest.json"
            task_manifests[entry["task"]] = _read_json(path) if path.is_file() else entry
    splits, files = [], []
    for entry in manifest["files"]:
        if not isinstance(entry, dict) or entry.get("split") is None:
            continue  # the per-task manifests are listed too, with split null
        task, name, relative = entry.get("task"), entry.get("split"), entry.get("path")
        if not all(isinstance(v, str) for v in (task, name, relative)):
            raise UsageError(f"{folder / 'manifest.json'}: a files entry lacks path, task or split")
        shift_list = task_manifests.get(task, {}).get("splits", [])
        shifts = {s.get("name"): s.get("shift") for s in shift_list if isinstance(s, dict)}
        info = SplitInfo(task, name, shifts.get(name) or guess_shift(name))
        splits.append(info)
        files.append((info, _existing(folder.joinpath(*relative.split("/")))))
    return splits, files


def folder_files(path: str | Path, label: str = "--snapshot") -> tuple[list[SplitInfo], list[tuple[SplitInfo, Path]]]:
    """Every split of a snapshot folder, a task folder or a folder of task folders, with its file."""
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"{label} {str(path)!r} is not a folder; give a snapshot or a generated task folder")
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        manifest = _read_json(manifest_path)
        files_listed = manifest.get("files") if isinstance(manifest.get("files"), list) else []
        if "task" in manifest:
            splits, files = _task_folder(folder, manifest)
        elif files_listed and all(isinstance(f, dict) and "path" in f for f in files_listed):
            splits, files = _snapshot(folder, manifest)
        else:
            raise UsageError(f"{manifest_path}: neither a snapshot nor a task manifest")
    else:
        task_folders = sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
        if not task_folders:
            raise UsageError(f"{folder}: no manifest.json here or in its subfolders; give a snapshot or a "
                             "folder written by 'genforge generate'")
        splits, files = [], []
        for task_folder in task_folders:
            more_splits, more_files = _task_folder(task_folder, _read_json(task_folder / "manifest.json"))
            splits += more_splits
            files += more_files
    if not splits:
        raise UsageError(f"{folder}: the manifest lists no split files")
    return splits, files


def load_folder(path: str | Path, wanted: Optional[Sequence[str]] = None) -> ReferenceSet:
    """References from a snapshot folder, a task folder, or a folder of task folders."""
    splits, files = folder_files(path)
    return _load_files(str(Path(path)), splits, files, wanted)


def _sibling_shifts(path: Path) -> dict[tuple[str, str], str]:
    manifest_path = path.parent / "manifest.json"
    if not manifest_path.is_file():
        return {}
    try:
        manifest = orjson.loads(manifest_path.read_bytes())
        return {(manifest["task"], s["name"]): s["shift"] for s in manifest["splits"]}
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return {}  # not a task manifest: fall back to names


def load_files(paths: Sequence[str | Path], wanted: Optional[Sequence[str]] = None) -> ReferenceSet:
    """References from JSONL files of records (each may hold any tasks and splits).

    The files are read once and kept whole: ``--data`` names the files to
    score, so they are what must be in memory anyway.
    """
    def numbered():
        for raw in paths:
            path = Path(raw)
            if not path.is_file():
                raise UsageError(f"--data {str(raw)!r} does not exist or is not a file")
            shifts = _sibling_shifts(path)
            for number, reference in _records(path):
                yield f"{path}:{number}", reference, shifts

    return _collect(numbered(), ", ".join(str(p) for p in paths), wanted, "--data files")


def load_records(records, wanted: Optional[Sequence[str]] = None) -> ReferenceSet:
    """References from record dicts in memory; shifts come from the split names."""
    def numbered():
        for index, record in enumerate(records):
            where = f"reference record {index}"
            yield where, to_reference(record, where) if not isinstance(record, Reference) else record, {}

    return _collect(numbered(), "records given in Python", wanted, "references")


def _collect(numbered, source: str, wanted, what: str) -> ReferenceSet:
    splits: dict[str, SplitInfo] = {}
    everything: list[Reference] = []
    where: dict[str, str] = {}
    majority = _MajorityCounter()
    for place, reference, shifts in numbered:
        if reference.id in where:
            raise UsageError(f"{place}: id {reference.id!r} appears twice in the references "
                             f"(first at {where[reference.id]})")
        where[reference.id] = place
        key = f"{reference.task}/{reference.split}"
        if key not in splits:
            shift = shifts.get((reference.task, reference.split)) or guess_shift(reference.split)
            splits[key] = SplitInfo(reference.task, reference.split, shift)
        if splits[key].is_train:
            majority.add(reference)
        everything.append(reference)
    if not splits:
        raise UsageError(f"the {what} hold no records")
    references = ReferenceSet(source, list(splits.values()),
                              select_splits(list(splits.values()), wanted))
    scored_keys = {s.key for s in references.scored_splits}
    references.records = {r.id: r for r in everything if f"{r.task}/{r.split}" in scored_keys}
    references.majority_target = majority.result()
    return references
