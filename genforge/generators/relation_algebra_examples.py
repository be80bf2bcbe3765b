"""Relation-algebra graphs as examples (relation_algebra task): drawn at random, or listed for small cells.

A *cell* is a range of path lengths k and of top-level branch counts. An
example is a series-parallel graph of that cell whose closure from source to
sink is exactly one relation (the target), rendered as its edge lines in a
random order with random inner node names, then the query line. Pure
functions of a random stream and the typed parameters (``algebra``,
``tightness``, ``identity_weight``, ``nest_share``, ``max_nested_branches``,
``nesting_min_k`` and the cell, see ``RelationAlgebraParams.cell``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import lru_cache
from itertools import combinations_with_replacement, product
from math import comb
from typing import Optional

from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import in_bucket_window
from genforge.generators.kinship_graphs import family_model, sample_flat_walks, sample_kinship_graph
from genforge.generators.relation_algebra_audit import label_counts, top_label_state
from genforge.generators.relation_algebra_canonical import canonical_graph, chain_texts, chains_key, graph_key
from genforge.generators.relation_algebra_epignn import nested_graph
from genforge.generators.relation_algebra import (GraphShape, chain_sampler, graph_edges, load_algebra,
                                                  sample_flat_graph, sample_graph)

INSTRUCTIONS = {
    "rcc8": "Each line 'x R y' states the RCC-8 relation R of region x to region y. "
            "Give the RCC-8 relation of the first query region to the second.",
    "interval": "Each line 'x R y' states Allen's interval relation R of interval x to interval y. "
                "Give the relation of the first query interval to the second.",
    "kinship": "Each line 'x R y' states that person y is person x's R. "
               "Give the relation R of the second query person to the first.",
}


class GraphExample(Example):
    """An example whose dedup key is its graph up to node names and line order (Task.canonical_key).

    No ``__slots__``: the sampler stores the key it built from the graph it drew as ``known_key`` (far
    cheaper than reading the text back); without it (listed cells) the key is read from the text.
    """

    def key(self) -> str:
        try:
            return self.known_key
        except AttributeError:
            return canonical_key(self.instruction, self.input)


def canonical_key(instruction: Optional[str], text: str) -> str:
    graph = canonical_graph(text)
    return graph if instruction is None else instruction + "\x1f" + graph


#: Draws of (k, branches, graph) per example before giving up on the chosen target.
TARGET_RETRIES = 64
#: Redraws of a graph's last branch (sample_flat_graph's and GraphShape's ``tries``), for counting work.
GRAPH_TRIES = 8
#: Edge draws (about k x (branches + GRAPH_TRIES) per graph tried) after which a block gives up on its
#: remaining draws. Where graphs rarely close to one relation (tightness 0 with long paths), a block would
#: otherwise try 256 x 64 graphs of up to 50 x 16 edges, and the engine's 64 fruitless blocks in a row take
#: hours. The default cells use under a twentieth of it per block, so their draws never reach it.
BLOCK_WORK_LIMIT = 1_000_000
#: The pilot of :func:`draw_cost`: draws, and edge draws after which it stops.
PILOT_DRAWS, PILOT_WORK = 32, 40_000


#: Node numbers as text (graphs have at most a few hundred nodes; larger ones fall back to str).
_NUMBERS = tuple(str(n) for n in range(1024))


def _node_labels(word, nodes: int) -> list[str]:
    """Text names of nodes 0..nodes-1: source 0 and sink ``nodes - 1`` keep theirs, inner ones are shuffled.

    Random names so that a number carries no hint of where the node sits; sorting by
    random 64-bit keys draws a uniform permutation with one word per inner node.
    """
    inner = range(nodes - 2)
    keys = [word() for _ in inner]
    numbers = _NUMBERS if nodes <= len(_NUMBERS) else tuple(str(n) for n in range(nodes))
    labels = ["0"] + [numbers[p + 1] for p in sorted(inner, key=keys.__getitem__)]
    labels.append(numbers[nodes - 1])
    return labels


def _flat_lines(branches: list[list[int]], length: int, labels: list[str], padded: tuple[str, ...]) -> list[str]:
    """Edge lines of parallel chains, numbered as :func:`flat_edges` numbers them (inner nodes branch by branch)."""
    lines: list[str] = []
    source, sink = labels[0], labels[-1]
    first = 1
    for atoms in branches:
        path = [source, *labels[first:first + length - 1], sink]
        first += length - 1
        lines += [path[j] + padded[atom] + path[j + 1] for j, atom in enumerate(atoms)]
    return lines


def _shuffled_text(word, lines: list[str], nodes: int) -> str:
    """The input: edge lines in a random order (random sort keys, as for node names), then the query."""
    keys = [word() for _ in lines]
    order = sorted(range(len(lines)), key=keys.__getitem__)
    return "\n".join([lines[i] for i in order]) + f"\nquery: 0 ? {nodes - 1}"


@lru_cache(maxsize=None)
def _flat_layout(branches: int, length: int) -> tuple:
    """Where the edges of ``branches`` parallel chains of ``length`` edges run, as :func:`_flat_lines` numbers
    the nodes (source 0, inner nodes branch by branch, sink last): (tails, heads, inner nodes, edges, query)."""
    inner = branches * (length - 1)
    tails, heads = [], []
    node = 1
    for _ in range(branches):
        tails.append(0)
        for _ in range(length - 1):
            heads.append(node)
            tails.append(node)
            node += 1
        heads.append(inner + 1)
    return tuple(tails), tuple(heads), range(inner), range(branches * length), f"\nquery: 0 ? {inner + 1}"


def _flat_text(word, branches: list[list[int]], length: int, padded: tuple[str, ...]) -> str:
    """``_shuffled_text(word, _flat_lines(branches, length, _node_labels(word, nodes), padded), nodes)`` in one
    pass, for the hot path of flat cells: the same words in the same order (node keys, then line keys)."""
    tails, heads, inner, edges, query = _flat_layout(len(branches), length)
    nodes = len(inner) + 2
    node_keys = [word() for _ in inner]
    line_keys = [word() for _ in edges]
    numbers = _NUMBERS if nodes <= len(_NUMBERS) else tuple(str(n) for n in range(nodes))
    labels = ["0"]
    labels += [numbers[p + 1] for p in sorted(inner, key=node_keys.__getitem__)]
    labels.append(numbers[nodes - 1])
    relations = [padded[atom] for atoms in branches for atom in atoms]
    return "\n".join([labels[tails[i]] + relations[i] + labels[heads[i]]
                      for i in sorted(edges, key=line_keys.__getitem__)]) + query


def sample_block(rng: RandomStream, params, count: int) -> list[Optional[Example]]:
    """``count`` draws of graphs in the split's cell of ``params`` (None for a draw that found no graph)."""
    return draw_block(rng, params, count, BLOCK_WORK_LIMIT)[0]


