"""The digests a run has accepted, kept within a memory budget (dedup and split disjointness).

A run must know, for every candidate, whether its 16-byte input digest was
accepted before (in this split or an earlier one). Holding them all in a
Python set costs about 100 bytes each, so :class:`DigestStore` keeps only the
most recent ones in a set and spills the rest to disk:

- ``recent``: a set of the digests added since the last spill (exact, fast for
  the per-block checks; about 100 bytes a digest);
- runs: when ``recent`` reaches its limit it is sorted by its first 8 bytes and
  written as one file of 16-byte rows (``.spill/run-N.bin`` in the staging
  folder); only every ``FENCE``-th first-8-bytes value stays in memory, so a
  lookup reads one small window of the file (``os.pread``, not a memory map,
  so the pages read do not count against the process);
- a blocked Bloom filter over every spilled digest (``bits_per_digest`` bits
  each, at most 16): a candidate it rules out needs no disk read; the few it
  does not (about 0.1% when it is 16 bits a digest, plus the true repeats)
  are confirmed exactly against the runs.

Answers are exact, never probabilistic: the filter only decides whether the
disk is read. So the output bytes do not depend on the budget.
"""

from __future__ import annotations

import math
import os
import shutil
from itertools import islice
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from genforge.core.errors import UsageError

DIGEST_SIZE = 16
#: What one digest in ``recent`` costs, measured (a 16-byte bytes object and its set slot),
#: plus the transient arrays while it is sorted and written (about 40 bytes).
RECENT_BYTES = 140
#: The fewest recent digests kept whatever the budget (a spill per few blocks would be all the run did).
MIN_RECENT = 1024
#: Digests joined at once when a run is spilled.
JOIN_PIECE = 1 << 16
#: Every FENCE-th key of a run stays in memory: a lookup reads FENCE rows (4 KiB) from disk.
FENCE = 256
MAX_BLOOM_BITS = 16
#: Digests whose Bloom positions are computed at once when a run is spilled (a few MB of temporaries).
BLOOM_PIECE = 1 << 16
#: The smallest budget accepted: below it the store would spill every few thousand digests.
MIN_BUDGET = 1 << 20
DEFAULT_BUDGET = 512 << 20
#: How far past its capacity a Bloom filter takes more digests before another one is started.
OVERFILL = 1.25
#: Fraction of the budget the Bloom filter may take (the rest is ``recent``).
BLOOM_SHARE = 0.4

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_budget(text) -> int:
    """Bytes of a ``--memory-budget`` value such as ``512M``, ``2GiB`` or ``1048576`` (UsageError if bad)."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise UsageError(f"memory budget = {text!r} is not allowed: expected a size such as 512M or 2G")
    raw = str(text).strip().lower().replace("_", "")
    number = raw.rstrip("kmgib")
    unit = raw[len(number):]
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if unit not in _UNITS or not math.isfinite(value) or value * _UNITS[unit] < MIN_BUDGET:
        raise UsageError(f"memory budget = {text!r} is not allowed: expected a size of at least 1M, "
                         "a number with an optional unit K, M or G (e.g. 512M, 2G)")
    return int(value * _UNITS[unit])


def _halves(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(first 8 bytes, last 8 bytes) of each digest in ``raw``, as uint64 (no copy)."""
    pairs = np.frombuffer(raw, dtype="<u8").reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


