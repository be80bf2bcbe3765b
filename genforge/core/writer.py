"""Atomic output: files are written under a staging name and renamed at the end.

A run writes into a hidden staging folder next to its destination and renames
it into place only after every split and the manifest are complete, so an
interrupted or failed run leaves either the previous complete output or
nothing, never a half-written file presented as complete.

The engine's staging folder (:class:`ResumableFolder`) has a name fixed by the
request, ``.TASK.partial-<hash>``, so that a run killed outright (SIGKILL,
power loss: no chance to clean up) can be continued by ``--resume`` from the
checkpoint it left inside. A lock file ``.TASK.lock`` next to it
(:class:`OutputLock`) keeps two processes from writing the same folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

from genforge.core.locking import LockBusy, lock, only_holder, read_owner, write_owner
from genforge.core.errors import UsageError


class StagedBytesChanged(Exception):
    """Staged bytes kept for ``--resume`` differ from what their checkpoint recorded."""


class HashingWriter:
    """A binary file that counts lines and bytes and hashes what it writes."""

    def __init__(self, path: Path, *, resume_at: Optional[tuple[int, int]] = None,
                 expected_sha256: Optional[str] = None):
        """A new file, or with ``resume_at=(bytes, records)`` the same file cut back to that prefix.

        With ``expected_sha256`` the kept prefix must hash to it (StagedBytesChanged otherwise):
        a disk or a crash may have changed bytes that a checkpoint already vouched for.
        """
        self.path = path
        self._hash = hashlib.sha256()
        self.records = 0
        self.bytes = 0
        if resume_at is None:
            self._file = open(path, "wb", buffering=1 << 20)
            return
        offset, records = resume_at
        # hashlib state cannot be saved, so the prefix is hashed again; anything
        # written after the checkpoint is cut off and will be written again.
        with open(path, "r+b") as file:
            file.truncate(offset)
            for chunk in iter(lambda: file.read(1 << 20), b""):
                self._hash.update(chunk)
                self.bytes += len(chunk)
        if self.bytes != offset:
            raise OSError(f"{path}: {self.bytes} bytes, the checkpoint expects {offset}")
        if expected_sha256 is not None and self._hash.hexdigest() != expected_sha256:
            raise StagedBytesChanged(f"{path.name}: its first {offset:,} bytes do not match the checkpoint's sha256")
        self.records = records
        self._file = open(path, "ab", buffering=1 << 20)

    def write_line(self, line: bytes) -> None:
        self._file.write(line)
        self._hash.update(line)
        self.records += 1
        self.bytes += len(line)

    def write_lines(self, lines: list[bytes]) -> None:
        """Several lines in one write and one hash update (the engine writes a block at a time)."""
        self.write_block(b"".join(lines), len(lines))

    def write_block(self, data: bytes, count: int) -> None:
        """``count`` lines already joined."""
        self._file.write(data)
        self._hash.update(data)
        self.records += count
        self.bytes += len(data)

    def sync(self) -> None:
        """Make everything written so far durable (before a checkpoint names it)."""
        self._file.flush()
        os.fsync(self._file.fileno())

    def sha256_so_far(self) -> str:
        """The sha256 of everything written so far (the file stays open)."""
        return self._hash.copy().hexdigest()

    def flushed_handle(self) -> int:
        """Flush to the OS and return a duplicate descriptor, for syncing later (the caller closes it)."""
        self._file.flush()
        return os.dup(self._file.fileno())

    def discard(self) -> None:
        """Close without flushing (the file is being thrown away; the disk may be full)."""
        if not self._file.closed:
            try:
                self._file.close()
            except OSError:
                pass  # the buffered bytes could not be written: nothing to keep anyway

    def close(self) -> dict:
        # Idempotent: a Ctrl-C between a shard's close and the writer moving on leaves it to be
        # closed again by abandon().
        if not self._file.closed:
            self.sync()
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

    @property
    def bytes(self) -> int:
        """Bytes written to this split's files so far."""
        return sum(summary["bytes"] for _, summary in self._closed) + (self._current.bytes if self._current else 0)

    def paths(self) -> list[Path]:
        """The files holding this split's records so far (the open one last)."""
        return [path for path, _ in self._closed] + ([self._current.path] if self._current is not None else [])

    def _open_next(self) -> HashingWriter:
        index = len(self._closed)
        return HashingWriter(self.folder / f".{self.split}-{index:05d}.part")

    def checkpoint(self, to_sync: list[int]) -> dict:
        """Describe the state to resume from (JSON-ready); the open file's descriptor goes to ``to_sync``.

        Closed files are already durable; the open one is flushed, and the
        checkpoint may only be saved after ``to_sync`` has been fsynced.
        """
        current = None
        if self._current is not None:
            to_sync.append(self._current.flushed_handle())
            current = {"name": self._current.path.name, "bytes": self._current.bytes,
                       "records": self._current.records, "sha256": self._current.sha256_so_far()}
        return {"records": self.records, "closed": [[path.name, summary] for path, summary in self._closed],
                "current": current}

    @classmethod
    def resume(cls, folder: Path, split: str, shard_size: int | None, state: dict) -> "SplitWriter":
        """The writer as it was at ``checkpoint()``: closed shards kept, the open file cut back.

        Every kept byte is hashed again and compared with the checkpoint
        (StagedBytesChanged on a difference), so a resumed run never appends
        to, or vouches for, bytes that changed while it was not running.
        """
        writer = cls(folder, split, shard_size)
        writer.records = state["records"]
        writer._closed = [(folder / name, {key: summary[key] for key in ("records", "bytes", "sha256")})
                          for name, summary in state["closed"]]
        for path, summary in writer._closed:
            if not path.is_file() or path.stat().st_size != summary["bytes"]:
                raise OSError(f"{path}: missing or not {summary['bytes']} bytes")
            if _sha256_of(path) != summary["sha256"]:
                raise StagedBytesChanged(f"{path.name}: its bytes do not match the checkpoint's sha256")
        current = state["current"]
        if current is not None:
            writer._current = HashingWriter(folder / current["name"], resume_at=(current["bytes"], current["records"]),
                                            expected_sha256=current["sha256"])
        return writer

    def write_line(self, line: bytes) -> None:
        if self._current is None:
            self._current = self._open_next()
        elif self.shard_size is not None and self._current.records >= self.shard_size:
            self._closed.append((self._current.path, self._current.close()))
            self._current = self._open_next()
        self._current.write_line(line)
        self.records += 1

    def write_lines(self, lines: list[bytes]) -> None:
        """Several lines, cut at shard boundaries: the same files as line by line."""
        start = 0
        while start < len(lines):
            if self._current is None:
                self._current = self._open_next()
            elif self.shard_size is not None and self._current.records >= self.shard_size:
                self._closed.append((self._current.path, self._current.close()))
                self._current = self._open_next()
            room = len(lines) - start if self.shard_size is None else self.shard_size - self._current.records
            chunk = lines[start:start + room]
            self._current.write_lines(chunk)
            self.records += len(chunk)
            start += len(chunk)

    def write_block(self, data: bytes, count: int) -> None:
        """``count`` lines already joined: written at once unless they cross a shard boundary."""
        if self._current is not None and (self.shard_size is None or
                                          self._current.records + count <= self.shard_size):
            self._current.write_block(data, count)
            self.records += count
        else:
            self.write_lines(data.splitlines(keepends=True))

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
        """Close the open file without keeping it (a failed run: a full disk must not fail the cleanup)."""
        if self._current is not None:
            self._current.discard()
            self._current = None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: Bytes in one file name and in a whole path on common file systems (ext4, APFS, NTFS: 255 per name).