def draw_cost(params) -> float:
    """Edge draws per example found in a pilot of the split's cell (inf if the pilot found none).

    A fixed pilot (a random stream of its own, not the run's seed; at most PILOT_DRAWS draws or about
    PILOT_WORK edge draws), so the estimate, and a refusal based on it, is the same on every machine and run.
    """
    rng = RandomStream.from_parts("relation_algebra-pilot", params.algebra, list(params.cell()))
    # Every graph found counts, whatever split bucket it would fall in.
    examples, work = draw_block(rng, replace(params, bucket_window=()), PILOT_DRAWS, PILOT_WORK)
    found = sum(example is not None for example in examples)
    return work / found if found else float("inf")


def _top_as_wanted(atoms: list[int], identity: int, target: int, want_top: bool) -> bool:
    """Whether the target is the unique most frequent non-identity label (``want_top``), or below the top."""
    state = top_label_state(Counter(a for a in atoms if a != identity), target)
    return state == ("unique" if want_top else "other")


def nests(params) -> bool:
    """Whether graphs of k >= nesting_min_k nest (nest_share 0 turns nesting off under either law)."""
    return params.nest_share > 0


def draw_block(rng: RandomStream, params, count: int, work_limit: float) -> tuple[list[Optional[Example]], int]:
    """:func:`sample_block` giving up after ``work_limit`` edge draws, and the edge draws it made."""
    # Everything that depends only on params is looked up once per block, not per draw.
    name = params.algebra
    sampler = chain_sampler(name, float(params.tightness), float(params.identity_weight))
    k_lo, k_hi, b_lo, b_hi = params.cell()
    nesting = GraphShape(params.nest_share, params.max_nested_branches)
    nest_from = params.nesting_min_k if nests(params) else k_hi + 1
    epignn = params.nested_law == "epignn" and name != "kinship"
    balanced = params.label_shortcut == "balanced"
    identity = sampler.algebra.identity
    instruction = INSTRUCTIONS[name]
    keyed = instruction + "\x1f"  # canonical_key's prefix
    relations = sampler.algebra.relations
    texts = chain_texts(relations)  # rendered chains for the key, shared across blocks
    targets = sampler.algebra.edge_atoms
    # Kinship graphs are walks through the model family (see generators/kinship_graphs.py).
    family = family_model(float(params.tightness)) if name == "kinship" else None
    k_count, cells = k_hi - k_lo + 1, (k_hi - k_lo + 1) * (b_hi - b_lo + 1)
    word, below = rng.word, rng.below
    padded = tuple(f" {r} " for r in relations)
    # A split's bucket interval: a draw whose key falls outside it is dropped before its text is written
    # (the split's predicate would drop it after; its words are still drawn, so later draws stay).
    window = tuple(params.bucket_window)
    examples: list[Optional[Example]] = []
    work = 0
    for drawn in range(count):
        if work > work_limit:  # a cell that rarely closes to one relation: give up on the block's rest
            examples.extend([None] * (count - drawn))
            break
        target = targets[below(len(targets))]
        # label_shortcut = balanced: the target is the single most frequent non-identity edge label in a
        # 1 / |targets| share of graphs (chance), and not among the most frequent ones in the rest.
        want_top = below(len(targets)) == 0 if balanced else None
        for _ in range(TARGET_RETRIES):
            cell = below(cells)
            k, branches = k_lo + cell % k_count, b_lo + cell // k_count
            work += k * (branches + GRAPH_TRIES)
            if k >= nest_from:
                if family is not None:
                    graph = sample_kinship_graph(rng, family, target, k, branches, nesting)
                else:
                    graph = (nested_graph(rng, name, target, k, branches) if epignn
                             else sample_graph(rng, sampler, target, k, branches, nesting))
            else:  # flat graphs: parallel chains (kinship: parallel walks), drawn by the inlined samplers
                flat = (sample_flat_walks(rng, family, target, k, branches) if family is not None
                        else sample_flat_graph(rng, sampler, target, k, branches))
                if flat is None or (balanced and not _top_as_wanted(
                        [a for chain in flat for a in chain], identity, target, want_top)):
                    continue
                key = keyed + chains_key(flat, relations, texts)
                if not in_bucket_window(key, window):
                    for _ in range(branches * (2 * k - 1)):  # the words _flat_text would draw
                        word()
                    text = None
                    break
                nodes = branches * (k - 1) + 2
                text, edge_count, nested = _flat_text(word, flat, k, padded), branches * k, 0
                break
            if graph is not None:
                edges, nodes = graph_edges(graph)
                if balanced and not _top_as_wanted([a for _, a, _ in edges], identity, target, want_top):
                    continue
                key = keyed + graph_key(graph.branches, relations)
                if not in_bucket_window(key, window):
                    for _ in range(nodes - 2 + len(edges)):  # the words _node_labels and _shuffled_text would draw
                        word()
                    text = None
                    break
                labels = _node_labels(word, nodes)
                lines = [labels[u] + padded[atom] + labels[v] for u, atom, v in edges]
                text, edge_count, nested = _shuffled_text(word, lines, nodes), len(lines), graph.nested_count
                break
        else:
            text = None
        if text is None:
            examples.append(None)
            continue
        complexity = {"k": k, "branches": branches, "edges": edge_count, "nodes": nodes, "nested": nested}
        example = example_of((instruction, text, relations[target], {"domain": name, "complexity": complexity},
                              None), GraphExample)
        example.known_key = key
        examples.append(example)
    return examples, work


