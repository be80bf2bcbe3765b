"""``genforge validate``: schema of every line and the manifest's checksums."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from genforge.core.errors import CheckFailed, GenforgeError, UsageError
from genforge.core.validation import explain_against, validator_for_task


def read_checked_json(path: Path, schema: str, what: str) -> dict:
    """A JSON file that must exist and match a shipped schema; CheckFailed names the problem."""
    if not path.is_file():
        raise CheckFailed(f"{path}: missing; {what}")
    try:
        value = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckFailed(f"{path}: not valid JSON: {error}") from None
    problem = explain_against(schema, value)
    if problem:
        raise CheckFailed(f"{path}: does not match {schema}: {problem}")
    return value


def read_manifest(folder: Path) -> dict:
    return read_checked_json(folder / "manifest.json", "manifest.schema.json",
                             "a generated folder holds a manifest.json")


def file_digest(path: Path) -> tuple[str, int, int]:
    """(sha256 hex, bytes, lines) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = lines = 0
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return digest.hexdigest(), size, lines


def _no_constant(name: str):
    # Python's json reads NaN and Infinity, which JSON does not have (and no schema can judge).
    raise ValueError(f"{name} is not a JSON number (JSON has no NaN or infinity)")


def validate_records(path: Path, expected_split: str | None = None) -> int:
    """Check every line of a JSONL file; return the record count."""
    count = 0
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            where = f"{path}:{number}"
            if not line.endswith(b"\n"):
                raise CheckFailed(f"{where}: last line has no newline (truncated file?)")
            try:
                record = json.loads(line, parse_constant=_no_constant)
            except (ValueError, UnicodeDecodeError) as error:
                raise CheckFailed(f"{where}: not valid JSON: {error}") from None
            except RecursionError:
                raise CheckFailed(f"{where}: nested too deeply to read (more than Python's recursion limit of "
                                  f"{sys.getrecursionlimit():,} levels); a genforge record is a few levels deep") from None
            if not isinstance(record, dict) or not isinstance(record.get("task"), str):
                raise CheckFailed(f"{where}: not a genforge record (no 'task' field)")
            try:
                validator = validator_for_task(record["task"])
            except GenforgeError as error:
                raise CheckFailed(f"{where}: {error}") from None
            validator.check(record, where)
            if expected_split is not None and record["split"] != expected_split:
                raise CheckFailed(f"{where}: split is {record['split']!r}, the manifest lists {expected_split!r}")
            count += 1
    return count


def validate_path(path: str | Path) -> dict:
    """Validate a JSONL file or a generated folder; raise CheckFailed at the first problem."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"path {str(path)!r} does not exist; give a .jsonl file or a generated folder")
    if path.is_file():
        return {"files": 1, "records": validate_records(path)}
    manifest = read_manifest(path)
    records = 0
    for entry in manifest["files"]:
        file_path = path / entry["name"]
        if not file_path.is_file():
            raise CheckFailed(f"{file_path}: listed in the manifest but missing")
        # Records first, so a hand-edited line is reported by file and line.
        records += validate_records(file_path, entry["split"])
        sha256, size, lines = file_digest(file_path)
        if size != entry["bytes"] or sha256 != entry["sha256"] or lines != entry["records"]:
            raise CheckFailed(
                f"{file_path}: checksum mismatch (manifest: {entry['records']} records, {entry['bytes']} bytes, "
                f"sha256 {entry['sha256'][:12]}...; file: {lines} lines, {size} bytes, sha256 {sha256[:12]}...)"
            )
    from genforge.core.consistency import check_run_consistency  # the manifest against its own run

    check_run_consistency(path, manifest)
    return {"files": len(manifest["files"]), "records": records}