NAME_MAX = 255
PATH_MAX = 4096


def check_out(out) -> None:
    """Refuse an output folder argument that names no folder (``--out ""`` would write into the current one)."""
    if not str(out).strip():
        raise UsageError("output folder (--out) is empty; name a folder, e.g. --out data")


def _check_lengths(path: Path) -> None:
    """Names too long for the file system fail here with the limit, not as ENAMETOOLONG midway."""
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise UsageError(f"output path name {part[:40]!r}... is too long: {size} bytes, file systems allow "
                             f"at most {NAME_MAX} per name; choose a shorter --out")
    size = len(os.fsencode(os.path.abspath(path)))
    if size > PATH_MAX:
        raise UsageError(f"output path is too long: {size} bytes, the limit is {PATH_MAX}; choose a shorter --out")


def check_destination(destination: Path, overwrite: bool) -> None:
    """Fail before any work if ``destination`` cannot be (re)written."""
    if "\x00" in str(destination):
        raise UsageError(f"output path {str(destination)!r} contains a NUL character")
    # The staging folder's name is the destination's plus about 30 characters.
    _check_lengths(destination.parent / f".{destination.name}.partial-0123456789abcdef")
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
        _refuse_containing_cwd(destination)


def _refuse_containing_cwd(destination: Path) -> None:
    """Replacing the folder a command runs in moves it from under the command (relative paths then
    name other places): refused before any work."""
    try:
        here, target = Path.cwd().resolve(), destination.resolve()
    except OSError:
        return  # the current folder is gone already; nothing of it can be moved
    if here == target or target in here.parents:
        raise UsageError(f"output folder {str(destination)!r} contains the current folder; --overwrite would "
                         "move it away from under this command. Run it from another folder")


