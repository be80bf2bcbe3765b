"""PCFG SET's localism probe: each function applied to strings of increasing length.

Hupkes et al. (2020, section 5.3; the released file
``data/pcfgset/localism/increasing_string_length/increasing_length.src`` of
i-machine-think/am-i-compositional) test whether a model computes a function
the same way on ever longer arguments: every one of the ten functions, in
alphabetical order, 1,007 lines each, cycling through argument lengths 2..20
(53 rounds of 19 lines). A unary function takes the long string; ``remove_first``
takes it second and ``remove_second`` first (the argument that is kept), and
``append`` and ``prepend`` on a side drawn at random; the other argument of a
binary function has 2..5 symbols (uniform), as in the released lines.
"""

from __future__ import annotations

from typing import Iterator

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.pcfg import BINARY, FUNCTIONS, Expression, symbol_alphabet
from genforge.generators.pcfg_sampler import tree_example

PROBE_LENGTHS = tuple(range(2, 21))
PROBE_ROUNDS = 53
PROBE_LINES = len(FUNCTIONS) * PROBE_ROUNDS * len(PROBE_LENGTHS)  # 10,070
SHORT_LENGTHS = (2, 3, 4, 5)


def increasing_length_trees(rng: RandomStream, alphabet_size: int) -> Iterator[Expression]:
    """The probe's expressions in file order (functions alphabetically, lengths cycling 2..20)."""
    alphabet = symbol_alphabet(alphabet_size)

    def string(length: int) -> Expression:
        return Expression(None, symbols=tuple(alphabet[rng.below(len(alphabet))] for _ in range(length)))

    for function in sorted(FUNCTIONS):
        for _ in range(PROBE_ROUNDS):
            for length in PROBE_LENGTHS:
                long = string(length)
                if function not in BINARY:
                    yield Expression(function, (long,))
                    continue
                short = string(SHORT_LENGTHS[rng.below(len(SHORT_LENGTHS))])
                long_first = {"remove_first": False, "remove_second": True}.get(function, rng.below(2) == 0)
                yield Expression(function, (long, short) if long_first else (short, long))


def increasing_length_examples(rng: RandomStream, alphabet_size: int, max_length: int) -> Iterator[Example]:
    for tree in increasing_length_trees(rng, alphabet_size):
        yield tree_example(tree, None, frozenset(), max_length)
