"""``genforge snapshot verify``: checksums first, then (``--regenerate``) a byte-for-byte rebuild.

A changed file is located to its first differing line by regenerating what
it came from (its task alone for a task file, the whole snapshot for the
card and exports) and comparing line by line.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from genforge.core.version import __version__
from genforge.core.checking import file_digest, read_checked_json
from genforge.core.errors import CheckFailed, GenforgeError, UsageError
from genforge.core.canonical import pretty_dumps
from genforge.snapshot.build import MANIFEST, SNAPSHOT_FORMAT, _metadata_paths, task_entry, write_snapshot
from genforge.snapshot.suite import canary_string, load_suite
from genforge.python_names import speaks_python

EXCERPT = 120


def read_snapshot_manifest(folder: Path) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"snapshot folder {str(folder)!r} does not exist or is not a folder")
    path = folder / MANIFEST
    manifest = read_checked_json(path, "snapshot_manifest.schema.json",
                                 "a snapshot folder holds a top-level manifest.json")
    for entry in manifest["files"]:
        if ".." in entry["path"].split("/"):
            raise CheckFailed(f"{path}: file path {entry['path']!r} leaves the snapshot folder")
    return manifest


def _excerpt(line: Optional[bytes]) -> str:
    if line is None:
        return "(end of file)"
    text = line.decode("utf-8", "replace").rstrip("\n")
    return repr(text if len(text) <= EXCERPT else text[:EXCERPT] + "...")


def first_difference(expected: Path, actual: Path) -> Optional[str]:
    """'line N: expected ..., found ...' for the first differing line, or None when the bytes agree."""
    with open(expected, "rb") as left, open(actual, "rb") as right:
        number = 0
        while True:
            number += 1
            want, have = left.readline(), right.readline()
            if want == have:
                if not want:
                    return None
                continue
            return f"line {number}: expected {_excerpt(want or None)}, found {_excerpt(have or None)}"


def listed_and_extra(folder: Path, manifest: dict) -> tuple[list[str], list[str]]:
    """(listed files that are missing, files present but not listed); hidden files are ignored."""
    listed = {entry["path"] for entry in manifest["files"]} | {MANIFEST}
    missing = [entry["path"] for entry in manifest["files"] if not (folder / entry["path"]).is_file()]
    extra = []
    for root, directories, files in os.walk(folder):
        directories[:] = sorted(d for d in directories if not d.startswith("."))
        for name in sorted(files):
            relative = (Path(root) / name).relative_to(folder).as_posix()
            if not name.startswith(".") and relative not in listed:
                extra.append(relative)
    return missing, extra


@dataclass
class _Rebuilds:
    """Regenerated copies, made at most once per task (or once for the whole snapshot)."""

    manifest: dict
    workers: int
    root: Path

    def __post_init__(self):
        self._done: dict[str, Path] = {}

    def folder_for(self, path: str) -> Path:
        task = path.split("/")[0] if "/" in path and not path.startswith("lm_eval/") else None
        key = task or "*"
        if key not in self._done:
            target = self.root / (task or "all")
            target.mkdir()
            suite = load_suite(self.manifest["suite"], tasks=[task] if task else None)
            write_snapshot(suite, target, workers=self.workers)
            self._done[key] = target
        return self._done[key]


def _locate(rebuilds: _Rebuilds, folder: Path, path: str) -> str:
    try:
        regenerated = rebuilds.folder_for(path)
    except GenforgeError as error:
        return f"cannot regenerate to find the line ({error})"
    if not (regenerated / path).is_file():
        return "the regenerated snapshot has no such file"
    return first_difference(regenerated / path, folder / path) or "identical to a fresh rebuild (the manifest is wrong)"


def check_checksums(folder: Path, manifest: dict, workers: int = 1) -> dict:
    """Raise CheckFailed naming every missing, extra or changed file (changed: with its first differing line)."""
    missing, extra = listed_and_extra(folder, manifest)
    problems = [f"{path}: listed in manifest.json but missing" for path in missing]
    problems += [f"{path}: present but not listed in manifest.json" for path in extra]
    changed = []
    records = 0
    for entry in manifest["files"]:
        if entry["path"] in missing:
            continue
        sha256, size, _ = file_digest(folder / entry["path"])
        if sha256 != entry["sha256"] or size != entry["bytes"]:
            changed.append(entry)
        records += entry["records"]
    if changed:
        with tempfile.TemporaryDirectory(prefix="genforge-verify-") as scratch:
            rebuilds = _Rebuilds(manifest, workers, Path(scratch))
            for entry in changed:
                problems.append(f"{entry['path']}: checksum mismatch (sha256 in manifest {entry['sha256'][:12]}...); "
                                f"{_locate(rebuilds, folder, entry['path'])}")
    if problems:
        raise CheckFailed(f"snapshot {folder} failed verification:\n  " + "\n  ".join(problems))
    return {"files": len(manifest["files"]), "records": records}


def _expected_manifest(folder: Path, manifest: dict) -> dict:
    """The top-level manifest as the build writes it, derived from the other files alone.

    The manifest pins every other file by checksum; this closes the loop: the
    suite file and the task manifests (checked by then) determine every field
    of the manifest, so a change to the manifest itself, even one byte of
    whitespace, is caught too. Checksums of the metadata files come from the
    manifest, already compared with the files.
    """
    suite = json.loads((folder / "suite.json").read_text("utf-8"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    tasks, files = [], []
    for entry in suite["tasks"]:
        task = entry["task"]
        task_manifest = json.loads((folder / task / MANIFEST).read_text("utf-8"))
        tasks.append(task_entry(task_manifest))
        for item in task_manifest["files"]:
            files.append({"path": f"{task}/{item['name']}", "task": task, "split": item["split"],
                          "records": item["records"], "bytes": item["bytes"], "sha256": item["sha256"]})
        files.append({"path": f"{task}/{MANIFEST}", "task": None, "split": None, "records": 0})
    for path in _metadata_paths(folder, {entry["path"] for entry in files}):
        files.append({"path": path, "task": None, "split": None, "records": 0})
    for entry in files:
        if "sha256" not in entry:
            entry["bytes"], entry["sha256"] = listed[entry["path"]]["bytes"], listed[entry["path"]]["sha256"]
    return {
        "format": SNAPSHOT_FORMAT,
        "genforge_version": tasks and json.loads((folder / tasks[0]["task"] / MANIFEST).read_text("utf-8"))[
            "genforge_version"],
        "name": suite["name"],
        "canary": canary_string(suite["canary"]),
        "suite": suite,
        "tasks": tasks,
        "files": files,
    }


def check_manifest_consistency(folder: Path, manifest: dict) -> None:
    """Raise CheckFailed unless manifest.json is byte for byte what its files imply (run after the checksums)."""
    try:
        expected = _expected_manifest(folder, manifest)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckFailed(f"snapshot {folder}: manifest.json does not agree with suite.json and the task "
                          f"manifests ({type(error).__name__}: {error})") from None
    if pretty_dumps(expected) == (folder / MANIFEST).read_bytes():
        return
    fields = [key for key in dict.fromkeys([*expected, *manifest]) if expected.get(key) != manifest.get(key)]
    where = (f"field(s) {', '.join(fields)} differ from what suite.json and the task manifests imply" if fields
             else "its layout differs from the canonical form the build writes (whitespace or key order)")
    raise CheckFailed(f"snapshot {folder} failed verification:\n  {MANIFEST}: changed: {where}")


def compare_with_rebuild(folder: Path, manifest: dict, workers: int = 1) -> None:
    """Rebuild from the manifest's suite and compare every file's bytes; raise CheckFailed at the first difference."""
    version_note = ""
    if manifest["genforge_version"] != __version__:
        version_note = (f" (built with genforge {manifest['genforge_version']}, regenerated with {__version__}; "
                        f"install genforge=={manifest['genforge_version']} to reproduce it)")
    with tempfile.TemporaryDirectory(prefix="genforge-regenerate-") as scratch:
        rebuilt = Path(scratch) / "snapshot"
        rebuilt.mkdir()
        write_snapshot(load_suite(manifest["suite"]), rebuilt, workers=workers)
        fresh = json.loads((rebuilt / MANIFEST).read_text("utf-8"))
        fresh_paths = [entry["path"] for entry in fresh["files"]]
        for path in [entry["path"] for entry in manifest["files"]] + [MANIFEST]:
            if path != MANIFEST and path not in fresh_paths:
                raise CheckFailed(f"{path}: not produced by a rebuild from the manifest{version_note}")
            difference = first_difference(rebuilt / path, folder / path)
            if difference:
                raise CheckFailed(f"{path}: differs from a rebuild from the manifest at {difference}{version_note}")
        listed = {entry["path"] for entry in manifest["files"]}
        for path in fresh_paths:
            if path not in listed:
                raise CheckFailed(f"{path}: produced by a rebuild but absent from the snapshot{version_note}")


@speaks_python
def verify_snapshot(folder: str | Path, *, regenerate: bool = False, workers: int = 1) -> dict:
    """Check a snapshot: {files, records, regenerated}; raise CheckFailed on any difference."""
    folder = Path(folder)
    manifest = read_snapshot_manifest(folder)
    summary = check_checksums(folder, manifest, workers)
    check_manifest_consistency(folder, manifest)
    if regenerate:
        compare_with_rebuild(folder, manifest, workers)
    return {**summary, "regenerated": regenerate}
