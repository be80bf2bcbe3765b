"""Kinship graphs for ``relation_algebra``, drawn as walks through the model family.

The kinship table (``kinship_algebra.py``) is read off one model family and
is not extensional, so graphs drawn from the table alone (as for RCC-8 and
intervals) can be inconsistent: every composition along them is allowed,
yet no family realises them all at once, and path consistency then finds
no relation at all. Drawing every branch as a walk between two people of
the model family avoids that: the people are a realisation of the graph, so
algebraic closure and path consistency both contain the true relation, and
when closure leaves one relation it is the answer.

A branch from s to t of k edges is a walk of exactly k steps between named
relatives; each step picks among the relatives from which t is still
reachable in the steps left, weighted by ``|r(cur, next) o r(next, t)| **
-tightness`` so that walks stay informative. Nested sub-graphs replace a
stretch of the walk by 2..5 parallel walks between its two ends whose
closure is exactly the relation of those ends.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from genforge.core.rng import RandomStream
from genforge.generators.kinship_algebra import kinship_relation, model_family
from genforge.generators.relation_algebra import (
    Algebra, GraphShape, Nested, Segment, SeriesParallelGraph, flat_branches, graph_closure, load_algebra,
    parallel_closure,
)


@dataclass(frozen=True)
class FamilyModel:
    algebra: Algebra
    tightness: float
    relation: tuple[tuple[int, ...], ...]                  # [x][z] -> atom with "z is x's atom"
    neighbours: tuple[tuple[tuple[int, int], ...], ...]     # [x] -> ((z, atom), ...) for edge atoms
    pairs_by_atom: dict                                    # atom -> ((s, t), ...)
    #: [atom][atom] -> |atom o atom| ** -tightness, the step weights.
    step_weight: tuple[tuple[float, ...], ...] = ()
    _reach: dict = field(default_factory=dict, compare=False, repr=False)
    _steps: dict = field(default_factory=dict, compare=False, repr=False)
    _step_rows: dict = field(default_factory=dict, compare=False, repr=False)

    def steps(self, current: int, end: int, left: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(next people, cumulative 64-bit thresholds) for a step from ``current`` with ``left`` steps to go."""
        key = (current, end, left)
        found = self._steps.get(key)
        if found is None:
            allowed = self.reach(end, left)
            choices = [(z, atom) for z, atom in self.neighbours[current] if allowed >> z & 1]
            weights = [self.step_weight[atom][self.relation[z][end]] for z, atom in choices]
            total, running, thresholds = sum(weights), 0.0, []
            for weight in weights:
                running += weight / total
                thresholds.append(min(int(running * 2.0 ** 64), 2 ** 64))
            thresholds[-1] = 2 ** 64
            found = self._steps[key] = (tuple(z for z, _ in choices), tuple(thresholds))
        return found

    def step_rows(self, end: int, length: int) -> list[tuple[int, list]]:
        """(left, row) for left = length - 1 .. 0, where ``row[current]`` caches ``steps(current, end, left)``
        (None until first asked): a walk's steps read by list index instead of a tuple key."""
        rows = self._step_rows.setdefault(end, [])
        while len(rows) < length:
            rows.append([None] * len(self.neighbours))
        return [(left, rows[left]) for left in range(length - 1, -1, -1)]

    def reach(self, end: int, steps: int) -> int:
        """Bitmask of the people with a walk of exactly ``steps`` named edges to ``end``."""
        layers = self._reach.setdefault(end, [1 << end])
        while len(layers) <= steps:
            previous = layers[-1]
            mask = 0
            for person, pairs in enumerate(self.neighbours):
                if any(previous >> other & 1 for other, _ in pairs):
                    mask |= 1 << person
            layers.append(mask)
        return layers[steps]


@lru_cache(maxsize=None)
def family_model(tightness: float) -> FamilyModel:
    algebra = load_algebra("kinship")
    family = model_family()
    people = range(len(family.parents))
    relation = tuple(tuple(algebra.index[kinship_relation(family, x, z)] for z in people) for x in people)
    edge = set(algebra.edge_atoms)
    neighbours = tuple(tuple((z, relation[x][z]) for z in people if relation[x][z] in edge) for x in people)
    pairs: dict[int, list] = {atom: [] for atom in algebra.edge_atoms}
    for x in people:
        for z, atom in neighbours[x]:
            pairs[atom].append((x, z))
    size = len(algebra.relations)
    step_weight = tuple(tuple(bin(algebra.compose_atoms[a][b]).count("1") ** -tightness for b in range(size))
                        for a in range(size))
    return FamilyModel(algebra, tightness, relation, neighbours, {a: tuple(p) for a, p in pairs.items()},
                       step_weight)


