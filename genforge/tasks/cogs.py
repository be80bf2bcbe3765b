"""Task ``cogs``: COGS (Kim & Linzen 2020) and SLOG's structural cases, sentences to logical forms.

Kim & Linzen (2020), "COGS: A Compositional Generalization Challenge Based on
Semantic Interpretation", EMNLP; Li et al. (2023), "SLOG: A Structural
Generalization Benchmark for Semantic Parsing", EMNLP. Everything but the
mapping from corpus parts to split files lives in
:mod:`genforge.generators.cogs`.

Plans (every split enumerated, drawn on demand):

* ``cogs`` (default): ``train`` = 24,000 in-distribution sentences + COGS's
  143 one-word primitive lines + its 12 exposure sentences (24,155), the
  lines at random positions; ``validation`` (COGS's dev) and ``test_id`` (its
  test), 3,000 each; ``test_ood_lexical``, the 18 lexical categories, and
  ``test_ood_structural``, the 3 structural ones, 1,000 per category, the
  categories in turn (COGS's gen.tsv is their union; ``meta.category`` names
  the category). Gen is two files because models fail the two kinds for
  different reasons and the shift labels then say so (``lexical``;
  ``structural`` maps to the GenBench structural type).
* ``slog``: the same train/validation/test_id; ``test_ood_structural`` holds
  the SLOG cases the grammar can express (PP on subjects, PP on indirect
  objects, deeper PP and CP recursion), 1,000 each.

In-distribution sentences go to train, validation or test_id by a hash bucket
of the sentence (80/10/10), so the three are disjoint however many are drawn;
each split and category draws from its own stream, and a smaller ``--size``
costs only what it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from genforge.core.params import Params, param
from genforge.core.params import test_size as size_param
from genforge.core.params import train_size as train_size_param
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, text_bucket
from genforge.core.task import Task
from genforge.generators.cogs import categories as cats
from genforge.generators.cogs.corpus import (IN_DISTRIBUTION, DistinctDraws, Part, cogs_exposure_examples,
                                             draws_in_order, extra_exposures, interleaved, make_example,
                                             primitive_examples, with_lines_inserted)
from genforge.generators.cogs.lexicon import cogs_lexicon, reduced_lexicon
from genforge.generators.cogs.logical_form import logical_form
from genforge.generators.cogs.parser import parse, solve
from genforge.generators.cogs.sampler import GrammarOptions, SentenceSampler
from genforge.generators.cogs.structure import atoms_and_compounds, difficulty
from genforge.generators.cogs.syntax import SIMPLE_FRAMES, clause_chain, max_pp_depth, render

_LEXICON = cogs_lexicon()
_LENGTHS = ("input_length", "target_length", "difficulty", "complexity.sentence_length", "complexity.events")
#: Features each generalization split moves by design (``SplitSpec.moves``): a lexical category is a word in
#: a construction train shows it in once (its frame is the point) and names itself in ``meta.domain``;
#: a structural one is deeper recursion or a PP where train has none.
_MOVES = {
    cats.LEXICAL: ("domain", "frame", "subject"),
    cats.STRUCTURAL: ("domain", "frame", "subject", "has_cp", "has_pp", "complexity.*", *_LENGTHS),
}
_CP_REASON = (
    "COGS 3.5 (Kim & Linzen 2020: a noun seen only as one kind of subject, tested as the subject of an "
    "unaccusative, unergative or object-omitted verb) fixes the noun and a one-argument frame with no PP site, "
    "which leaves 40 sentences without a CP (2 determiners x 20 verbs); 1,000 distinct sentences per category "
    "(COGS's count) must embed the rest under 'that' clauses, so these 3 categories are 96% CP against 9% in "
    "train, and test_ood_lexical 24% (the other 15 lexical categories match train). Score them per category "
    "(meta.category) to read the lexical shift apart from CP depth.")
#: Nuisance feature -> why the default plan's lexical split differs from train on it (SplitPlan.expected_shifts).
_EXPECTED_SHIFTS = {feature: _CP_REASON for feature in ("has_cp", "complexity.cp_depth", "complexity.events",
                                                         "complexity.sentence_length", "input_length",
                                                         "target_length", "difficulty")}
#: Hash-bucket ranges of the in-distribution splits (COGS's 24,000 / 3,000 / 3,000).
_BUCKETS = {"train": (0.0, 0.8), "validation": (0.8, 0.9), "test_id": (0.9, 1.0)}


def _weights(default, description: str, items: int) -> Any:
    return param(tuple(float(w) for w in default), description, minItems=1 if items is None else items,
                 maxItems=13 if items is None else items, items={"minimum": 0})


@dataclass(frozen=True)
class CogsParams(Params):
    train_size: int = train_size_param(24_000, "in-distribution sentences in train (primitive and exposure lines on top)")
    validation_size: int = size_param(3_000, "in-distribution sentences in validation (COGS's dev)")
    test_size: int = size_param(3_000, "in-distribution sentences in test_id (COGS's test)")
    generalization_size: int = size_param(1_000, "sentences per generalization category")
    exposure_count: int = param(1, "train sentences per held-out word in its one context (COGS 1, train_100 100)",
                                minimum=0, maximum=1_000)
    lexicon_fraction: float = param(1.0, "share of each word class used in sentences (at least 2 words each)",
                                    minimum=0.01, maximum=1.0)
    pp_depth_weights: tuple[float, ...] = _weights(
        _LEXICON.train_depth_histograms["pp"], "weight of PP depth 0, 1, ... in train (the last is its deepest)", None)
    cp_depth_weights: tuple[float, ...] = _weights(
        _LEXICON.train_depth_histograms["cp"], "weight of CP depth 0, 1, ... in train (the last is its deepest)", None)
    construction_weights: tuple[float, ...] = _weights(
        [_LEXICON.frame_counts[frame] for frame in SIMPLE_FRAMES],
        "weight of each frame of the innermost clause, in this order: " + ", ".join(SIMPLE_FRAMES), len(SIMPLE_FRAMES))
    generalization_min_depth: int = param(3, "shallowest PP/CP recursion in the recursion categories",
                                          minimum=1, maximum=30)
    generalization_max_depth: int = param(12, "deepest PP/CP recursion in the recursion categories",
                                          minimum=1, maximum=30)


class CogsTask(Task):
    name = "cogs"
    version = "1.0"
    summary = "COGS (Kim & Linzen 2020): English sentences to logical forms, 21 generalization categories; SLOG plan"
    default_split_plan = "cogs"
    Params = CogsParams

    def check_params(self, params: CogsParams) -> None:
        self.require_order(params, "generalization_min_depth", "<=", "generalization_max_depth")
        for kind in ("pp", "cp"):
            weights = getattr(params, f"{kind}_depth_weights")
            self.require(sum(weights) > 0, f"parameter '{kind}_depth_weights' = {list(weights)} needs a positive weight")
            self.require(len(weights) - 1 < params.generalization_min_depth,
                         f"parameter '{kind}_depth_weights' allows depth {len(weights) - 1} in train, which must be "
                         f"below generalization_min_depth ({params.generalization_min_depth})")
        self.require(sum(params.construction_weights) > 0, "parameter 'construction_weights' gives every frame weight 0")

    # -- plans -----------------------------------------------------------
    def split_plans(self, params: CogsParams) -> dict[str, SplitPlan]:
        per_category = params.generalization_size
        in_distribution = (
            SplitSpec("train", params.train_size + _extra_train_lines(params),
                      "in-distribution sentences, COGS's primitive lines and exposure sentences", source="enumerate"),
            SplitSpec("validation", params.validation_size, "in-distribution (COGS dev)", source="enumerate"),
            SplitSpec("test_id", params.test_size, "in-distribution (COGS test)", source="enumerate"),
        )

        def ood(plan: str, kind: str, what: str) -> SplitSpec:
            count = sum(c.kind == kind for c in _categories(plan, params))
            return SplitSpec(f"test_ood_{kind}", count * per_category, what, shift=kind, source="enumerate",
                             moves=_MOVES[kind])

        return {
            "cogs": SplitPlan("cogs", "COGS: train/dev/test/gen with the 21 generalization categories", (
                *in_distribution,
                ood("cogs", cats.LEXICAL, "COGS gen, lexical categories (held-out word in a new role or construction)"),
                ood("cogs", cats.STRUCTURAL, "COGS gen, structural categories (subject PPs, deeper PP and CP recursion)")),
                expected_shifts=_EXPECTED_SHIFTS),
            "slog": SplitPlan("slog", "SLOG's structural cases that the COGS grammar expresses", (
                *in_distribution,
                ood("slog", cats.STRUCTURAL, "SLOG: PP on subjects and indirect objects, deeper PP and CP recursion"))),
        }

    def enumerate_split(self, params: CogsParams, plan: SplitPlan, split: SplitSpec, seed: int) -> Iterable[Example]:
        lexicon, grammar = reduced_lexicon(_LEXICON, params.lexicon_fraction), _grammar(params)

        def stream(part: str):  # no plan in the seed: cogs and slog write the same in-distribution files
            return lambda: RandomStream.from_parts(self.name, self.version, params.to_dict(), seed, part)

        if split.name in _BUCKETS:
            low, high = _BUCKETS[split.name]
            part = Part(IN_DISTRIBUTION, accepts=lambda sentence: low <= text_bucket(sentence) < high)
            draws = DistinctDraws(stream(split.name), lexicon, grammar, part)
            if split.name != "train":
                return draws_in_order(draws, split.size)
            lines = primitive_examples(lexicon, _LEXICON)
            if params.exposure_count:
                lines += cogs_exposure_examples(_LEXICON)
                lines += extra_exposures(lambda c: stream(c)(), lexicon, grammar, _LEXICON, params.exposure_count - 1)
            return with_lines_inserted(draws, params.train_size, lines, stream("train lines")())
        kind = split.name[len("test_ood_"):]
        parts = [DistinctDraws(stream(c.name), lexicon, grammar, Part(c.name, c.spec))
                 for c in _categories(plan.name, params) if c.kind == kind]
        return interleaved(parts, params.generalization_size)

    # -- sampling (for plans that draw, such as mcd): in-distribution sentences ----------
    def sample_block(self, rng: RandomStream, params: CogsParams, count: int) -> list[Optional[Example]]:
        lexicon = reduced_lexicon(_LEXICON, params.lexicon_fraction)
        sampler = SentenceSampler(rng, lexicon, _grammar(params))
        examples = []
        for _ in range(count):
            sentence, tree = render(sampler.sentence(), lambda lemma, form: getattr(lexicon.verbs[lemma], form))
            examples.append(make_example(sentence, logical_form(tree, lexicon.predicate), IN_DISTRIBUTION, tree))
        return examples

    # -- oracle and measures ------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        return solve(input)

    def difficulty(self, example: Example) -> float:
        return difficulty(example.meta["complexity"])

    def structure(self, record):
        return atoms_and_compounds(record["input"])

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The construction of a sentence, besides the generic lengths and ``meta.complexity`` depths:
        the innermost clause's ``frame`` (``primitive`` for a one-word line), whether it embeds a CP
        (``has_cp``) or holds a PP (``has_pp``), and whether that clause's ``subject`` is a name."""
        if len(record["input"].split()) == 1:
            return {"frame": "primitive", "has_cp": False, "has_pp": False, "subject": "none"}
        tree = parse(record["input"], _LEXICON)
        inner = clause_chain(tree)[-1]
        return {"frame": inner.frame, "has_cp": tree.complement is not None, "has_pp": max_pp_depth(tree) > 0,
                "subject": "name" if inner.subject.proper else "common"}


def _grammar(params: CogsParams) -> GrammarOptions:
    return GrammarOptions(frame_weights=tuple(zip(SIMPLE_FRAMES, params.construction_weights)),
                          pp_depth_weights=params.pp_depth_weights, cp_depth_weights=params.cp_depth_weights)


def _categories(plan: str, params: CogsParams) -> tuple[cats.Category, ...]:
    depths = (params.generalization_min_depth, params.generalization_max_depth)
    if plan == "slog":
        return cats.slog_categories(depths, len(params.pp_depth_weights) - 1)
    return cats.cogs_categories(depths)


def _extra_train_lines(params: CogsParams) -> int:
    """Primitive lines and exposure sentences: what train holds besides its in-distribution sentences."""
    lexicon = reduced_lexicon(_LEXICON, params.lexicon_fraction)
    return len(primitive_examples(lexicon, _LEXICON)) + len(_LEXICON.exposure_examples) * params.exposure_count
