"""Task ``pcfg_set``: PCFG SET string functions (Hupkes et al. 2020).

Hupkes, Dankers, Mul and Bruni (2020), "Compositionality decomposed: how do
neural networks generalise?", JAIR 67. The input is a prefix expression over
ten string functions (see :mod:`genforge.generators.pcfg`), e.g.
``append swap_first_last A1 B1 , C1``; the target is its value as
space-separated symbols (``B1 A1 C1``). By default (``input_law``
``published``) the number of functions per input and the string lengths follow
the published files and a tree of n functions has the PCFG's shape given n
(:mod:`genforge.generators.pcfg_shape`); ``input_law`` ``pcfg`` samples from
the PCFG alone, whose probabilities are parameters. Expressions with more than ``max_functions``
functions, or any intermediate value longer than ``max_output_length``
symbols, are rejected (so the distribution is the PCFG truncated there).

``instruction`` is null except in the ``overgeneralisation`` plan, where every
record carries the active exception pairs as ``exceptions: f g ; f2 g2``;
``solve(None, input)`` gives the rule-based answer of any input.

Split plans (membership is a pure predicate on the parsed input; "edge" means
a function whose argument, first or second, is the direct output of another):

* ``random``: train / validation / test_id by input hash bucket (80/10/10).
* ``systematicity`` (the published definition): no ``systematicity_pairs``
  pair as adjacent words (child = first argument of parent) in train,
  validation or test_id (a pair in another position stays there); every
  ``test_ood_systematicity`` example has one, and has the function count of a
  tree drawn as train draws it (same functions-per-input law: no length confound).
* ``productivity``: train, validation, test_id have at most
  ``productivity_max_train_functions`` functions; ``test_ood_productivity``
  at least one more.
* ``substitutivity``: each function in ``twin_functions`` has a synonym
  ``<f>_twin`` (same meaning), written instead of ``f`` with probability
  ``twin_rate`` per occurrence. In train, validation and test_id a twin only
  occurs in the ``twin_train_context``: ``alone`` = the only function of the
  expression (applied to strings), ``leaf`` = every argument of the twin is a
  string. Every ``test_ood_substitutivity`` example has a twin outside it.
* ``overgeneralisation``: a pair of ``exception_pairs`` (parent child, as
  adjacent words) takes its exceptional meaning (the published pairs their
  released meanings, see :data:`genforge.generators.pcfg.PUBLISHED_EXCEPTIONS`). An *exception example* is one
  whose target differs from the rule-based answer ``solve(None, input)``
  (an exception edge inside a discarded argument changes nothing, so it does
  not count); ``meta.domain`` is ``exception`` for those, ``regular`` else.
  Train and validation hold exception examples and examples without any
  exception edge: each draw is an exception example with probability
  ``exception_ratio`` (so that is their share in expectation, as long as
  exception examples are not so rare that the sampler gives up on them; dedup
  may move it slightly), computed by the published rule: ``exception_ratio``
  times, summed over the pairs, the expected occurrences of the pair's rarer
  function per input. ``test_id`` (input bucket >= 0.9, no exception edge) tests
  the rules; ``test_ood_exception`` (bucket >= 0.9, exception examples only)
  tells whether a model learnt the exceptions (it answers the target) or
  overgeneralised the rules (it answers ``solve(None, input)``).

Complexity: ``functions`` (applications), ``depth`` (functions on the longest
root-to-string path), ``input_length`` (input tokens: functions, symbols and
commas), ``output_length`` (target symbols), ``arguments`` (string
arguments), ``twins`` and ``exceptions`` (exception meanings applied).

Difficulty = s / (s + 20) with s = functions + depth + output_length / 10:
in [0, 1) and increasing in each of the three measures.

With ``--trace`` a record lists every application, innermost first, as
``f args = result`` (binary arguments joined by `` , ``).

``structure(record)``: atoms are the function names as written (twins
included) and the symbols, in input order; compounds are ``"parent child"``
for every edge of the expression tree, in prefix order.

Sampling (a block of attempts for a split's :class:`~genforge.generators.pcfg_sampler.Draw`)
is in :mod:`genforge.generators.pcfg_sampler`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from genforge.core.errors import ParameterError, UsageError
from genforge.core.params import Params, param, split_setting, test_size, train_size
from genforge.core.records import Example, bucket_of, key_digest
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, accept_all, all_of, bucket_range, iid_splits
from genforge.core.task import Task
from genforge.generators import pcfg_sampler
from genforge.generators.pcfg import (
    BINARY, FUNCTIONS, MAX_ALPHABET_SIZE, PUBLISHED_EXCEPTIONS, base_function, TWIN_CONTEXTS, TWIN_SUFFIX, UNARY,
    ExpressionSyntaxError, Grammar, evaluate, expected_occurrences, pair_codes, parse, twins_in_context,
)
from genforge.generators.pcfg_probes import PROBE_LINES, increasing_length_examples
from genforge.generators.pcfg_shape import PUBLISHED_MAX_FUNCTIONS
from genforge.generators.pcfg_sampler import (
    MAX_WORK_PER_EXAMPLE, PILOT_KEPT, Draw, format_exceptions, pairs, parse_exceptions,
)

#: format_exceptions and parse_exceptions are part of this module's interface (the instruction format).
__all__ = ["PcfgSetParams", "PcfgSetTask", "format_exceptions", "parse_exceptions"]

_PAIR_PATTERN = "^(" + "|".join(FUNCTIONS) + ") (" + "|".join(FUNCTIONS) + ")$"
#: Split setting -> the user parameters behind it (named when a split is refused as too costly).
_SPLIT_PARAMETERS = {
    "most_functions": ("productivity_max_train_functions",),
    "fewest_functions": ("productivity_max_train_functions",),
    "required_edges": ("systematicity_pairs",),
    "forbidden_edges": ("systematicity_pairs",),
    "twins": ("twin_functions", "twin_rate", "twin_train_context"),
    "exceptions": ("exception_pairs", "exception_ratio"),
}


@dataclass(frozen=True)
class PcfgSetParams(Params):
    alphabet_size: int = param(MAX_ALPHABET_SIZE, "symbols used, in the order A1..Z1, A2..Z2, ... up to Z20 (520)",
                               minimum=2, maximum=MAX_ALPHABET_SIZE)
    string_length_min: int = param(2, "fewest symbols in a string argument", minimum=1, maximum=50)
    string_length_max: int = param(5, "most symbols in a string argument", minimum=1, maximum=50)
    input_law: str = param("published", "law of the inputs' shape: 'published' (functions per input and string "
                           "lengths of the published PCFG SET files; tree shapes and functions from the PCFG below) "
                           "or 'pcfg' (the PCFG alone, uniform string lengths)", enum=["published", "pcfg"])
    unary_probability: float = param(0.3, "PCFG: probability that an argument is a unary function application",
                                     minimum=0.0, maximum=1.0)
    binary_probability: float = param(0.25, "PCFG: probability that an argument is a binary function application "
                                      "(a string otherwise)", minimum=0.0, maximum=1.0)
    function_weights: tuple[float, ...] = param(
        (1.0,) * len(FUNCTIONS), "PCFG: relative weight of each function within its arity, in the order "
        + ", ".join(FUNCTIONS), items={"minimum": 0.0, "maximum": 1000.0}, minItems=len(FUNCTIONS),
        maxItems=len(FUNCTIONS))
    max_functions: int = param(35, "most functions in an expression (longer draws are rejected)",
                               minimum=1, maximum=100)
    max_output_length: int = param(736, "longest value (target or intermediate) in symbols; longer draws are "
                                   "rejected", minimum=1, maximum=10_000)
    train_size: int = train_size()
    test_size: int = test_size()
    systematicity_pairs: tuple[str, ...] = param(
        ("swap_first_last repeat", "repeat remove_second", "append remove_second", "append swap_first_last"),
        "systematicity plan: 'parent child' edges held out of train",
        items={"pattern": _PAIR_PATTERN}, uniqueItems=True, minItems=1)
    productivity_max_train_functions: int = param(8, "productivity plan: most functions in train",
                                                  minimum=1, maximum=99)
    twin_functions: tuple[str, ...] = param(("reverse", "append"), "substitutivity plan: functions that get a "
                                            "synonym <f>_twin", items={"enum": list(FUNCTIONS)}, uniqueItems=True,
                                            minItems=1)
    twin_rate: float = param(0.5, "substitutivity plan: probability that an occurrence of a twinned function is "
                             "written as its twin (where allowed)", minimum=0.0, maximum=1.0)
    twin_train_context: str = param("alone", "substitutivity plan: where twins may occur in train: 'alone' (the "
                                    "only function) or 'leaf' (applied to strings only)", enum=list(TWIN_CONTEXTS))
    exception_pairs: tuple[str, ...] = param(
        tuple(" ".join(pair) for pair in PUBLISHED_EXCEPTIONS), "overgeneralisation plan: 'parent child' pairs of "
        "adjacent words that take an exceptional meaning (the four published pairs have their published meanings; "
        "any other pair reverses the parent's result)", items={"pattern": _PAIR_PATTERN}, uniqueItems=True, minItems=1)
    exception_ratio: float = param(0.005, "overgeneralisation plan: exception examples in train per pair, as a share "
                                   "of the occurrences of the pair's rarer function (published: 0.0001, 0.0005, "
                                   "0.001, 0.005)", minimum=0.0, maximum=1.0)
    # What a split asks of its trees (see generators.pcfg_sampler.Draw).
    fewest_functions: int = split_setting(1, "fewest functions in the split's expressions")
    most_functions: int = split_setting(0, "most functions in the split's expressions (0: max_functions)")
    required_edges: tuple[str, ...] = split_setting((), "every expression has one of these 'parent child' edges")
    forbidden_edges: tuple[str, ...] = split_setting((), "no expression has any of these edges")
    twins: Optional[str] = split_setting(None, "twins 'allowed' only in the training context, or 'forbidden' "
                                         "(each expression has one outside it)")
    exceptions: bool = split_setting(False, "exception pairs change meanings (overgeneralisation plan)")
    exception_share: float = split_setting(0.0, "probability that an attempt looks for an exception example")
    match_functions: bool = split_setting(False, "draw the required-edge trees with train's functions-per-input law")

    def grammar(self) -> Grammar:
        return pcfg_sampler.grammar(self.unary_probability, self.binary_probability,
                                    tuple(float(w) for w in self.function_weights), self.alphabet_size,
                                    self.string_length_min, self.string_length_max, self.input_law)

    def draw(self) -> Draw:
        """What this split's settings ask of the sampler."""
        return Draw(self.most_functions or self.max_functions, self.max_output_length, self.fewest_functions,
                    pair_codes(pairs(self.required_edges)), pair_codes(pairs(self.forbidden_edges)), self.twins,
                    self.twin_functions, self.twin_rate, self.twin_train_context,
                    self.exception_pairs if self.exceptions else (), self.exception_share, self.match_functions)


