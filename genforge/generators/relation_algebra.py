"""Qualitative relation algebras (RCC-8, Allen's intervals) and series-parallel constraint graphs.

The setting follows Khalid and Schockaert (2025), "Systematic Relational
Reasoning With Epistemic Graph Neural Networks" (ICLR 2025): a graph whose
edges carry basic relations, from a source 0 to a sink, is labelled with the
relation that algebraic closure derives for (source, sink): compose along
paths, intersect across parallel branches.

Relations are bits; a set of relations is an int bitmask. The composition
tables are package data (``genforge/data/relation_algebra/<algebra>.json``):
RCC-8 transcribed from the literature, the interval table derived here by
enumerating endpoint orders (:func:`derive_interval_composition`), the
kinship table derived from a model family (``kinship_algebra.py``). For speed
each algebra precomputes ``set_compose[mask][atom]``, the composition of a
set with a basic relation, so a chain costs one list lookup per edge.

Why generated graphs are consistent and their label exact: composition in
both algebras is extensional (strong): ``r in r1 o r2`` means that for *every*
pair x r z there is a y with x r1 y and y r2 z (Allen 1983 for intervals; Li
and Ying 2003 for RCC-8 over regular closed sets). Induction over the
series-parallel structure then shows that the closure of every component is
exactly the set of relations its endpoints can have, provided no
intersection is empty. The sampler below builds every branch backwards from
the target, so the target lies in every intersection; the label is
therefore the minimal one, and path consistency derives the same.

The kinship table is read off one model family rather than proven
extensional; the tests check its labels against path consistency as well.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import count, product
from typing import TYPE_CHECKING, Iterable, Optional

from genforge.core.rng import RandomStream

if TYPE_CHECKING:  # networkx (~0.1 s to import) is read only by the solver, imported there
    import networkx as nx

ALGEBRAS = ("rcc8", "interval", "kinship")

#: Allen's 13 basic relations in the order used for their bits.
INTERVAL_RELATIONS = ("<", ">", "m", "mi", "o", "oi", "s", "si", "d", "di", "f", "fi", "=")
INTERVAL_CONVERSE = {"<": ">", ">": "<", "m": "mi", "mi": "m", "o": "oi", "oi": "o", "s": "si", "si": "s",
                     "d": "di", "di": "d", "f": "fi", "fi": "f", "=": "="}


# -- deriving the interval table ---------------------------------------------
def interval_relation(first: tuple[int, int], second: tuple[int, int]) -> str:
    """Allen's basic relation of interval ``first`` to interval ``second`` (start < end)."""
    (a1, a2), (b1, b2) = first, second
    if a2 < b1:
        return "<"
    if b2 < a1:
        return ">"
    if a2 == b1:
        return "m"
    if b2 == a1:
        return "mi"
    if a1 == b1 and a2 == b2:
        return "="
    if a1 == b1:
        return "s" if a2 < b2 else "si"
    if a2 == b2:
        return "f" if a1 > b1 else "fi"
    if b1 < a1 and a2 < b2:
        return "d"
    if a1 < b1 and b2 < a2:
        return "di"
    return "o" if a1 < b1 else "oi"


def derive_interval_composition() -> dict[str, dict[str, list[str]]]:
    """The composition table of Allen's algebra, by enumerating endpoint orders.

    Three intervals have six endpoints, so integer endpoints 0..5 realise
    every order type of them (ties included); the table collects, for every
    triple x, y, z, the relation of (x, z) under those of (x, y) and (y, z).
    """
    intervals = [(start, end) for start in range(6) for end in range(start + 1, 6)]
    seen: dict[tuple[str, str], set[str]] = {}
    relation = {(x, y): interval_relation(x, y) for x in intervals for y in intervals}
    for x, y, z in product(intervals, repeat=3):
        seen.setdefault((relation[x, y], relation[y, z]), set()).add(relation[x, z])
    return {
        first: {second: [r for r in INTERVAL_RELATIONS if r in seen[first, second]] for second in INTERVAL_RELATIONS}
        for first in INTERVAL_RELATIONS
    }


def interval_table_document() -> dict:
    """The JSON document stored as ``data/relation_algebra/interval.json``."""
    return {
        "algebra": "interval",
        "title": "Allen's interval algebra",
        "source": "Derived by genforge.generators.relation_algebra.derive_interval_composition "
                  "(all orders of the endpoints of three intervals); relations of Allen (1983), "
                  "'Maintaining knowledge about temporal intervals', CACM 26(11).",
        "relations": list(INTERVAL_RELATIONS),
        "identity": "=",
        "converse": dict(INTERVAL_CONVERSE),
        "composition": derive_interval_composition(),
    }


