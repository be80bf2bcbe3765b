"""Filling one split: blocks in, deduplicated and numbered records out.

Blocks arrive in block order; :class:`SplitFill` drops the candidates already
written to this split (unless repeats are allowed) or to an earlier split of
the run, numbers the rest and streams them to the split's writer until the
requested size is reached. Its state (blocks consumed, records written,
blocks in a row that added nothing) is what a checkpoint saves.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import BinaryIO, Callable, Iterator, Optional

from genforge.core.blocks import BLOCK_SIZE, Block
from genforge.core.digests import DigestStore
from genforge.core.errors import InfeasibleError
from genforge.core.splits import SplitSpec
from genforge.core.writer import SplitWriter

#: A sampled split gives up when this many blocks in a row add nothing new.
STALL_BLOCKS = 64

Progress = Callable[[str, int, Optional[int]], None]


def budget_blocks(size: int, attempts_per_record: int) -> int:
    """Blocks a sampled split may consume for ``size`` records (then the split gives up)."""
    return math.ceil(size * attempts_per_record / BLOCK_SIZE) + 4


def label_limit(cap: Optional[float], size: Optional[int]) -> Optional[int]:
    """Records a label may hold in a split of ``size`` under ``cap``: floor(cap * size), at least one.

    The cap is read as the decimal it was written as (0.29 * 100 is 28.999... in binary floating
    point); None when there is no cap or no requested size.
    """
    if cap is None or size is None:
        return None
    return max(1, int(Decimal(repr(cap)) * size))


@dataclass
class FillState:
    """Where the filling of one split stands (saved in checkpoints)."""

    blocks_used: int = 0
    written: int = 0
    stalled: int = 0


@dataclass
class SplitFill:
    """One split being written: what it needs besides the blocks, and where it stands."""

    task: str
    split: SplitSpec
    #: records wanted; None: everything an enumerated split holds
    size: Optional[int]
    writer: SplitWriter
    #: digests of the records of earlier splits (never written again) and, unless repeats are
    #: allowed, of this split's records so far (the engine adds a split with repeats when it ends)
    seen: DigestStore
    allow_repeats: bool
    #: blocks a sampled split may consume (None: no limit, for enumerated splits)
    budget_blocks: Optional[int] = None
    state: FillState = field(default_factory=FillState)
    #: receives each written record's digest (for checkpoints)
    digests: Optional[BinaryIO] = None
    #: called whenever checkpoint_due says so; ``after_block`` after every block
    checkpoint: Optional[Callable[[FillState], None]] = None
    checkpoint_due: Callable[[int], bool] = lambda blocks: False
    after_block: Optional[Callable[[], None]] = None
    #: counts the balance labels of the records written
    labels: Optional[Counter] = None
    progress: Optional[Progress] = None

    def __post_init__(self):
        # Ids of six digits and more; "%" on bytes keeps them bytes.
        self._id_format = f'{{"id":"{self.task}/{self.split.name}/'.encode().replace(b"%", b"%%") + b'%06d",'
        self._label_limit = label_limit(self.split.label_cap, self.size)
        if self._label_limit is not None and self.labels is None:
            raise ValueError(f"split {self.split.name!r} has a label cap: its fill needs the label counts")

    def blocks_needed(self) -> Optional[int]:
        """About how many more blocks this split needs, from its yield so far (None: no idea yet).

        A hint for executors that compute blocks ahead, so they stop near the split's end instead
        of computing blocks nobody reads; the bytes never depend on it.
        """
        state = self.state
        if self.size is None or not state.written:
            return None
        return math.ceil((self.size - state.written) * state.blocks_used / state.written)

    def run(self, blocks: Iterator[Optional[Block]]) -> None:
        """Write up to ``size`` records from ``blocks`` (their digests go to ``seen`` unless repeats are allowed)."""
        state = self.state
        if self.size == 0 or (self.size is not None and state.written == self.size):
            return  # (killed just after the last record, before the split closed)
        last_report = 0.0
        for block in blocks:
            if block is None:  # the end of an enumerated split
                break
            state.blocks_used += 1
            before = state.written
            self._take(block)
            if self.after_block is not None:
                self.after_block()
            if state.written == self.size:
                break
            state.stalled = state.stalled + 1 if state.written == before else 0
            if self.budget_blocks is not None and (state.blocks_used >= self.budget_blocks
                                                   or state.stalled >= STALL_BLOCKS):
                break
            if self.checkpoint is not None and self.checkpoint_due(state.blocks_used):
                self.checkpoint(state)
            if self.progress is not None and time.monotonic() - last_report > 0.5:
                last_report = time.monotonic()
                self.progress(self.split.name, state.written, self.size)
        if self.size is not None and state.written < self.size:
            self._give_up()
        if self.progress is not None:
            self.progress(self.split.name, state.written, self.size)

    def _take(self, block: Block) -> None:
        """Write a block's new records: one join and one write for the block."""
        state, size = self.state, self.size
        digests, seen, repeats = block.digests, self.seen, self.allow_repeats
        if self._label_limit is not None:
            kept = self._take_each(block)
        elif (repeats or len(set(digests)) == len(digests)) and seen.isdisjoint(digests):
            room = len(digests) if size is None else min(len(digests), size - state.written)
            kept = digests[:room]
            if not repeats:
                seen.add(kept)
            self._write(block.lines[:room])
            if self.labels is not None:
                self.labels.update(block.labels[:room])
        else:
            kept = self._take_new(block)
        if self.digests is not None:
            self.digests.write(b"".join(kept))

    def _write(self, lines: list[bytes]) -> None:
        """Number ``lines`` from ``state.written`` on and write them in one call."""
        start = self.state.written
        numbers = map(self._id_format.__mod__, range(start, start + len(lines)))
        self.writer.write_block(b"".join(chain.from_iterable(zip(numbers, lines))), len(lines))
        self.state.written += len(lines)

    def _take_new(self, block: Block) -> list[bytes]:
        """``_take`` for a block holding repeats (of itself or of what was written): the first
        occurrence of each new digest, in block order; return the digests written."""
        state, size, repeats, digests = self.state, self.size, self.allow_repeats, block.digests
        held = self.seen.held(digests)
        if repeats:
            chosen = [index for index, known in enumerate(held) if not known]
        else:
            # setdefault keeps the first index of each digest (first occurrence in block order wins).
            first: dict[bytes, int] = {}
            for index, digest in enumerate(digests):
                if not held[index]:
                    first.setdefault(digest, index)
            chosen = list(first.values())
        if size is not None:
            chosen = chosen[:size - state.written]
        kept = [digests[index] for index in chosen]
        lines = block.lines
        self._write([lines[index] for index in chosen])
        if not repeats:
            self.seen.add(kept)
        if self.labels is not None:
            labels = block.labels
            self.labels.update(labels[index] for index in chosen)
        return kept

    def _take_each(self, block: Block) -> list[bytes]:
        """``_take`` record by record under a label cap; return the digests written.

        First occurrence in block order wins (``taken`` drops the later ones within the block), and
        a record whose label is full is skipped: decided in block order like dedup, so the bytes do
        not depend on the worker count.
        """
        state, labels, limit, repeats = self.state, self.labels, self._label_limit, self.allow_repeats
        lines, kept, taken, block_labels = [], [], set(), block.labels
        for index, (digest, known, line) in enumerate(zip(block.digests, self.seen.held(block.digests),
                                                          block.lines)):
            if known or (not repeats and digest in taken):
                continue
            if labels[block_labels[index]] >= limit:
                continue
            taken.add(digest)
            lines.append(line)
            kept.append(digest)
            labels[block_labels[index]] += 1
            if state.written + len(lines) == self.size:
                break
        self._write(lines)
        if not repeats:
            self.seen.add(kept)
        return kept

    def _give_up(self) -> None:
        written, name = self.state.written, self.split.name
        attempts = self.state.blocks_used * BLOCK_SIZE
        raise InfeasibleError(
            f"split {name!r} of task {self.task!r}: only {written} distinct examples found"
            + (f" in {attempts:,} attempts" if self.split.source == "sample" else "")
            + (f" with at most {self._label_limit} per label (a share of {self.split.label_cap})"
               if self._label_limit is not None else "")
            + f", {self.size} requested. Ask for at most {written} (--size {name}={written})"
            + (" or widen the task parameters" if self.allow_repeats
               else ", widen the task parameters, or pass --allow-repeats")
        )
