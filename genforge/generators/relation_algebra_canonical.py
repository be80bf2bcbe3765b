"""A canonical form of relation_algebra inputs: equal for the same graph under other node names or line order.

Inner node names are drawn at random and edge lines shuffled, so one graph
has many texts; the engine's dedup and split buckets must see one question.
A series-parallel two-terminal graph has a canonical string by recursion:
the parallel parts between two terminals (direct edges, and each connected
group of inner nodes) are sorted; a group is a series of segments between
its cut nodes (nodes every terminal-to-terminal path crosses, found by path
counts), kept in order. A relation is a leaf: ``(a|[b,c])`` is edge ``a`` in
parallel with the chain ``b`` then ``c``.
"""

from __future__ import annotations

from collections import defaultdict


def canonical_graph(text: str) -> str:
    """The canonical string of an input's graph (the text itself if it is not a series-parallel DAG)."""
    lines = [line.split() for line in text.strip().splitlines()]
    if not lines or len(lines[-1]) != 4:
        return text
    source, sink = lines[-1][1], lines[-1][3]
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    into: dict[str, list[tuple[str, str]]] = defaultdict(list)
    nodes = {source, sink}
    for words in lines[:-1]:
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