#: Nuisance features that move with the size of an input (a productivity or localism test moves them all).
SHAPE_FEATURES = ("functions", "depth", "input_tokens", "output_length", "argument_length")


def _presence(names) -> tuple[str, ...]:
    """The presence features of these functions: a test that needs them moves them."""
    return tuple(sorted({f"has_{name}" for name in names}))


def _edges(example: Example) -> set[tuple[str, str]]:
    """The example's adjacent pairs: (parent, child) with child the first argument of parent."""
    edges = getattr(example, "edges", None)
    return set(parse(example.input).adjacent_edges()) if edges is None else edges


def _twins_in_context(example: Example, context: str) -> tuple[int, int]:
    known = getattr(example, "twins_in_context", {})
    return known[context] if context in known else twins_in_context(parse(example.input), context)


class PcfgSetTask(Task):
    name = "pcfg_set"
    version = "1.3"
    summary = "evaluate a prefix expression of string functions (PCFG SET, Hupkes et al. 2020)"
    default_split_plan = "random"
    Params = PcfgSetParams

    # -- parameters ----------------------------------------------------
    def check_params(self, params: PcfgSetParams) -> None:
        low, high = params.string_length_min, params.string_length_max
        self.require(low <= high, f"parameter 'string_length_min' = {low} must be <= string_length_max ({high})")
        self.require(high <= params.max_output_length,
                     f"parameter 'string_length_max' = {high} must be <= max_output_length "
                     f"({params.max_output_length}): a string argument is a value")
        p_unary, p_binary = params.unary_probability, params.binary_probability
        self.require(0 < p_unary + p_binary < 1,
                     f"parameters 'unary_probability' + 'binary_probability' = {p_unary + p_binary:g} must be "
                     "above 0 (expressions have functions) and below 1 (arguments must be able to stop at a string)")
        weights = params.function_weights
        for probability, value, names, offset in (("unary_probability", p_unary, UNARY, 0),
                                                  ("binary_probability", p_binary, BINARY, len(UNARY))):
            self.require(value == 0 or any(weights[offset:offset + len(names)]),
                         f"parameter 'function_weights' = {list(weights)} gives every function of "
                         f"{'/'.join(names)} weight 0 while {probability!r} = {value}; "
                         "give one of them a positive weight or set that probability to 0")
        if params.input_law == "published":
            self.require(low <= 5 and high >= 2,
                         f"parameters 'string_length_min'..'string_length_max' = {low}..{high} hold none of the "
                         "published string lengths 2..5 that input_law 'published' draws; use input_law 'pcfg' "
                         "or include them")
        most = params.productivity_max_train_functions
        self.require(params.input_law != "published" or most < PUBLISHED_MAX_FUNCTIONS,
                     f"parameter 'productivity_max_train_functions' = {most} must be < {PUBLISHED_MAX_FUNCTIONS} "
                     "with input_law 'published' (its inputs hold at most 35 functions); use input_law 'pcfg' "
                     "for longer tests")
        self.require(most < params.max_functions,
                     f"parameter 'productivity_max_train_functions' = {most} must be < max_functions "
                     f"({params.max_functions}) so that the productivity test can hold longer expressions")

    # -- split plans -----------------------------------------------------
    def split_plans(self, params: PcfgSetParams) -> dict[str, SplitPlan]:
        return {
            "random": SplitPlan("random", "train / validation / test_id from one distribution",
                                self._iid(params, accept_all)),
            "systematicity": SplitPlan("systematicity", "test on function pairs never composed in training",
                                       self._systematicity(params)),
            "productivity": SplitPlan("productivity", "test on more functions than any training example",
                                      self._productivity(params)),
            "substitutivity": SplitPlan("substitutivity", "test synonyms in contexts they were not trained in",
                                        self._substitutivity(params)),
            "localism": SplitPlan("localism", "train as in random; probe each function on strings of 2..20 symbols",
                                  self._localism(params)),
            "overgeneralisation": SplitPlan("overgeneralisation",
                                            "train with rare exception meanings; test rules and exceptions",
                                            self._overgeneralisation(params)),
        }

    @staticmethod
    def _iid(params: PcfgSetParams, within, sample_params: Mapping = {}, condition: str = "") -> tuple[SplitSpec, ...]:
        splits = iid_splits(params.train_size, params.test_size, params.test_size, within=within)
        return tuple(SplitSpec(s.name, s.size, s.description + condition, s.accepts, dict(sample_params), s.shift)
                     for s in splits)

    def _systematicity(self, params: PcfgSetParams) -> tuple[SplitSpec, ...]:
        held_pairs = pairs(params.systematicity_pairs)

        def has_held_pair(example: Example, bucket: float) -> bool:
            return not held_pairs.isdisjoint(_edges(example))

        def no_held_pair(example: Example, bucket: float) -> bool:
            return not has_held_pair(example, bucket)

        pairs_list = sorted(params.systematicity_pairs)
        return self._iid(params, no_held_pair, {"forbidden_edges": pairs_list}, ", no held-out edge") + (SplitSpec(
            "test_ood_systematicity", params.test_size, "every example has a held-out edge: " + ", ".join(pairs_list),
            has_held_pair, {"required_edges": pairs_list, "match_functions": True}, "systematicity",
            moves=_presence(name for text in pairs_list for name in text.split())),)

    def _productivity(self, params: PcfgSetParams) -> tuple[SplitSpec, ...]:
        most = params.productivity_max_train_functions

        def short(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["functions"] <= most

        def long(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["functions"] > most

        return self._iid(params, short, {"most_functions": most}, f", at most {most} functions") + (SplitSpec(
            "test_ood_productivity", params.test_size, f"more than {most} functions (train: at most {most})",
            long, {"fewest_functions": most + 1}, "productivity", moves=SHAPE_FEATURES + _presence(FUNCTIONS)),)

    def _localism(self, params: PcfgSetParams) -> tuple[SplitSpec, ...]:
        return self._iid(params, accept_all) + (SplitSpec(
            "test_localism_length", PROBE_LINES, "each function on argument strings of 2..20 symbols, 1,007 lines "
            "per function (Hupkes et al. 2020, localism)", accept_all, {}, "localism", source="enumerate",
            moves=SHAPE_FEATURES + ("arguments", "target_length") + _presence(FUNCTIONS)),)

    def enumerate_split(self, params: PcfgSetParams, plan: SplitPlan, split: SplitSpec, seed: int):
        if split.name != "test_localism_length":
            raise NotImplementedError(f"task {self.name} does not enumerate split {split.name}")
        rng = RandomStream.from_parts(self.name, self.version, seed, plan.name, split.name)
        return increasing_length_examples(rng, params.alphabet_size, params.max_output_length)

    def _substitutivity(self, params: PcfgSetParams) -> tuple[SplitSpec, ...]:
        context = params.twin_train_context

        def twins_allowed(example: Example, bucket: float) -> bool:
            return _twins_in_context(example, context)[1] == 0

        def twins_forbidden(example: Example, bucket: float) -> bool:
            return _twins_in_context(example, context)[1] > 0

        twins = ", ".join(f + TWIN_SUFFIX for f in params.twin_functions)
        return self._iid(params, twins_allowed, {"twins": "allowed"}, f", twins only in context {context!r}") + (
            SplitSpec("test_ood_substitutivity", params.test_size,
                      f"twins ({twins}) outside the training context {context!r}", twins_forbidden,
                      {"twins": "forbidden"}, "substitutivity", moves=("twins",) + _presence(params.twin_functions)),)

    @staticmethod
    def _overgeneralisation(params: PcfgSetParams) -> tuple[SplitSpec, ...]:
        exception_pairs = pairs(params.exception_pairs)

        def no_exception_edge(example: Example, bucket: float) -> bool:
            return exception_pairs.isdisjoint(_edges(example))

        def exception_example(example: Example, bucket: float) -> bool:
            return example.meta["domain"] == "exception"

        def either(example: Example, bucket: float) -> bool:
            return exception_example(example, bucket) or no_exception_edge(example, bucket)

        ratio = params.exception_ratio
        # Published rule: per pair, ratio x the occurrences of its rarer function; per attempt, the sum.
        occurrences = expected_occurrences(params.grammar(), params.max_functions)
        share = min(1.0, ratio * sum(min(occurrences[f], occurrences[g]) for f, g in exception_pairs))

        def settings(share: float) -> dict:
            return {"exceptions": True, "exception_share": share}

        return (
            SplitSpec("train", params.train_size, f"training examples, a share {share:.4g} of them exception examples "
                      f"({ratio:g} of the rarer function's occurrences per pair)",
                      all_of(bucket_range(0.0, 0.8), either), settings(share)),
            SplitSpec("validation", params.test_size, "held-out examples from the training distribution",
                      all_of(bucket_range(0.8, 0.9), either), settings(share)),
            SplitSpec("test_id", params.test_size, "examples without exception edges (the rules)",
                      all_of(bucket_range(0.9, 1.0), no_exception_edge), settings(0.0)),
            SplitSpec("test_ood_exception", params.test_size,
                      "exception examples: the target differs from the rule-based answer (learnt or overgeneralised?)",
                      all_of(bucket_range(0.9, 1.0), exception_example), settings(1.0), "overgeneralisation",
                      moves=("exceptions",) + _presence(name for pair in exception_pairs for name in pair)),
        )

    def space_size(self, params: PcfgSetParams, split: SplitSpec) -> Optional[int]:
        """Unknown (None): but a split whose examples the grammar draws too rarely is refused here,
        before anything is written, naming the parameters that shape it (see :meth:`_refuse_costly`)."""
        self._refuse_costly(params, split)
        return None

    def _refuse_costly(self, params: PcfgSetParams, split: SplitSpec) -> None:
        """Measure the split's cost on a pilot drawn from the parameters alone (not the seed), so that
        a request is refused or not whatever its seed; refuse above MAX_WORK_PER_EXAMPLE."""
        sampling = params.for_split(split.sample_params, params.seed)
        rng = RandomStream.from_parts(self.name, self.version, "pilot", params.to_dict(), split.name)
        def kept(example: Example) -> bool:
            return split.accepts(example, bucket_of(key_digest(example.key())))

        cost = pcfg_sampler.work_per_example(rng, sampling.grammar(), sampling.draw(), kept)
        if cost is not None and cost <= MAX_WORK_PER_EXAMPLE:
            return
        shaping = ("unary_probability", "binary_probability", "function_weights", "max_functions",
                   "max_output_length", "string_length_min", "string_length_max") + tuple(
            name for setting, names in _SPLIT_PARAMETERS.items() if setting in split.sample_params for name in names)
        values = ", ".join(f"{name}={json.dumps(params.to_dict()[name])}" for name in shaping)
        measured = (f"about {cost:,.0f} units of work (tree nodes, and string symbols by fours) per example it keeps"
                    if cost is not None else f"a pilot kept fewer than {PILOT_KEPT} examples in "
                    f"{PILOT_KEPT * MAX_WORK_PER_EXAMPLE:,} units of work (tree nodes, and string symbols by fours)")
        raise ParameterError(
            f"task 'pcfg_set', split {split.name!r}: the grammar rarely draws what this split needs ({measured}; "
            f"at most {MAX_WORK_PER_EXAMPLE:,} per example are allowed, so that a thousand take seconds, not minutes). "
            f"Change the parameters that shape it: {values}")

    # -- sampling --------------------------------------------------------
    def sample_block(self, rng: RandomStream, params: PcfgSetParams, count: int) -> list[Optional[Example]]:
        return pcfg_sampler.sample_block(rng, params.grammar(), count, params.draw())

    def difficulty(self, example: Example) -> float:
        # More functions, deeper nesting and longer outputs are harder; saturates towards 1.
        c = example.meta["complexity"]
        size = c["functions"] + c["depth"] + c["output_length"] / 10
        return size / (size + 20)

    # -- oracle --------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        """The value of the expression in ``input``; ``instruction`` null or ``exceptions: f g ; ...``.

        >>> PcfgSetTask().solve(None, "append swap_first_last A1 B1 , C1")
        'B1 A1 C1'
        """
        exceptions = parse_exceptions(instruction)
        try:
            tree = parse(input)
        except ExpressionSyntaxError as error:
            raise UsageError(f"input {input[:80]!r} is not a PCFG SET expression: {error}") from None
        return " ".join(evaluate(tree, exceptions).value)

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Functions per input (13: more than 12), depth, input tokens in bins of 5 (60+ pooled), output
        symbols in bins of 10 (100+ pooled), the longest argument string, twins, and whether each
        function occurs (twins count as their function)."""
        c = record["meta"]["complexity"]
        tree = parse(record["input"])
        present = {base_function(name) for name in tree.functions()}
        longest = max(len(node.symbols) for node in tree.nodes() if node.is_string)
        features: dict[str, Any] = {
            "functions": min(c["functions"], 13), "depth": min(c["depth"], 10),
            "input_tokens": min(c["input_length"] // 5, 12), "output_length": min(c["output_length"] // 10, 10),
            "argument_length": min(longest, 21), "twins": min(c["twins"], 3)}
        features.update({f"has_{name}": name in present for name in FUNCTIONS})
        return features

    def normalize_answer(self, answer: str) -> str:
        """The symbols of the answer, separated by single spaces (whitespace folded)."""
        return " ".join(str(answer).split())

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Atoms: function names as written and symbols; compounds: ``parent child`` edges."""
        tree = parse(record["input"])
        atoms = [token for token in record["input"].split() if token != ","]
        return atoms, [f"{parent} {child}" for parent, child in tree.edges()]
