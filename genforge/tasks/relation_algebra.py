"""Task ``relation_algebra``: closure of RCC-8 / interval / kinship constraint graphs.

Follows the RCC-8 and interval-algebra benchmarks of Khalid and Schockaert
(2025), "Systematic Relational Reasoning With Epistemic Graph Neural
Networks" (ICLR 2025). An input is a series-parallel graph from region (or
interval) 0 to the last node: ``branches`` top-level parallel branches, every
source-to-sink path exactly ``k`` edges long, each edge one basic relation.
The target is the basic relation that algebraic closure derives for
(0, last): compose along paths, intersect across branches. Only graphs whose
closure is a single relation are kept. From ``nesting_min_k`` edges on, a
segment of 2..5 edges may be a nested sub-graph of 2..``max_nested_branches``
parallel chains whose own closure is exactly one relation.

The algebra is the semantic domain: ``rcc8`` (regions, Randell, Cui and
Cohn 1992), ``interval`` (Allen 1983) or ``kinship`` (gender-neutral family
relations with CLUTRR's names, "y is x's R"; table derived from a model
family in ``generators/kinship_algebra.py``; graphs are walks through that
family, see ``generators/kinship_graphs.py``).

Targets are balanced: the target relation is drawn uniformly first (kinship:
among the 11 named relations), then graphs are drawn backwards from it (see
``generators/relation_algebra.py``) until one closes to exactly that
relation; the retries redraw k and the branch count within the split's
ranges. Balance is in expectation; dedup of the few distinct small graphs
(k = 2, one branch) trims the commonest ones slightly.

Input format (edges in random order, inner nodes numbered at random)::

    0 NTPP 4
    4 TPP 5
    0 EC 2
    ...
    query: 0 ? 5

Splits (plan ``systematic``, the default): train / validation / test_id with
k in ``train_k_min..train_k_max`` and branches in
``train_branches_min..train_branches_max``; ``test_ood_length`` with k from
``train_k_max + 1`` to ``test_k_max`` (train branch range);
``test_ood_branches`` with branches from ``train_branches_max + 1`` to
``test_branches_max`` (train k range). Plans ``iid``, ``length`` and
``branches`` hold subsets of these splits.

Difficulty: ``w / (w + 16)`` with ``w = k * branches + nested``, increasing
in path length, branch count and nesting.

Structure (for MCD splits): atoms are the relations of the edges (one per
edge); compounds are relation bigrams ``"r1 r2"`` over every pair of
consecutive edges (u r1 v, v r2 w), i.e. the compositions a reasoner must
perform along paths.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, all_of, iid_splits
from genforge.generators.relation_algebra import (
    ALGEBRAS, GraphShape, chain_sampler, graph_edges, load_algebra, sample_flat_graph, sample_graph,
    series_parallel_closure,
)
from genforge.generators.kinship_graphs import family_model, sample_kinship_graph
from genforge.core.task import Task

INSTRUCTIONS = {
    "rcc8": "Each line 'x R y' states the RCC-8 relation R of region x to region y. "
            "Give the RCC-8 relation of the first query region to the second.",
    "interval": "Each line 'x R y' states Allen's interval relation R of interval x to interval y. "
                "Give the relation of the first query interval to the second.",
    "kinship": "Each line 'x R y' states that person y is person x's R. "
               "Give the relation R of the second query person to the first.",
}
#: Long names accepted by normalize_answer.
LONG_NAMES = {
    "before": "<", "after": ">", "meets": "m", "met-by": "mi", "overlaps": "o", "overlapped-by": "oi",
    "starts": "s", "started-by": "si", "during": "d", "contains": "di", "finishes": "f",
    "finished-by": "fi", "equals": "=",
}
#: RCC-8 and kinship names are matched without case (Allen's are case-sensitive: s, si, ...).
CASELESS_NAMES = {r.lower(): r for name in ("rcc8", "kinship") for r in load_algebra(name).relations}
#: Draws of (k, branches, graph) per example before giving up on the chosen target.
TARGET_RETRIES = 64


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


class RelationAlgebraTask(Task):
    name = "relation_algebra"
    version = "1.0"
    balance_key = "target"
    summary = "relation of source to sink in an RCC-8 / interval / kinship series-parallel graph (EpiGNN benchmarks)"
    default_split_plan = "systematic"
    parameters = {
        "algebra": {"type": "string", "enum": list(ALGEBRAS), "default": "rcc8",
                    "description": "semantic domain: rcc8 (regions), interval (Allen's intervals) or kinship "
                                   "(gender-neutral family relations)"},
        "train_k_min": {"type": "integer", "default": 2, "minimum": 2, "maximum": 50,
                        "description": "shortest source-to-sink path length (edges) in train"},
        "train_k_max": {"type": "integer", "default": 4, "minimum": 2, "maximum": 50,
                        "description": "longest path length in train"},
        "train_branches_min": {"type": "integer", "default": 1, "minimum": 1, "maximum": 16,
                               "description": "fewest top-level parallel branches in train"},
        "train_branches_max": {"type": "integer", "default": 3, "minimum": 1, "maximum": 16,
                               "description": "most top-level parallel branches in train"},
        "test_k_max": {"type": "integer", "default": 15, "minimum": 3, "maximum": 50,
                       "description": "test_ood_length: path lengths from train_k_max + 1 up to this"},
        "test_branches_max": {"type": "integer", "default": 8, "minimum": 2, "maximum": 16,
                              "description": "test_ood_branches: branch counts from train_branches_max + 1 up to this"},
        "nesting_min_k": {"type": "integer", "default": 5, "minimum": 3, "maximum": 51,
                          "description": "graphs with k >= this may contain nested sub-graphs"},
        "nest_share": {"type": "number", "default": 0.3, "minimum": 0.0, "maximum": 1.0,
                       "description": "probability that a segment of a long branch opens a nested sub-graph"},
        "max_nested_branches": {"type": "integer", "default": 5, "minimum": 2, "maximum": 8,
                                "description": "most parallel chains in a nested sub-graph (at least 2)"},
        "tightness": {"type": "number", "default": 2.5, "minimum": 0.0, "maximum": 8.0,
                      "description": "bias towards decompositions with small compositions: weight |r1 o r2|^-tightness"},
        "identity_weight": {"type": "number", "default": 0.25, "minimum": 0.01, "maximum": 1.0,
                            "description": "extra weight factor of decompositions using the identity (EQ, =)"},
        "train_size": {"type": "integer", "default": 10000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of train"},
        "test_size": {"type": "integer", "default": 1000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of validation and every test split"},
    }

    def check_params(self, params: Mapping[str, Any]) -> None:
        for low, high in (("train_k_min", "train_k_max"), ("train_branches_min", "train_branches_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_k_max", ">", "train_k_max", "test_ood_length needs longer paths than train")
        self.require_order(params, "test_branches_max", ">", "train_branches_max",
                           "test_ood_branches needs more branches than train")

    # -- plans -------------------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        k_lo, k_hi = params["train_k_min"], params["train_k_max"]
        b_lo, b_hi = params["train_branches_min"], params["train_branches_max"]
        k_test, b_test = params["test_k_max"], params["test_branches_max"]

        def k_in(lo, hi):
            return lambda example, bucket: lo <= example.meta["complexity"]["k"] <= hi

        def b_in(lo, hi):
            return lambda example, bucket: lo <= example.meta["complexity"]["branches"] <= hi

        train_cell = all_of(k_in(k_lo, k_hi), b_in(b_lo, b_hi))
        iid = iid_splits(params["train_size"], params["test_size"], params["test_size"], within=train_cell)
        longer = SplitSpec(
            "test_ood_length", params["test_size"],
            f"paths of {k_hi + 1}..{k_test} edges (train: {k_lo}..{k_hi}), train branch counts",
            all_of(k_in(k_hi + 1, k_test), b_in(b_lo, b_hi)), {"k_min": k_hi + 1, "k_max": k_test}, "length")
        wider = SplitSpec(
            "test_ood_branches", params["test_size"],
            f"{b_hi + 1}..{b_test} parallel branches (train: {b_lo}..{b_hi}), train path lengths",
            all_of(k_in(k_lo, k_hi), b_in(b_hi + 1, b_test)), {"branches_min": b_hi + 1, "branches_max": b_test},
            "complexity")
        return {
            "iid": SplitPlan("iid", "train / validation / test_id from the training cell", iid),
            "length": SplitPlan("length", "test on longer paths than in training", iid + (longer,)),
            "branches": SplitPlan("branches", "test on more parallel branches than in training", iid + (wider,)),
            "systematic": SplitPlan("systematic", "test on longer paths and on more branches", iid + (longer, wider)),
        }

    # -- sampling ------------------------------------------------------------
    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        # Everything that depends only on params is looked up once per block, not per draw.
        name = params["algebra"]
        sampler = chain_sampler(name, float(params["tightness"]), float(params["identity_weight"]))
        k_lo, k_hi = params.get("k_min", params["train_k_min"]), params.get("k_max", params["train_k_max"])
        b_lo = params.get("branches_min", params["train_branches_min"])
        b_hi = params.get("branches_max", params["train_branches_max"])
        nesting = GraphShape(params["nest_share"], params["max_nested_branches"])
        nest_from = params["nesting_min_k"] if params["nest_share"] > 0 else k_hi + 1
        instruction = INSTRUCTIONS[name]
        relations = sampler.algebra.relations
        targets = sampler.algebra.edge_atoms
        # Kinship graphs are walks through the model family (see generators/kinship_graphs.py).
        family = family_model(float(params["tightness"])) if name == "kinship" else None
        k_count, cells = k_hi - k_lo + 1, (k_hi - k_lo + 1) * (b_hi - b_lo + 1)
        word, below = rng.word, rng.below
        padded = tuple(f" {r} " for r in relations)
        examples: list[Optional[Example]] = []
        for _ in range(count):
            target = targets[below(len(targets))]
            for _ in range(TARGET_RETRIES):
                cell = below(cells)
                k, branches = k_lo + cell % k_count, b_lo + cell // k_count
                if family is not None:
                    graph = sample_kinship_graph(rng, family, target, k, branches,
                                                 nesting if k >= nest_from else GraphShape(0.0))
                elif k >= nest_from:
                    graph = sample_graph(rng, sampler, target, k, branches, nesting)
                else:
                    flat = sample_flat_graph(rng, sampler, target, k, branches)
                    if flat is not None:
                        nodes = branches * (k - 1) + 2
                        lines = _flat_lines(flat, k, _node_labels(word, nodes), padded)
                        edge_count, nested = len(lines), 0
                        break
                    continue
                if graph is not None:
                    edges, nodes = graph_edges(graph)
                    labels = _node_labels(word, nodes)
                    lines = [labels[u] + padded[atom] + labels[v] for u, atom, v in edges]
                    edge_count, nested = len(lines), graph.nested_count
                    break
            else:
                examples.append(None)
                continue
            complexity = {"k": k, "branches": branches, "edges": edge_count, "nodes": nodes, "nested": nested}
            examples.append(example_of((instruction, _shuffled_text(word, lines, nodes), relations[target],
                                        {"domain": name, "complexity": complexity}, None)))
        return examples

    def difficulty(self, example: Example) -> float:
        c = example.meta["complexity"]
        weight = c["k"] * c["branches"] + c["nested"]
        return weight / (weight + 16)

    # -- oracle ----------------------------------------------------------------
    @staticmethod
    def parse(input: str) -> tuple[str, list[tuple[int, int, int]], int, int]:
        """(algebra name, edges as (u, atom, v), query source, query sink) of an input text."""
        lines = [line.split() for line in input.strip().splitlines() if line.strip()]
        if not lines or len(lines[-1]) != 4 or lines[-1][0] != "query:" or lines[-1][2] != "?":
            raise UsageError("relation_algebra input must end with a line 'query: <node> ? <node>'")
        names = {words[1] for words in lines[:-1] if len(words) == 3}
        name = next((n for n in ALGEBRAS if names and names <= set(load_algebra(n).relations)), "interval")
        algebra = load_algebra(name)
        edges = []
        for words in lines[:-1]:
            if len(words) != 3 or words[1] not in algebra.index or not (words[0].isdigit() and words[2].isdigit()):
                raise UsageError(f"relation_algebra: cannot read edge line {' '.join(words)!r}; "
                                 f"expected '<node> <relation> <node>' with a {name} relation")
            edges.append((int(words[0]), algebra.index[words[1]], int(words[2])))
        source, sink = lines[-1][1], lines[-1][3]
        if not (source.isdigit() and sink.isdigit()):
            raise UsageError(f"relation_algebra: query nodes must be numbers, got {source!r} and {sink!r}")
        return name, edges, int(source), int(sink)

    def solve(self, instruction: Optional[str], input: str) -> str:
        name, edges, source, sink = self.parse(input)
        algebra = load_algebra(name)
        try:
            mask = series_parallel_closure(algebra, edges, source, sink)
        except ValueError as error:
            raise UsageError(f"relation_algebra: {error}") from None
        return " ".join(algebra.names(mask))

    def normalize_answer(self, answer: str) -> str:
        text = "".join(str(answer).split())
        lower = text.lower()
        if lower in CASELESS_NAMES:
            return CASELESS_NAMES[lower]
        if lower in LONG_NAMES:
            return LONG_NAMES[lower]
        return lower if lower in load_algebra("interval").index else text

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        edges = [line.split() for line in record["input"].splitlines()[:-1]]
        atoms = [relation for _, relation, _ in edges]
        incoming: dict[str, list[str]] = {}
        for _, relation, v in edges:
            incoming.setdefault(v, []).append(relation)
        compounds = [f"{first} {second}" for u, second, _ in edges for first in incoming.get(u, [])]
        return atoms, compounds