# -- small cells: every graph listed --------------------------------------------------------
#
# Hash buckets carve a large space well, but a cell of a few dozen graphs (k = 2, one branch) falls apart:
# a split may get none of them and another only some targets. A cell whose candidates number at most
# LISTING_LIMIT is listed instead: every flat graph (b parallel chains of k edge atoms, as a multiset:
# branch order and node names are not part of a graph) whose closure is exactly one relation, once.
# The limit bounds the work (a few hundred thousand candidate graphs take about a second) and lies far
# below the default cells (k up to 4 and 3 branches: some 10^10 candidates), whose bytes do not change.

#: Most candidate graphs (multisets of chains, before the closure test) a listed cell may have.
LISTING_LIMIT = 300_000
#: Algebras whose graphs can be listed from the table alone (kinship graphs are walks in a model family).
LISTED_ALGEBRAS = ("rcc8", "interval")


def listing_candidates(algebra_name: str, k_min: int, k_max: int, branches_min: int, branches_max: int) -> int:
    """Candidate graphs of a flat cell: per (k, b), multisets of b chains among |edge atoms|^k chains."""
    atoms = len(load_algebra(algebra_name).edge_atoms)
    return sum(comb(atoms ** k + b - 1, b) for k in range(k_min, k_max + 1)
               for b in range(branches_min, branches_max + 1))


