"""Synthetic knowledge bases for implicit reasoning: two-hop composition and comparison.

Follows Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit
Reasoners: A Mechanistic Journey to the Edge of Generalization" (NeurIPS
2024). Both settings have atomic facts and facts inferred from two of them:

* composition: every head entity has ``out_degree`` distinct relations with
  random tail entities; atomic (h, r) -> t, inferred (h, r1, r2) -> r2(r1(h)).
  A share of the atomic facts is out-of-distribution (OOD); an inferred fact
  is ID when both hops are ID, OOD when both are OOD, mixed otherwise.
* comparison: every entity has an integer value per attribute; atomic
  (e, a) -> value, inferred (a, e1, e2) -> <, = or >. Per attribute a share
  of the entities is OOD; a comparison is ID (OOD) when both entities are.

Everything here is a pure function of a random stream and sizes; the task
modules decide which facts go to which split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator, Optional

import numpy as np

from genforge.core.rng import RandomStream

ID, OOD, MIXED = "id", "ood", "mixed"


# -- composition ---------------------------------------------------------------
@dataclass(frozen=True)
class CompositionGraph:
    """Heads 0..entities-1, each with ``out_degree`` (relation, tail) pairs sorted by relation."""

    entities: int
    relations: int
    #: edges[h] = ((r, t), ...) sorted by r.
    edges: tuple[tuple[tuple[int, int], ...], ...]
    #: ood[h] = relations r whose atomic fact (h, r) is OOD.
    ood: tuple[frozenset, ...]
    #: ID / OOD relations of each head, for drawing hops of one kind.
    id_relations: tuple[tuple[int, ...], ...]
    ood_relations: tuple[tuple[int, ...], ...]
    #: OOD atomic facts (h, r) in a fixed order, for drawing OOD first hops.
    ood_facts: tuple[tuple[int, int], ...]

    @cached_property
    def atomic_index(self) -> list[tuple[int, int, int]]:
        """Every atomic fact (h, r, t) in (h, r) order, listed once per graph."""
        return list(self.atomic_facts())

    @cached_property
    def _tails(self) -> dict[tuple[int, int], int]:
        return {(h, r): t for h, pairs in enumerate(self.edges) for r, t in pairs}

    def tail(self, head: int, relation: int) -> Optional[int]:
        return self._tails.get((head, relation))

    def atomic_facts(self) -> Iterator[tuple[int, int, int]]:
        for head, pairs in enumerate(self.edges):
            for relation, tail in pairs:
                yield head, relation, tail

    def kind(self, head: int, first: int, second: int) -> str:
        """ID, OOD or MIXED for the inferred fact (head, first, second); both hops must exist."""
        bridge = self.tail(head, first)
        first_ood = first in self.ood[head]
        second_ood = second in self.ood[bridge]
        if first_ood and second_ood:
            return OOD
        return ID if not (first_ood or second_ood) else MIXED

    def inferred(self, head: int, first: int, second: int) -> Optional[int]:
        """r2(r1(h)), or None when a hop does not exist."""
        bridge = self.tail(head, first)
        return None if bridge is None else self.tail(bridge, second)

    def count_of_kind(self, kind: str) -> int:
        return self.hops(kind).inferred_count

    @cached_property
    def _atomic_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(h * relations + r for every atomic fact, ascending; its tails), for vectorised lookups."""
        keys = np.array([h * self.relations + r for h, pairs in enumerate(self.edges) for r, _ in pairs],
                        dtype=np.int64)
        tails = np.array([t for pairs in self.edges for _, t in pairs], dtype=np.int64)
        return keys, tails

    def tails_of(self, heads: np.ndarray, relations: np.ndarray) -> np.ndarray:
        """The tail of every (head, relation) pair; every pair must be an atomic fact."""
        keys, tails = self._atomic_arrays
        return tails[np.searchsorted(keys, heads * self.relations + relations)]

    @cached_property
    def _hops(self) -> dict:
        return {kind: Hops.of(self, kind) for kind in (ID, OOD)}

    def hops(self, kind: str) -> "Hops":
        return self._hops[kind]

    def draw_inferred(self, rng: RandomStream, kind: str) -> Optional[tuple[int, int, int]]:
        """A random inferred fact of ``kind``, or None when the draw hit a dead end."""
        if kind == ID:
            head = rng.below(self.entities)
            choices = self.id_relations[head]
            if not choices:
                return None
            first = rng.choice(choices)
            onward = self.id_relations[self.tail(head, first)]
        else:
            if not self.ood_facts:
                return None
            head, first = rng.choice(self.ood_facts)
            onward = self.ood_relations[self.tail(head, first)]
        if not onward:
            return None
        return head, first, rng.choice(onward)