# -- algebras as bitmask tables --------------------------------------------------
@dataclass(frozen=True)
class Algebra:
    """A relation algebra over ``len(relations)`` basic relations, as bitmask tables."""

    name: str
    relations: tuple[str, ...]
    index: dict
    converse: tuple[int, ...]           # atom -> converse atom
    identity: int
    compose_atoms: tuple[tuple[int, ...], ...]   # [atom][atom] -> mask
    set_compose: tuple[tuple[int, ...], ...]     # [mask][atom] -> mask
    #: For each atom r: every (first, rest) pair of edge atoms with r in first o rest.
    decompositions: tuple[tuple[tuple[int, int], ...], ...]
    #: Atoms that may label an edge or be a target (all but kinship's ``self`` and ``other``).
    edge_atoms: tuple[int, ...]

    @property
    def universe(self) -> int:
        return (1 << len(self.relations)) - 1

    def compose(self, left: int, right: int) -> int:
        """Composition of two relation sets (masks)."""
        result = 0
        row = self.set_compose[left]
        atom = 0
        while right:
            if right & 1:
                result |= row[atom]
            right >>= 1
            atom += 1
        return result

    def converse_set(self, mask: int) -> int:
        result = 0
        for atom in atoms_of(mask):
            result |= 1 << self.converse[atom]
        return result

    def names(self, mask: int) -> list[str]:
        return [self.relations[atom] for atom in atoms_of(mask)]


def atoms_of(mask: int) -> list[int]:
    atoms, atom = [], 0
    while mask:
        if mask & 1:
            atoms.append(atom)
        mask >>= 1
        atom += 1
    return atoms


