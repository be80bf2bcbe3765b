"""Writing the prompts of a folder's records to a JSONL file (``genforge prompts``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional, Sequence

import orjson

from genforge.core.errors import UsageError
from genforge.evaluate.prompts import FORMATS, SHOT_SEED, prompt_lines
from genforge.evaluate.references import folder_files, select_splits


def _read(path: Path) -> list[dict]:
    with open(path, "rb") as lines:
        try:
            return [orjson.loads(line) for line in lines if line.strip()]
        except orjson.JSONDecodeError as error:
            raise UsageError(f"{path}: not JSON lines: {error}") from None


def write_prompts(path: str | Path, out: str | Path, shots: int = 0, format: str = "text",
                  splits: Optional[Sequence[str]] = None, seed: int = SHOT_SEED) -> int:
    """Write one prompt line per record of the scored splits of ``path``; return the count.

    ``path`` is a snapshot, a generated task folder or a folder of them; the
    shots come from each task's train split. The file is written under a
    temporary name and renamed, so a failed run leaves nothing behind.
    """
    if format not in FORMATS:
        raise UsageError(f"--format {format!r} is not allowed; choose one of {', '.join(FORMATS)}")
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 0:
        raise UsageError(f"--shots {shots!r} is not allowed: expected a whole number >= 0")
    all_splits, files = folder_files(path, label="PATH")
    chosen = {s.key for s in select_splits(all_splits, splits)}
    train_by_task = {split.task: _read(file) for split, file in files if split.is_train and shots}
    out = Path(out)
    if out.is_dir() or not out.parent.is_dir():
        raise UsageError(f"--out {str(out)!r}: give a file name in an existing folder, such as prompts.jsonl")
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    count = 0
    try:
        with os.fdopen(handle, "wb") as file:
            for split, path_of_split in files:
                if split.key not in chosen:
                    continue
                for line in prompt_lines(_read(path_of_split), train_by_task, shots, format, seed):
                    file.write(orjson.dumps(line) + b"\n")
                    count += 1
        os.replace(temporary, out)
    except BaseException:
        os.unlink(temporary)
        raise
    return count