class OutputLock:
    """A lock on ``<parent>/.<name>.lock`` for one output folder, or UsageError at once.

    Every command that writes a folder takes this one lock for it: ``snapshot
    build --out X`` and ``sweep --out X`` exclusively, ``generate --out X``
    shared (several tasks may be generated into X at once; each also locks
    ``X/.TASK.lock`` exclusively), so a generate and a build of the same X
    exclude each other.

    The lock dies with its process (see :mod:`genforge.core.locking`), so a
    killed run never leaves a stale lock. The file is removed on release by its
    last holder; a process that opened it just before the removal notices (the
    path no longer names its file) and retries.
    """

    def __init__(self, destination: Path, *, wait: bool = False, shared: bool = False):
        destination = Path(os.path.abspath(destination))  # "." and ".." name no folder to lock beside
        self.path = destination.parent / f".{destination.name}.lock"
        self.destination = destination
        self.wait = wait  # block until the other process is done instead of failing
        self.shared = shared
        self._fd: Optional[int] = None

    def __enter__(self) -> "OutputLock":
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
            except OSError as error:
                raise UsageError(f"cannot write in {str(self.path.parent)!r} (lock file {self.path.name!r}): "
                                 f"{error.strerror or error}") from None
            try:
                lock(fd, wait=self.wait, shared=self.shared)
            except LockBusy:
                holder = read_owner(fd)
                os.close(fd)
                raise UsageError(
                    f"another genforge process{f' (pid {holder})' if holder else ''} is writing "
                    f"{str(self.destination)!r} (lock file {str(self.path)!r}); wait for it to finish "
                    "or choose another --out"
                ) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed the file between our open and our lock: take the new one
        if not self.shared:
            write_owner(fd)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            # Removed while still locked (POSIX), so no other process can lock this file after us;
            # Windows cannot remove an open file: it is removed after closing, when nobody holds it.
            # A shared holder removes it only when it is the last one.
            if sys.platform != "win32" and (not self.shared or only_holder(self._fd)):
                _remove(self.path)
            os.close(self._fd)
            self._fd = None
            if sys.platform == "win32":
                _remove(self.path)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except (FileNotFoundError, PermissionError):
        pass


def _without_missing_dotdot(folder: Path) -> Path:
    """``folder`` with each ``missing/..`` dropped: ``mkdir -p x/../e2`` would make a folder ``x`` that the
    output never uses (and a failed run could not tell it made). A missing folder is no symlink, so
    dropping it is exact."""
    kept: list[str] = []
    for part in folder.parts:
        if part == ".." and kept and kept[-1] not in ("..", folder.anchor) and not Path(*kept).exists():
            kept.pop()
        else:
            kept.append(part)
    return Path(*kept) if kept else Path(".")


