"""A canonical form of relation_algebra inputs: equal for the same graph under other node names or line order.

Inner node names are drawn at random and edge lines shuffled, so one graph
has many texts; the engine's dedup and split buckets must see one question.
A series-parallel two-terminal graph has a canonical string: its series-parallel
decomposition with series kept maximal and in order and the parts of a parallel
composition sorted. A relation is a leaf: ``(a|[b,c])`` is edge ``a`` in
parallel with the chain ``b`` then ``c``.

The engine asks every draw for this key, so the sampler writes it from the graph
it drew (:func:`chains_key`, :func:`graph_key`). Read from a text, it is found
three ways, cheapest first, all giving the same string (checked against each
other and against the sampler's in tests/test_relation_algebra_fast_paths.py):

1. parallel chains (every graph of a flat cell): walk each chain from the source;
2. any series-parallel graph: series and parallel reductions, which reach one
   edge exactly when the graph is series-parallel between the query nodes (Valdes,
   Tarjan and Lawler 1982), the decomposition tree then rendered;
3. anything else (text no generator writes): the recursive definition below, by
   cut nodes (nodes every terminal-to-terminal path crosses, found by path counts),
   which also decides what an odd text maps to (the text itself if it is not a
   series-parallel DAG).
"""

from __future__ import annotations

from collections import defaultdict


def canonical_graph(text: str) -> str:
    """The canonical string of an input's graph (the text itself if it is not a series-parallel DAG)."""
    lines = text.strip().splitlines()
    if not lines:
        return text
    query = lines[-1].split()
    if len(query) != 4:
        return text
    source, sink = query[1], query[3]
    edges = [line.split() for line in lines[:-1]]
    if source != sink:
        chains = _parallel_chains(edges, source, sink)
        if chains is not None:
            chains.sort()
            return chains[0] if len(chains) == 1 else "(" + "|".join(chains) + ")"
        term = _reduced(edges, source, sink)
        if term is not None:
            return _render(term)
    return _recursive_canonical(text, edges, source, sink)


def _parallel_chains(edges: list[list[str]], source: str, sink: str) -> list[str] | None:
    """The rendered chains when the graph is parallel source-to-sink paths sharing no inner node, else None."""
    starts = []
    step: dict[str, tuple[str, str]] = {}
    for words in edges:
        if len(words) != 3:
            return None
        u, relation, v = words
        if u == source:
            starts.append((relation, v))
        elif u in step:
            return None  # a node with two outgoing edges
        else:
            step[u] = (relation, v)
    if not starts:
        return None
    chains = []
    pop = step.pop
    for relation, node in starts:
        if node == sink:
            chains.append(relation)
            continue
        path = [relation]
        while node != sink:
            following = pop(node, None)  # popped: a second visit (two incoming edges) fails here
            if following is None:
                return None
            relation, node = following
            path.append(relation)
        chains.append("[" + ",".join(path) + "]")
    return None if step else chains  # an edge left over is off every chain


# -- 2. series and parallel reductions -------------------------------------------------
# A term is a relation name (str), or (SERIES, parts) / (PARALLEL, parts) with parts kept flat:
# a series never has a series part, a parallel composition never a parallel one.
SERIES, PARALLEL = 0, 1


def _joined(kind: int, first, second) -> tuple[int, list]:
    parts = list(first[1]) if type(first) is tuple and first[0] == kind else [first]
    parts += second[1] if type(second) is tuple and second[0] == kind else [second]
    return kind, parts


def _reduced(edges: list[list[str]], source: str, sink: str):
    """The decomposition term of a series-parallel graph between source and sink, else None."""
    succ: dict[str, dict] = defaultdict(dict)
    pred: dict[str, dict] = defaultdict(dict)
    for words in edges:
        if len(words) != 3:
            return None
        u, relation, v = words
        if u == v:
            return None
        targets = succ[u]
        targets[v] = _joined(PARALLEL, targets[v], relation) if v in targets else relation
        pred[v][u] = None
    inner = (set(succ) | set(pred)) - {source, sink}
    pending = list(inner)
    while pending:
        node = pending.pop()
        if node not in inner or len(pred[node]) != 1 or len(succ[node]) != 1:
            continue
        (u,), ((v, after),) = pred[node], succ[node].items()
        if u == v:
            return None  # a cycle through node
        inner.discard(node)
        del pred[v][node]
        targets = succ[u]
        term = _joined(SERIES, targets.pop(node), after)
        targets[v] = _joined(PARALLEL, targets[v], term) if v in targets else term
        pred[v][u] = None
        pending += (u, v)
    if inner or len(succ[source]) != 1 or sink not in succ[source] or pred[source] or succ[sink]:
        return None
    return succ[source][sink]


def _render(term) -> str:
    if type(term) is str:
        return term
    kind, parts = term
    if kind == SERIES:
        return "[" + ",".join(map(_render, parts)) + "]"
    return "(" + "|".join(sorted(map(_render, parts))) + ")"


# -- from the sampler's own structure (no text to read) --------------------------------
#: Rendered chains (atoms -> "[r1,...,rk]") per algebra's relation names, for :func:`chains_key`: short
#: chains recur all the time. Bounded: a cache past CHAIN_TEXTS_LIMIT entries starts again.
_CHAIN_TEXTS: dict[tuple[str, ...], dict] = {}
CHAIN_TEXTS_LIMIT = 1 << 16


