"""A block's random draws for the kinship sampler: RandomStream's, a chunk of words at a time.

A story takes some twenty bounded draws, and ``RandomStream.below`` costs two
Python calls and a big-integer modulo each. :class:`WordDraws` reads the same
64-bit words in the same order (``RandomStream.words`` hands out buffered
words first, then the generator's), and derives ``below``, ``random`` and
``shuffle`` from them by RandomStream's own rules, so every draw, and thus the
output, is the same. It may read up to a chunk of words past the last one it
uses: only for a stream nothing else draws from afterwards (a block's stream,
which ``sample_block`` uses alone).
"""

from __future__ import annotations

from genforge.core.rng import RandomStream

_TWO_64 = 1 << 64
_CHUNK = 256


class WordDraws:
    """``below``, ``random`` and ``shuffle`` with RandomStream's results, as plain functions (no method lookup)."""

    __slots__ = ("below", "random", "shuffle")

    def __init__(self, rng: RandomStream):
        words: list[int] = []
        pop, extend, take = words.pop, words.extend, rng.words

        def word() -> int:
            if not words:
                extend(reversed(take(_CHUNK).tolist()))
            return pop()

        def below(bound: int) -> int:
            value = pop() if words else word()
            # RandomStream.below rejects words under 2**64 % bound (< bound, so a word >= bound never is).
            if value < bound:
                threshold = _TWO_64 % bound
                while value < threshold:
                    value = word()
            return value % bound

        def random() -> float:
            return (word() >> 11) / 9007199254740992.0

        def shuffle(items: list) -> None:
            for position in range(len(items) - 1, 0, -1):
                other = below(position + 1)
                items[position], items[other] = items[other], items[position]

        self.below, self.random, self.shuffle = below, random, shuffle
