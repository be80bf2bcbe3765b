"""The published input shape of PCFG SET: trees drawn with a given functions-per-input law.

Hupkes et al. (2020, section 4.2) sampled PCFG SET from its grammar and then
reshaped the sample so that its lengths and depths follow an English corpus.
The published dev and test files (14,581 lines) hold, by functions per
input: 1: 1.5%, 2: 12.8%, 3: 19.4%, 4: 18.8%, 5: 13.2%, 6: 10.3%, 7: 6.6%,
8: 5.1%, 9: 3.4%, 10: 2.5%, 11: 1.9%, 12: 1.5%, more: 3.0% (up to 35; mean
5.15), and argument strings of 2: 15.9%, 3: 29.7%, 4: 27.7%, 5: 26.7% symbols.
:data:`PUBLISHED_SHAPE` is that law; the 3.0% above 12 functions falls
geometrically (ratio 2/3, an assumption: the files give only the total and
the maximum).

A tree is drawn in three steps: its number of functions n from the law; its
shape given n from the grammar (the PCFG's own law of trees with n
functions: b binary functions with probability proportional to
(n + b)! / (u! b! (b + 1)!) p_unary^u p_binary^b p_string^(b + 1), u = n - b,
the number of prefix sequences that form such a tree times their
probability; then a uniformly random arrangement of the u + b + (b + 1) node
kinds, rotated to the one rotation that reads as a tree, the cycle lemma);
its function names by ``function_weights`` and its string lengths by the
length law. :class:`ShapedStreams` serves these trees as node codes, so the
walks of :mod:`genforge.generators.pcfg` read them as they read the PCFG's.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import numpy as np

from genforge.core.rng import RandomStream
from genforge.generators.pcfg import STRING, UNARY, Grammar, NodeStreams

#: Published functions-per-input shares (percent) for 1..12 functions, and the share above 12.
PUBLISHED_FUNCTION_SHARES = (1.5, 12.8, 19.4, 18.8, 13.2, 10.3, 6.6, 5.1, 3.4, 2.5, 1.9, 1.5)
PUBLISHED_TAIL_SHARE = 3.0
PUBLISHED_MAX_FUNCTIONS = 35
TAIL_RATIO = 2 / 3
#: Published argument-string lengths 2..5 (percent).
PUBLISHED_LENGTH_SHARES = {2: 15.9, 3: 29.7, 4: 27.7, 5: 26.7}
_UNIFORM_CHUNK = 1024


@dataclass(frozen=True)
class ShapeLaw:
    """``functions[n]``: P(n functions), n = 0..; ``lengths[k]``: P(string of string_length_min + k symbols)."""

    functions: tuple[float, ...]
    lengths: tuple[float, ...]


def published_function_law() -> tuple[float, ...]:
    """P(n functions) for n = 0..35 (see the module text)."""
    tail = [TAIL_RATIO ** k for k in range(PUBLISHED_MAX_FUNCTIONS - len(PUBLISHED_FUNCTION_SHARES))]
    scale = PUBLISHED_TAIL_SHARE / sum(tail)
    shares = (0.0,) + PUBLISHED_FUNCTION_SHARES + tuple(scale * t for t in tail)
    return tuple(share / sum(shares) for share in shares)


def published_shape(low: int, high: int) -> ShapeLaw:
    """The published law with string lengths restricted to low..high (None of them: ValueError)."""
    lengths = tuple(PUBLISHED_LENGTH_SHARES.get(k, 0.0) for k in range(low, high + 1))
    if not any(lengths):
        raise ValueError(f"string lengths {low}..{high} hold none of the published lengths 2..5")
    return ShapeLaw(published_function_law(), tuple(share / sum(lengths) for share in lengths))


@lru_cache(maxsize=64)
def _binary_tables(p_unary: float, p_binary: float, most: int) -> tuple[tuple[float, ...], ...]:
    """Per n = 0..most: cumulative P(b binary functions | n functions) for b = 0..n (see the module text)."""
    p_string = 1.0 - p_unary - p_binary
    tables = [(1.0,)]
    for n in range(1, most + 1):
        logs = []
        for b in range(n + 1):
            u = n - b
            if (u and not p_unary) or (b and not p_binary):
                logs.append(-math.inf)
                continue
            logs.append(math.lgamma(n + b + 1) - math.lgamma(u + 1) - math.lgamma(b + 1) - math.lgamma(b + 2)
                        + (u * math.log(p_unary) if u else 0.0) + (b * math.log(p_binary) if b else 0.0)
                        + (b + 1) * math.log(p_string))
        top = max(logs)
        weights = [math.exp(value - top) for value in logs]
        tables.append(tuple(w / sum(weights) for w in accumulate(weights)))
    return tuple(tables)


def _cumulative(weights) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(w / total for w in accumulate(weights))


class ShapedStreams(NodeStreams):
    """Node codes of trees drawn with ``grammar.shape``'s laws, functions within ``fewest``..``most``.

    Reads like :class:`NodeStreams` (``codes``, ``next_code``, :meth:`string`);
    :meth:`skip_rest` drops the rest of a tree a walk abandoned, so the next
    walk starts at the next tree. ``exact`` (0: off) asks for trees of exactly
    that many functions.
    """

    __slots__ = ("_uniforms", "_pending", "_count_law", "_binary", "_unary_names", "_binary_names", "_lengths",
                 "_rng", "exact")

    def __init__(self, rng: RandomStream, grammar: Grammar, trees: int, fewest: int, most: int):
        super().__init__(rng, grammar, trees, most)
        shape = grammar.shape
        most = min(most, len(shape.functions) - 1)
        counts = [p if fewest <= n <= most else 0.0 for n, p in enumerate(shape.functions[: most + 1])]
        if not any(counts):
            raise ValueError(f"the input law has no trees of {fewest}..{most} functions")
        self._rng, self._uniforms, self._pending, self.exact = rng, [], [], 0
        self._count_law = _cumulative(counts)
        self._binary = _binary_tables(grammar.unary_probability, grammar.binary_probability, most)
        weights = grammar.function_weights
        self._unary_names = _cumulative(weights[: len(UNARY)]) if any(weights[: len(UNARY)]) else ()
        self._binary_names = _cumulative(weights[len(UNARY):]) if any(weights[len(UNARY):]) else ()
        self._lengths = _cumulative(shape.lengths)
        self.codes = self
        self.next_code = self.__next__

    def __iter__(self) -> "ShapedStreams":
        return self

    def __next__(self) -> int:
        if not self._pending:
            self._pending = self._tree()
        return self._pending.pop()

    def skip_rest(self) -> None:
        self._pending = []

    def _uniform(self) -> float:
        if not self._uniforms:
            words = self._rng.words(_UNIFORM_CHUNK) >> np.uint64(11)
            self._uniforms = (words.astype(np.float64) * (1.0 / 9007199254740992.0)).tolist()
        return self._uniforms.pop()

    def _pick(self, cumulative: tuple[float, ...]) -> int:
        return min(bisect_right(cumulative, self._uniform()), len(cumulative) - 1)

    def _tree(self) -> list[int]:
        """One tree's node codes in prefix order, reversed (popped from the end)."""
        n = self.exact or self._pick(self._count_law)
        binary = self._pick(self._binary[n])
        kinds = [1] * (n - binary) + [2] * binary + [0] * (binary + 1)  # arguments each node takes
        for i in range(len(kinds) - 1, 0, -1):  # Fisher-Yates
            j = min(int(self._uniform() * (i + 1)), i)
            kinds[i], kinds[j] = kinds[j], kinds[i]
        # Cycle lemma: start right after the first position where the running sum of (arguments - 1) is lowest.
        running, lowest, start = 0, 1, 0
        for position, kind in enumerate(kinds):
            running += kind - 1
            if running < lowest:
                lowest, start = running, position + 1
        kinds = kinds[start:] + kinds[:start]
        offset = len(UNARY)
        codes = [self._pick(self._unary_names) if kind == 1 else offset + self._pick(self._binary_names) if kind == 2
                 else STRING + self._pick(self._lengths) for kind in kinds]
        codes.reverse()
        return codes