class BloomFilter:
    """A blocked Bloom filter (Putze, Sanders and Singler 2007): each digest sets ``HASHES`` bits of one
    512-bit line, so a lookup costs one cache miss, not one per bit (the digests are uniform already:
    the line comes from their first 8 bytes, the bits from their last 8)."""

    HASHES = 7  # 7 positions of 9 bits each fit in the last 8 bytes

    def __init__(self, capacity: int, bits_per_digest: float):
        self.lines = max(1, int(capacity * bits_per_digest) // 512)
        self.capacity = capacity
        self.count = 0
        self._array = np.zeros((self.lines, 8), dtype=np.uint64)
        self._shifts = np.arange(0, 9 * self.HASHES, 9, dtype=np.uint64)

    @property
    def nbytes(self) -> int:
        return self._array.nbytes

    def _where(self, first: np.ndarray, second: np.ndarray):
        """(line, word within the line, bit within the word) of each digest's positions."""
        positions = (second[:, None] >> self._shifts[None, :]) & np.uint64(511)
        return (first % np.uint64(self.lines)).astype(np.intp), (positions >> np.uint64(6)).astype(np.intp), \
            positions & np.uint64(63)

    def add(self, first: np.ndarray, second: np.ndarray) -> None:
        # In pieces: the positions of a whole run at once would take 64 bytes a digest per temporary.
        for start in range(0, len(first), BLOOM_PIECE):
            lines, words, bits = self._where(first[start:start + BLOOM_PIECE], second[start:start + BLOOM_PIECE])
            flat = (lines[:, None] * 8 + words).ravel()
            np.bitwise_or.at(self._array.reshape(-1), flat, np.left_shift(np.uint64(1), bits.ravel()))
        self.count += len(first)

    def may_hold(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        lines, words, bits = self._where(first, second)
        found = np.take_along_axis(self._array[lines], words, axis=1)
        return ((found >> bits) & np.uint64(1)).all(axis=1)


class _SpilledRun:
    """One sorted run on disk: rows of 16 bytes ordered by their first 8 bytes (as uint64)."""

    def __init__(self, path: Path, rows: np.ndarray):
        rows.tofile(path)
        self.path, self.length = path, len(rows)
        self.fence = rows[::FENCE, 0].copy()
        self._fd = os.open(path, os.O_RDONLY)

    def holds(self, digest: bytes, first: int) -> bool:
        """Whether ``digest`` (whose first 8 bytes read as ``first``) is in this run: one read of FENCE rows."""
        fence = self.fence
        start = max(int(np.searchsorted(fence, first, "left")) - 1, 0) * FENCE
        end = min(int(np.searchsorted(fence, first, "right")) * FENCE, self.length)
        # The rows are the digests' own bytes: a byte search, kept only at a row boundary.
        window = os.pread(self._fd, (end - start) * DIGEST_SIZE, start * DIGEST_SIZE)
        found = window.find(digest)
        while found >= 0 and found % DIGEST_SIZE:
            found = window.find(digest, found + 1)
        return found >= 0

    def close(self) -> None:
        os.close(self._fd)


class DigestStore:
    """Every digest added, answering membership exactly within about ``budget`` bytes of memory.

    ``capacity`` is how many digests the run expects in all (it sizes the Bloom
    filter; more are fine, they get another filter). Spilled runs go to
    ``spill_dir``, created on the first spill and removed by :meth:`close`.
    """

    def __init__(self, spill_dir: Path, budget: int = DEFAULT_BUDGET, capacity: Optional[int] = None):
        self.spill_dir = spill_dir
        self.budget = budget
        capacity = max(capacity or 0, 1 << 16)
        self.bloom_bits = min(MAX_BLOOM_BITS, budget * BLOOM_SHARE * 8 / capacity)
        self.capacity = capacity
        bloom_bytes = capacity * self.bloom_bits / 8
        self.recent_limit = max(MIN_RECENT, int((budget - bloom_bytes) / RECENT_BYTES))
        self.recent: set = set()
        self.runs: list[_SpilledRun] = []
        self.blooms: list[BloomFilter] = []
        self.spilled = 0

    def __len__(self) -> int:
        return len(self.recent) + self.spilled

    def add(self, digests: Iterable[bytes]) -> None:
        self.recent.update(digests)
        if len(self.recent) >= self.recent_limit:
            self._spill()

    def add_raw(self, raw: bytes) -> None:
        """Add the concatenated digests ``raw`` (a digest log's contents), in pieces within the limit."""
        step = self.recent_limit * DIGEST_SIZE
        for offset in range(0, len(raw), step):
            piece = raw[offset:offset + step]
            self.add(piece[i:i + DIGEST_SIZE] for i in range(0, len(piece), DIGEST_SIZE))

    def _spilled_hits(self, digests: list[bytes]) -> list[int]:
        """Indexes of the ``digests`` held by a spilled run (exact)."""
        if not self.runs:
            return []
        raw = b"".join(digests)
        first, second = _halves(raw)
        maybe = np.zeros(len(first), dtype=bool)
        for bloom in self.blooms:
            maybe |= bloom.may_hold(first, second)
        hits = []
        for index in np.flatnonzero(maybe).tolist():
            digest, key = raw[index * DIGEST_SIZE:(index + 1) * DIGEST_SIZE], int(first[index])
            if any(run.holds(digest, key) for run in reversed(self.runs)):
                hits.append(index)
        return hits

    def isdisjoint(self, digests: list[bytes]) -> bool:
        """Whether none of ``digests`` was added."""
        return self.recent.isdisjoint(digests) and not self._spilled_hits(digests)

    def held(self, digests: list[bytes]) -> list[bool]:
        """For each of ``digests``, whether it was added."""
        recent = self.recent
        answers = [digest in recent for digest in digests]
        for index in self._spilled_hits(digests):
            answers[index] = True
        return answers

    def _spill(self) -> None:
        rows = np.empty((len(self.recent), 2), dtype="<u8")
        flat, position, digests = rows.reshape(-1).view(np.uint8), 0, iter(self.recent)
        # Joined a piece at a time: one join of millions of digests allocates an 80-byte buffer
        # record per digest (measured: 370 MB more at 3.7 million).
        while piece := b"".join(islice(digests, JOIN_PIECE)):
            flat[position:position + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
            position += len(piece)
        self.recent = set()  # freed before the sort: the peak is the set or the arrays, not both
        rows = rows[np.argsort(rows[:, 0], kind="stable")]
        self.spill_dir.mkdir(exist_ok=True)
        self.runs.append(_SpilledRun(self.spill_dir / f"run-{len(self.runs):05d}.bin", rows))
        # A run past the expected total (an enumerated split of unknown size) gets another filter; a
        # little overfilling is cheaper than a second filter as large as the first.
        if not self.blooms or self.blooms[-1].count + len(rows) > OVERFILL * self.blooms[-1].capacity:
            self.blooms.append(BloomFilter(max(self.capacity, len(rows)), self.bloom_bits))
        self.blooms[-1].add(rows[:, 0], rows[:, 1])
        self.spilled += len(rows)

    @property
    def memory_bytes(self) -> int:
        """About what the store holds in memory now."""
        return (len(self.recent) * RECENT_BYTES + sum(b.nbytes for b in self.blooms)
                + sum(r.fence.nbytes for r in self.runs))

    def close(self) -> None:
        """Forget everything and remove the spilled runs."""
        for run in self.runs:
            run.close()
        self.runs, self.blooms, self.recent, self.spilled = [], [], set(), 0
        shutil.rmtree(self.spill_dir, ignore_errors=True)
