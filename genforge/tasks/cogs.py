"""Task ``cogs``: COGS (Kim & Linzen 2020) and SLOG's structural cases, sentences to logical forms.

Kim & Linzen (2020), "COGS: A Compositional Generalization Challenge Based on
Semantic Interpretation", EMNLP; Li et al. (2023), "SLOG: A Structural
Generalization Benchmark for Semantic Parsing", EMNLP. Everything but the
mapping from corpus parts to split files lives in
:mod:`genforge.generators.cogs`.

Plans (every split enumerated from one corpus per (params, seed)):

* ``cogs`` (default): ``train`` = 24,000 in-distribution sentences + COGS's
  143 one-word primitive lines + its 12 exposure sentences (24,155);
  ``validation`` (COGS's dev) and ``test_id`` (its test), 3,000 each;
  ``test_ood_lexical``, the 18 lexical categories, and
  ``test_ood_structural``, the 3 structural ones, 1,000 per category (COGS's
  gen.tsv is their union; ``meta.category`` names the category). Gen is two
  files because models fail the two kinds for different reasons and the shift
  labels then say so (``lexical``; ``structural`` maps to the GenBench
  structural type).
* ``slog``: the same train/validation/test_id; ``test_ood_structural`` holds
  the SLOG cases the grammar can express (PP on subjects, PP on indirect
  objects, deeper PP and CP recursion), 1,000 each.

Smaller ``--size`` values take a prefix of each split's shuffled order (and may
drop exposure lines); the size parameters keep every part.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable, Mapping, Optional

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec
from genforge.generators.cogs import categories as cats
from genforge.generators.cogs.corpus import (DOMAIN_IN_DISTRIBUTION, CorpusOptions, build_corpus, make_example,
                                             primitive_examples)
from genforge.generators.cogs.lexicon import cogs_lexicon, reduced_lexicon
from genforge.generators.cogs.logical_form import logical_form
from genforge.generators.cogs.parser import solve
from genforge.generators.cogs.sampler import GrammarOptions, SentenceSampler, SentenceSpec
from genforge.generators.cogs.structure import atoms_and_compounds, difficulty
from genforge.generators.cogs.syntax import SIMPLE_FRAMES, render
from genforge.tasks.base import Task

_LEXICON = cogs_lexicon()
_WEIGHTS = {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 1, "maxItems": 13}


def _size(default: int, what: str) -> dict:
    return {"type": "integer", "default": default, "minimum": 0, "maximum": 1_000_000, "description": what}


class CogsTask(Task):
    name = "cogs"
    version = "1.0"
    summary = "COGS (Kim & Linzen 2020): English sentences to logical forms, 21 generalization categories; SLOG plan"
    default_split_plan = "cogs"
    parameters = {
        "train_size": _size(24_000, "in-distribution sentences in train (primitives and exposures come on top)"),
        "validation_size": _size(3_000, "in-distribution sentences in validation (COGS's dev)"),
        "test_size": _size(3_000, "in-distribution sentences in test_id (COGS's test)"),
        "generalization_size": _size(1_000, "sentences per generalization category"),
        "exposure_count": {"type": "integer", "default": 1, "minimum": 0, "maximum": 1_000,
                           "description": "train sentences per held-out word in its one context (COGS 1, train_100 100)"},
        "lexicon_fraction": {"type": "number", "default": 1.0, "minimum": 0.01, "maximum": 1.0,
                             "description": "share of each word class used in sentences (at least 2 words each)"},
        "pp_depth_weights": {**_WEIGHTS, "default": list(_LEXICON.train_depth_histograms["pp"]),
                             "description": "weight of PP depth 0, 1, ...: the last index is train's deepest PP chain"},
        "cp_depth_weights": {**_WEIGHTS, "default": list(_LEXICON.train_depth_histograms["cp"]),
                             "description": "weight of CP depth 0, 1, ...: the last index is train's deepest CP chain"},
        "construction_weights": {
            "type": "object", "default": {frame: _LEXICON.frame_counts[frame] for frame in SIMPLE_FRAMES},
            "properties": {frame: {"type": "number", "minimum": 0} for frame in SIMPLE_FRAMES},
            "additionalProperties": False,
            "description": "weight of each frame of the innermost clause; frames left out keep COGS's weight"},
        "generalization_min_depth": {"type": "integer", "default": 3, "minimum": 1, "maximum": 30,
                                     "description": "shallowest PP/CP recursion in the recursion categories"},
        "generalization_max_depth": {"type": "integer", "default": 12, "minimum": 1, "maximum": 30,
                                     "description": "deepest PP/CP recursion in the recursion categories"},
    }

    def check_params(self, params: Mapping[str, Any]) -> None:
        self.require_order(params, "generalization_min_depth", "<=", "generalization_max_depth")
        for kind in ("pp", "cp"):
            weights = params[f"{kind}_depth_weights"]
            self.require(sum(weights) > 0, f"parameter '{kind}_depth_weights' = {weights} needs a positive weight")
            self.require(len(weights) - 1 < params["generalization_min_depth"],
                         f"parameter '{kind}_depth_weights' allows depth {len(weights) - 1} in train, which must be "
                         f"below generalization_min_depth ({params['generalization_min_depth']})")
        weights = {**_LEXICON.frame_counts, **params["construction_weights"]}
        self.require(any(weights[frame] > 0 for frame in SIMPLE_FRAMES),
                     "parameter 'construction_weights' gives every frame weight 0")

    # -- plans -----------------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        per_category = params["generalization_size"]
        lexical = [c for c in _categories("cogs", params) if c.kind == cats.LEXICAL]
        in_distribution = (
            SplitSpec("train", params["train_size"] + _extra_train_lines(params),
                      "in-distribution sentences, COGS's primitive lines and exposure sentences", source="enumerate"),
            SplitSpec("validation", params["validation_size"], "in-distribution (COGS dev)", source="enumerate"),
            SplitSpec("test_id", params["test_size"], "in-distribution (COGS test)", source="enumerate"),
        )

        def structural(plan: str, what: str) -> SplitSpec:
            count = sum(c.kind == cats.STRUCTURAL for c in _categories(plan, params))
            return SplitSpec("test_ood_structural", count * per_category, what, shift="structural", source="enumerate")

        return {
            "cogs": SplitPlan("cogs", "COGS: train/dev/test/gen with the 21 generalization categories", (
                *in_distribution,
                SplitSpec("test_ood_lexical", len(lexical) * per_category,
                          "COGS gen, lexical categories (held-out word in a new role or construction)",
                          shift="lexical", source="enumerate"),
                structural("cogs", "COGS gen, structural categories (subject PPs, deeper PP and CP recursion)"))),
            "slog": SplitPlan("slog", "SLOG's structural cases that the COGS grammar expresses", (
                *in_distribution,
                structural("slog", "SLOG: PP on subjects and indirect objects, deeper PP and CP recursion"))),
        }

    def enumerate_split(self, params: Mapping[str, Any], plan: SplitPlan, split: SplitSpec,
                        seed: int) -> Iterable[Example]:
        parts = _corpus(json.dumps(dict(params), sort_keys=True), seed, plan.name)
        ends = [params["train_size"], params["train_size"] + params["validation_size"]]
        in_distribution = parts[DOMAIN_IN_DISTRIBUTION]
        chosen = {
            "train": in_distribution[:ends[0]] + parts["primitive"] + parts["exposure"],
            "validation": in_distribution[ends[0]:ends[1]],
            "test_id": in_distribution[ends[1]:],
            "test_ood_lexical": [e for c in _categories(plan.name, params) if c.kind == cats.LEXICAL
                                 for e in parts[c.name]],
            "test_ood_structural": [e for c in _categories(plan.name, params) if c.kind == cats.STRUCTURAL
                                    for e in parts[c.name]],
        }[split.name]
        # The order does not name the plan either: cogs and slog write the same train, validation and test_id.
        RandomStream.from_parts(self.name, self.version, seed, split.name).shuffle(chosen)
        return chosen

    # -- sampling (for plans that draw, such as mcd): in-distribution sentences ----------
    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        lexicon = reduced_lexicon(_LEXICON, params["lexicon_fraction"])
        sampler = SentenceSampler(rng, lexicon, _grammar(params))
        examples = []
        for _ in range(count):
            sentence, tree = render(sampler.sentence(SentenceSpec()),
                                    lambda lemma, form: getattr(lexicon.verbs[lemma], form))
            examples.append(make_example(sentence, logical_form(tree, lexicon.predicate), DOMAIN_IN_DISTRIBUTION, tree))
        return examples

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    # -- oracle and measures ------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        return solve(input)

    def difficulty(self, example: Example) -> float:
        return difficulty(example.meta["complexity"])

    def structure(self, record):
        return atoms_and_compounds(record["input"])


def _grammar(params: Mapping[str, Any]) -> GrammarOptions:
    weights = {**_LEXICON.frame_counts, **params["construction_weights"]}
    return GrammarOptions(frame_weights=tuple((frame, float(weights[frame])) for frame in SIMPLE_FRAMES),
                          pp_depth_weights=tuple(params["pp_depth_weights"]),
                          cp_depth_weights=tuple(params["cp_depth_weights"]))


def _categories(plan: str, params: Mapping[str, Any]) -> tuple[cats.Category, ...]:
    depths = (params["generalization_min_depth"], params["generalization_max_depth"])
    if plan == "slog":
        return cats.slog_categories(depths, len(params["pp_depth_weights"]) - 1)
    return cats.cogs_categories(depths)


def _extra_train_lines(params: Mapping[str, Any]) -> int:
    """Primitive lines and exposure sentences: what train holds besides its in-distribution sentences."""
    lexicon = reduced_lexicon(_LEXICON, params["lexicon_fraction"])
    exposures = len(_LEXICON.exposure_examples) * params["exposure_count"]
    return len(primitive_examples(lexicon, _LEXICON)) + exposures


@lru_cache(maxsize=2)
def _corpus(params_json: str, seed: int, plan: str) -> dict:
    """One corpus per (params, seed, plan); its in-distribution part does not depend on the plan
    (it is drawn first, from a stream that does not name the plan), so cogs and slog share train."""
    params = json.loads(params_json)
    options = CorpusOptions(_grammar(params), params["train_size"] + params["validation_size"] + params["test_size"],
                            params["exposure_count"], params["generalization_size"], _categories(plan, params))
    rng = RandomStream.from_parts(CogsTask.name, CogsTask.version, params, seed, "corpus")
    return build_corpus(rng, reduced_lexicon(_LEXICON, params["lexicon_fraction"]), _LEXICON, options)