def walk(rng: RandomStream, model: FamilyModel, start: int, end: int, length: int) -> Optional[list[int]]:
    """People p0=start .. p_length=end, consecutive ones named relatives; None when impossible."""
    if not model.reach(end, length) >> start & 1:
        return None
    people = [start]
    current = start
    # The step tables are cached on the model, by list index (step_rows); only the missing ones are built.
    build = model.steps
    word, find = rng.word, bisect.bisect_right
    for left, row in model.step_rows(end, length):
        step = row[current]
        if step is None:
            step = row[current] = build(current, end, left)
        choices, thresholds = step
        current = choices[find(thresholds, word())]
        people.append(current)
    return people


def atoms_of_walk(model: FamilyModel, people: list[int]) -> tuple[int, ...]:
    relation = model.relation
    return tuple([relation[a][b] for a, b in zip(people, people[1:])])


def nested_between(rng: RandomStream, model: FamilyModel, start: int, end: int, span: int,
                   shape: GraphShape) -> Optional[Nested]:
    """2..max_nested_branches walks start -> end of ``span`` steps closing to exactly r(start, end)."""
    atom = model.relation[start][end]
    if atom not in model.algebra.edge_atoms:
        return None
    for _ in range(shape.tries):
        count = rng.integer(2, shape.max_nested_branches)
        chains = []
        for _ in range(count):
            people = walk(rng, model, start, end, span)
            if people is None:
                return None
            chains.append(atoms_of_walk(model, people))
        if parallel_closure(model.algebra, chains) == 1 << atom:
            return Nested(tuple(chains))
    return None


def branch_between(rng: RandomStream, model: FamilyModel, start: int, end: int, length: int,
                   shape: GraphShape) -> Optional[tuple[Segment, ...]]:
    people = walk(rng, model, start, end, length)
    if people is None:
        return None
    segments: list[Segment] = []
    position = 0
    while position < length:
        widest = min(5, length - position, length - 1)
        if shape.nest_share > 0 and widest >= 2 and rng.random() < shape.nest_share:
            span = rng.integer(2, widest)
            nested = nested_between(rng, model, people[position], people[position + span], span, shape)
            if nested is not None:
                segments.append(nested)
                position += span
                continue
        segments.append(model.relation[people[position]][people[position + 1]])
        position += 1
    return tuple(segments)


def sample_kinship_graph(rng: RandomStream, model: FamilyModel, target: int, length: int, branches: int,
                         shape: GraphShape = GraphShape()) -> Optional[SeriesParallelGraph]:
    """A graph realised in the model family whose closure is exactly {target}, or None."""
    algebra = model.algebra
    start, end = rng.choice(model.pairs_by_atom[target])
    fixed = []
    for _ in range(branches - 1):
        branch = branch_between(rng, model, start, end, length, shape)
        if branch is None:
            return None
        fixed.append(branch)
    partial = graph_closure(algebra, SeriesParallelGraph(tuple(fixed), length)) if fixed else algebra.universe
    want = 1 << target
    for _ in range(shape.tries):
        last = branch_between(rng, model, start, end, length, shape)
        if last is None:
            return None
        if partial & graph_closure(algebra, SeriesParallelGraph((last,), length)) == want:
            return SeriesParallelGraph(tuple(fixed) + (last,), length)
    return None


def sample_flat_walks(rng: RandomStream, model: FamilyModel, target: int, length: int, branches: int,
                      tries: int = 8) -> Optional[list[list[int]]]:
    """``sample_kinship_graph(..., GraphShape(0.0, tries=tries))`` inlined for graphs without nesting: the
    branches as atom lists, or None; the same draws (and the same result) as that call.

    Every walk joins the same two people, so one reachability test stands for each walk's own; the closure
    of a branch is composed left to right, as ``graph_closure`` composes it.
    """
    start, end = rng.choice(model.pairs_by_atom[target])
    if not model.reach(end, length) >> start & 1:
        return None  # every walk would be None: the first one ends the draw
    relation, table = model.relation, model.algebra.set_compose
    build = model.steps
    word, find = rng.word, bisect.bisect_right
    rows = model.step_rows(end, length)

    def draw_chain() -> tuple[list[int], int]:
        current, atoms = start, []
        for left, row in rows:
            step = row[current]
            if step is None:
                step = row[current] = build(current, end, left)
            choices, thresholds = step
            following = choices[find(thresholds, word())]
            atoms.append(relation[current][following])
            current = following
        mask = 1 << atoms[0]
        for atom in atoms[1:]:
            mask = table[mask][atom]
        return atoms, mask

    return flat_branches(draw_chain, target, branches, tries)
