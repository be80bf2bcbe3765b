"""Random streams whose output is stable across numpy and Python versions.

NumPy promises a stable bit stream only for its bit generators (PCG64 and
friends), not for ``Generator.integers``, ``choice``, ``shuffle`` and the other
conveniences, whose algorithms have changed between releases. Every draw in
genforge therefore goes through :class:`RandomStream`, which reads raw 64-bit
words from ``numpy.random.PCG64.random_raw`` and derives everything else with
algorithms written here:

* bounded integers: rejection sampling on ``word % n`` with the classic
  threshold ``2**64 % n``, so every value is exactly equally likely;
* floats: the top 53 bits of a word divided by ``2**53``;
* shuffle: Fisher-Yates from the last position down;
* sampling without replacement: a partial Fisher-Yates over the indices.

The PCG64 state is set directly from a SHA-256 digest (not through
``SeedSequence``), so seeding is as stable as the bit stream itself.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence, TypeVar

import numpy as np

T = TypeVar("T")

_TWO_64 = 1 << 64
_TWO_128 = 1 << 128
_BUFFER_WORDS = 256
#: Longest string :meth:`RandomStream.string` draws word by word; longer ones take one array call.
SHORT_STRING = 64


def _seed_text(parts: Sequence[Any]) -> str:
    return json.dumps(list(parts), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def derive_seed(*parts: Any) -> bytes:
    """Hash JSON-serialisable parts (task, version, params, seed, split, block) into 32 bytes."""
    return hashlib.sha256(_seed_text(parts).encode("utf-8")).digest()


def block_seeds(*parts: Any):
    """``derive_seed(*parts, block)`` as a function of an int ``block``, the JSON of ``parts`` written once.

    ``json.dumps`` writes an int as ``str`` does, so the prefix plus the block's digits is the same text.
    """
    prefix = _seed_text([*parts, 0])[:-2]  # everything before the block's "0]"

    def seed(block: int) -> bytes:
        return hashlib.sha256(f"{prefix}{int(block)}]".encode("utf-8")).digest()

    return seed


class RandomStream:
    """A deterministic stream of random draws seeded by 32 bytes."""

    __slots__ = ("_bit_generator", "_buffer")

    def __init__(self, seed: bytes):
        if len(seed) < 32:
            seed = hashlib.sha256(seed).digest()
        state = int.from_bytes(seed[:16], "little") % _TWO_128
        increment = int.from_bytes(seed[16:32], "little") % _TWO_128 | 1
        bit_generator = np.random.PCG64(0)
        bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": state, "inc": increment},
            "has_uint32": 0,
            "uinteger": 0,
        }
        self._bit_generator = bit_generator
        self._buffer: list[int] = []

    @classmethod
    def from_parts(cls, *parts: Any) -> "RandomStream":
        return cls(derive_seed(*parts))

    # -- raw words -----------------------------------------------------
    def word(self) -> int:
        """One uniformly random 64-bit unsigned integer."""
        buffer = self._buffer
        if not buffer:
            buffer.extend(reversed(self._bit_generator.random_raw(_BUFFER_WORDS).tolist()))
        return buffer.pop()

    def words(self, count: int) -> np.ndarray:
        """``count`` raw 64-bit words as a uint64 array (buffered words first)."""
        buffer = self._buffer
        take = min(count, len(buffer))
        rest = self._bit_generator.random_raw(count - take)
        if not take:
            return rest
        # The buffer is stored reversed (word() pops from its end).
        taken = buffer[-take:][::-1]
        del buffer[-take:]
        return np.concatenate([np.array(taken, dtype=np.uint64), rest])

    # -- derived draws ---------------------------------------------------
    def below(self, bound: int) -> int:
        """A uniform integer in ``[0, bound)``."""
        if bound <= 0:
            raise ValueError(f"bound must be positive, got {bound}")
        value = self.word()
        # Words under 2**64 % bound are rejected; that threshold is below ``bound``, so a word at or
        # above ``bound`` (nearly all of them) is accepted without computing it.
        if value < bound:
            threshold = _TWO_64 % bound
            while value < threshold:
                value = self.word()
        return value % bound

    def integer(self, low: int, high: int) -> int:
        """A uniform integer in ``[low, high]`` (both ends included)."""
        return low + self.below(high - low + 1)

    def random(self) -> float:
        """A uniform float in ``[0, 1)`` with 53 random bits."""
        return (self.word() >> 11) / 9007199254740992.0

    def bernoulli(self, probability: float) -> bool:
        return self.random() < probability

    def choice(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def weighted_index(self, weights: Sequence[float]) -> int:
        """An index drawn with probability proportional to ``weights``."""
        total = float(sum(weights))
        point = self.random() * total
        running = 0.0
        for index, weight in enumerate(weights):
            running += weight
            if point < running:
                return index
        # Rounding can leave point == total; fall back to the last positive weight.
        return max(i for i, w in enumerate(weights) if w > 0)

    def shuffle(self, items: list) -> None:
        """Shuffle ``items`` in place (Fisher-Yates)."""
        for position in range(len(items) - 1, 0, -1):
            other = self.below(position + 1)
            items[position], items[other] = items[other], items[position]

    def sample(self, items: Sequence[T], count: int) -> list[T]:
        """``count`` distinct items, in draw order (partial Fisher-Yates)."""
        if count > len(items):
            raise ValueError(f"cannot sample {count} of {len(items)} items")
        pool = list(range(len(items)))
        chosen = []
        for position in range(count):
            other = position + self.below(len(pool) - position)
            pool[position], pool[other] = pool[other], pool[position]
            chosen.append(items[pool[position]])
        return chosen

    def index_array(self, bound: int, count: int) -> np.ndarray:
        """``count`` independent uniform integers in ``[0, bound)`` as a uint64 array.

        Same distribution as ``[below(bound) for _ in range(count)]`` but drawn
        in one call; words below the rejection threshold (probability
        ``bound / 2**64``) are redrawn one by one.
        """
        if count <= 0:
            return np.zeros(0, dtype=np.uint64)
        threshold = _TWO_64 % bound
        raw = self.words(count)
        values = raw % np.uint64(bound)
        if threshold:
            rejected = raw < np.uint64(threshold)
            if rejected.any():
                for position in np.nonzero(rejected)[0].tolist():
                    values[position] = self.below(bound)
        return values

    def bounded_array(self, bounds: np.ndarray) -> np.ndarray:
        """One uniform integer in ``[0, bounds[i])`` per entry of ``bounds`` (all >= 1), as uint64.

        The vectorised :meth:`below` for varying bounds: same rejection rule,
        rejected words redrawn one by one.
        """
        bounds = np.asarray(bounds, dtype=np.uint64)
        if bounds.size == 0:
            return np.zeros(0, dtype=np.uint64)
        raw = self.words(bounds.size)
        values = raw % bounds
        # 2**64 % b, computed in 64 bits as (2**64 - b) % b.
        rejected = raw < (np.uint64(0) - bounds) % bounds
        if rejected.any():
            for position in np.nonzero(rejected)[0].tolist():
                values[position] = self.below(int(bounds[position]))
        return values

    def _distinct_keys(self, count: int, rows: int = 1) -> np.ndarray:
        """``rows`` x ``count`` random 64-bit sort keys, made distinct within a row by putting the
        column in their low bits (one row: a flat array).

        Distinct keys give one sorted order whatever sort algorithm or numpy
        version orders them (ties would not); the high bits stay random.
        """
        shift = np.uint64(max(1, int(count).bit_length()))
        keys = ((self.words(rows * count).reshape(rows, count) >> shift) << shift) | np.arange(count, dtype=np.uint64)
        return keys[0] if rows == 1 else keys

    def permutation(self, count: int) -> np.ndarray:
        """A uniformly random order of ``range(count)`` as an int64 array (sorted random keys)."""
        return np.argsort(self._distinct_keys(count)).astype(np.int64)

    def subset(self, count: int, size: int) -> np.ndarray:
        """``size`` distinct members of ``range(count)`` in random order (those with the lowest random keys)."""
        if not 0 <= size <= count:
            raise ValueError(f"cannot take {size} of {count} items")
        keys = self._distinct_keys(count)
        if size == count:
            lowest = np.arange(count)
        else:  # the set of the `size` lowest distinct keys is the same for any selection algorithm
            lowest = np.argpartition(keys, size - 1)[:size] if size else np.zeros(0, dtype=np.int64)
        return lowest[np.argsort(keys[lowest])].astype(np.int64)

    def row_subsets(self, rows: int, count: int, size: int) -> np.ndarray:
        """For each of ``rows`` rows, ``size`` distinct members of ``range(count)``, ascending (rows x size).

        The lowest random keys of each row (keys made distinct within a row by
        its column in their low bits); drawn in chunks of rows, so memory stays
        bounded however many rows there are.
        """
        if not 0 <= size <= count:
            raise ValueError(f"cannot take {size} of {count} items")
        chunk = max(1, (1 << 22) // max(1, count))
        parts = []
        for start in range(0, rows, chunk):
            height = min(chunk, rows - start)
            keys = self._distinct_keys(count, height).reshape(height, count)
            lowest = np.argpartition(keys, size - 1, axis=1)[:, :size] if 0 < size < count else (
                np.broadcast_to(np.arange(size), (height, size)))
            parts.append(np.sort(lowest, axis=1))
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, size), dtype=np.int64)

    def indices(self, bound: int, count: int) -> list[int]:
        """``count`` independent uniform integers in ``[0, bound)`` (see :meth:`index_array`)."""
        return self.index_array(bound, count).tolist()

    def string(self, alphabet: str, length: int) -> str:
        """A uniformly random string of ``length`` symbols from ``alphabet``: symbol i from the i-th
        word, as :meth:`index_array` draws them (a rejected word's symbol redrawn with :meth:`below`
        after all ``length`` words)."""
        if length <= SHORT_STRING:
            return self._string_by_words(alphabet, length)
        return self._string_by_array(alphabet, length)

    def _string_by_array(self, alphabet: str, length: int) -> str:
        return "".join([alphabet[i] for i in self.indices(len(alphabet), length)])

    def _string_by_words(self, alphabet: str, length: int) -> str:
        """:meth:`_string_by_array`'s symbols from the same words, one word at a time: for the few
        symbols of a short string several times cheaper than the array call."""
        size, word = len(alphabet), self.word
        raw = [word() for _ in range(length)]
        threshold = _TWO_64 % size
        if raw and min(raw) < threshold:
            return "".join([alphabet[value % size] if value >= threshold else alphabet[self.below(size)]
                            for value in raw])
        return "".join([alphabet[value % size] for value in raw])

    def strings(self, alphabet: str, length: int, count: int) -> list[str]:
        """``count`` uniformly random strings of ``length`` symbols, drawn in one call.

        The fast path for generators that need many strings per block: one
        draw of ``length * count`` symbols, cut in order.
        """
        if length <= 0:
            return [""] * count
        positions = self.index_array(len(alphabet), length * count)
        if alphabet.isascii():
            table = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
            text = table[positions].tobytes().decode("ascii")
        else:
            text = "".join([alphabet[i] for i in positions.tolist()])
        return [text[start:start + length] for start in range(0, length * count, length)]