def table_document(name: str) -> dict:
    if name not in ALGEBRAS:
        raise ValueError(f"unknown algebra {name!r}; expected one of {', '.join(ALGEBRAS)}")
    text = resources.files("genforge").joinpath(f"data/relation_algebra/{name}.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def load_algebra(name: str) -> Algebra:
    """The algebra ``name`` built from its package-data composition table."""
    document = table_document(name)
    relations = tuple(document["relations"])
    index = {relation: position for position, relation in enumerate(relations)}
    compose_atoms = tuple(
        tuple(sum(1 << index[r] for r in document["composition"][first][second]) for second in relations)
        for first in relations
    )
    size = len(relations)
    # set_compose[mask] = set_compose[mask without its lowest atom] | row of that atom.
    set_compose: list[tuple[int, ...]] = [(0,) * size]
    for mask in range(1, 1 << size):
        low = (mask & -mask).bit_length() - 1
        rest = set_compose[mask & (mask - 1)]
        row = compose_atoms[low]
        set_compose.append(tuple(a | b for a, b in zip(rest, row)))
    edge_atoms = tuple(index[r] for r in document.get("edge_relations", relations))
    decompositions = tuple(
        tuple((first, rest) for first in edge_atoms for rest in edge_atoms if compose_atoms[first][rest] >> target & 1)
        for target in range(size)
    )
    return Algebra(name, relations, index, tuple(index[document["converse"][r]] for r in relations),
                   index[document["identity"]], compose_atoms, tuple(set_compose), decompositions, edge_atoms)


# -- series-parallel graphs ----------------------------------------------------------
@dataclass(frozen=True)
class Nested:
    """A segment of a chain replaced by parallel chains of equal length (closure = one atom)."""

    branches: tuple[tuple[int, ...], ...]


#: A branch is a sequence of segments: an atom (one edge) or a Nested sub-graph.
Segment = int | Nested


@dataclass(frozen=True)
class SeriesParallelGraph:
    """Parallel top-level branches from source to sink; every path has exactly ``length`` edges."""

    branches: tuple[tuple[Segment, ...], ...]
    length: int

    @property
    def nested_count(self) -> int:
        return sum(isinstance(s, Nested) for branch in self.branches for s in branch)


def chain_closure(algebra: Algebra, atoms: Iterable[int]) -> int:
    """Composition of a chain of basic relations, left to right."""
    table = algebra.set_compose
    iterator = iter(atoms)
    mask = 1 << next(iterator)
    for atom in iterator:
        mask = table[mask][atom]
    return mask


def parallel_closure(algebra: Algebra, chains: Iterable[Iterable[int]]) -> int:
    mask = algebra.universe
    for chain in chains:
        mask &= chain_closure(algebra, chain)
    return mask


def graph_closure(algebra: Algebra, graph: SeriesParallelGraph) -> int:
    """Algebraic closure of (source, sink): compose along branches, intersect across them."""
    table = algebra.set_compose
    result = algebra.universe
    for branch in graph.branches:
        first, *rest = branch
        mask = 1 << first if isinstance(first, int) else parallel_closure(algebra, first.branches)
        for segment in rest:
            if isinstance(segment, int):
                mask = table[mask][segment]
            else:
                mask = algebra.compose(mask, parallel_closure(algebra, segment.branches))
        result &= mask
    return result


@dataclass(frozen=True)
class ChainSampler:
    """Draws chains backwards from a target, favouring decompositions with small compositions.

    The pair (first, rest) for a relation r is drawn with weight
    ``|first o rest| ** -tightness``, times ``identity_weight`` when either
    is the identity (x EQ y o y r z is always exactly r, so without the
    factor chains would fill up with EQ edges). Uniform pairs (tightness 0) make long
    chains almost never compose to one relation; tightness 2 keeps most
    draws informative while still mixing in loose pairs that only the
    intersection across branches resolves.
    """

    algebra: Algebra
    tightness: float
    identity_weight: float
    pairs: tuple[tuple[tuple[int, int], ...], ...]
    #: Cumulative weights scaled to 64-bit thresholds: one raw word picks a pair.
    thresholds: tuple[tuple[int, ...], ...]

    def split(self, rng: RandomStream, relation: int) -> tuple[int, int]:
        return self.pairs[relation][bisect.bisect_right(self.thresholds[relation], rng.word())]


@lru_cache(maxsize=None)
def chain_sampler(name: str, tightness: float, identity_weight: float) -> ChainSampler:
    algebra = load_algebra(name)
    identity = algebra.identity
    cumulative = []
    for target, pairs in enumerate(algebra.decompositions):
        weights = [bin(algebra.compose_atoms[first][rest]).count("1") ** -tightness
                   * (identity_weight if identity in (first, rest) else 1.0) for first, rest in pairs]
        total, running, row = sum(weights), 0.0, []
        for weight in weights:
            running += weight / total
            row.append(min(int(running * 2.0 ** 64), 2 ** 64))
        row[-1] = 2 ** 64  # every word falls below the last threshold
        cumulative.append(tuple(row))
    return ChainSampler(algebra, tightness, identity_weight, algebra.decompositions, tuple(cumulative))


def backward_chain(rng: RandomStream, sampler: ChainSampler, target: int, length: int) -> list[int]:
    """``length`` basic relations whose composition contains ``target``, drawn back from it.

    Each step splits the remaining relation r into (first, rest) with r in
    first o rest; extensionality makes every prefix realisable.
    """
    # ``sampler.split`` inlined: this is the inner loop of nested graphs.
    word, pairs, thresholds, find = rng.word, sampler.pairs, sampler.thresholds, bisect.bisect_right
    chain = []
    remaining = target
    for _ in range(length - 1):
        first, remaining = pairs[remaining][find(thresholds[remaining], word())]
        chain.append(first)
    chain.append(remaining)
    return chain


@dataclass(frozen=True)
class GraphShape:
    """How graphs are drawn: nesting share, widest nested sub-graph, retries per draw."""

    nest_share: float = 0.0
    max_nested_branches: int = 5
    tries: int = 8


def sample_nested(rng: RandomStream, sampler: ChainSampler, target: int, length: int,
                  shape: GraphShape) -> Optional[Nested]:
    """2..max_nested_branches chains of ``length`` edges whose closure is exactly ``target``."""
    want = 1 << target
    for _ in range(shape.tries):
        count = rng.integer(2, shape.max_nested_branches)
        chains = [backward_chain(rng, sampler, target, length) for _ in range(count)]
        if parallel_closure(sampler.algebra, chains) == want:
            return Nested(tuple(tuple(chain) for chain in chains))
    return None


def sample_branch(rng: RandomStream, sampler: ChainSampler, target: int, length: int,
                  shape: GraphShape) -> Optional[tuple[Segment, ...]]:
    """One top-level branch of ``length`` edges whose closure contains ``target``.

    With ``nest_share`` > 0 each segment opens, with that probability, a
    nested sub-graph (2..max_nested_branches parallel chains) spanning the
    next 2..5 edges; its closure must be exactly the atom it replaces.
    """
    lengths = []
    left = length
    while left:
        # A nested span covers 2..5 edges but never the whole branch (that would be more top-level branches).
        widest = min(5, left, length - 1)
        if shape.nest_share > 0 and widest >= 2 and rng.random() < shape.nest_share:
            span = rng.integer(2, widest)
        else:
            span = 1
        lengths.append(span)
        left -= span
    atoms = backward_chain(rng, sampler, target, len(lengths))
    branch: list[Segment] = []
    for atom, span in zip(atoms, lengths):
        if span == 1:
            branch.append(atom)
        else:
            nested = sample_nested(rng, sampler, atom, span, shape)
            if nested is None:
                return None
            branch.append(nested)
    return tuple(branch)


def sample_graph(rng: RandomStream, sampler: ChainSampler, target: int, length: int, branches: int,
                 shape: GraphShape = GraphShape()) -> Optional[SeriesParallelGraph]:
    """A graph whose closure is exactly {target}, or None when ``shape.tries`` draws all missed.

    Rejection is only on the last branch: the first ``branches - 1`` are drawn
    once, then the last one is redrawn until the intersection is {target}.
    """
    algebra = sampler.algebra
    want = 1 << target
    fixed = []
    for _ in range(branches - 1):
        branch = sample_branch(rng, sampler, target, length, shape)
        if branch is None:
            return None
        fixed.append(branch)
    partial = graph_closure(algebra, SeriesParallelGraph(tuple(fixed), length)) if fixed else algebra.universe
    for _ in range(shape.tries):
        last = sample_branch(rng, sampler, target, length, shape)
        if last is not None and partial & graph_closure(algebra, SeriesParallelGraph((last,), length)) == want:
            return SeriesParallelGraph(tuple(fixed) + (last,), length)
    return None


def sample_flat_graph(rng: RandomStream, sampler: ChainSampler, target: int, length: int, branches: int,
                      tries: int = 8) -> Optional[list[list[int]]]:
    """:func:`sample_graph` without nesting, inlined for speed: the branches as atom lists, or None.

    Draws exactly like ``sample_graph(..., GraphShape(0.0, tries=tries))`` would
    in structure (fixed branches once, then retries of the last one), with
    the closure composed from the ``set_compose`` table as each chain is drawn
    (left to right, as :func:`chain_closure` composes).
    """
    if length < 2:
        return _single_edges(target, branches, tries)
    word = rng.word
    pairs, thresholds = sampler.pairs, sampler.thresholds
    first_pairs, first_thresholds = pairs[target], thresholds[target]
    table = sampler.algebra.set_compose
    find = bisect.bisect_right
    middle = range(length - 2)  # the steps between a chain's first and last atom

    def draw_chain() -> tuple[list[int], int]:
        first, remaining = first_pairs[find(first_thresholds, word())]
        atoms = [first]
        mask = 1 << first
        for _ in middle:
            atom, remaining = pairs[remaining][find(thresholds[remaining], word())]
            atoms.append(atom)
            mask = table[mask][atom]
        atoms.append(remaining)
        return atoms, table[mask][remaining]

    return flat_branches(draw_chain, target, branches, tries)


def flat_branches(draw_chain, target: int, branches: int, tries: int) -> Optional[list[list[int]]]:
    """The branches of a flat graph as atom lists, or None: ``branches - 1`` fixed branches drawn once,
    then the last one redrawn up to ``tries`` times until the closures of all of them meet in exactly
    ``target``. ``draw_chain()`` returns a chain's atoms and its closure as a relation mask."""
    want = 1 << target
    fixed_count = branches - 1
    fixed, partial = [], -1  # -1: every relation (masks only hold the algebra's bits)
    for attempt in range(fixed_count + max(tries, 0)):
        atoms, mask = draw_chain()
        if attempt < fixed_count:  # a fixed branch, drawn once
            fixed.append(atoms)
            partial &= mask
        elif partial & mask == want:  # the last branch, redrawn up to ``tries`` times
            fixed.append(atoms)
            return fixed
    return None


def _single_edges(target: int, branches: int, tries: int) -> Optional[list[list[int]]]:
    """Chains of one edge draw nothing: every branch is the target itself (found at the first try)."""
    if tries < 1:
        return None
    return [[target] for _ in range(branches)]


def flat_edges(branches: list[list[int]], length: int) -> tuple[list[tuple[int, int, int]], int]:
    """Edges of parallel chains (as :func:`graph_edges` numbers them) and the node count."""
    sink = len(branches) * (length - 1) + 1
    edges = []
    node_id = 1
    for atoms in branches:
        previous = 0
        for atom in atoms[:-1]:
            edges.append((previous, atom, node_id))
            previous = node_id
            node_id += 1
        edges.append((previous, atoms[-1], sink))
    return edges, sink + 1


def graph_edges(graph: SeriesParallelGraph) -> tuple[list[tuple[int, int, int]], int]:
    """(edges (u, atom, v), node count): source 0, inner nodes 1.. in build order, sink last."""
    edges: list[tuple[int, int, int]] = []
    inner = count(1)
    sink = -1  # renumbered once every inner node has its number

    def link(start: int, end: int, atoms: tuple[int, ...]) -> None:
        node = start
        for position, atom in enumerate(atoms):
            following = end if position == len(atoms) - 1 else next(inner)
            edges.append((node, atom, following))
            node = following

    for branch in graph.branches:
        node = 0
        for position, segment in enumerate(branch):
            end = sink if position == len(branch) - 1 else next(inner)
            if isinstance(segment, int):
                edges.append((node, segment, end))
            else:
                for chain in segment.branches:
                    link(node, end, chain)
            node = end
    last = next(inner)
    return [(u, atom, last if v == sink else v) for u, atom, v in edges], last + 1


# -- reading graphs back: reduction and path consistency -----------------------------------
def to_networkx(edges: Iterable[tuple[int, int, int]]) -> nx.MultiDiGraph:
    import networkx as nx

    graph = nx.MultiDiGraph()
    for u, atom, v in edges:
        graph.add_edge(u, v, mask=1 << atom)
    return graph


def series_parallel_closure(algebra: Algebra, edges: Iterable[tuple[int, int, int]], source: int, sink: int) -> int:
    """Closure of (source, sink) by the series-parallel decomposition of a two-terminal DAG.

    The graph is split into a series of parts at the nodes every path passes
    (the dominators of the sink), whose closures compose left to right; a
    part without such nodes is split into parallel components, whose
    closures intersect. This evaluates the same expression as
    :func:`graph_closure` (which matters for the kinship table, whose
    composition is not associative). Raises ValueError for a graph that is
    not series-parallel between the query nodes.
    """
    import networkx as nx

    graph = to_networkx(edges)
    if source not in graph or sink not in graph or not nx.is_directed_acyclic_graph(graph):
        raise ValueError("the query nodes must be in an acyclic graph")
    if set(graph) != (nx.descendants(graph, source) | {source}) & (nx.ancestors(graph, sink) | {sink}):
        raise ValueError("every node must lie on a path from the first query node to the second")
    return _two_terminal_closure(algebra, graph, source, sink)


def _two_terminal_closure(algebra: Algebra, graph: nx.MultiDiGraph, source: int, sink: int) -> int:
    import networkx as nx

    dominators = nx.immediate_dominators(graph, source)
    cuts = [sink]
    while cuts[-1] != source:
        cuts.append(dominators[cuts[-1]])
    cuts.reverse()
    if len(cuts) > 2:
        mask = -1
        for start, end in zip(cuts, cuts[1:]):
            nodes = (nx.descendants(graph, start) & nx.ancestors(graph, end)) | {start, end}
            part = _two_terminal_closure(algebra, graph.subgraph(nodes), start, end)
            mask = part if mask == -1 else algebra.compose(mask, part)
        return mask
    mask = algebra.universe
    for data in (graph.get_edge_data(source, sink) or {}).values():
        mask &= data["mask"]
    inner = graph.subgraph(set(graph) - {source, sink})
    components = list(nx.weakly_connected_components(inner))
    if len(components) == 1 and not graph.has_edge(source, sink):
        raise ValueError("the graph is not series-parallel between the query nodes")
    for component in components:
        part = nx.MultiDiGraph(graph.subgraph(component | {source, sink}))
        part.remove_edges_from([(source, sink)] * part.number_of_edges(source, sink))
        mask &= _two_terminal_closure(algebra, part, source, sink)
    return mask


def path_consistency(algebra: Algebra, edges: Iterable[tuple[int, int, int]], nodes: int) -> list[list[int]]:
    """The path-consistent network (Allen's algorithm) of an edge list: a matrix of masks.

    Every pair starts universal (identity on the diagonal); edges and their
    converses are intersected in; then R(i,k) &= R(i,j) o R(j,k) until nothing
    changes. An empty entry means the network is inconsistent.
    """
    universe = algebra.universe
    identity_mask = 1 << algebra.identity
    matrix = [[identity_mask if i == j else universe for j in range(nodes)] for i in range(nodes)]
    for u, atom, v in edges:
        matrix[u][v] &= 1 << atom
        matrix[v][u] &= 1 << algebra.converse[atom]
    changed = True
    while changed:
        changed = False
        for j in range(nodes):
            for i in range(nodes):
                if i == j:
                    continue
                left = matrix[i][j]
                for k in range(nodes):
                    if k == i or k == j:
                        continue
                    refined = matrix[i][k] & algebra.compose(left, matrix[j][k])
                    if refined != matrix[i][k]:
                        matrix[i][k] = refined
                        matrix[k][i] = algebra.converse_set(refined)
                        changed = True
    return matrix
