"""Kinship reasoning after CLUTRR: family trees, composition rules, backward chaining, closure.

Sinha, Sodhani, Dong, Pineau, Hamilton (2019), "CLUTRR: A Diagnostic Benchmark
for Inductive Reasoning from Text", EMNLP. A story is a chain of k kinship
facts between distinct people; the question asks how the last person is
related to the first. Facts are edges ``(A, r, B)`` read "B is A's r"; the
relation types, their composition table, inverses and gendered words are
package data (``genforge/data/kinship/rules.json``).

The pieces, each a plain function:

* :func:`simulate_family`: a random family tree (a networkx DiGraph of
  parent -> child edges, spouses as node attributes), generation by generation.
* :func:`family_tree`: the tree's kinship edges and, for every edge, the ways
  it splits into two edges through a third person that compose to it. This is
  the precomputation that makes backward chaining a few list look-ups.
* :func:`backward_chain`: start from a target edge and repeatedly replace one
  story edge by two that compose to it, until the story has k edges.
* :func:`add_noise`: CLUTRR's three noise kinds (supporting, irrelevant,
  disconnected facts).
* :func:`closure`: every relation derivable from a set of facts by the
  composition table and inverses (breadth first); a story is kept only when
  the closure gives its query exactly one relation, the target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, NamedTuple, Optional

import networkx as nx

from genforge.core.rng import RandomStream

GENDERS = ("male", "female")
#: A fact ``(A, relation type, B)``: B is A's relation.
Fact = tuple[int, str, int]


def load_data(name: str) -> dict:
    """One JSON file of ``genforge/data/kinship/``."""
    text = resources.files("genforge").joinpath("data/kinship", name).read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class KinshipRules:
    """Relation types, their composition table, inverses and surface words."""

    relations: tuple[str, ...]
    words: Mapping[str, Mapping[str, str]]
    compose: Mapping[tuple[str, str], str]
    #: r -> the type of the reversed edge (inverse pairs both ways, symmetric types to themselves).
    inverse: Mapping[str, str]
    #: surface word -> (relation type, gender)
    word_meaning: Mapping[str, tuple[str, str]]
    #: types that some rule produces, in table order: the possible targets of chains
    composable: tuple[str, ...]
    #: the same facts as integer codes (relation -> index in ``relations``), for the closure
    code: Mapping[str, int]
    #: compose_table[r1 * len(relations) + r2] = code of r1 . r2, or -1
    compose_table: tuple[int, ...]
    inverse_codes: tuple[int, ...]
    has_after: tuple[bool, ...]
    has_before: tuple[bool, ...]

    def word(self, relation: str, gender: str) -> str:
        return self.words[relation][gender]


@lru_cache(maxsize=1)
def load_rules() -> KinshipRules:
    data = load_data("rules.json")
    compose = {(r1, r2): r for r1, row in data["compose"].items() for r2, r in row.items()}
    inverse = {}
    for forward, backward in data["inverse"].items():
        inverse[forward] = backward
        inverse[backward] = forward
    for relation in data["symmetric"]:
        inverse[relation] = relation
    words = data["words"]
    meaning = {words[r][g]: (r, g) for r in data["relations"] for g in GENDERS}
    produced = set(compose.values())
    composable = tuple(r for r in data["relations"] if r in produced)
    firsts = {r1 for r1, _ in compose}
    seconds = {r2 for _, r2 in compose}
    relations = tuple(data["relations"])
    code = {r: i for i, r in enumerate(relations)}
    table = [-1] * (len(relations) ** 2)
    for (r1, r2), r in compose.items():
        table[code[r1] * len(relations) + code[r2]] = code[r]
    return KinshipRules(
        relations, words, compose, inverse, meaning, composable, code, tuple(table),
        tuple(code[inverse[r]] if r in inverse else -1 for r in relations),
        tuple(r in firsts for r in relations), tuple(r in seconds for r in relations),
    )


# -- family trees -------------------------------------------------------------


def simulate_family(
    rng: RandomStream, generations: int, children_min: int, children_max: int, marriage_probability: float
) -> nx.DiGraph:
    """A family tree: nodes 0.. with ``gender``, ``generation`` and ``spouse``; edges parent -> child.

    Generation 0 is one couple. Every couple of a generation that is not the
    last has ``children_min..children_max`` children; every child marries
    (a new person from outside the family) with ``marriage_probability``.
    Only married couples have children, so siblings share both parents.
    """
    graph = nx.DiGraph()

    def person(gender: str, generation: int) -> int:
        node = graph.number_of_nodes()
        graph.add_node(node, gender=gender, generation=generation, spouse=None)
        return node

    def marry(a: int, b: int) -> None:
        graph.nodes[a]["spouse"] = b
        graph.nodes[b]["spouse"] = a

    couples = [(person("male", 0), person("female", 0))]
    marry(*couples[0])
    for generation in range(1, generations):
        next_couples = []
        for couple in couples:
            for _ in range(rng.integer(children_min, children_max)):
                gender = GENDERS[rng.below(2)]
                child = person(gender, generation)
                graph.add_edge(couple[0], child)
                graph.add_edge(couple[1], child)
                if rng.random() < marriage_probability:
                    spouse = person(GENDERS[1 - GENDERS.index(gender)], generation)
                    marry(child, spouse)
                    next_couples.append((child, spouse))
        couples = next_couples
    return graph


def kinship_edges(graph: nx.DiGraph) -> dict[tuple[int, int], str]:
    """(A, B) -> relation type for every related pair of the tree (blood relations, no step-kin).

    Uncles, aunts, nephews and nieces are by blood; a pair matching several
    definitions (impossible without intermarriage) keeps the first type of
    ``KinshipRules.relations``.
    """
    parents = {n: tuple(sorted(graph.predecessors(n))) for n in graph.nodes}
    children = {n: tuple(sorted(graph.successors(n))) for n in graph.nodes}
    spouse = {n: graph.nodes[n]["spouse"] for n in graph.nodes}

    def spouses(people: Iterable[int]) -> list[int]:
        return [spouse[p] for p in people if spouse[p] is not None]

    def siblings(n: int) -> list[int]:
        return [s for s in children[parents[n][0]] if s != n] if parents[n] else []

    def children_of(people: Iterable[int]) -> list[int]:
        return [c for p in people for c in children[p]]

    def parents_of(people: Iterable[int]) -> list[int]:
        return [q for p in people for q in parents[p]]

    def siblings_of(people: Iterable[int]) -> list[int]:
        return [s for p in people for s in siblings(p)]

    edges: dict[tuple[int, int], str] = {}
    for a in sorted(graph.nodes):
        own_spouse = spouses([a])
        candidates = (
            ("child", children[a]),
            ("inv-child", parents[a]),
            ("SO", own_spouse),
            ("sibling", siblings(a)),
            ("grand", children_of(children[a])),
            ("inv-grand", parents_of(parents[a])),
            ("in-law", spouses(children[a])),
            ("inv-in-law", parents_of(own_spouse)),
            ("sibling-in-law", spouses(siblings(a)) + siblings_of(own_spouse)),
            ("un", children_of(siblings(a))),
            ("inv-un", siblings_of(parents[a])),
        )
        for relation, people in candidates:
            for b in people:
                if b != a:
                    edges.setdefault((a, b), relation)
    return edges


@dataclass(frozen=True)
class FamilyTree:
    """A tree's kinship edges, prepared for fast chaining (built once per pool)."""

    genders: tuple[str, ...]
    relation: Mapping[tuple[int, int], str]
    #: node -> ((neighbour, relation type), ...) in node order
    neighbours: tuple[tuple[tuple[int, str], ...], ...]
    #: relation type -> ((A, B), ...): the possible starting edges of a chain
    edges_by_type: Mapping[str, tuple[tuple[int, int], ...]]
    #: every edge, in a fixed order (for disconnected noise)
    all_edges: tuple[tuple[int, int], ...]
    #: (A, C) -> ((B, r1, r2), ...) with (A r1 B), (B r2 C) in the tree and r1 . r2 = relation(A, C)
    splits: Mapping[tuple[int, int], tuple[tuple[int, str, str], ...]]


