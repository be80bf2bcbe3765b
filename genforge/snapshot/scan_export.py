"""Export a generated ``scan`` / ``scan_scaled`` folder in SCAN's original line format.

The SCAN release (``tasks_train_simple.txt`` and friends) holds one example a
line as ``IN: <command> OUT: <actions>``; many papers' loaders read exactly
that. :func:`write_original_format` writes ``<split>.txt`` beside each
``<split>.jsonl`` of a generated folder, in the same order. The ``.txt`` files
are derived views: they are not listed in ``manifest.json`` and regenerating
them from the same JSONL gives the same bytes. The command is ``genforge
export-scan FOLDER`` (see :mod:`genforge.cli_snapshot`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from genforge.core.errors import UsageError

SCAN_TASKS = ("scan", "scan_scaled")


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise UsageError(f"folder {str(folder)!r} has no manifest.json: expected a folder written by "
                         "'genforge generate scan' or 'genforge generate scan_scaled'")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise UsageError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("task") not in SCAN_TASKS:
        task = manifest.get("task") if isinstance(manifest, dict) else None
        raise UsageError(f"{path}: task {task!r} cannot be exported in SCAN's format; allowed: {', '.join(SCAN_TASKS)}")
    return manifest


def _lines(jsonl: Path) -> list[str]:
    lines = []
    with open(jsonl, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                record = json.loads(raw)
                command, actions = record["input"], record["target"]
            except (ValueError, KeyError, TypeError):
                raise UsageError(f"{jsonl}:{number}: not a record with 'input' and 'target'") from None
            lines.append(f"IN: {command} OUT: {actions}\n")
    return lines


def write_original_format(task_folder: Path) -> list[Path]:
    """Write ``<split>.txt`` (``IN: ... OUT: ...`` lines) for every split file; return their paths."""
    folder = Path(task_folder)
    manifest = _manifest(folder)
    written = []
    for entry in manifest.get("files", []):
        if entry.get("split") is None:
            continue
        jsonl = folder / entry["name"]
        if not jsonl.is_file():
            raise UsageError(f"{jsonl} is listed in the manifest but missing")
        target = folder / f"{entry['split']}.txt"
        temporary = target.with_name(target.name + ".tmp")
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(_lines(jsonl))
        os.replace(temporary, target)
        written.append(target)
    return written

