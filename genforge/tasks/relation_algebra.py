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
ranges. Balance is in expectation; dedup is by the graph up to node names
and line order (``canonical_key``), which trims targets with few distinct
graphs (RCC-8 ``EQ`` at k <= 4: about 7% of train). Nested graphs (k >=
nesting_min_k) follow the EpiGNN generator's law
(``generators/relation_algebra_epignn.py``; ``nested_law``), plan ``cell``
fixes (k, branches), and ``label_shortcut = balanced`` removes the label
shortcut (``generators/relation_algebra_audit.py``).

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

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.params import Params, param, split_setting, test_size, train_size
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, all_of, iid_splits, with_bucket_window
from genforge.core.task import Task
from genforge.core.probes import Probe
from genforge.generators import relation_algebra_audit, relation_algebra_examples
from genforge.generators.relation_algebra import ALGEBRAS, load_algebra, series_parallel_closure

#: Long names accepted by normalize_answer.
LONG_NAMES = {
    "before": "<", "after": ">", "meets": "m", "met-by": "mi", "overlaps": "o", "overlapped-by": "oi",
    "starts": "s", "started-by": "si", "during": "d", "contains": "di", "finishes": "f",
    "finished-by": "fi", "equals": "=",
}
#: RCC-8 and kinship names are matched without case (Allen's are case-sensitive: s, si, ...).
CASELESS_NAMES = {r.lower(): r for name in ("rcc8", "kinship") for r in load_algebra(name).relations}
#: The i.i.d. splits of a listed (small) training cell and their shares in tenths (as iid_splits: 80/10/10).
IID_SPLITS, IID_SHARES = ("train", "validation", "test_id"), (8, 1, 1)
#: Most edge draws per example (in the pilot of generators/relation_algebra_examples.draw_cost) a sampled
#: split may cost. Measured: the default cells cost 30 to 142 (rcc8, interval) and up to 502 (kinship,
#: 19 ms an example); tightness 1.5 with identity_weight 0.1 costs 3,267 (90 ms an example), kinship paths
#: of 25 edges 1,781 (200 ms), tightness 0 finds nothing. Kinship's walks cost about three times more per draw
#: (kinship paths of up to 20 edges cost 665 and the plan took 55 s on a loaded machine, so kinship stops lower).
MAX_DRAW_COST = {"rcc8": 1000, "interval": 1000, "kinship": 600}
#: The parameters that set each sampled split's cell, for the refusal message.
SPLIT_RANGES = {"train": "train_k_min..train_k_max, train_branches_min..train_branches_max",
                "test_ood_length": "test_k_max, train_branches_max",
                "test_ood_branches": "test_branches_max, train_k_max"}
#: Why the label shortcut is expected on the faithful plans (printed by genforge audit).
FAITHFUL_SHORTCUT = ("label_shortcut = faithful reproduces EpiGNN's graphs (Khalid and Schockaert 2025), whose "
                     "released files share the shortcut: the target is often the most frequent non-identity edge "
                     "label; use label_shortcut = balanced to measure reasoning without it")
#: Nuisance features each held-out split's shift moves (see relation_algebra_audit.nuisance_features):
#: longer paths have more and more nested edges, a different identity share and more labels competing
#: with the target; more branches have more edges and more source edges carrying the target.
LENGTH_MOVES = ("k", "edges", "nested", "identity_share", "target_is_top_label", "target_on_source_edge")
#: More parallel branches are more nodes and longer inputs, by definition.
BRANCH_MOVES = ("branches", "edges", "nodes", "input_length", "identity_share", "target_is_top_label", "target_on_source_edge")
#: Longest paths and most branches the schema allows.
MAX_K, MAX_BRANCHES = 50, 16