def chain_texts(names: tuple[str, ...]) -> dict:
    """The rendered-chain cache of one algebra (fetch it once per block, pass it to :func:`chains_key`)."""
    texts = _CHAIN_TEXTS.setdefault(names, {})
    if len(texts) > CHAIN_TEXTS_LIMIT:
        texts.clear()
    return texts


def chains_key(chains: list[list[int]], names: tuple[str, ...], texts: dict | None = None) -> str:
    """``canonical_graph`` of parallel chains of relation atoms (what way 1 reads back from their text);
    ``texts``: a :func:`chain_texts` cache for ``names``."""
    if texts is None:
        texts = {}
    parts = []
    for chain in chains:
        atoms = tuple(chain)
        text = texts.get(atoms)
        if text is None:
            text = texts[atoms] = ("[" + ",".join([names[atom] for atom in chain]) + "]" if len(chain) > 1
                                   else names[chain[0]])
        parts.append(text)
    parts.sort()
    return parts[0] if len(parts) == 1 else "(" + "|".join(parts) + ")"


def graph_key(branches, names: tuple[str, ...]) -> str:
    """``canonical_graph`` of a ``SeriesParallelGraph``'s branches (each a series of relation atoms and
    ``Nested`` groups of parallel chains), from its decomposition flattened as way 2 flattens it."""
    top: list = []
    for branch in branches:
        series: list = []
        for segment in branch:
            if type(segment) is int:
                series.append(names[segment])
                continue
            chains = [_series_of(chain, names) for chain in segment.branches]
            part = chains[0] if len(chains) == 1 else (PARALLEL, chains)
            if type(part) is tuple and part[0] == SERIES:
                series += part[1]
            else:
                series.append(part)
        term = series[0] if len(series) == 1 else (SERIES, series)
        if type(term) is tuple and term[0] == PARALLEL:
            top += term[1]
        else:
            top.append(term)
    return _render(top[0] if len(top) == 1 else (PARALLEL, top))


def _series_of(chain, names: tuple[str, ...]):
    return names[chain[0]] if len(chain) == 1 else (SERIES, [names[atom] for atom in chain])


# -- 3. the recursive definition ----------------------------------------------------
def _recursive_canonical(text: str, edges: list[list[str]], source: str, sink: str) -> str:
    """The parallel parts between two terminals (direct edges, and each connected group of inner
    nodes) are sorted; a group is a series of segments between its cut nodes, kept in order."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    into: dict[str, list[tuple[str, str]]] = defaultdict(list)
    nodes = {source, sink}
    for words in edges:
        if len(words) != 3:
            return text
        u, relation, v = words
        out[u].append((relation, v))
        into[v].append((relation, u))
        nodes.update((u, v))
    position = _topological_positions(nodes, out, into)
    if position is None:
        return text
    try:
        return _between(source, sink, nodes, out, into, position)
    except _NotSeriesParallel:
        return text


class _NotSeriesParallel(Exception):
    pass


def _topological_positions(nodes, out, into) -> dict[str, int] | None:
    indegree = {node: len(into[node]) for node in nodes}
    ready = sorted(node for node in nodes if indegree[node] == 0)
    position: dict[str, int] = {}
    while ready:
        node = ready.pop()
        position[node] = len(position)
        for _, following in out[node]:
            indegree[following] -= 1
            if indegree[following] == 0:
                ready.append(following)
    return position if len(position) == len(nodes) else None


def _between(start: str, end: str, nodes: set, out, into, position) -> str:
    """Parallel composition between two terminals, over the edges inside ``nodes``."""
    parts = [relation for relation, v in out[start] if v == end]
    inner = nodes - {start, end}
    seen: set = set()
    for first in sorted(inner, key=position.__getitem__):
        if first in seen:
            continue
        group, stack = {first}, [first]
        while stack:
            node = stack.pop()
            for _, other in out[node] + into[node]:
                if other in inner and other not in group:
                    group.add(other)
                    stack.append(other)
        seen |= group
        parts.append(_series(start, end, group | {start, end}, out, into, position))
    if not parts:
        raise _NotSeriesParallel
    parts.sort()
    return parts[0] if len(parts) == 1 else "(" + "|".join(parts) + ")"


def _series(start: str, end: str, nodes: set, out, into, position) -> str:
    """A connected group between two terminals: its segments between cut nodes, in order."""
    order = sorted(nodes, key=position.__getitem__)
    paths_from = {node: 0 for node in order}
    paths_from[start] = 1
    for node in order:
        for _, following in out[node]:
            if following in nodes and not (node == start and following == end):
                paths_from[following] += paths_from[node]
    paths_to = {node: 0 for node in order}
    paths_to[end] = 1
    for node in reversed(order):
        for _, previous in into[node]:
            if previous in nodes and not (previous == start and node == end):
                paths_to[previous] += paths_to[node]
    total = paths_from[end]
    cuts = [node for node in order if paths_from[node] * paths_to[node] == total]
    if len(cuts) < 3 or cuts[0] != start or cuts[-1] != end:
        raise _NotSeriesParallel  # a connected group of a series-parallel graph has an inner cut node
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        low, high = position[a], position[b]
        segment = {node for node in nodes if low <= position[node] <= high}
        segments.append(_between(a, b, segment, out, into, position))
    return "[" + ",".join(segments) + "]"
