"""A kinship relation algebra, derived by enumerating a small model family.

The third semantic domain of ``relation_algebra``: gender-neutral family
relations named as in CLUTRR (Sinha et al. 2019, "CLUTRR: A Diagnostic
Benchmark for Inductive Reasoning from Text", EMNLP 2019). An edge
(A, r, B) reads "B is A's r". Unlike RCC-8 and Allen's relations these do
not partition all pairs of people, so the algebra adds ``self`` (the
identity) and ``other`` (any pair the named relations do not cover, such as
cousins); both exist for the table only and never appear as an edge or a
target.

The composition table is derived, not transcribed: build a family of five
generations in which every couple has three children and the first two
children of each couple marry someone from outside the family (who brings
two parents and a sibling), compute the relation of every ordered pair of its
people, and collect, for every triple x, y, z, the relation of (x, z) under
those of (x, y) and (y, z). Being read off one model, the table satisfies
the converse and triangle laws that path consistency relies on. It covers
families without remarriage or marriage between relatives; within that
model it is exact, e.g. ``child o inv-un`` is {sibling, sibling-in-law}
(the uncle of my child is my sibling or my spouse's sibling), where CLUTRR's
rule book keeps only ``sibling``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

#: Named relations (CLUTRR's names), then the two closure-only relations.
KINSHIP_RELATIONS = ("child", "inv-child", "SO", "sibling", "grand", "inv-grand", "in-law", "inv-in-law",
                     "sibling-in-law", "un", "inv-un", "self", "other")
KINSHIP_CONVERSE = {"child": "inv-child", "inv-child": "child", "SO": "SO", "sibling": "sibling",
                    "grand": "inv-grand", "inv-grand": "grand", "in-law": "inv-in-law", "inv-in-law": "in-law",
                    "sibling-in-law": "sibling-in-law", "un": "inv-un", "inv-un": "un", "self": "self",
                    "other": "other"}
#: Relations that may label an edge or be a target.
KINSHIP_EDGE_RELATIONS = KINSHIP_RELATIONS[:-2]


@dataclass(frozen=True)
class Family:
    parents: tuple[tuple[int, ...], ...]   # () for founders and people who married in
    spouse: tuple[int, ...]                # -1 when unmarried


def model_family(generations: int = 5, children: int = 3, married_children: int = 2) -> Family:
    """The model family: founders, then ``children`` per couple, the first ``married_children`` marrying in.

    Everyone who marries in brings two parents and one sibling, so in-law
    relations reach into a second family too.
    """
    parents: list[tuple[int, ...]] = []
    spouse: list[int] = []

    def person(of: tuple[int, ...] = ()) -> int:
        parents.append(of)
        spouse.append(-1)
        return len(parents) - 1

    def marry(a: int, b: int) -> None:
        spouse[a], spouse[b] = b, a

    def outsider() -> int:
        mother, father = person(), person()
        marry(mother, father)
        partner = person((mother, father))
        person((mother, father))  # the partner's sibling
        return partner

    founders = (person(), person())
    marry(*founders)
    couples = [founders]
    for generation in range(1, generations):
        next_couples = []
        for couple in couples:
            for position in range(children):
                child = person(couple)
                if generation < generations - 1 and position < married_children:
                    partner = outsider()
                    marry(child, partner)
                    next_couples.append((child, partner))
        couples = next_couples
    return Family(tuple(parents), tuple(spouse))


def kinship_relation(family: Family, x: int, z: int) -> str:
    """The relation r with "z is x's r" (first match in the order below)."""
    parents, spouse = family.parents, family.spouse

    def siblings(a: int, b: int) -> bool:
        return a != b and bool(parents[a]) and parents[a] == parents[b]

    if x == z:
        return "self"
    if spouse[x] == z:
        return "SO"
    if z in parents[x]:
        return "inv-child"
    if x in parents[z]:
        return "child"
    if siblings(x, z):
        return "sibling"
    if any(z in parents[p] for p in parents[x]):
        return "inv-grand"
    if any(x in parents[p] for p in parents[z]):
        return "grand"
    if spouse[x] >= 0 and z in parents[spouse[x]]:
        return "inv-in-law"
    if spouse[z] >= 0 and x in parents[spouse[z]]:
        return "in-law"
    if (spouse[x] >= 0 and siblings(spouse[x], z)) or (spouse[z] >= 0 and siblings(x, spouse[z])):
        return "sibling-in-law"
    if any(siblings(p, z) for p in parents[x]):
        return "inv-un"
    if any(siblings(p, x) for p in parents[z]):
        return "un"
    return "other"


def derive_kinship_composition(family: Family | None = None) -> dict[str, dict[str, list[str]]]:
    family = family or model_family()
    people = range(len(family.parents))
    relation = {(x, z): kinship_relation(family, x, z) for x in people for z in people}
    seen: dict[tuple[str, str], set[str]] = {}
    for x, y, z in product(people, repeat=3):
        seen.setdefault((relation[x, y], relation[y, z]), set()).add(relation[x, z])
    return {
        first: {second: [r for r in KINSHIP_RELATIONS if r in seen.get((first, second), ())]
                for second in KINSHIP_RELATIONS}
        for first in KINSHIP_RELATIONS
    }


def kinship_table_document() -> dict:
    """The JSON document stored as ``data/relation_algebra/kinship.json``."""
    return {
        "algebra": "kinship",
        "title": "Kinship relations (gender-neutral, CLUTRR names)",
        "source": "Derived by genforge.generators.kinship_algebra.derive_kinship_composition from a model "
                  "family (5 generations, 3 children per couple, spouses from outside the family with their parents and a sibling). "
                  "Relation names of Sinha et al. (2019), CLUTRR, EMNLP 2019.",
        "relations": list(KINSHIP_RELATIONS),
        "identity": "self",
        "converse": dict(KINSHIP_CONVERSE),
        "edge_relations": list(KINSHIP_EDGE_RELATIONS),
        "composition": derive_kinship_composition(),
    }