@dataclass(frozen=True)
class RelationAlgebraParams(Params):
    algebra: str = param("rcc8", "semantic domain: rcc8 (regions), interval (Allen's intervals) or kinship "
                         "(gender-neutral family relations)", enum=list(ALGEBRAS))
    train_k_min: int = param(2, "shortest source-to-sink path length (edges) in train", minimum=2, maximum=MAX_K)
    train_k_max: int = param(4, "longest path length in train", minimum=2, maximum=MAX_K)
    train_branches_min: int = param(1, "fewest top-level parallel branches in train", minimum=1, maximum=MAX_BRANCHES)
    train_branches_max: int = param(3, "most top-level parallel branches in train", minimum=1, maximum=MAX_BRANCHES)
    test_k_max: int = param(15, "test_ood_length: path lengths from train_k_max + 1 up to this",
                            minimum=3, maximum=MAX_K)
    test_branches_max: int = param(8, "test_ood_branches: branch counts from train_branches_max + 1 up to this",
                                   minimum=2, maximum=MAX_BRANCHES)
    nesting_min_k: int = param(5, "graphs with k >= this may contain nested sub-graphs", minimum=3, maximum=MAX_K + 1)
    nest_share: float = param(0.3, "segments law (and kinship): probability that a segment of a long branch "
                              "opens a nested sub-graph; 0 turns nesting off under either law",
                              minimum=0.0, maximum=1.0)
    max_nested_branches: int = param(5, "segments law: most parallel chains in a nested sub-graph (at least 2)",
                                     minimum=2, maximum=8)
    nested_law: str = param("epignn", "how graphs with k >= nesting_min_k nest (rcc8, interval): epignn (the "
                            "original generator's law: every top-level chain nested, 2..5 parallel chains per "
                            "sub-graph) or segments (genforge 1.1's: each segment nests with nest_share)",
                            enum=["epignn", "segments"])
    label_shortcut: str = param("faithful", "faithful: graphs as EpiGNN draws them, whose target is the most "
                                "frequent non-identity edge label about 60% of the time; balanced: that holds for "
                                "1/|relations| of the graphs (chance) and the target is below the top otherwise",
                                enum=["faithful", "balanced"])
    k: int = param(5, "cell plan: the path length of every graph", minimum=2, maximum=MAX_K)
    branches: int = param(1, "cell plan: the top-level branch count of every graph", minimum=1, maximum=MAX_BRANCHES)
    tightness: float = param(2.5, "bias towards decompositions with small compositions: weight |r1 o r2|^-tightness",
                             minimum=0.0, maximum=8.0)
    identity_weight: float = param(0.25, "extra weight factor of decompositions using the identity (EQ, =)",
                                   minimum=0.01, maximum=1.0)
    train_size: int = train_size()
    test_size: int = test_size()
    #: The cell a split draws from (the test_ood splits set them; 0: the train range).
    k_min: int = split_setting(0, "shortest path length the split draws")
    k_max: int = split_setting(0, "longest path length the split draws")
    branches_min: int = split_setting(0, "fewest branches the split draws")
    branches_max: int = split_setting(0, "most branches the split draws")
    #: An i.i.d. split's input-bucket interval (low, high): a draw outside it is dropped before its text is
    #: written, as the split's predicate would drop it after (same records, less work); () : no interval.
    bucket_window: tuple[float, ...] = split_setting((), "the input-bucket interval the split's predicate requires")

    def cell(self) -> tuple[int, int, int, int]:
        """(k_min, k_max, branches_min, branches_max) of the split's graphs."""
        return (self.k_min or self.train_k_min, self.k_max or self.train_k_max,
                self.branches_min or self.train_branches_min, self.branches_max or self.train_branches_max)


def _k_in(low: int, high: int):
    return lambda example, bucket: low <= example.meta["complexity"]["k"] <= high


def _b_in(low: int, high: int):
    return lambda example, bucket: low <= example.meta["complexity"]["branches"] <= high


@lru_cache(maxsize=2)  # the training cell, then one OOD cell
def _listed_parts(version: str, algebra: str, cell: tuple[int, int, int, int], seed: int,
                  shares: tuple[int, ...], balanced: bool = False) -> list[list[Example]]:
    """Every graph of a small cell, cut into parts of ``shares`` (computed once per process and split set);
    ``balanced``: thinned so that the label shortcut scores chance (label_shortcut = balanced)."""
    rng = RandomStream.from_parts(RelationAlgebraTask.name, version, algebra, list(cell), seed, "listing")
    examples = relation_algebra_examples.list_cell(rng, algebra, *cell)
    if balanced:
        examples = relation_algebra_examples.balance_top_label(rng, examples, len(load_algebra(algebra).edge_atoms))
    return relation_algebra_examples.stratified_partition(rng, examples, shares)


