"""Exclusive, non-inheritable locks on an open file, on every system genforge runs on.

POSIX systems lock with ``flock`` and Windows with ``msvcrt.locking``; both
locks die with their process, so a killed run never leaves a stale lock. The
system module is imported when a lock is first taken, never at import time,
so ``import genforge`` works where the other one is missing.
"""

from __future__ import annotations

import errno
import os
import sys
import time

#: Errors that mean "another process holds the lock".
_BUSY = (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, errno.EDEADLK)


class LockBusy(Exception):
    """Another process holds the lock."""


def lock(fd: int, *, wait: bool) -> None:
    """Lock the open file ``fd`` exclusively; with ``wait`` block until free, else raise LockBusy at once."""
    if sys.platform == "win32":
        _lock_windows(fd, wait)
    else:
        _lock_posix(fd, wait)


def _lock_posix(fd: int, wait: bool) -> None:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in _BUSY:
            raise LockBusy from None
        raise


def _lock_windows(fd: int, wait: bool) -> None:
    import msvcrt

    # Lock the first byte; LK_NBLCK fails at once when another process holds it. The blocking
    # mode of msvcrt gives up after ten seconds, so waiting is a loop of attempts.
    while True:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        except OSError as error:
            if error.errno not in _BUSY:
                raise
            if not wait:
                raise LockBusy from None
            time.sleep(0.1)


def write_owner(fd: int) -> None:
    """Record this process's id in the lock file (after the first byte, which Windows locks)."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f" {os.getpid()}\n".encode())


def read_owner(fd: int) -> str:
    """The process id recorded in a lock file, or "" where it cannot be read."""
    try:
        os.lseek(fd, 1, os.SEEK_SET)
        return os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
