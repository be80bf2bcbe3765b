"""Which chain patterns ``held_out_patterns`` holds out: stratified by target and chain length (kinship).

A pattern is the relation-type sequence of a chain (``child,SO``). Backward
chaining (Sinha et al. 2019) splits an edge r into two whose composition is
r, so the patterns of k facts that can answer a target t are the sequences
with a bracketing that composes to t: :func:`pattern_universe` lists them
from the composition table (k = 2..4: 16, 51 and 180 patterns).

A plain hash of each pattern (genforge 1.0) held out 37 of them, one of
k = 2, and several targets had almost none, so the test split was 29% ``un``
and 8% k = 2. Instead, within every (target, k) group of at least two
patterns, the ``ceil(share x size)`` patterns with the highest hash bucket are
held out (the rest stay in train); a group of one pattern stays in train.
That holds out 57 patterns of k = 2..4, every target at k = 3 and 4 and five
of the nine at k = 2. Past ``MAX_LISTED_K`` facts the universe grows too large
to list, and the plain hash rule applies.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from math import ceil

from genforge.core.splits import text_bucket
from genforge.generators.kinship import load_rules

#: Longest chains whose patterns are listed (k = 6: a few thousand patterns; each k multiplies them by ~4).
MAX_LISTED_K = 6


@lru_cache(maxsize=None)
def pattern_universe(k_max: int) -> dict[tuple[str, int], tuple[str, ...]]:
    """(target, k) -> every pattern of k facts with a bracketing composing to target, k = 2..k_max."""
    rules = load_rules()
    by_length: dict[tuple[str, int], set[tuple[str, ...]]] = defaultdict(set)
    for relation in rules.relations:
        by_length[relation, 1].add((relation,))
    for k in range(2, k_max + 1):
        for (first, second), target in rules.compose.items():
            for split in range(1, k):
                for left in by_length.get((first, split), ()):
                    for right in by_length.get((second, k - split), ()):
                        by_length[target, k].add(left + right)
    return {(target, k): tuple(sorted(",".join(p) for p in by_length[target, k]))
            for target in rules.composable for k in range(2, k_max + 1) if by_length.get((target, k))}


@lru_cache(maxsize=None)
def held_out_patterns(k_min: int, k_max: int, share: float) -> frozenset[str]:
    """The held-out patterns of chains of k_min..k_max facts (see the module note)."""
    held: set[str] = set()
    for (target, k), group in pattern_universe(k_max).items():
        if k < k_min or len(group) < 2:
            continue
        ranked = sorted(group, key=lambda pattern: (-text_bucket(pattern), pattern))
        held.update(ranked[:min(len(group) - 1, ceil(share * len(group)))])
    return frozenset(held)


def is_seen_pattern(pattern: str, k_min: int, k_max: int, share: float) -> bool:
    """Whether a pattern is on the training side of held_out_patterns."""
    if k_max > MAX_LISTED_K:
        return text_bucket(pattern) < 1.0 - share
    return pattern not in held_out_patterns(k_min, k_max, share)
