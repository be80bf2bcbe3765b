"""The EpiGNN generator's law for nested graphs (relation_algebra, k >= nesting_min_k, rcc8 and interval).

Khalid and Schockaert (2025), "Systematic Relational Reasoning With Epistemic
Graph Neural Networks" (ICLR 2025); their generator (repository
erg0dic/gnn-sg, ``src/comp_dataset_generator.py``) builds its test graphs in
three steps, re-implemented here from that description:

1. **Base chains.** ``b`` chains of two edges, each drawn uniformly among the
   two-edge chains (edge labels uniform over all basic relations) whose
   composition contains the target, redrawn together until their
   intersection is exactly the target.
2. **Flat expansion** to ``L`` edges: while a chain is shorter than ``L``, an
   edge at a uniform position is replaced by a chain of 2, 3 or 4 edges
   (uniform among those that still fit) drawn uniformly among the chains
   whose composition is exactly that edge's relation. Composition is
   associative, so the chain's closure does not change.
3. **Nesting** (path length ``k``): the base graph is expanded to
   ``k // 2 + 1`` edges per chain; then, in every chain, edges picked without
   replacement are each replaced by a sub-graph of 2..5 parallel chains of
   ``p`` edges (``p`` uniform in ``2..min(k - 2, k - length + 1)``), itself a
   flat graph (steps 1 and 2) closing to exactly that edge's relation, until
   every path has ``k`` edges. Every top-level chain is nested at least once.

Uniform labels kept only when a chain closes to one relation make identity
edges common (``EQ o r = r``): about a quarter of RCC-8 edges are ``EQ``.
The edge count's law follows from (k, b) alone (see the tests).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from typing import Optional

from genforge.core.rng import RandomStream
from genforge.generators.relation_algebra import Nested, SeriesParallelGraph, graph_closure, load_algebra

#: Longest replacement chain of the flat expansion (the original caches chains of 2, 3 and 4 edges).
LONGEST_REPLACEMENT = 4
#: Widths of a nested sub-graph (parallel chains).
NESTED_WIDTHS = (2, 5)
#: Joint redraws of the base chains before a draw counts as failed.
BASE_TRIES = 64


@lru_cache(maxsize=None)
def exact_chains(name: str, length: int) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """atom -> every chain of ``length`` edge atoms whose composition is exactly that atom."""
    algebra = load_algebra(name)
    found: list[list[tuple[int, ...]]] = [[] for _ in algebra.relations]
    table = algebra.set_compose
    for chain in product(algebra.edge_atoms, repeat=length):
        mask = 1 << chain[0]
        for atom in chain[1:]:
            mask = table[mask][atom]
        if mask & (mask - 1) == 0:
            found[mask.bit_length() - 1].append(chain)
    return tuple(tuple(chains) for chains in found)


@lru_cache(maxsize=None)
def containing_pairs(name: str) -> tuple[tuple[tuple[tuple[int, int], int], ...], ...]:
    """atom -> every two-edge chain whose composition contains it, with that composition (a mask)."""
    algebra = load_algebra(name)
    return tuple(
        tuple(((first, second), algebra.compose_atoms[first][second])
              for first in algebra.edge_atoms for second in algebra.edge_atoms
              if algebra.compose_atoms[first][second] >> target & 1)
        for target in range(len(algebra.relations)))


def base_chains(rng: RandomStream, name: str, target: int, count: int) -> Optional[list[list[int]]]:
    """Step 1: ``count`` two-edge chains whose intersection is exactly ``target`` (None after BASE_TRIES)."""
    pairs = containing_pairs(name)[target]
    want, size, below = 1 << target, len(pairs), rng.below
    for _ in range(BASE_TRIES):
        chosen = [pairs[below(size)] for _ in range(count)]
        mask = -1
        for _, composed in chosen:
            mask &= composed
        if mask == want:
            return [list(chain) for chain, _ in chosen]
    return None


def expand_chain(rng: RandomStream, name: str, chain: list[int], length: int) -> list[int]:
    """Step 2: replace edges by chains closing exactly to them until ``chain`` has ``length`` edges."""
    below = rng.below
    while len(chain) < length:
        position = below(len(chain))
        extra = below(min(LONGEST_REPLACEMENT - 1, length - len(chain)))  # the replacement adds 1 + extra edges
        options = exact_chains(name, extra + 2)[chain[position]]
        chain[position:position + 1] = options[below(len(options))]
    return chain


def flat_graph(rng: RandomStream, name: str, target: int, length: int, branches: int) -> Optional[list[list[int]]]:
    """Steps 1 and 2: ``branches`` chains of ``length`` edges whose intersection is exactly ``target``."""
    chains = base_chains(rng, name, target, branches)
    if chains is None:
        return None
    return [expand_chain(rng, name, chain, length) for chain in chains]


def nested_graph(rng: RandomStream, name: str, target: int, k: int, branches: int) -> Optional[SeriesParallelGraph]:
    """Step 3: a graph of ``branches`` top-level chains, every path ``k`` edges, closing exactly to ``target``."""
    base = flat_graph(rng, name, target, k // 2 + 1, branches)
    if base is None:
        return None
    low_width, high_width = NESTED_WIDTHS
    top = []
    for chain in base:
        segments: list = list(chain)
        free = list(range(len(chain)))
        length = len(chain)
        while length < k:
            position = free.pop(rng.below(len(free)))
            span = rng.integer(2, min(k - 2, k - length + 1))
            width = rng.integer(low_width, high_width)
            sub = flat_graph(rng, name, segments[position], span, width)
            if sub is None:
                return None
            segments[position] = Nested(tuple(tuple(c) for c in sub))
            length += span - 1
        top.append(tuple(segments))
    graph = SeriesParallelGraph(tuple(top), k)
    # Associativity keeps every replacement's closure; checked, so a table without it cannot mislabel.
    return graph if graph_closure(load_algebra(name), graph) == 1 << target else None