@dataclass(frozen=True)
class Hops:
    """The hops of one kind (ID or OOD) as arrays: each head's relations of that kind (CSR: counts,
    starts, flat) and, for every such first hop, its head and bridge entity."""

    counts: np.ndarray
    starts: np.ndarray
    flat: np.ndarray
    heads: np.ndarray
    bridges: np.ndarray

    @classmethod
    def of(cls, graph: CompositionGraph, kind: str) -> "Hops":
        relations = graph.id_relations if kind == ID else graph.ood_relations
        counts = np.array([len(r) for r in relations], dtype=np.int64)
        flat = np.array([r for rs in relations for r in rs], dtype=np.int64)
        heads = np.repeat(np.arange(graph.entities, dtype=np.int64), counts)
        return cls(counts, np.cumsum(counts) - counts, flat, heads, graph.tails_of(heads, flat))

    @property
    def inferred_count(self) -> int:
        """Inferred facts of this kind: second hops of this kind from every first hop's bridge."""
        return int(self.counts[self.bridges].sum())


def build_composition_graph(rng: RandomStream, entities: int, relations: int, out_degree: int,
                            ood_share: float) -> CompositionGraph:
    """Random tails for ``out_degree`` distinct relations per head; exactly round(share * facts) OOD facts.

    Drawn as arrays: each head's relations are a uniform subset (ascending),
    each tail uniform over the entities, the OOD facts a uniform subset of
    all facts.
    """
    chosen = rng.row_subsets(entities, relations, out_degree)
    tails = rng.index_array(entities, entities * out_degree).astype(np.int64).reshape(entities, out_degree)
    edges = tuple(tuple(zip(row, tail_row)) for row, tail_row in zip(chosen.tolist(), tails.tolist()))
    ood_count = round(ood_share * entities * out_degree)
    ood_index = np.sort(rng.subset(entities * out_degree, ood_count))
    heads = (ood_index // max(1, out_degree)).tolist()
    ood_facts = tuple(zip(heads, chosen.reshape(-1)[ood_index].tolist()))
    ood: list[set] = [set() for _ in range(entities)]
    for head, relation in ood_facts:
        ood[head].add(relation)
    return CompositionGraph(
        entities, relations, edges, tuple(frozenset(s) for s in ood),
        tuple(tuple(r for r, _ in edges[h] if r not in ood[h]) for h in range(entities)),
        tuple(tuple(r for r, _ in edges[h] if r in ood[h]) for h in range(entities)),
        ood_facts,
    )


# -- comparison -------------------------------------------------------------------
@dataclass(frozen=True)
class AttributeTable:
    """values[a][e] in 0..value_count-1; ood[a] = OOD entities of attribute a."""

    entities: int
    attributes: int
    values: tuple[tuple[int, ...], ...]
    ood: tuple[frozenset, ...]
    id_entities: tuple[tuple[int, ...], ...]
    ood_entities: tuple[tuple[int, ...], ...]

    def kind(self, attribute: int, first: int, second: int) -> str:
        first_ood = first in self.ood[attribute]
        second_ood = second in self.ood[attribute]
        if first_ood and second_ood:
            return OOD
        return ID if not (first_ood or second_ood) else MIXED

    def compare(self, attribute: int, first: int, second: int) -> str:
        a, b = self.values[attribute][first], self.values[attribute][second]
        return "<" if a < b else ("=" if a == b else ">")

    def count_of_kind(self, kind: str) -> int:
        pools = self.id_entities if kind == ID else self.ood_entities
        return sum(len(p) * (len(p) - 1) for p in pools)

    def draw_pair(self, rng: RandomStream, kind: str) -> Optional[tuple[int, int, int]]:
        attribute = rng.below(self.attributes)
        pool = (self.id_entities if kind == ID else self.ood_entities)[attribute]
        size = len(pool)
        if size < 2:
            return None
        # rng.sample(pool, 2) without its index list of len(pool) (100,000 entities made every draw
        # cost milliseconds): the same two draws of a partial Fisher-Yates shuffle, so the same pair.
        first = rng.below(size)
        second = 1 + rng.below(size - 1)
        return attribute, pool[first], pool[0 if second == first else second]


def build_attribute_table(rng: RandomStream, entities: int, attributes: int, value_count: int,
                          ood_share: float) -> AttributeTable:
    values = tuple(tuple(rng.below(value_count) for _ in range(entities)) for _ in range(attributes))
    ood_count = round(ood_share * entities)
    ood = tuple(frozenset(rng.sample(range(entities), ood_count)) for _ in range(attributes))
    return AttributeTable(
        entities, attributes, values, ood,
        tuple(tuple(e for e in range(entities) if e not in ood[a]) for a in range(attributes)),
        tuple(tuple(e for e in range(entities) if e in ood[a]) for a in range(attributes)),
    )


# -- split buckets of inferred facts -----------------------------------------------------
# An inferred fact is an integer code (task-specific, a bijection with its input text). Its
# split bucket is a fixed mix of the code, so that train eligibility of every candidate fact
# can be computed at once in numpy, and the same fact always gets the same bucket.
_MASK = (1 << 64) - 1
_GOLDEN, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def bucket_salt(name: str) -> int:
    """A 64-bit salt per task, so two tasks' codes do not share buckets."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def code_bucket(code: int, salt: int) -> float:
    """The bucket in [0, 1) of one code: SplitMix64's finalizer, top 53 bits."""
    z = ((code ^ salt) + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    z ^= z >> 31
    return (z >> 11) / 9007199254740992.0


def code_buckets(codes: np.ndarray, salt: int) -> np.ndarray:
    """:func:`code_bucket` of every code (uint64 arithmetic wraps modulo 2**64, as the masks do)."""
    z = (codes.astype(np.uint64) ^ np.uint64(salt)) + np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / 9007199254740992.0


# -- vectorised candidate lists ---------------------------------------------------------
def _expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ranges ``starts[i] .. starts[i] + counts[i] - 1``."""
    total = int(counts.sum())
    group_start = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - group_start + np.repeat(starts, counts)


def composition_codes(graph: CompositionGraph, kind: str) -> np.ndarray:
    """Codes ``(h * R + r1) * R + r2`` of every inferred fact of ``kind``, in (h, r1, r2) order."""
    hops = graph.hops(kind)
    onward = hops.counts[hops.bridges]
    seconds = hops.flat[_expand(hops.starts[hops.bridges], onward)]
    size = graph.relations
    return ((np.repeat(hops.heads, onward) * size + np.repeat(hops.flat, onward)) * size + seconds).astype(np.uint64)


def draw_composition_codes(graph: CompositionGraph, rng: RandomStream, count: int) -> np.ndarray:
    """``count`` random ID inferred facts as codes, drawn as :meth:`CompositionGraph.draw_inferred`
    draws them (head, then an ID relation, then an ID relation of the bridge); dead ends dropped."""
    hops = graph.hops(ID)
    counts, starts, flat = hops.counts, hops.starts, hops.flat
    heads = rng.index_array(graph.entities, count).astype(np.int64)
    heads = heads[counts[heads] > 0]
    firsts = flat[starts[heads] + rng.bounded_array(counts[heads]).astype(np.int64)]
    bridges = graph.tails_of(heads, firsts)
    alive = counts[bridges] > 0
    heads, firsts, bridges = heads[alive], firsts[alive], bridges[alive]
    seconds = flat[starts[bridges] + rng.bounded_array(counts[bridges]).astype(np.int64)]
    size = graph.relations
    return ((heads * size + firsts) * size + seconds).astype(np.uint64)


def comparison_codes(table: AttributeTable, kind: str) -> np.ndarray:
    """Codes ``(a * E + e1) * E + e2`` of every comparison of ``kind`` (e1 != e2), in (a, e1, e2) order."""
    pools = table.id_entities if kind == ID else table.ood_entities
    parts = []
    for attribute, pool in enumerate(pools):
        entities = np.array(pool, dtype=np.int64)
        first, second = np.repeat(entities, entities.size), np.tile(entities, entities.size)
        keep = first != second
        parts.append((attribute * table.entities + first[keep]) * table.entities + second[keep])
    return np.concatenate(parts).astype(np.uint64) if parts else np.zeros(0, dtype=np.uint64)


def draw_comparison_codes(table: AttributeTable, rng: RandomStream, count: int) -> np.ndarray:
    """``count`` random ID comparisons as codes: an attribute, then two distinct ID entities of it."""
    sizes = np.array([len(p) for p in table.id_entities], dtype=np.int64)
    flat = np.array([e for pool in table.id_entities for e in pool], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    attributes = rng.index_array(table.attributes, count).astype(np.int64)
    attributes = attributes[sizes[attributes] >= 2]
    first = rng.bounded_array(sizes[attributes]).astype(np.int64)
    second = rng.bounded_array(sizes[attributes] - 1).astype(np.int64)
    second += second >= first  # distinct from the first, uniform over the rest
    base = attributes * table.entities
    codes = (base + flat[starts[attributes] + first]) * table.entities + flat[starts[attributes] + second]
    return codes.astype(np.uint64)


def choose_codes(
    rng: RandomStream,
    count: int,
    space: int,
    listing,
    drawing,
    eligible,
) -> Optional[np.ndarray]:
    """``count`` distinct eligible codes in random order; None when fewer exist.

    ``listing()`` gives every candidate code; ``drawing(n)`` n random ones;
    ``eligible(codes)`` a boolean mask. While the request is small against the
    ``space`` of candidates, codes are drawn in batches (the listing could be
    too large to hold); otherwise every eligible code is listed and a random
    subset taken (one random 64-bit key per code, lowest keys first).
    """
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    if 3 * count <= space:
        found = np.zeros(0, dtype=np.uint64)  # distinct eligible codes, in order of first draw
        for _ in range(64):
            batch = drawing(max(1024, 2 * (count - found.size)))
            drawn = np.concatenate([found, batch[eligible(batch)]])
            first = np.unique(drawn, return_index=True)[1]
            found = drawn[np.sort(first)]
            if found.size >= count:
                return found[:count]
    pool = listing()
    pool = pool[eligible(pool)]
    if pool.size < count:
        return None
    return pool[rng.subset(pool.size, count)]
