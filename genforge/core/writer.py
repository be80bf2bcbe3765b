"""Atomic output: files are written under a staging name and renamed at the end.

A run writes into a hidden staging folder next to its destination and renames
it into place only after every split and the manifest are complete, so an
interrupted or failed run leaves either the previous complete output or
nothing, never a half-written file presented as complete.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from genforge.core.errors import UsageError


class HashingWriter:
    """A binary file that counts lines and bytes and hashes what it writes."""

    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "wb", buffering=1 << 20)
        self._hash = hashlib.sha256()
        self.records = 0
        self.bytes = 0

    def write_line(self, line: bytes) -> None:
        self._file.write(line)
        self._hash.update(line)
        self.records += 1
        self.bytes += len(line)

    def close(self) -> dict:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return {"records": self.records, "bytes": self.bytes, "sha256": self._hash.hexdigest()}


class SplitWriter:
    """Writes one split as a single ``<split>.jsonl`` or as numbered shards.

    With ``shard_size`` set, records go to ``<split>-00000-of-0000N.jsonl``
    files of at most ``shard_size`` records each (the naming Hugging Face
    uses). Shards are written under temporary names and renamed on close,
    when their count is known.
    """

    def __init__(self, folder: Path, split: str, shard_size: int | None):
        self.folder = folder
        self.split = split
        self.shard_size = shard_size
        self.records = 0
        self._closed: list[tuple[Path, dict]] = []
        self._current: HashingWriter | None = None

    def _open_next(self) -> HashingWriter:
        index = len(self._closed)
        return HashingWriter(self.folder / f".{self.split}-{index:05d}.part")

    def write_line(self, line: bytes) -> None:
        if self._current is None:
            self._current = self._open_next()
        elif self.shard_size is not None and self._current.records >= self.shard_size:
            self._closed.append((self._current.path, self._current.close()))
            self._current = self._open_next()
        self._current.write_line(line)
        self.records += 1

    def close(self) -> list[dict]:
        """Finish the files; return their manifest entries (name, split, records, bytes, sha256)."""
        if self._current is None:  # an empty split is still one (empty) file
            self._current = self._open_next()
        self._closed.append((self._current.path, self._current.close()))
        self._current = None
        entries = []
        total = len(self._closed)
        for index, (path, summary) in enumerate(self._closed):
            if self.shard_size is None:
                name = f"{self.split}.jsonl"
            else:
                name = f"{self.split}-{index:05d}-of-{total:05d}.jsonl"
            os.rename(path, self.folder / name)
            entries.append({"name": name, "split": self.split, **summary})
        return entries

    def abandon(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None


def check_destination(destination: Path, overwrite: bool) -> None:
    """Fail before any work if ``destination`` cannot be (re)written."""
    parent = destination.parent
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise UsageError(f"output path {str(ancestor)!r} is a file, not a folder; choose another --out")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise UsageError(f"output folder {str(ancestor)!r} is not writable")
            break
    if destination.exists() or destination.is_symlink():
        if not destination.is_dir():
            raise UsageError(f"output path {str(destination)!r} exists and is not a folder")
        if not overwrite:
            raise UsageError(f"output folder {str(destination)!r} already exists; pass --overwrite to replace it")


class AtomicFolder:
    """Context manager: a staging folder that becomes ``destination`` on success."""

    def __init__(self, destination: Path, overwrite: bool):
        self.destination = Path(destination)
        self.overwrite = overwrite
        self.staging: Path | None = None

    def __enter__(self) -> Path:
        check_destination(self.destination, self.overwrite)
        # Remember the folders made here, to remove them again if the run fails.
        self._created = [p for p in [self.destination.parent, *self.destination.parent.parents] if not p.exists()]
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(
            tempfile.mkdtemp(prefix=f".{self.destination.name}.partial-", dir=self.destination.parent)
        )
        return self.staging

    def __exit__(self, kind, error, traceback) -> None:
        assert self.staging is not None
        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            for folder in self._created:  # innermost first
                try:
                    folder.rmdir()
                except OSError:
                    break
            return
        replaced = None
        if self.destination.exists():
            replaced = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.old-", dir=self.destination.parent))
            os.rename(self.destination, replaced / "content")
        os.rename(self.staging, self.destination)
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write one small file atomically (temporary name in the same folder, then rename)."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