def _missing_folders(folder: Path) -> list[Path]:
    """The folders ``_make_folder(folder)`` will create, innermost first (removed again if the run fails)."""
    folder = _without_missing_dotdot(folder)
    return [p for p in [folder, *folder.parents] if not p.exists()]


def _make_folder(folder: Path) -> None:
    """``mkdir -p``, with a clear message where the system refuses (read-only or virtual file systems)."""
    try:
        _without_missing_dotdot(folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {str(folder)!r}: {error.strerror or error}") from None


def _replace_folder(staging: Path, destination: Path) -> None:
    """Rename ``staging`` to ``destination``, moving an existing destination aside first.

    The old folder goes to ``.NAME.old-*/content`` next to a note naming the
    staging folder; if the second rename fails it is moved back, and if the
    process is killed between the renames the next run under the lock finishes
    the job (see :func:`recover_replacement`).
    """
    replaced = None
    if destination.exists():
        replaced = Path(tempfile.mkdtemp(prefix=f".{destination.name}.old-", dir=destination.parent))
        try:
            (replaced / "staging").write_text(staging.name, encoding="utf-8", newline="\n")
            os.rename(destination, replaced / "content")
        except BaseException:  # the old folder could not be moved: it stays where it is, alone
            shutil.rmtree(replaced, ignore_errors=True)
            raise
    try:
        os.rename(staging, destination)
    except BaseException:
        if replaced is not None:
            os.rename(replaced / "content", destination)
            shutil.rmtree(replaced, ignore_errors=True)
        raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)


def _finished(staging: Path) -> bool:
    """A staging folder that was complete when it was being renamed into place (manifest, no checkpoint)."""
    return (staging / "manifest.json").is_file() and not (staging / ".checkpoint.json").exists()


def recover_replacement(destination: Path, note: Callable[[str], None]) -> None:
    """Finish what a replacement killed between its renames left (call under the folder's lock).

    With the old folder moved aside and the new one finished, the new one is
    put in place (the overwrite is completed); with the new one unfinished, the
    old one is moved back (rolled back). A copy left after both renames is removed.
    """
    for aside in sorted(destination.parent.glob(f".{glob_escape(destination.name)}.old-*")):
        content, marker = aside / "content", aside / "staging"
        if content.is_dir() and not destination.exists():
            staging = destination.parent / marker.read_text("utf-8").strip() if marker.is_file() else None
            if staging is not None and staging.name and staging.is_dir() and _finished(staging):
                os.rename(staging, destination)
                note(f"completed an interrupted --overwrite of {str(destination)!r}: its new content was "
                     "finished and is now in place; the previous content was removed")
            else:
                os.rename(content, destination)
                note(f"restored {str(destination)!r} from an interrupted --overwrite (its new content was "
                     "unfinished)")
        else:
            note(f"removing {str(aside)!r}, left by an interrupted --overwrite")
        shutil.rmtree(aside, ignore_errors=True)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def remove_leftover_stagings(destination: Path, note: Callable[[str], None]) -> None:
    """Remove ``.NAME.partial-*`` folders of killed builds (call under the folder's lock: no one uses them)."""
    for leftover in sorted(destination.parent.glob(f".{glob_escape(destination.name)}.partial-*")):
        note(f"removing {str(leftover)!r}, left by an interrupted build")
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:  # the lock file of a task generated inside it
            _remove(leftover)


