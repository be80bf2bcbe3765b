"""The command's one way out on failure: ``genforge: error: <message>`` on stderr and an exit code.

Whatever stops a command (a GenforgeError raised where the fact is known,
click's own usage errors, the operating system refusing a file, Python's
recursion or memory limits) ends here, so a user always reads one line in
one format, never a traceback. Output already begun is removed by the code
that started it (staging folders are deleted as the exception passes); this
module only reports.
"""

from __future__ import annotations

import errno
import os

import click

from genforge.core.errors import GenforgeError

#: Exit code for anything the user can fix (bad input, a full disk, a refused path).
USAGE = 2

_OS_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space or choose another --out",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another --out",
    errno.ENAMETOOLONG: "a file name is too long; choose a shorter --out",
    errno.EACCES: "permission denied; choose a folder you can write",
    errno.EPERM: "the operation is not permitted here; choose another folder",
    errno.EROFS: "the file system is read-only; choose another --out",
}


def describe(error: BaseException) -> tuple[str, int]:
    """(message, exit code) for an exception that ended a command."""
    if isinstance(error, GenforgeError):
        return str(error), error.exit_code
    if isinstance(error, click.UsageError):
        where = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
        return f"{error.format_message()}{where}", USAGE
    if isinstance(error, click.ClickException):
        return error.format_message(), USAGE
    if isinstance(error, OSError):
        return _describe_os_error(error), USAGE
    if isinstance(error, RecursionError):
        return ("the input is too deeply nested to process (Python's recursion limit was reached); "
                "give a less deeply nested input"), USAGE
    if isinstance(error, MemoryError):
        return "out of memory; ask for less (smaller sizes, shorter inputs) or free memory", USAGE
    raise error


def _describe_os_error(error: OSError) -> str:
    reason = error.strerror or (os.strerror(error.errno) if error.errno else str(error))
    paths = " -> ".join(repr(os.fsdecode(p)) for p in (error.filename, error.filename2) if p is not None)
    advice = _OS_ADVICE.get(error.errno)
    return f"{reason}{': ' + paths if paths else ''}" + (f" ({advice})" if advice else "")
