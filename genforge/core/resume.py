"""Resuming a killed run (``--resume``): what its staging folder's checkpoint says was done.

A checkpoint names the finished splits' files and, for the split being
written, how many blocks were consumed, how many records written and where
its writer stood; the digests of the written records rebuild the dedup sets
exactly (see :mod:`genforge.core.checkpoints`). Since blocks are pure
functions of their index, continuing from there gives the bytes of an
uninterrupted run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from genforge.core.checkpoints import Checkpoints
from genforge.core.errors import UsageError
from genforge.core.fill import FillState
from genforge.core.writer import SplitWriter

_FILE_FIELDS = ("name", "split", "records", "bytes", "sha256")


def restore(folder, staging: Path, checkpoints: Checkpoints, run, *, resume: bool, destination: Path,
            say: Callable[[str], None]) -> Optional[dict]:
    """Load the checkpoint of a resumed staging folder into ``run`` (its files and earlier digests).

    Returns the checkpoint (None for a fresh start); a staging folder without a
    usable checkpoint is emptied and the run starts from the beginning.
    """
    saved = checkpoints.load() if folder.resumed else None
    if folder.resumed and saved is None:
        say(f"{str(staging)!r} holds no usable checkpoint; starting from the beginning")
        for path in staging.iterdir():
            path.unlink()
    if resume and not folder.resumed:
        say(f"no interrupted run of this request to resume in {str(destination.parent)!r}; starting from the beginning")
    if saved is None:
        return None
    run.files = [{key: entry[key] for key in _FILE_FIELDS} for entry in saved["done"]]
    checkpoints.done = list(run.files)
    for name in dict.fromkeys(entry["split"] for entry in run.files):
        run.earlier |= checkpoints.read_digests(name, sum(e["records"] for e in run.files if e["split"] == name))
    return saved


def resume_split(staging: Path, checkpoints: Checkpoints, split_name: str, shard_size: Optional[int],
                 position: dict, say: Callable[[str], None]) -> tuple[FillState, set, SplitWriter]:
    """(state, digests written, writer) of the split a checkpoint stopped inside."""
    try:
        writer = SplitWriter.resume(staging, split_name, shard_size, position["writer"])
        current = checkpoints.read_digests(split_name, position["written"])
    except (OSError, KeyError, TypeError, ValueError):
        raise UsageError(f"{str(staging)!r}: the checkpoint of split {split_name!r} does not match "
                         "its files; run again without --resume to start over") from None
    state = FillState(position["blocks_used"], position["written"], position["stalled"])
    say(f"resuming split {split_name!r} at record {state.written:,} (block {state.blocks_used:,})")
    return state, current, writer
