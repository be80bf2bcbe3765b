"""Block-wide random draws that :class:`~genforge.core.rng.RandomStream` does not offer (yet).

Samplers that build a whole block at once need one bounded integer per item
with a *different* bound per item (a start that depends on a drawn length,
a hint offset that depends on a drawn width). Drawing them one by one with
``rng.below`` costs a Python call per item; this draws them in one array.
"""

from __future__ import annotations

import numpy as np

from genforge.core.rng import RandomStream


def below_each(rng: RandomStream, bounds: np.ndarray) -> np.ndarray:
    """Independent uniform integers in ``[0, bounds[i])`` (every bound >= 1), as a uint64 array.

    The same law as ``[rng.below(b) for b in bounds]``: rejection sampling on
    ``word % bound`` below the threshold ``2**64 % bound``; the rare rejected
    words are redrawn one by one.
    """
    bounds = np.asarray(bounds, dtype=np.uint64)
    if not len(bounds):
        return np.zeros(0, dtype=np.uint64)
    raw = rng.words(len(bounds))
    values = raw % bounds
    # 2**64 % b, computed as (2**64 - b) % b in wrapping uint64 arithmetic.
    thresholds = (np.uint64(0) - bounds) % bounds
    rejected = raw < thresholds
    if rejected.any():
        for position in np.nonzero(rejected)[0].tolist():
            values[position] = rng.below(int(bounds[position]))
    return values
