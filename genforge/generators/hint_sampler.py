"""HINT examples for one split: the split's law, its result cap and block sampling.

A split's law (:class:`SplitLaw`) is its operator range, its open-closed range
of largest values ``(value_floor, value_cap]``, the operator count from which a
0 result is refused, and the result share cap. A draw is one tree: ``n``
in the operator range (balanced so that every count is kept equally often,
:mod:`genforge.generators.hint_balance`; or uniform), then the tree (:mod:`genforge.generators.hint_batch`);
it is kept when it divides by no zero, its largest value is in range, it is
not a forbidden 0, and it survives the result cap's thinning
(:mod:`genforge.generators.hint_result_cap`). The trace of an example is
worked out from its input only when read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Mapping, Optional

import numpy as np

from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.generators import hint_batch
from genforge.generators.hint_balance import balance
from genforge.generators.hint_expressions import parse, steps
from genforge.generators.hint_result_cap import PILOT_BUDGET, PILOT_DRAWS, pilot

#: A block gives up on a slot (leaves it None) after this many draws per slot on average.
MAX_DRAWS_PER_SLOT = 64
# Bounded work. Drawing and writing cost about half a microsecond per operator drawn (in trees kept or
# not), so a split is refused (see ``SplitLaw.least_kept_rate`` and ``least_pilot_rate``) when filling it,
# or its result-cap pilot, would draw more operators than these; a whole plan at 1000 records a split
# then stays within a minute.
#: Operators drawn per record written: 4 ms (the default plan's costliest split, LL, needs 180).
MAX_WORK_PER_RECORD = 8_000
#: Operators drawn by one split law's pilot (4000 kept draws, at most 800k attempts): 4 s.
MAX_PILOT_WORK = 8_000_000
#: Kept examples per draw below which the engine cannot fill a split: it gives a record 200
#: attempts (Task.attempts_per_record) and a block at most 64 draws per attempt; half, for chance.
MIN_KEPT_PER_DRAW = 1 / (200 * MAX_DRAWS_PER_SLOT / 2)


class HintExample(Example):
    """An Example whose trace is worked out from its input when read (records carry it only with --trace)."""

    __slots__ = ()

    @property
    def trace(self) -> tuple[str, ...]:
        return tuple(steps(parse(self.input)))


@dataclass(frozen=True)
class SplitLaw:
    """What one split draws (the field names are part of the result cap's pilot seed)."""

    operators_min: int
    operators_max: int
    value_floor: int
    value_cap: int
    zero_result_min_operators: int
    result_share_cap: float
    #: Draw the operator count so that every count is kept equally often (HINT); else uniformly.
    operator_balance: bool = True

    def operators(self) -> float:
        """Operators drawn per tree, on average (a digit counts as one)."""
        return (self.operators_min + self.operators_max) / 2 + 1

    def least_kept_rate(self, share: float = 1.0) -> float:
        """The fewest kept examples per draw that fill a split of this law within bounded work, when the
        split takes ``share`` of the hash buckets."""
        return max(self.operators() / MAX_WORK_PER_RECORD, MIN_KEPT_PER_DRAW) / share

    def least_pilot_rate(self) -> float:
        """The fewest accepted draws per draw (before the cap) at which the pilot stays within bounded work."""
        if self.operators() * PILOT_DRAWS * PILOT_BUDGET <= MAX_PILOT_WORK:
            return 0.0  # even a pilot that runs out of attempts is cheap
        return self.operators() * PILOT_DRAWS / MAX_PILOT_WORK


class Sampler:
    """One split's batch sampler, thinned by its result cap once :meth:`set_cap` is called."""

    def __init__(self, law: SplitLaw):
        self.low, self.high = law.operators_min, law.operators_max
        self.floor, self.cap = law.value_floor, law.value_cap
        self.zero_min = law.zero_result_min_operators
        self.set_cap({}, 1.0)
        #: Cumulative probabilities of the operator counts low..high (None: uniform).
        self.cumulative: Optional[np.ndarray] = None
        #: Accepted draws per draw (before the cap) in the pilot.
        self.pilot_rate = 1.0

    def set_cap(self, keep: Mapping[int, float], kept_per_draw: float) -> None:
        """Thin result ``r`` to ``keep[r]`` (results not listed are kept); ``kept_per_draw`` sizes the batches."""
        self.keep_results = np.array(sorted(keep), dtype=np.int64)
        self.keep_chances = np.array([keep[r] for r in sorted(keep)], dtype=np.float64)
        self.kept_per_draw = kept_per_draw

    def _draw(self, rng: RandomStream, size: int):
        """A batch of ``size`` trees and the mask of those the split accepts (before the cap)."""
        span = self.high - self.low + 1
        if span > 1 and self.cumulative is not None:
            uniform = (rng.words(size) >> np.uint64(11)).astype(np.float64) / 9007199254740992.0
            operators = self.low + np.minimum(np.searchsorted(self.cumulative, uniform, side="right"), span - 1)
        elif span > 1:
            operators = self.low + rng.index_array(span, size).astype(np.int64)
        else:
            operators = np.full(size, self.low, dtype=np.int64)
        batch = hint_batch.draw(rng, operators, self.high, self.cap)
        result, largest = batch.result(), batch.largest_value()
        accepted = ~batch.invalid & (largest > self.floor) & ~((result == 0) & (operators >= self.zero_min))
        return batch, result, largest, accepted

    def results(self, rng: RandomStream, size: int) -> list[tuple[int, int]]:
        """(operator count, result) of the accepted draws among ``size`` (for the pilot)."""
        batch, result, _, accepted = self._draw(rng, size)
        return list(zip(batch.operators[accepted].tolist(), result[accepted].tolist()))

    def examples(self, rng: RandomStream, size: int, wanted: int, dependencies: bool) -> list[Example]:
        """The examples of the first ``wanted`` kept draws among ``size``, in draw order."""
        batch, result, largest, accepted = self._draw(rng, size)
        if self.keep_results.size:
            chance = (rng.words(size) >> np.uint64(11)).astype(np.float64) / 9007199254740992.0
            accepted &= chance < self._keep_chance(result)
        chosen = np.nonzero(accepted)[0][:wanted]
        layout = hint_batch.lay_out(batch, chosen)
        return _examples(layout, batch.operators[chosen], largest[chosen], batch.depth[chosen], result[chosen],
                         dependencies)

    def _keep_chance(self, result: np.ndarray) -> np.ndarray:
        where = np.minimum(np.searchsorted(self.keep_results, result), self.keep_results.size - 1)
        return np.where(self.keep_results[where] == result, self.keep_chances[where], 1.0)


#: Samplers built so far, by the JSON text of their pilot seed: 1 and 1.0 seed different pilots.
_SAMPLERS: dict[str, Sampler] = {}


def sampler(law: SplitLaw, seed_parts: tuple) -> Sampler:
    """The split's sampler with its result cap, from a pilot sample seeded by ``seed_parts`` and the law only
    (so every process and block thins alike)."""
    relevant = asdict(law)
    key = json.dumps([seed_parts, relevant], sort_keys=True)
    found_sampler = _SAMPLERS.get(key)
    if found_sampler is None:
        found_sampler = Sampler(law)
        # A law whose every split would be refused lets the pilot stop as soon as that is clear.
        found = pilot(found_sampler.results, (*seed_parts, relevant),
                      max(law.least_pilot_rate(), law.least_kept_rate()))
        # The count law (balanced by operator count, HINT) and the result cap, from the (count, result) pairs.
        # A pilot that gave up found no shares: kept_per_draw is 0, the split is refused before sampling,
        # and a block that samples it all the same draws once per slot, so the engine soon stops.
        law_found = balance(found.shares, found.results_per_attempt, law.operators_min, law.operators_max,
                            law.result_share_cap, law.operator_balance)
        found_sampler.set_cap(law_found.keep, law_found.kept_per_draw)
        found_sampler.cumulative = law_found.cumulative
        found_sampler.pilot_rate = found.results_per_attempt
        _SAMPLERS[key] = found_sampler
    return found_sampler


def sample_block(rng: RandomStream, law: SplitLaw, seed_parts: tuple, dependencies: bool,
                 count: int) -> list[Optional[Example]]:
    """``count`` kept draws, in draw order; None for the slots left when the block's draws run out.

    A block draws until it has ``count`` examples, at most ``MAX_DRAWS_PER_SLOT``
    per slot (one per slot when the pilot found none at all: the split may be
    empty, and the engine gives up after so many blocks).
    """
    split_sampler = sampler(law, seed_parts)
    examples: list[Optional[Example]] = []
    rate = split_sampler.kept_per_draw
    drawn, budget = 0, count * (MAX_DRAWS_PER_SLOT if rate > 0 else 1)
    while len(examples) < count and drawn < budget:
        wanted = count - len(examples)
        # Enough draws to fill the block at once in most blocks; a short one draws again.
        size = min(budget - drawn, 8 + int(wanted * 1.1 / max(rate, 1 / MAX_DRAWS_PER_SLOT)))
        examples.extend(split_sampler.examples(rng, size, wanted, dependencies))
        drawn += size
    examples.extend([None] * (count - len(examples)))
    return examples


def _examples(layout, operators, largest, depths, results, dependencies: bool) -> list[Example]:
    """Examples from a layout: the text, complexity and (with ``dependencies``) heads and values strings."""
    lengths = layout.length.tolist()
    columns = layout.text.shape[1]
    text = layout.text.tobytes().decode("ascii")
    inputs = [text[start:start + length] for start, length in zip(range(0, len(text), columns), lengths)]
    targets = hint_batch.number_rows(results, np.ones(results.size, dtype=np.int64), "")  # results are >= 0
    complexities = [{"operators": n, "max_value": m, "depth": d, "length": length}
                    for n, m, d, length in zip(operators.tolist(), largest.tolist(), depths.tolist(), lengths)]
    if dependencies:
        used = np.arange(columns) < layout.length[:, None]
        metas = [{"domain": "arithmetic", "complexity": complexity, "heads": heads, "values": values}
                 for complexity, heads, values in zip(
                     complexities, hint_batch.number_rows(layout.heads[used], layout.length, "-1"),
                     hint_batch.number_rows(layout.values[used], layout.length, "_"))]
    else:
        metas = [{"domain": "arithmetic", "complexity": complexity} for complexity in complexities]
    return [example_of((None, input, target, meta), HintExample) for input, target, meta in zip(inputs, targets, metas)]
