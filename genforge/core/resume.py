"""Resuming a killed run (``--resume``): what its staging folder's checkpoint says was done.

A checkpoint names the finished splits' files and, for the split being
written, how many blocks were consumed, how many records written and where
its writer stood; the digests of the written records rebuild the dedup sets
exactly (see :mod:`genforge.core.checkpoints`). Since blocks are pure
functions of their index, continuing from there gives the bytes of an
uninterrupted run.

Nothing kept is trusted blindly: every staged byte a checkpoint vouches for
(finished files, closed and open shards, digest logs) is hashed again and
compared with the sha256 the checkpoint recorded. A split whose bytes changed
is written again from its beginning, a finished file that changed restarts
the run; either way the run says so, and no manifest ever lists a sha256 of
bytes that changed while no run was writing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from genforge.core.checkpoints import Checkpoints
from genforge.core.fill import FillState
from genforge.core.writer import SplitWriter, StagedBytesChanged

#: What a damaged or unreadable staging folder raises while being checked.
_DAMAGE = (StagedBytesChanged, OSError, KeyError, TypeError, ValueError)

_FILE_FIELDS = ("name", "split", "records", "bytes", "sha256")


def restore(folder, staging: Path, checkpoints: Checkpoints, run, *, resume: bool, destination: Path,
            say: Callable[[str], None]) -> Optional[dict]:
    """Load the checkpoint of a resumed staging folder into ``run`` (its files and earlier digests).

    Returns the checkpoint (None for a fresh start); a staging folder without a
    usable checkpoint is emptied and the run starts from the beginning.
    """
    saved = checkpoints.load() if folder.resumed else None
    if saved is not None:
        try:
            files = [{key: entry[key] for key in _FILE_FIELDS} for entry in saved["done"]]
            for name in dict.fromkeys(entry["split"] for entry in files):
                if run.plan.split(name).probe_of is not None:
                    continue  # a probe split's records are no earlier split's (see SplitSpec.probe_of)
                count = sum(e["records"] for e in files if e["split"] == name)
                checkpoints.check_digests(name, count, saved["digest_logs"][name])
                for piece in checkpoints.digest_pieces(name):
                    run.seen.add_raw(piece)
        except _DAMAGE as error:
            run.seen.close()
            checkpoints.refusal = str(error) if isinstance(error, StagedBytesChanged) else "its digest logs are damaged"
            saved = None
    if folder.resumed and saved is None:
        say(f"{str(staging)!r} holds no usable checkpoint ({checkpoints.refusal}); starting from the beginning")
        for path in staging.iterdir():
            path.unlink()
    if resume and not folder.resumed:
        say(f"no interrupted run of this request to resume in {str(destination.parent)!r}; starting from the beginning")
    if saved is None:
        return None
    run.files = files
    checkpoints.done = list(files)
    checkpoints.digest_logs = dict(saved["digest_logs"])
    return saved


def resume_split(staging: Path, checkpoints: Checkpoints, split_name: str, shard_size: Optional[int],
                 position: dict, say: Callable[[str], None]) -> tuple[FillState, object, Optional[SplitWriter]]:
    """(state, running sha256 of the digest log kept, writer) of the split a checkpoint stopped inside.

    When its staged bytes no longer match the checkpoint, the split starts
    over: a fresh state, no digests and no writer (the caller opens a new one).
    """
    writer = None
    try:
        kept = checkpoints.check_digests(split_name, position["written"], position["digests_sha256"])
        writer = SplitWriter.resume(staging, split_name, shard_size, position["writer"])
    except _DAMAGE as error:
        if writer is not None:
            writer.abandon()
        detail = str(error) if isinstance(error, StagedBytesChanged) else "its staged files are damaged"
        say(f"the staged bytes of split {split_name!r} do not match its checkpoint ({detail}); "
            "writing the split again from the beginning")
        for path in staging.glob(f".{split_name}-*.part"):
            path.unlink()
        return FillState(), None, None
    state = FillState(position["blocks_used"], position["written"], position["stalled"])
    say(f"resuming split {split_name!r} at record {state.written:,} (block {state.blocks_used:,})")
    return state, kept, writer
