"""HINT examples for one split: the split's law, its result cap and block sampling.

A split's law (:class:`SplitLaw`) is its operator range, its open-closed range
of largest values ``(value_floor, value_cap]``, the operator count from which a
0 result is refused, and the result share cap. A draw is one tree: ``n``
uniform in the operator range, then the tree (:mod:`genforge.generators.hint_batch`);
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
from genforge.generators.hint_expressions import parse, steps
from genforge.generators.hint_result_cap import keep_probabilities, pilot

#: A block gives up on a slot (leaves it None) after this many draws per slot on average.
MAX_DRAWS_PER_SLOT = 64


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


class Sampler:
    """One split's batch sampler, thinned by its result cap once :meth:`set_cap` is called."""

    def __init__(self, law: SplitLaw):
        self.low, self.high = law.operators_min, law.operators_max
        self.floor, self.cap = law.value_floor, law.value_cap
        self.zero_min = law.zero_result_min_operators
        self.set_cap({}, 1.0)

    def set_cap(self, keep: Mapping[int, float], kept_per_draw: float) -> None:
        """Thin result ``r`` to ``keep[r]`` (results not listed are kept); ``kept_per_draw`` sizes the batches."""
        self.keep_results = np.array(sorted(keep), dtype=np.int64)
        self.keep_chances = np.array([keep[r] for r in sorted(keep)], dtype=np.float64)
        self.kept_per_draw = kept_per_draw

    def _draw(self, rng: RandomStream, size: int):
        """A batch of ``size`` trees and the mask of those the split accepts (before the cap)."""
        span = self.high - self.low + 1
        operators = self.low + rng.index_array(span, size).astype(np.int64) if span > 1 else \
            np.full(size, self.low, dtype=np.int64)
        batch = hint_batch.draw(rng, operators, self.high, self.cap)
        result, largest = batch.result(), batch.largest_value()
        accepted = ~batch.invalid & (largest > self.floor) & ~((result == 0) & (operators >= self.zero_min))
        return batch, result, largest, accepted

    def results(self, rng: RandomStream, size: int) -> list[int]:
        """Results of the accepted draws among ``size`` (for the result cap's pilot)."""
        _, result, _, accepted = self._draw(rng, size)
        return result[accepted].tolist()

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
        found = pilot(found_sampler.results, (*seed_parts, relevant))
        keep = {} if law.result_share_cap >= 1.0 else keep_probabilities(found.shares, law.result_share_cap)
        thinned = sum(share * keep.get(result, 1.0) for result, share in found.shares.items())
        found_sampler.set_cap(keep, found.results_per_attempt * thinned)
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
