"""A fixed pool of distinct instructions per (params, seed), as in Only-IF.

Instruction-diversity studies train on ``n_instructions`` distinct rules with
the budget held fixed. The pool is derived from its own random stream (seeded
by the task, params and run seed, not by split or block), so every block and
worker sees the same pool. Only instructions whose text bucket is below
``SEEN_FRACTION`` may enter a pool; instructions drawn fresh for an
unseen-instruction test must lie above it, so the two can never meet. A task
may pass its own test instead (``symbolic`` holds out whole rule shapes).
Examples are spread over the pool uniformly or, with ``imbalance_alpha`` > 0,
by a power law: rule j (0-based) has weight (j + 1) ** -alpha.
"""

from __future__ import annotations

import bisect
import json
from typing import Any, Callable, Hashable, Mapping, Optional

import numpy as np

from genforge.core.errors import InfeasibleError
from genforge.core.rng import RandomStream
from genforge.core.splits import text_bucket

SEEN_FRACTION = 0.8
#: A pool build gives up after this many draws in a row without a new instruction: the rule space is
#: (nearly) exhausted. Without it a small space and a large n_instructions drew 50 x n_instructions times.
STALL_DRAWS = 20_000


class InstructionPool:
    def __init__(self, items: list, texts: list[str], alpha: float):
        self.items = items
        self.texts = texts
        weights = [(index + 1) ** -alpha for index in range(len(items))]
        total = sum(weights)
        running, cumulative = 0.0, []
        for weight in weights:
            running += weight / total
            cumulative.append(running)
        cumulative[-1] = 1.0
        self._cumulative = cumulative
        #: The same weights as a float64 array, for block samplers that draw many at once (searchsorted).
        self.cumulative = np.array(cumulative, dtype=np.float64)
        #: What samplers derive from the pool, kept with it (a pool never changes once built).
        self.memo: dict[str, Any] = {}

    def draw(self, rng: RandomStream):
        """An instruction from the pool, by the pool's weights."""
        if len(self.items) == 1:
            return self.items[0]
        return self.items[bisect.bisect_right(self._cumulative, rng.random())]


class PoolCache:
    """Builds each pool once per process; keyed by everything the pool depends on."""

    def __init__(self):
        self._pools: dict[Hashable, InstructionPool] = {}

    def get(
        self,
        task: str,
        version: str,
        relevant_params: Mapping[str, Any],
        seed: int,
        size: int,
        alpha: float,
        make: Callable[[RandomStream], tuple[Any, str]],
        eligible: Optional[Callable[[str], bool]] = None,
    ) -> InstructionPool:
        """The pool of ``size`` distinct instructions drawn by ``make``; only texts ``eligible`` accepts
        (default :func:`is_seen_instruction`) may enter it."""
        key = json.dumps([task, version, relevant_params, seed, size, alpha], sort_keys=True)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = self._build(task, version, relevant_params, seed, size, alpha, make,
                                                  eligible or is_seen_instruction)
        return pool

    @staticmethod
    def _build(task, version, relevant_params, seed, size, alpha, make, eligible) -> InstructionPool:
        rng = RandomStream.from_parts(task, version, relevant_params, seed, "instruction-pool")
        items, texts, seen = [], [], set()
        attempts = stalled = 0
        budget = 50 * size + 1000
        while len(items) < size and attempts < budget and stalled < STALL_DRAWS:
            attempts += 1
            item, text = make(rng)
            if text in seen or not eligible(text):
                stalled += 1
                continue
            stalled = 0
            seen.add(text)
            items.append(item)
            texts.append(text)
        if len(items) < size:
            raise InfeasibleError(
                f"task {task!r}: only {len(items)} distinct training instructions found in {attempts:,} attempts, "
                f"n_instructions={size} requested; ask for at most {len(items)} or widen the rule parameters"
            )
        return InstructionPool(items, texts, alpha)


def is_seen_instruction(text: str) -> bool:
    """True when ``text`` may belong to a training pool."""
    return text_bucket(text) < SEEN_FRACTION
