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

from dataclasses import dataclass
from typing import Callable, Hashable, Iterator, Optional

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

    def tail(self, head: int, relation: int) -> Optional[int]:
        for r, t in self.edges[head]:
            if r == relation:
                return t
        return None

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

    def inferred_of_kind(self, kind: str) -> Iterator[tuple[int, int, int]]:
        """Every inferred fact (h, r1, r2) of ``kind`` (ID or OOD), in (h, r1, r2) order."""
        relations = self.id_relations if kind == ID else self.ood_relations
        for head in range(self.entities):
            for first in relations[head]:
                bridge = self.tail(head, first)
                for second in relations[bridge]:
                    yield head, first, second

    def count_of_kind(self, kind: str) -> int:
        relations = self.id_relations if kind == ID else self.ood_relations
        return sum(len(relations[self.tail(h, r)]) for h in range(self.entities) for r in relations[h])

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


def build_composition_graph(rng: RandomStream, entities: int, relations: int, out_degree: int,
                            ood_share: float) -> CompositionGraph:
    """Random tails for ``out_degree`` distinct relations per head; exactly round(share * facts) OOD facts."""
    edges = []
    for _ in range(entities):
        chosen = sorted(rng.sample(range(relations), out_degree))
        edges.append(tuple((r, rng.below(entities)) for r in chosen))
    facts = [(h, r) for h in range(entities) for r, _ in edges[h]]
    ood_count = round(ood_share * len(facts))
    ood_facts = sorted(rng.sample(facts, ood_count))
    ood: list[set] = [set() for _ in range(entities)]
    for head, relation in ood_facts:
        ood[head].add(relation)
    return CompositionGraph(
        entities, relations, tuple(edges), tuple(frozenset(s) for s in ood),
        tuple(tuple(r for r, _ in edges[h] if r not in ood[h]) for h in range(entities)),
        tuple(tuple(r for r, _ in edges[h] if r in ood[h]) for h in range(entities)),
        tuple(ood_facts),
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

    def pairs_of_kind(self, kind: str) -> Iterator[tuple[int, int, int]]:
        """Every comparison (a, e1, e2) with e1 != e2 of ``kind``, in order."""
        pools = self.id_entities if kind == ID else self.ood_entities
        for attribute in range(self.attributes):
            for first in pools[attribute]:
                for second in pools[attribute]:
                    if first != second:
                        yield attribute, first, second

    def count_of_kind(self, kind: str) -> int:
        pools = self.id_entities if kind == ID else self.ood_entities
        return sum(len(p) * (len(p) - 1) for p in pools)

    def draw_pair(self, rng: RandomStream, kind: str) -> Optional[tuple[int, int, int]]:
        attribute = rng.below(self.attributes)
        pool = (self.id_entities if kind == ID else self.ood_entities)[attribute]
        if len(pool) < 2:
            return None
        first, second = rng.sample(pool, 2)
        return attribute, first, second


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


# -- choosing facts ----------------------------------------------------------------------
def choose_distinct(
    rng: RandomStream,
    count: int,
    space: int,
    draw: Callable[[RandomStream], Optional[Hashable]],
    everything: Callable[[], Iterator[Hashable]],
    eligible: Callable[[Hashable], bool],
) -> Optional[list]:
    """``count`` distinct eligible items, in random order; None when fewer exist.

    Draws at random while the request is small against the ``space`` of
    candidates; when it asks for a large share of them, lists every
    eligible candidate and samples without replacement instead (rejection
    would crawl as the chosen set fills up).
    """
    if count == 0:
        return []
    if 3 * count <= space:
        chosen: dict = {}
        budget = 50 * count + 10_000
        while len(chosen) < count and budget:
            budget -= 1
            item = draw(rng)
            if item is not None and item not in chosen and eligible(item):
                chosen[item] = None
        if len(chosen) == count:
            return list(chosen)
    pool = [item for item in everything() if eligible(item)]
    if len(pool) < count:
        return None
    return rng.sample(pool, count)