def family_tree(graph: nx.DiGraph, rules: KinshipRules) -> FamilyTree:
    relation = kinship_edges(graph)
    size = graph.number_of_nodes()
    neighbours: list[list[tuple[int, str]]] = [[] for _ in range(size)]
    for (a, b), r in sorted(relation.items()):
        neighbours[a].append((b, r))
    compose = rules.compose
    splits = {}
    edges_by_type: dict[str, list[tuple[int, int]]] = {r: [] for r in rules.relations}
    for (a, c), r in sorted(relation.items()):
        edges_by_type[r].append((a, c))
        options = []
        for b, r1 in neighbours[a]:
            r2 = relation.get((b, c))
            if r2 is not None and compose.get((r1, r2)) == r:
                options.append((b, r1, r2))
        if options:
            splits[(a, c)] = tuple(options)
    return FamilyTree(
        genders=tuple(graph.nodes[n]["gender"] for n in range(size)),
        relation=relation,
        neighbours=tuple(tuple(n) for n in neighbours),
        edges_by_type={r: tuple(e) for r, e in edges_by_type.items()},
        all_edges=tuple(sorted(relation)),
        splits=splits,
    )


# -- stories ------------------------------------------------------------------


class Chain(NamedTuple):
    """A story's reasoning chain: people ``nodes[0..k]``, ``relations[i]`` links node i to i+1.

    ``steps`` records the backward chaining, one ``(A, r, C, B, r1, r2)`` per
    split of edge (A r C) into (A r1 B), (B r2 C). A NamedTuple (immutable)
    because one is built per draw, where a frozen dataclass costs more.
    """

    nodes: tuple[int, ...]
    relations: tuple[str, ...]
    steps: tuple[tuple[int, str, int, int, str, str], ...]

    @property
    def target(self) -> str:
        return self.steps[0][1] if self.steps else self.relations[0]

    def facts(self) -> list[Fact]:
        nodes = self.nodes
        return [(nodes[i], r, nodes[i + 1]) for i, r in enumerate(self.relations)]


