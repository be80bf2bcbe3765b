"""Progress of long runs on stderr: a tqdm bar on a terminal, a line every few seconds elsewhere.

The engine reports ``(split, records written, split size or None)`` at most
twice a second and once when a split is complete; these classes turn that
into what a person watching (or reading a log) needs: the rate and the time
left.

>>> from genforge.progress import make_progress
>>> progress = make_progress("lines")          # what a log file gets
>>> progress("train", 50_000, 400_000)         # doctest: +SKIP
>>> progress.done()
"""

from __future__ import annotations

import io
import os
import sys
import time
from typing import Callable, Optional, TextIO

MODES = ("auto", "bar", "lines", "none")
#: Seconds between two lines off a terminal: often enough to see a run is alive, rare enough for a log.
LINE_INTERVAL = 5.0
#: Seconds before a bar appears: a run that ends sooner needs none.
BAR_DELAY = 1.0


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class NoProgress:
    """``--progress none`` and ``-q``: nothing."""

    def __call__(self, split: str, written: int, size: Optional[int]) -> None:
        pass

    def done(self) -> None:
        pass


class LineProgress:
    """One line every ``interval`` seconds, and one when a split is complete (for logs and pipes)."""

    def __init__(self, stream: Optional[TextIO] = None, interval: float = LINE_INTERVAL,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.split: Optional[str] = None
        self.written = 0
        self.created = self.next_start = self.last_line = clock()

    def _print(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def _finish(self, now: float) -> None:
        """The closing line of the current split, if one is open."""
        # A run shorter than one interval prints nothing: a log needs no progress for it.
        if self.split is not None and now - self.created >= self.interval:
            elapsed = max(now - self.started, 1e-9)
            self._print(f"  {self.split}: {self.written:,} records in {_duration(elapsed)} "
                        f"({self.written / elapsed:,.0f}/s)")
        if self.split is not None:
            self.split, self.next_start, self.last_line = None, now, now

    def __call__(self, split: str, written: int, size: Optional[int]) -> None:
        now = self.clock()
        if split != self.split:
            self._finish(now)
            self.split, self.started = split, self.next_start
        self.written = written
        if size is not None and written >= size:
            self._finish(now)
            return
        if now - self.last_line < self.interval:
            return
        self.last_line = now
        rate = written / max(now - self.started, 1e-9)
        if size:
            left = f", about {_duration((size - written) / rate)} left" if rate > 0 else ""
            self._print(f"  {split}: {written:,}/{size:,} records ({written / size:.0%}), {rate:,.0f}/s{left}")
        else:
            self._print(f"  {split}: {written:,} records, {rate:,.0f}/s")

    def done(self) -> None:
        self._finish(self.clock())


def _is_sized_terminal(stream) -> bool:
    """A terminal that reports its size: tqdm draws nothing on one of 0 x 0 (some pseudo-terminals)."""
    if not stream.isatty():
        return False
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    return size.columns > 0 and size.lines > 0


class BarProgress:
    """A tqdm bar per split: count, rate and time left (time left when the split has a size)."""

    def __init__(self, stream: Optional[TextIO] = None):
        self.stream = stream
        self.split: Optional[str] = None
        self.bar = None

    def __call__(self, split: str, written: int, size: Optional[int]) -> None:
        from tqdm import tqdm

        if split != self.split or self.bar is None:
            self.done()
            self.split = split
            self.bar = tqdm(total=size, desc=f"  {split}", unit=" records", unit_scale=True,
                            file=self.stream or sys.stderr, dynamic_ncols=True, leave=True, delay=BAR_DELAY)
        self.bar.update(written - self.bar.n)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def make_progress(mode: str = "auto", quiet: bool = False, stream: Optional[TextIO] = None):
    """The progress reporter for ``--progress MODE`` (``auto``: a bar on a terminal, lines elsewhere)."""
    if mode not in MODES:
        raise ValueError(f"progress mode {mode!r}: expected one of {', '.join(MODES)}")
    if quiet or mode == "none":
        return NoProgress()
    if mode == "auto":
        mode = "bar" if _is_sized_terminal(stream or sys.stderr) else "lines"
    return BarProgress(stream) if mode == "bar" else LineProgress(stream)


def progress_options(command):
    """``--progress MODE`` and ``-q/--quiet`` for a long-running command (passes ``progress_mode``, ``quiet``)."""
    import click

    command = click.option("-q", "--quiet", is_flag=True, help="No progress output (same as --progress none).")(command)
    return click.option(
        "--progress", "progress_mode", type=click.Choice(MODES), default="auto", show_default=True,
        help="Progress on stderr: a bar with rate and time left, a line every few seconds, or none; "
             "auto = a bar on a terminal, lines otherwise.")(command)
