"""Checksums of the reference files before scoring (``evaluate --snapshot``; ``--no-verify`` skips).

A changed target silently changes a score, so every data file a folder's
manifest lists, and a snapshot's task manifests, must match their sha256 and
byte count. (``genforge validate`` also checks a generated folder's manifest
against its own run: :mod:`genforge.core.consistency`.)
"""

from __future__ import annotations

from pathlib import Path

import orjson

from genforge.core.checking import file_digest
from genforge.core.errors import CheckFailed, UsageError

HINT = "pass --no-verify to score anyway"


def _compare(path: Path, sha256: str, size: int) -> None:
    if not path.is_file():
        raise UsageError(f"{path}: listed in the manifest but missing")
    actual, actual_size, _ = file_digest(path)
    if actual != sha256 or actual_size != size:
        raise CheckFailed(f"{path}: checksum mismatch with its manifest (sha256 {sha256[:12]}..., file "
                          f"{actual[:12]}...): the references were changed after they were generated; "
                          f"'genforge snapshot verify' or 'genforge validate' shows where. {HINT}")


def _manifest(folder: Path):
    try:
        return orjson.loads((folder / "manifest.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None  # load_folder reports unreadable manifests itself


def verify_folder(folder: Path) -> None:
    """Raise CheckFailed at the first file that does not match its manifest."""
    folder = Path(folder)
    manifest = _manifest(folder) if (folder / "manifest.json").is_file() else None
    if manifest is None:
        for task_folder in sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file()) \
                if folder.is_dir() else []:
            verify_folder(task_folder)
        return
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return
    task_folder = "task" in manifest
    for entry in entries:
        if not isinstance(entry, dict) or "sha256" not in entry:
            continue
        relative = entry.get("name") if task_folder else entry.get("path")
        if isinstance(relative, str):
            _compare(folder.joinpath(*relative.split("/")), entry["sha256"], entry.get("bytes"))
