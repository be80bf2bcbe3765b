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
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(
            tempfile.mkdtemp(prefix=f".{self.destination.name}.partial-", dir=self.destination.parent)
        )
        return self.staging

    def __exit__(self, kind, error, traceback) -> None:
        assert self.staging is not None
        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
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
