"""Checkpoints of a run being generated, so that ``--resume`` continues a killed run."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Iterator, Optional

from genforge.core.checking import file_digest
from genforge.core.writer import StagedBytesChanged, atomic_write_bytes

#: Format 2 records the sha256 of every staged byte a checkpoint vouches for (the open shard's
#: prefix and the digest logs); a format-1 checkpoint cannot be verified and is not resumed.
FORMAT = 2
#: Bytes of a digest log read at once (a million digests).
READ_PIECE = 1 << 24

#: A split is checkpointed after 16 blocks, then 32, 64, ... doubling up to every CHECKPOINT_BLOCKS
#: blocks (and after each split): early in a run little is lost, and a long run at most 256 blocks
#: (a second or two of work) without spending time on checkpoints every few milliseconds.
FIRST_CHECKPOINT_BLOCKS = 16
CHECKPOINT_BLOCKS = 256


def checkpoint_due(blocks_used: int) -> bool:
    """Whether a split that has consumed ``blocks_used`` blocks is checkpointed now."""
    if blocks_used % CHECKPOINT_BLOCKS == 0:
        return True
    return blocks_used < CHECKPOINT_BLOCKS and blocks_used >= FIRST_CHECKPOINT_BLOCKS and (
        blocks_used & (blocks_used - 1)) == 0


class Checkpoints:
    """Resume points of a run, kept in its staging folder (see ``genforge generate --resume``).

    ``.checkpoint.json`` names the request, the finished splits' files and, for
    the split being written, how many blocks were consumed, how many records
    written and the writer's files and offsets. Each written record's 16-byte
    digest goes to ``.digests-<split>.bin`` so the dedup and disjointness sets
    can be rebuilt exactly. A checkpoint is written (atomically, after syncing
    the files it describes) when :func:`checkpoint_due` says so and after each
    split; a run killed at any moment continues from the last one, and since
    blocks are pure functions of their index the bytes are those of an
    uninterrupted run.

    Mid-split checkpoints are made durable on a background thread
    (:meth:`save_later`): the fsyncs take milliseconds each on a real disk,
    and done on the main thread they would idle every worker waiting for
    the next block. At most one is in flight; :meth:`settle` waits for it.
    """

    NAME = ".checkpoint.json"

    def __init__(self, staging: Path, request: dict):
        self.staging = staging
        self.request = request
        self.done: list[dict] = []
        #: split -> sha256 of its digest log, for every finished split
        self.digest_logs: dict[str, str] = {}
        #: why :meth:`load` refused the saved checkpoint (for the run's note)
        self.refusal = "it is missing or unreadable"
        self._pending: Optional[threading.Thread] = None
        self._failure: Optional[BaseException] = None

    def save_later(self, split: str, position: dict, to_sync: list[int]) -> None:
        """Fsync the descriptors ``to_sync`` (then close them) and save the checkpoint, off this thread."""
        self.settle()

        def durable_then_saved() -> None:
            try:
                for handle in to_sync:
                    os.fsync(handle)
                self.save(split, position)
            except BaseException as error:  # reported by settle() on the main thread
                self._failure = error
            finally:
                for handle in to_sync:
                    os.close(handle)

        self._pending = threading.Thread(target=durable_then_saved, name="genforge-checkpoint", daemon=True)
        self._pending.start()

    def settle(self, report: bool = True) -> None:
        """Wait for the checkpoint in flight; raise what it failed with (unless ``report`` is False)."""
        if self._pending is not None:
            self._pending.join()
            self._pending = None
        failure, self._failure = self._failure, None
        if failure is not None and report:
            raise failure

    def digests_path(self, split: str) -> Path:
        return self.staging / f".digests-{split}.bin"

    def open_digest_log(self, split: str, kept=None) -> "DigestLog":
        """The digest log of ``split``: new, or continuing after the digests whose running sha256 is ``kept``
        (see check_digests)."""
        return DigestLog(self.digests_path(split), kept)

    def save(self, split: Optional[str] = None, position: Optional[dict] = None) -> None:
        state = {"format": FORMAT, "request": self.request, "done": self.done, "digest_logs": self.digest_logs,
                 "split": split, "position": position}
        # Insertion order is kept (no sort_keys): file entries go back into the manifest as they were.
        atomic_write_bytes(self.staging / self.NAME, json.dumps(state).encode())

    def load(self) -> Optional[dict]:
        """The saved state if it belongs to this request and its finished files are intact, else None
        (with the reason in ``refusal``)."""
        try:
            state = json.loads((self.staging / self.NAME).read_bytes())
            if state.get("format") != FORMAT or state.get("request") != self.request:
                self.refusal = "it was written by another genforge version or for another request"
                return None
            for entry in state["done"]:
                if file_digest(self.staging / entry["name"])[0] != entry["sha256"]:
                    self.refusal = f"the finished file {entry['name']!r} does not match its checkpoint's sha256"
                    return None
            position = state["position"]
            if position is not None:  # the files it describes hold at least what it says
                files = [(name, summary["bytes"]) for name, summary in position["writer"]["closed"]]
                if position["writer"]["current"] is not None:
                    files.append((position["writer"]["current"]["name"], position["writer"]["current"]["bytes"]))
                files.append((self.digests_path(state["split"]).name, 16 * position["written"]))
                if any(not (self.staging / name).is_file() or (self.staging / name).stat().st_size < size
                       for name, size in files):
                    self.refusal = "files it describes are missing or shorter than it says"
                    return None
            return state
        except (OSError, ValueError, KeyError, TypeError):
            self.refusal = "it is missing or unreadable"
            return None

    def check_digests(self, split: str, count: int, sha256: str):
        """The running sha256 of the first ``count`` digests written for ``split``, which must hash to
        ``sha256`` (StagedBytesChanged otherwise); the file is cut back to them. Read a piece at a
        time: a log of 10^8 digests is 1.6 GB."""
        path = self.digests_path(split)
        running, length = hashlib.sha256(), 0
        with open(path, "r+b") as file:
            file.truncate(16 * count)
            while piece := file.read(READ_PIECE):
                running.update(piece)
                length += len(piece)
        if length != 16 * count:
            raise OSError(f"{path}: {length // 16} digests, the checkpoint expects {count}")
        if running.hexdigest() != sha256:
            raise StagedBytesChanged(f"{path.name}: the record digests do not match the checkpoint's sha256")
        return running

    def digest_pieces(self, split: str) -> Iterator[bytes]:
        """The digests of ``split``'s log (checked by check_digests first), a piece at a time."""
        with open(self.digests_path(split), "rb") as file:
            while piece := file.read(READ_PIECE):
                yield piece


class DigestLog:
    """A split's log of written record digests that hashes what it holds, so a checkpoint can vouch for it."""

    def __init__(self, path: Path, kept=None):
        """``kept``: the running sha256 of the digests the file already holds (None: a new log)."""
        self._hash = hashlib.sha256() if kept is None else kept
        self._file = open(path, "wb" if kept is None else "ab")

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)

    def sha256(self) -> str:
        return self._hash.copy().hexdigest()

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        try:
            self._file.close()
        except OSError:
            if not self._file.closed:  # a full disk: the descriptor is released all the same
                os.close(self._file.fileno())
            raise