class ResumableFolder:
    """Context manager: the engine's locked staging folder with a fixed name, renamed into place on success.

    On entry the output parent is created and locked; a staging folder left
    by a killed run of the same request is kept when ``resume`` is set (the
    caller reads its checkpoint) and removed otherwise (with a ``note``). An
    exception (Ctrl-C included) removes the staging folder, as a failed run
    leaves nothing; only a kill that gives no chance to clean up leaves it
    behind for ``--resume``. On success the hidden bookkeeping files
    (checkpoint, digests, unfinished parts) are removed before the rename.
    """

    def __init__(self, destination: Path, overwrite: bool, staging_name: str, *, resume: bool = False,
                 note: Optional[Callable[[str], None]] = None, wait: bool = False):
        self.destination = _without_missing_dotdot(Path(destination))
        self.overwrite = overwrite
        self.staging = self.destination.parent / staging_name
        self.resume = resume
        self.note = note or (lambda message: None)
        self.resumed = False
        # The output folder's lock, shared with other tasks generated into it but not with a snapshot build
        # or a sweep writing it, then this task's own.
        self._folder_lock = OutputLock(self.destination.parent, wait=wait, shared=True)
        self._lock = OutputLock(self.destination, wait=wait)

    def __enter__(self) -> Path:
        check_destination(self.destination, self.overwrite)
        self._created = _missing_folders(self.destination.parent)
        try:
            _make_folder(self.destination.parent)
            self._folder_lock.__enter__()
            self._lock.__enter__()
            recover_replacement(self.destination, self.note)
            check_destination(self.destination, self.overwrite)  # again, now that no one else is writing
            if self.staging.exists() and not self.resume:
                self.note(f"removing {str(self.staging)!r}, left by an interrupted run of the same request "
                          "(pass --resume to continue it instead)")
                shutil.rmtree(self.staging)
            self.resumed = self.staging.is_dir()
            self.staging.mkdir(exist_ok=True)
        except OSError as error:
            self._release()
            raise UsageError(f"cannot write in {str(self.destination.parent)!r}: {error.strerror or error}") from None
        except BaseException:
            self._release()
            raise
        return self.staging

    def _release(self) -> None:
        self._lock.__exit__()
        self._folder_lock.__exit__()
        for folder in self._created:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if kind is not None:
                # A failure that stops the run as a kill would (a worker died) keeps it for --resume.
                if not getattr(error, "keeps_staging", False):
                    shutil.rmtree(self.staging, ignore_errors=True)
                return
            for path in self.staging.iterdir():
                if path.name.startswith("."):
                    path.unlink()
            try:
                _replace_folder(self.staging, self.destination)
            except BaseException:
                shutil.rmtree(self.staging, ignore_errors=True)
                raise
            self._created = []
        finally:
            self._release()


class AtomicFolder:
    """Context manager: a staging folder that becomes ``destination`` on success."""

    def __init__(self, destination: Path, overwrite: bool, *, note: Optional[Callable[[str], None]] = None):
        """With ``note`` (the caller holds the folder's lock) leftovers of killed runs are cleaned first."""
        self.destination = _without_missing_dotdot(Path(destination))
        self.overwrite = overwrite
        self.note = note
        self.staging: Path | None = None

    def __enter__(self) -> Path:
        if self.note is not None and self.destination.parent.is_dir():
            recover_replacement(self.destination, self.note)
            remove_leftover_stagings(self.destination, self.note)
        check_destination(self.destination, self.overwrite)
        # Remember the folders made here, to remove them again if the run fails.
        self._created = _missing_folders(self.destination.parent)
        try:
            _make_folder(self.destination.parent)
            self.staging = Path(
                tempfile.mkdtemp(prefix=f".{self.destination.name}.partial-", dir=self.destination.parent)
            )
        except UsageError:
            self._remove_created()
            raise
        except OSError as error:
            self._remove_created()
            raise UsageError(f"cannot write in {str(self.destination.parent)!r}: {error.strerror or error}") from None
        return self.staging

    def _remove_created(self) -> None:
        for folder in self._created:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break

    def __exit__(self, kind, error, traceback) -> None:
        assert self.staging is not None
        if kind is None:
            try:
                _replace_folder(self.staging, self.destination)
                return
            except BaseException:
                pass  # cleaned up below, then raised
        shutil.rmtree(self.staging, ignore_errors=True)
        self._remove_created()
        if kind is None:
            raise


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