class RelationAlgebraTask(Task):
    name = "relation_algebra"
    version = "1.2"
    balance_key = "target"
    summary = "relation of source to sink in an RCC-8 / interval / kinship series-parallel graph (EpiGNN benchmarks)"
    default_split_plan = "systematic"
    Params = RelationAlgebraParams

    def check_params(self, params: RelationAlgebraParams) -> None:
        for low, high in (("train_k_min", "train_k_max"), ("train_branches_min", "train_branches_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_k_max", ">", "train_k_max", "test_ood_length needs longer paths than train")
        self.require_order(params, "test_branches_max", ">", "train_branches_max",
                           "test_ood_branches needs more branches than train")
        if params.nested_law == "epignn" and params.algebra != "kinship":
            self.require(params.nesting_min_k >= 4,
                         f"parameter 'nesting_min_k' = {params.nesting_min_k} must be >= 4 with nested_law = "
                         "epignn: its chains start at k // 2 + 1 edges and nest spans of 2..k - 2 edges, "
                         "so k = 3 cannot nest (use nested_law = segments)")
        self._require_affordable_draws(params)

    def _require_affordable_draws(self, params: RelationAlgebraParams) -> None:
        """Refuse, before any work, a sampled cell whose graphs close to one relation too rarely or are too
        large to draw quickly (tightness 0, long paths, many branches), from a fixed pilot's cost."""
        if replace(params, algebra=RelationAlgebraParams.algebra) == RelationAlgebraParams():
            return  # the defaults, measured: at most 502 edge draws per example (kinship's longest paths)
        limit = MAX_DRAW_COST[params.algebra]
        for split, ranges in self._sampled_cells(params):
            cell_params = params.for_split(split.sample_params, params.seed)
            cost = relation_algebra_examples.draw_cost(cell_params)
            k_lo, k_hi, b_lo, b_hi = cell_params.cell()
            self.require(cost <= limit,
                         f"split {split.name!r} (paths of {k_lo}..{k_hi} edges, {b_lo}..{b_hi} branches) "
                         + (f"costs about {cost:,.0f} edge draws per example in a pilot, more than {limit:,}"
                            if cost < float("inf") else "found no graph closing to one relation in a pilot")
                         + f" ({params.algebra}): "
                         f"its graphs close to one relation too rarely or are too large to draw quickly. Raise "
                         f"tightness ({params.tightness}) or identity_weight ({params.identity_weight}), or shorten "
                         f"the paths and branches ({ranges})")

    def _sampled_cells(self, params: RelationAlgebraParams) -> list[tuple[SplitSpec, str]]:
        """One sampled split per cell of the plans (validation and test_id share train's), with the
        parameters that set its cell."""
        plans = self.split_plans(params)
        cells = [(split, SPLIT_RANGES[split.name]) for split in plans["systematic"].splits
                 if split.source == "sample" and split.name not in ("validation", "test_id")]
        cell_train = plans["cell"].split("train")
        if cell_train.source == "sample":
            cells.append((cell_train, "k, branches: the cell plan"))
        return cells

    # -- plans -------------------------------------------------------------
    def split_plans(self, params: RelationAlgebraParams) -> dict[str, SplitPlan]:
        k_lo, k_hi = params.train_k_min, params.train_k_max
        b_lo, b_hi = params.train_branches_min, params.train_branches_max
        k_test, b_test = params.test_k_max, params.test_branches_max
        iid = self._iid_splits(params, all_of(_k_in(k_lo, k_hi), _b_in(b_lo, b_hi)))
        k, b = params.k, params.branches
        one_cell = self._iid_splits(params, all_of(_k_in(k, k), _b_in(b, b)),
                                    {"k_min": k, "k_max": k, "branches_min": b, "branches_max": b})
        longer = self._listed_when_small(params, SplitSpec(
            "test_ood_length", params.test_size,
            f"paths of {k_hi + 1}..{k_test} edges (train: {k_lo}..{k_hi}), train branch counts",
            all_of(_k_in(k_hi + 1, k_test), _b_in(b_lo, b_hi)), {"k_min": k_hi + 1, "k_max": k_test}, "length",
            moves=LENGTH_MOVES))
        wider = self._listed_when_small(params, SplitSpec(
            "test_ood_branches", params.test_size,
            f"{b_hi + 1}..{b_test} parallel branches (train: {b_lo}..{b_hi}), train path lengths",
            all_of(_k_in(k_lo, k_hi), _b_in(b_hi + 1, b_test)), {"branches_min": b_hi + 1, "branches_max": b_test},
            "complexity", moves=BRANCH_MOVES))
        expected = self._expected_probes(params)
        plans = {
            "iid": SplitPlan("iid", "train / validation / test_id from the training cell", iid),
            "length": SplitPlan("length", "test on longer paths than in training", iid + (longer,)),
            "branches": SplitPlan("branches", "test on more parallel branches than in training", iid + (wider,)),
            "systematic": SplitPlan("systematic", "test on longer paths and on more branches", iid + (longer, wider)),
            "cell": SplitPlan("cell", f"every split at path length k = {k} with b = {b} branches (as one EpiGNN "
                              "test file, test_<algebra>_k_<k>_b_<b>.csv)", one_cell),
        }
        return {name: replace(plan, expected_probes=expected, splits=tuple(map(with_bucket_window, plan.splits)))
                for name, plan in plans.items()}

    @staticmethod
    def _expected_probes(params: RelationAlgebraParams) -> dict[str, str]:
        if params.label_shortcut == "balanced":
            return {}
        # The generic nearest-input and naive Bayes probes learn the same edge-label frequencies.
        return {name: FAITHFUL_SHORTCUT for name in
                ("most_frequent_edge_label", "source_edge_label", "nearest_ngram", "naive_bayes")}

    # -- audit (genforge.core.probes) --------------------------------------------
    def canonical_key(self, instruction: Optional[str], input: str) -> str:
        """The graph up to inner node names and line order (generators/relation_algebra_canonical.py)."""
        return relation_algebra_examples.canonical_key(instruction, input)

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return relation_algebra_audit.nuisance_features(record)

    def shortcut_probes(self, params: RelationAlgebraParams) -> list[Probe]:
        return [relation_algebra_audit.most_frequent_label_probe(), relation_algebra_audit.source_edge_label_probe()]

    # -- small cells: listed, not sampled (see generators/relation_algebra_examples.py) ----------
    def _listable(self, params: RelationAlgebraParams, cell: tuple[int, int, int, int]) -> bool:
        nests = relation_algebra_examples.nests(params) and cell[1] >= params.nesting_min_k
        return relation_algebra_examples.is_listable(params.algebra, cell, nests)

    def _iid_splits(self, params: RelationAlgebraParams, train_cell,
                    sample_params: Mapping = {}) -> tuple[SplitSpec, ...]:
        """train / validation / test_id: 80/10/10 by hash bucket, or, for a small cell, a stratified
        partition of every graph it holds (each split then holds all of its part by default)."""
        iid = iid_splits(params.train_size, params.test_size, params.test_size, within=train_cell)
        if sample_params:
            iid = tuple(replace(split, sample_params=dict(sample_params)) for split in iid)
        if not self._listable(params, params.for_split(sample_params, params.seed).cell()):
            return iid
        return tuple(replace(split, size=None, accepts=train_cell, source="enumerate",
                             description=f"{split.description}: {share * 10}% of every graph of the small training "
                                         "cell, stratified by target")
                     for split, share in zip(iid, IID_SHARES))

    def _listed_when_small(self, params: RelationAlgebraParams, split: SplitSpec) -> SplitSpec:
        if not self._listable(params, params.for_split(split.sample_params, params.seed).cell()):
            return split
        return replace(split, size=None, source="enumerate", description=f"{split.description}: every graph")

    def enumerate_split(self, params: RelationAlgebraParams, plan: SplitPlan, split: SplitSpec,
                        seed: int) -> list[Example]:
        cell = params.for_split(split.sample_params, seed).cell()
        balanced = params.label_shortcut == "balanced"
        if split.name in IID_SPLITS:
            return _listed_parts(self.version, params.algebra, cell, seed, IID_SHARES,
                                 balanced)[IID_SPLITS.index(split.name)]
        return _listed_parts(self.version, params.algebra, cell, seed, (1,), balanced)[0]

    # -- sampling ------------------------------------------------------------
    def sample_block(self, rng: RandomStream, params: RelationAlgebraParams, count: int) -> list[Optional[Example]]:
        return relation_algebra_examples.sample_block(rng, params, count)

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