def backward_chain(rng: RandomStream, tree: FamilyTree, target: str, k: int) -> Optional[Chain]:
    """A chain of ``k`` distinct-person edges composing to a ``target`` edge of ``tree``, or None.

    Each step picks a uniformly random chain edge to start from, takes the
    first edge (cyclically) that splits through a person not yet in the chain,
    and splits it through a uniformly random such person.
    """
    starts = tree.edges_by_type.get(target)
    if not starts:
        return None
    below = rng.below
    a, c = starts[below(len(starts))]
    nodes, relations, steps = [a, c], [target], []
    splits = tree.splits
    for count in range(1, k):
        start = below(count) if count > 1 else 0
        for i in range(start - count, start):  # negative indices first: the cyclic order from ``start``
            i %= count
            options = splits.get((nodes[i], nodes[i + 1]))
            if not options:
                continue
            # Try one uniform pick before filtering: uniform over the valid options either way.
            choice = options[below(len(options))] if len(options) > 1 else options[0]
            if choice[0] not in nodes:  # ``nodes``: the people already in the chain (a short list)
                break
            valid = [s for s in options if s[0] not in nodes]
            if valid:
                choice = valid[below(len(valid))] if len(valid) > 1 else valid[0]
                break
        else:
            return None
        b, r1, r2 = choice
        steps.append((nodes[i], relations[i], nodes[i + 1], b, r1, r2))
        nodes.insert(i + 1, b)
        relations[i] = r2
        relations.insert(i, r1)
    # tuple.__new__: the NamedTuple without its Python-level constructor (one chain per draw).
    return tuple.__new__(Chain, (tuple(nodes), tuple(relations), tuple(steps)))


class Noise(NamedTuple):
    """Extra facts of a story, by CLUTRR's kinds."""

    supporting: tuple[Fact, ...] = ()
    irrelevant: tuple[Fact, ...] = ()
    disconnected: tuple[Fact, ...] = ()