def is_listable(algebra_name: str, cell: tuple[int, int, int, int], nests: bool) -> bool:
    """Whether a cell is listed rather than sampled: a table algebra, no nesting, few candidates."""
    return (algebra_name in LISTED_ALGEBRAS and not nests
            and listing_candidates(algebra_name, *cell) <= LISTING_LIMIT)


def list_cell(rng: RandomStream, algebra_name: str, k_min: int, k_max: int, branches_min: int,
              branches_max: int) -> list[Example]:
    """Every flat graph of the cell whose closure is one edge atom, in a fixed order, rendered with
    node names and line orders drawn from ``rng`` (see :func:`is_listable` for the size)."""
    algebra = load_algebra(algebra_name)
    table, atoms = algebra.set_compose, algebra.edge_atoms
    wanted = {1 << atom: atom for atom in atoms}
    instruction = INSTRUCTIONS[algebra_name]
    padded = tuple(f" {r} " for r in algebra.relations)
    examples = []
    for k in range(k_min, k_max + 1):
        chains = list(product(atoms, repeat=k))
        masks = []
        for chain in chains:
            mask = 1 << chain[0]
            for atom in chain[1:]:
                mask = table[mask][atom]
            masks.append(mask)
        for branches in range(branches_min, branches_max + 1):
            nodes = branches * (k - 1) + 2
            for chosen in combinations_with_replacement(range(len(chains)), branches):
                mask = algebra.universe
                for index in chosen:
                    mask &= masks[index]
                target = wanted.get(mask)
                if target is None:
                    continue
                lines = _flat_lines([chains[i] for i in chosen], k, _node_labels(rng.word, nodes), padded)
                complexity = {"k": k, "branches": branches, "edges": len(lines), "nodes": nodes, "nested": 0}
                examples.append(example_of((instruction, _shuffled_text(rng.word, lines, nodes),
                                            algebra.relations[target], {"domain": algebra_name,
                                                                        "complexity": complexity}, None),
                                           GraphExample))
    return examples


def balance_top_label(rng: RandomStream, examples: list[Example], targets: int) -> list[Example]:
    """A listed cell under ``label_shortcut = balanced``: per target, every graph whose target is below the
    most frequent non-identity edge label, and 1 / (targets - 1) as many (at most all) whose target is the
    single most frequent one, chosen at random; ties are dropped. The order of ``examples`` is kept."""
    keep: set[int] = set()
    groups: dict[str, tuple[list[int], list[int]]] = {}
    for position, example in enumerate(examples):
        counts = label_counts(line.split()[1] for line in example.input.splitlines()[:-1])
        state = top_label_state(counts, example.target)
        if state != "tied":
            groups.setdefault(example.target, ([], []))[state == "unique"].append(position)
    for target in sorted(groups):
        below_top, on_top = groups[target]
        keep.update(below_top)
        wanted = min(len(on_top), round(len(below_top) / max(targets - 1, 1)))
        keep.update(on_top[i] for i in rng.permutation(len(on_top)).tolist()[:wanted])
    return [example for position, example in enumerate(examples) if position in keep]


def stratified_partition(rng: RandomStream, examples: list[Example], shares: tuple[int, ...]) -> list[list[Example]]:
    """``examples`` cut into parts of about ``shares`` (in tenths), stratified by target.

    Each target's examples are shuffled; the first of each goes to the first part (train holds every
    target), the rest, target after target, are dealt out along a cycle of ten places in which part i
    takes ``shares[i]`` places, spread out so that even a short list reaches every part.
    """
    cycle = _spread(shares)
    parts: list[list[Example]] = [[] for _ in shares]
    by_target: dict[str, list[Example]] = {}
    for example in examples:
        by_target.setdefault(example.target, []).append(example)
    position = 0
    for target in sorted(by_target):
        group = by_target[target]
        group = [group[i] for i in rng.permutation(len(group)).tolist()]
        parts[0].append(group[0])
        for example in group[1:]:
            parts[cycle[position % len(cycle)]].append(example)
            position += 1
    return [[part[i] for i in rng.permutation(len(part)).tolist()] for part in parts]


def _spread(shares: tuple[int, ...]) -> list[int]:
    """A cycle of ``sum(shares)`` part numbers, part i ``shares[i]`` times, the small parts evenly placed."""
    total = sum(shares)
    cycle = [0] * total
    slot = total // 2 - 1
    for part in range(1, len(shares)):
        for _ in range(shares[part]):
            cycle[slot % total] = part
            slot += total // 2
            while cycle[slot % total] != 0:
                slot += 1
    return cycle
