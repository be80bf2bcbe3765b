"""A hand-assembled snapshot folder (the agreed layout) with records whose answers we know.

rewrite (split plan 'longer'):
  train            4 records, targets zz zz yy xx (majority target: zz)
  validation [iid] 2 records: (input_length 4, k 2), (4, 3); both targets 'zz'
  test_id    [iid] 4 records: (4, 2), (4, 3), (6, 2), (6, 3)
  test_ood_length [length] 4 records: (6, 2), (8, 3), (8, 2), (10, 3); three of them
                   have target == input (no rule applied), so copy_input scores 0.75 there
markov:
  train            1 record
  test_id    [iid] 2 records
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

# (split, input, target, input_length, k, domain)
REWRITE_ROWS = [
    ("train", "aazz", "zz", 4, 2, "repeated"),
    ("train", "bbzz", "zz", 4, 2, "repeated"),
    ("train", "ccyy", "yy", 4, 3, "periodic"),
    ("train", "ddxx", "xx", 4, 3, "periodic"),
    ("validation", "eezz", "zz", 4, 2, "repeated"),
    ("validation", "ffzz", "zz", 4, 3, "periodic"),
    ("test_id", "abab", "cab", 4, 2, "repeated"),
    ("test_id", "abcd", "xcd", 4, 3, "periodic"),
    ("test_id", "abcdef", "xcdef", 6, 2, "repeated"),
    ("test_id", "bcdefg", "xdefg", 6, 3, "periodic"),
    ("test_ood_length", "qrstuv", "qrstuv", 6, 2, "repeated"),
    ("test_ood_length", "qrstuvwx", "qrstuvwx", 8, 3, "periodic"),
    ("test_ood_length", "abstuvwx", "cstuvwx", 8, 2, "repeated"),
    ("test_ood_length", "qrstuvwxyz", "qrstuvwxyz", 10, 3, "periodic"),
]
REWRITE_SPLITS = [("train", "iid"), ("validation", "iid"), ("test_id", "iid"), ("test_ood_length", "length")]

MARKOV_ROWS = [
    ("train", "ab", "b", 2, 1, "shrinking"),
    ("test_id", "abc", "bc", 3, 1, "shrinking"),
    ("test_id", "abcd", "bcd", 4, 2, "shrinking"),
]
MARKOV_SPLITS = [("train", "iid"), ("test_id", "iid")]


def record(task: str, split: str, index: int, text: str, target: str, length: int, k: int, domain: str) -> dict:
    measure = "k" if task == "rewrite" else "rules"
    return {
        "id": f"{task}/{split}/{index:06d}", "task": task, "task_version": "1.0", "split": split,
        "instruction": "ab -> c", "input": text, "target": target,
        "meta": {"complexity": {"input_length": length, measure: k, "rules": 1}, "difficulty": 0.1,
                 "domain": domain},
    }


def records_by_split(task: str, rows) -> dict[str, list[dict]]:
    by_split: dict[str, list[dict]] = {}
    for split, text, target, length, k, domain in rows:
        group = by_split.setdefault(split, [])
        group.append(record(task, split, len(group), text, target, length, k, domain))
    return by_split


def _write_lines(path: Path, rows: list[dict]) -> dict:
    data = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()
    path.write_bytes(data)
    return {"records": len(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_task_folder(folder: Path, task: str, rows, splits) -> dict:
    folder.mkdir(parents=True)
    by_split = records_by_split(task, rows)
    files = [{"name": f"{name}.jsonl", "split": name, **_write_lines(folder / f"{name}.jsonl", by_split[name])}
             for name, _ in splits]
    manifest = {
        "genforge_version": "0.1.0", "task": task, "task_version": "1.0", "seed": 0, "split_plan": "longer",
        "params": {}, "options": {"trace": False, "allow_repeats": False},
        "splits": [{"name": name, "size": len(by_split[name]), "shift": shift, "description": name}
                   for name, shift in splits],
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def build_snapshot(root: Path) -> Path:
    """Write the snapshot to root/snap and return that folder."""
    snapshot = root / "snap"
    files, tasks = [], []
    for task, rows, splits in (("rewrite", REWRITE_ROWS, REWRITE_SPLITS), ("markov", MARKOV_ROWS, MARKOV_SPLITS)):
        manifest = write_task_folder(snapshot / task, task, rows, splits)
        tasks.append({"task": task, "task_version": "1.0", "split_plan": "longer", "seed": 0, "params": {},
                      "splits": manifest["splits"]})
        files += [{"path": f"{task}/{entry['name']}", "task": task, "split": entry["split"],
                   **{k: entry[k] for k in ("records", "bytes", "sha256")}} for entry in manifest["files"]]
        data = (snapshot / task / "manifest.json").read_bytes()
        files.append({"path": f"{task}/manifest.json", "task": None, "split": None, "records": None,
                      "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    top = {"genforge_version": "0.1.0", "canary": "canary GUID test", "suite": {"name": "test"}, "tasks": tasks,
           "files": files}
    (snapshot / "manifest.json").write_text(json.dumps(top, indent=1))
    return snapshot


def scored_records(snapshot: Path, task: str = "rewrite") -> list[dict]:
    """Every record of the task's non-train splits, in file order."""
    rows = []
    for path in sorted((snapshot / task).glob("*.jsonl")):
        if path.name != "train.jsonl":
            rows += [json.loads(line) for line in path.read_text().splitlines()]
    return rows


def write_predictions(path: Path, pairs) -> Path:
    """pairs: (id, prediction) in order."""
    path.write_text("".join(json.dumps({"id": i, "prediction": p}) + "\n" for i, p in pairs))
    return path