def add_noise(
    rng: RandomStream, tree: FamilyTree, chain: Chain, supporting: int, irrelevant: int, disconnected: int
) -> Optional[Noise]:
    """Noise facts from the same tree (so they are true), or None when the tree has too few people.

    * supporting: pairs (X, r1, Y), (Y, r2, Z) through a new person Y for a
      chain edge (X, r, Z) with r1 . r2 = r: a second, consistent path;
    * irrelevant: one edge from a chain person to a new person (a dead end);
    * disconnected: edges among new people linked to no story person.
    """
    used = set(chain.nodes)
    supporting_facts: list[Fact] = []
    for _ in range(supporting // 2):
        count = len(chain.relations)
        start = rng.below(count)
        for offset in range(count):
            i = (start + offset) % count
            x, z = chain.nodes[i], chain.nodes[i + 1]
            options = [s for s in tree.splits.get((x, z), ()) if s[0] not in used]
            if options:
                break
        else:
            return None
        y, r1, r2 = options[rng.below(len(options))]
        used.add(y)
        supporting_facts += [(x, r1, y), (y, r2, z)]
    irrelevant_facts: list[Fact] = []
    for _ in range(irrelevant):
        for _attempt in range(2 * len(chain.nodes)):
            x = chain.nodes[rng.below(len(chain.nodes))]
            options = [(y, r) for y, r in tree.neighbours[x] if y not in used]
            if options:
                y, r = options[rng.below(len(options))]
                used.add(y)
                irrelevant_facts.append((x, r, y))
                break
        else:
            return None
    disconnected_facts: list[Fact] = []
    edges = tree.all_edges
    stated: set[tuple[int, int]] = set()
    for _ in range(disconnected):
        for _attempt in range(64):
            x, y = edges[rng.below(len(edges))]
            # Each pair at most once, in either direction, so no fact is repeated or merely inverted.
            if x not in used and y not in used and (x, y) not in stated:
                stated.update(((x, y), (y, x)))
                disconnected_facts.append((x, tree.relation[(x, y)], y))
                break
        else:
            return None
    return Noise(tuple(supporting_facts), tuple(irrelevant_facts), tuple(disconnected_facts))


def closure_masks(size: int, facts: Iterable[tuple[int, int, int]], rules: KinshipRules) -> list[int]:
    """Closure over people ``0..size-1`` and relation codes: ``known[a * size + b]`` is a bitmask of codes.

    Semi-naive forward chaining: each new fact is composed with the facts
    already known on either side of it, so every pair of facts meets once.
    Integers instead of names because long chains make this the hot spot.
    """
    width = len(rules.relations)
    table, inverse = rules.compose_table, rules.inverse_codes
    has_after, has_before = rules.has_after, rules.has_before
    known = [0] * (size * size)
    outgoing: list[list] = [[] for _ in range(size)]
    incoming: list[list] = [[] for _ in range(size)]
    pending = list(facts)
    pop, push = pending.pop, pending.append
    while pending:
        a, r, b = pop()
        if a == b:
            continue
        index = a * size + b
        bit = 1 << r
        if known[index] & bit:
            continue
        known[index] |= bit
        outgoing[a].append((r, b))
        incoming[b].append((a, r))
        backward = inverse[r]
        if backward >= 0:
            push((b, backward, a))
        if has_after[r]:
            row = r * width
            for r2, c in outgoing[b]:
                composed = table[row + r2]
                if composed >= 0:
                    push((a, composed, c))
        if has_before[r]:
            for z, r0 in incoming[a]:
                composed = table[r0 * width + r]
                if composed >= 0:
                    push((z, composed, b))
    return known


def _relations_of(mask: int, rules: KinshipRules) -> set[str]:
    return {r for code, r in enumerate(rules.relations) if mask >> code & 1}


def closure(facts: Iterable[tuple], rules: KinshipRules) -> dict[tuple, set[str]]:
    """(A, B) -> every relation type derivable for it from ``facts`` (composition and inverses)."""
    facts = list(facts)
    people: dict = {}
    for a, _, b in facts:
        people.setdefault(a, len(people))
        people.setdefault(b, len(people))
    size = len(people)
    code = rules.code
    known = closure_masks(size, [(people[a], code[r], people[b]) for a, r, b in facts], rules)
    names = list(people)
    return {(names[i // size], names[i % size]): _relations_of(mask, rules) for i, mask in enumerate(known) if mask}


@lru_cache(maxsize=65536)
def chain_answers(relations: tuple[str, ...]) -> frozenset:
    """The closure's relations for (first, last) of a bare chain: a function of its pattern only."""
    rules = load_rules()
    code = rules.code
    size = len(relations) + 1
    known = closure_masks(size, [(i, code[r], i + 1) for i, r in enumerate(relations)], rules)
    return frozenset(_relations_of(known[size - 1], rules))


def story_answers(chain: Chain, noise: Noise, rules: KinshipRules) -> frozenset:
    """The closure's relations for the query (first, last) of a story with noise."""
    if not noise.supporting and not noise.irrelevant:
        # Disconnected facts share no person with the chain, so they cannot reach the query.
        return chain_answers(chain.relations)
    facts = chain.facts() + list(noise.supporting) + list(noise.irrelevant)
    people = {person: index for index, person in enumerate(chain.nodes)}
    for a, _, b in facts:
        people.setdefault(b, len(people))
    size = len(people)
    code = rules.code
    known = closure_masks(size, [(people[a], code[r], people[b]) for a, r, b in facts], rules)
    first, last = people[chain.nodes[0]], people[chain.nodes[-1]]
    return frozenset(_relations_of(known[first * size + last], rules))
