"""Task ``pcfg_set``: PCFG SET string functions (Hupkes et al. 2020).

Hupkes, Dankers, Mul and Bruni (2020), "Compositionality decomposed: how do
neural networks generalise?", JAIR 67. The input is a prefix expression over
ten string functions (see :mod:`genforge.generators.pcfg`), e.g.
``append swap_first_last A1 B1 , C1``; the target is its value as
space-separated symbols (``B1 A1 C1``). Inputs are sampled from a PCFG whose
probabilities are parameters; expressions with more than ``max_functions``
functions, or any intermediate value longer than ``max_output_length``
symbols, are rejected (so the distribution is the PCFG truncated there).

``instruction`` is null except in the ``overgeneralisation`` plan, where every
record carries the active exception pairs as ``exceptions: f g ; f2 g2``;
``solve(None, input)`` gives the rule-based answer of any input.

Split plans (membership is a pure predicate on the parsed input; "edge" means
a function whose argument, first or second, is the direct output of another):

* ``random``: train / validation / test_id by input hash bucket (80/10/10).
* ``systematicity``: no ``systematicity_pairs`` edge in train, validation or
  test_id; every ``test_ood_systematicity`` example has at least one.
* ``productivity``: train, validation, test_id have at most
  ``productivity_max_train_functions`` functions; ``test_ood_productivity``
  at least one more.
* ``substitutivity``: each function in ``twin_functions`` has a synonym
  ``<f>_twin`` (same meaning), written instead of ``f`` with probability
  ``twin_rate`` per occurrence. In train, validation and test_id a twin only
  occurs in the ``twin_train_context``: ``alone`` = the only function of the
  expression (applied to strings), ``leaf`` = every argument of the twin is a
  string. Every ``test_ood_substitutivity`` example has a twin outside it.
* ``overgeneralisation``: an edge listed in ``exception_pairs`` (parent
  child) makes the parent's result reversed. An *exception example* is one
  whose target differs from the rule-based answer ``solve(None, input)``
  (an exception edge inside a discarded argument changes nothing, so it does
  not count); ``meta.domain`` is ``exception`` for those, ``regular`` else.
  Train and validation hold exception examples and examples without any
  exception edge: each draw is an exception example with probability
  ``exception_ratio`` (so that is their share in expectation, as long as
  exception examples are not so rare that the sampler gives up on them; dedup
  may move it slightly). ``test_id`` (input bucket >= 0.9, no exception edge) tests
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
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, accept_all, all_of, bucket_range, iid_splits
from genforge.generators.pcfg import (
    BINARY, FUNCTIONS, MAX_ALPHABET_SIZE, TWIN_CONTEXTS, TWIN_SUFFIX, UNARY, Expression, ExpressionSyntaxError,
    Grammar, NodeStreams, Walk, evaluate, pair_codes, parse, plain_trees, symbol_alphabet, twins_in_context,
    walk,
)
from genforge.core.task import Task

_PAIR = {"type": "string", "pattern": "^(" + "|".join(FUNCTIONS) + ") (" + "|".join(FUNCTIONS) + ")$"}
_PAIR_LIST = {"type": "array", "items": _PAIR, "uniqueItems": True, "minItems": 1}
EXCEPTIONS_PREFIX = "exceptions: "
#: Draws the sampler makes per attempt to meet a split's constraint before giving up.
INNER_DRAWS = 40
#: The same for an exception example: a failed attempt would lower their share in
#: train below exception_ratio, so it must be vanishingly rare (with the defaults
#: about 4% of draws qualify, so 2,000 draws all fail with probability < 1e-30).
EXCEPTION_DRAWS = 2_000


@lru_cache(maxsize=16)
def _grammar(unary: float, binary: float, weights: tuple, alphabet_size: int, low: int, high: int) -> Grammar:
    return Grammar(unary, binary, weights, symbol_alphabet(alphabet_size), low, high)


def _pairs(texts) -> frozenset[tuple[str, str]]:
    return frozenset(tuple(text.split()) for text in texts)


class PcfgExample(Example):
    """An Example whose trace is worked out from its own instruction and input when read.

    Records carry the trace only with ``--trace``, so sampling does not build it.
    """

    __slots__ = ()

    @property
    def trace(self) -> tuple[str, ...]:
        return evaluate(parse(self.input), parse_exceptions(self.instruction)).steps




class SampledExample(PcfgExample):
    """A PcfgExample that also carries facts its sampler knew, so that split predicates need not parse it.

    ``edges``: (parent, child) names as written; ``twins_in_context``: context ->
    (twins in allowed, in forbidden contexts). Any other Example is parsed.
    """


def _edges(example: Example) -> set[tuple[str, str]]:
    edges = getattr(example, "edges", None)
    return set(parse(example.input).edges()) if edges is None else edges


def _twins_in_context(example: Example, context: str) -> tuple[int, int]:
    known = getattr(example, "twins_in_context", {})
    return known[context] if context in known else twins_in_context(parse(example.input), context)


class _Constraints:
    """What a constrained split asks of its trees, read from the sampling parameters once per block.

    Edge sets are :func:`pair_codes`; ``exceptions`` the exception pairs by name
    (empty outside the overgeneralisation plan), whose edges an attempt then
    requires or forbids instead of ``require`` / ``forbid``.
    """

    def __init__(self, params: Mapping[str, Any]):
        self.min_functions = params.get("_min_functions", 1)
        self.require = pair_codes(_pairs(params.get("_require_edges", ())))
        self.forbid = pair_codes(_pairs(params.get("_forbid_edges", ())))
        self.twins = params.get("_twins")
        self.exceptions = _pairs(params["exception_pairs"]) if params.get("_exceptions") else frozenset()
        self.exception_codes = pair_codes(self.exceptions)
        self.instruction = format_exceptions(params["exception_pairs"]) if self.exceptions else None


class PcfgSetTask(Task):
    name = "pcfg_set"
    version = "1.1"
    summary = "evaluate a prefix expression of string functions (PCFG SET, Hupkes et al. 2020)"
    default_split_plan = "random"
    parameters = {
        "alphabet_size": {"type": "integer", "default": MAX_ALPHABET_SIZE, "minimum": 2, "maximum": MAX_ALPHABET_SIZE,
                          "description": "symbols used, in the order A1..Z1, A2..Z2, ... up to Z20 (520)"},
        "string_length_min": {"type": "integer", "default": 2, "minimum": 1, "maximum": 50,
                              "description": "fewest symbols in a string argument"},
        "string_length_max": {"type": "integer", "default": 5, "minimum": 1, "maximum": 50,
                              "description": "most symbols in a string argument"},
        "unary_probability": {"type": "number", "default": 0.3, "minimum": 0.0, "maximum": 1.0,
                              "description": "PCFG: probability that an argument is a unary function application"},
        "binary_probability": {"type": "number", "default": 0.25, "minimum": 0.0, "maximum": 1.0,
                               "description": "PCFG: probability that an argument is a binary function application "
                                              "(a string otherwise)"},
        "function_weights": {"type": "array", "items": {"type": "number", "minimum": 0.0, "maximum": 1000.0},
                             "minItems": len(FUNCTIONS), "maxItems": len(FUNCTIONS), "default": [1.0] * len(FUNCTIONS),
                             "description": "PCFG: relative weight of each function within its arity, in the order "
                                            + ", ".join(FUNCTIONS)},
        "max_functions": {"type": "integer", "default": 30, "minimum": 1, "maximum": 100,
                          "description": "most functions in an expression (longer draws are rejected)"},
        "max_output_length": {"type": "integer", "default": 100, "minimum": 1, "maximum": 10_000,
                              "description": "longest value (target or intermediate) in symbols; longer draws are rejected"},
        "train_size": {"type": "integer", "default": 10_000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of train"},
        "test_size": {"type": "integer", "default": 1_000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of validation and every test split"},
        "systematicity_pairs": {**_PAIR_LIST,
                                "default": ["swap_first_last repeat", "repeat remove_second",
                                            "append remove_second", "append swap_first_last"],
                                "description": "systematicity plan: 'parent child' edges held out of train"},
        "productivity_max_train_functions": {"type": "integer", "default": 8, "minimum": 1, "maximum": 99,
                                             "description": "productivity plan: most functions in train"},
        "twin_functions": {"type": "array", "items": {"type": "string", "enum": list(FUNCTIONS)},
                           "uniqueItems": True, "minItems": 1, "default": ["reverse", "append"],
                           "description": "substitutivity plan: functions that get a synonym <f>_twin"},
        "twin_rate": {"type": "number", "default": 0.5, "minimum": 0.0, "maximum": 1.0,
                      "description": "substitutivity plan: probability that an occurrence of a twinned function "
                                     "is written as its twin (where allowed)"},
        "twin_train_context": {"type": "string", "enum": list(TWIN_CONTEXTS), "default": "alone",
                               "description": "substitutivity plan: where twins may occur in train: 'alone' (the "
                                              "only function) or 'leaf' (applied to strings only)"},
        "exception_pairs": {**_PAIR_LIST, "default": ["echo reverse", "prepend shift"],
                            "description": "overgeneralisation plan: 'parent child' edges whose parent result is reversed"},
        "exception_ratio": {"type": "number", "default": 0.01, "minimum": 0.0, "maximum": 1.0,
                            "description": "overgeneralisation plan: expected share of train examples whose target "
                                           "the exceptions change"},
    }

    # -- parameters ----------------------------------------------------
    def check_params(self, params: Mapping[str, Any]) -> None:
        low, high = params["string_length_min"], params["string_length_max"]
        self.require(low <= high, f"parameter 'string_length_min' = {low} must be <= string_length_max ({high})")
        self.require(high <= params["max_output_length"],
                     f"parameter 'string_length_max' = {high} must be <= max_output_length "
                     f"({params['max_output_length']}): a string argument is a value")
        p_unary, p_binary = params["unary_probability"], params["binary_probability"]
        self.require(0 < p_unary + p_binary < 1,
                     f"parameters 'unary_probability' + 'binary_probability' = {p_unary + p_binary:g} must be "
                     "above 0 (expressions have functions) and below 1 (arguments must be able to stop at a string)")
        weights = params["function_weights"]
        for probability, names, offset in (("unary_probability", UNARY, 0), ("binary_probability", BINARY, len(UNARY))):
            self.require(params[probability] == 0 or any(weights[offset:offset + len(names)]),
                         f"parameter 'function_weights' = {weights} gives every function of "
                         f"{'/'.join(names)} weight 0 while {probability!r} = {params[probability]}; "
                         "give one of them a positive weight or set that probability to 0")
        most = params["productivity_max_train_functions"]
        self.require(most < params["max_functions"],
                     f"parameter 'productivity_max_train_functions' = {most} must be < max_functions "
                     f"({params['max_functions']}) so that the productivity test can hold longer expressions")

    def _grammar(self, params: Mapping[str, Any]) -> Grammar:
        return _grammar(params["unary_probability"], params["binary_probability"],
                        tuple(float(w) for w in params["function_weights"]), params["alphabet_size"],
                        params["string_length_min"], params["string_length_max"])

    # -- split plans -----------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        train_size, test_size = params["train_size"], params["test_size"]

        def iid(within, sample_params: Mapping = {}, condition: str = ""):
            splits = iid_splits(train_size, test_size, test_size, within=within)
            return tuple(SplitSpec(s.name, s.size, s.description + condition, s.accepts, dict(sample_params), s.shift)
                         for s in splits)

        held_pairs = _pairs(params["systematicity_pairs"])

        def has_held_pair(example: Example, bucket: float) -> bool:
            return not held_pairs.isdisjoint(_edges(example))

        def no_held_pair(example: Example, bucket: float) -> bool:
            return not has_held_pair(example, bucket)

        pairs_list = sorted(params["systematicity_pairs"])
        systematicity = iid(no_held_pair, {"_forbid_edges": pairs_list}, ", no held-out edge") + (SplitSpec(
            "test_ood_systematicity", test_size,
            "every example has a held-out edge: " + ", ".join(pairs_list),
            has_held_pair, {"_require_edges": pairs_list}, "systematicity"),)

        most = params["productivity_max_train_functions"]

        def short(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["functions"] <= most

        def long(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["functions"] > most

        productivity = iid(short, {"_max_functions": most}, f", at most {most} functions") + (SplitSpec(
            "test_ood_productivity", test_size, f"more than {most} functions (train: at most {most})",
            long, {"_min_functions": most + 1}, "productivity"),)

        context = params["twin_train_context"]

        def twins_allowed(example: Example, bucket: float) -> bool:
            return _twins_in_context(example, context)[1] == 0

        def twins_forbidden(example: Example, bucket: float) -> bool:
            return _twins_in_context(example, context)[1] > 0

        substitutivity = iid(twins_allowed, {"_twins": "allowed"}, f", twins only in context {context!r}") + (SplitSpec(
            "test_ood_substitutivity", test_size,
            f"twins ({', '.join(f + TWIN_SUFFIX for f in params['twin_functions'])}) outside the training "
            f"context {context!r}", twins_forbidden, {"_twins": "forbidden"}, "substitutivity"),)

        exception_pairs = _pairs(params["exception_pairs"])

        def no_exception_edge(example: Example, bucket: float) -> bool:
            return exception_pairs.isdisjoint(_edges(example))

        def exception_example(example: Example, bucket: float) -> bool:
            return example.meta["domain"] == "exception"

        def either(example: Example, bucket: float) -> bool:
            return exception_example(example, bucket) or no_exception_edge(example, bucket)

        ratio = params["exception_ratio"]
        exceptions = {"_exceptions": True}
        overgeneralisation = (
            SplitSpec("train", train_size, f"training examples, a share {ratio:g} of them exception examples",
                      all_of(bucket_range(0.0, 0.8), either), {**exceptions, "_exception_share": ratio}),
            SplitSpec("validation", test_size, "held-out examples from the training distribution",
                      all_of(bucket_range(0.8, 0.9), either), {**exceptions, "_exception_share": ratio}),
            SplitSpec("test_id", test_size, "examples without exception edges (the rules)",
                      all_of(bucket_range(0.9, 1.0), no_exception_edge), {**exceptions, "_exception_share": 0.0}),
            SplitSpec("test_ood_exception", test_size,
                      "exception examples: the target differs from the rule-based answer (learnt or overgeneralised?)",
                      all_of(bucket_range(0.9, 1.0), exception_example), {**exceptions, "_exception_share": 1.0},
                      "overgeneralisation"),
        )
        return {
            "random": SplitPlan("random", "train / validation / test_id from one distribution", iid(accept_all)),
            "systematicity": SplitPlan("systematicity", "test on function pairs never composed in training",
                                       systematicity),
            "productivity": SplitPlan("productivity", "test on more functions than any training example",
                                      productivity),
            "substitutivity": SplitPlan("substitutivity", "test synonyms in contexts they were not trained in",
                                        substitutivity),
            "overgeneralisation": SplitPlan("overgeneralisation",
                                            "train with rare exception meanings; test rules and exceptions",
                                            overgeneralisation),
        }

    # -- sampling --------------------------------------------------------
    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        """``count`` attempts, each taking trees from one :class:`NodeStreams` until one qualifies."""
        max_functions = params.get("_max_functions", params["max_functions"])
        streams = NodeStreams(rng, self._grammar(params), count, max_functions)
        max_length = params["max_output_length"]
        constrained = any(key in params for key in ("_require_edges", "_forbid_edges", "_twins", "_exceptions"))
        if not constrained:
            return self._plain_block(streams, count, params.get("_min_functions", 1), max_functions, max_length)
        constraints = _Constraints(params)
        return [self._constrained_attempt(rng, streams, params, constraints, max_functions, max_length)
                for _ in range(count)]

    @staticmethod
    def _plain_block(streams: NodeStreams, count: int, min_functions: int, max_functions: int,
                     max_length: int) -> list[Optional[Example]]:
        """Attempts without edge, twin or exception constraints: the hot path of the default plan."""
        next_tree = plain_trees(streams, max_functions, max_length).__next__
        examples: list[Optional[Example]] = []
        for _ in range(count):
            tree = next_tree()
            if tree is None or tree[2] < min_functions:
                tree = PcfgSetTask._redraw(next_tree, min_functions)
                if tree is None:
                    examples.append(None)
                    continue
            tokens, value, functions, depth, strings = tree
            complexity = {"functions": functions, "depth": depth, "input_length": len(tokens),
                          "output_length": len(value), "arguments": strings, "twins": 0, "exceptions": 0}
            examples.append(example_of((None, " ".join(tokens), " ".join(value),
                                        {"domain": "regular", "complexity": complexity}), PcfgExample))
        return examples

    @staticmethod
    def _redraw(next_tree, min_functions: int) -> Optional[tuple]:
        """The rest of an attempt whose first tree failed: up to INNER_DRAWS trees in all."""
        for _ in range(INNER_DRAWS - 1):
            tree = next_tree()
            if tree is not None and tree[2] >= min_functions:
                return tree
        return None

    def _constrained_attempt(self, rng: RandomStream, streams: NodeStreams, params: Mapping[str, Any],
                             constraints: "_Constraints", max_functions: int, max_length: int) -> Optional[Example]:
        """One attempt of the systematicity, substitutivity and overgeneralisation splits."""
        c = constraints
        require, forbid, want_exception = c.require, c.forbid, False
        if c.exceptions:
            want_exception = rng.random() < params["_exception_share"]
            if want_exception:
                require = c.exception_codes
            else:
                forbid = c.exception_codes
        for _ in range(EXCEPTION_DRAWS if want_exception else INNER_DRAWS):
            tree = walk(streams, max_functions, max_length, forbid, c.exception_codes)
            if tree is None or tree.functions < c.min_functions:
                continue
            if require and require.isdisjoint(tree.edge_pairs()):
                continue
            twin_counts = None
            if c.twins is not None:
                twin_counts = self._place_twins(rng, tree, params, forbidden_wanted=c.twins == "forbidden")
                if twin_counts is None:
                    continue
            example = self._walk_example(tree, c.instruction, c.exceptions, params["twin_train_context"], twin_counts)
            if (example.meta["domain"] == "exception") == want_exception:
                return example
        return None

    @staticmethod
    def _place_twins(rng: RandomStream, tree: Walk, params: Mapping[str, Any],
                     forbidden_wanted: bool) -> Optional[tuple[int, int]]:
        """Write twinned functions as twins in ``tree.tokens``; (twins in allowed, in forbidden contexts).

        None when a forbidden-context twin is wanted but no twinned function stands in a forbidden context.
        """
        twinned = {FUNCTIONS.index(name) for name in params["twin_functions"]}
        if params["twin_train_context"] == "alone":
            allowed_here = [tree.functions == 1] * tree.functions
        else:
            allowed_here = tree.leaf
        candidates = [node for node, code in enumerate(tree.codes)
                      if code in twinned and (forbidden_wanted or allowed_here[node])]
        rate = params["twin_rate"]
        renamed = [node for node in candidates if rng.random() < rate]
        if forbidden_wanted:
            options = [node for node in candidates if not allowed_here[node]]
            if not options:
                return None
            if not any(not allowed_here[node] for node in renamed):
                renamed.append(rng.choice(options))
        tokens, nodes = tree.tokens, tree.nodes
        for node in renamed:
            tokens[nodes[node]] += TWIN_SUFFIX
        outside = sum(1 for node in renamed if not allowed_here[node])
        return len(renamed) - outside, outside

    @staticmethod
    def _walk_example(tree: Walk, instruction: Optional[str], exceptions: frozenset, context: str,
                      twin_counts: Optional[tuple[int, int]]) -> "SampledExample":
        text = " ".join(tree.tokens)
        target = " ".join(tree.value)
        complexity = {"functions": tree.functions, "depth": tree.depth, "input_length": len(tree.tokens),
                      "output_length": len(tree.value), "arguments": tree.strings,
                      "twins": sum(twin_counts) if twin_counts else 0, "exceptions": tree.exceptions}
        # An exception edge inside a discarded argument leaves the target as the rules make it.
        differs = tree.exceptions > 0 and " ".join(evaluate(parse(text)).value) != target
        example = SampledExample(instruction, text, target,
                                 {"domain": "exception" if differs else "regular", "complexity": complexity})
        example.edges = tree.written_edges()
        example.twins_in_context = {context: twin_counts or (0, 0)}
        return example

    def _example(self, tree: Expression, instruction: Optional[str], exceptions: frozenset,
                 max_length: int) -> Optional[Example]:
        """The example of a given tree (what the samplers build from their streams), None if too long."""
        evaluation = evaluate(tree, exceptions, max_length)
        if evaluation is None:
            return None
        tokens = tree.tokens()
        functions = tree.functions()
        complexity = {
            "functions": len(functions),
            "depth": tree.depth(),
            "input_length": len(tokens),
            "output_length": len(evaluation.value),
            "arguments": sum(1 for node in tree.nodes() if node.is_string),
            "twins": sum(1 for name in functions if name.endswith(TWIN_SUFFIX)),
            "exceptions": evaluation.exceptions,
        }
        differs = evaluation.exceptions > 0 and evaluate(tree).value != evaluation.value
        domain = "exception" if differs else "regular"
        return Example(instruction, " ".join(tokens), " ".join(evaluation.value),
                       {"domain": domain, "complexity": complexity}, evaluation.steps)

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

    def normalize_answer(self, answer: str) -> str:
        """The symbols of the answer, separated by single spaces (whitespace folded)."""
        return " ".join(str(answer).split())

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Atoms: function names as written and symbols; compounds: ``parent child`` edges."""
        tree = parse(record["input"])
        atoms = [token for token in record["input"].split() if token != ","]
        return atoms, [f"{parent} {child}" for parent, child in tree.edges()]


def format_exceptions(pairs) -> str:
    """The overgeneralisation instruction: ``exceptions: f g ; f2 g2`` (pairs in the given order)."""
    return EXCEPTIONS_PREFIX + " ; ".join(pairs)


def parse_exceptions(instruction: Optional[str]) -> frozenset[tuple[str, str]]:
    """Inverse of :func:`format_exceptions`; null or empty means no exceptions."""
    if instruction is None or not instruction.strip():
        return frozenset()
    text = instruction.strip()
    if not text.startswith(EXCEPTIONS_PREFIX.strip()):
        raise UsageError(f"instruction {instruction[:80]!r} is not understood: expected null or "
                         "'exceptions: parent child ; parent child ...'")
    pairs = []
    for part in text[len(EXCEPTIONS_PREFIX.strip()):].split(";"):
        names = part.split()
        if len(names) != 2 or not all(name in FUNCTIONS for name in names):
            raise UsageError(f"exception pair {part.strip()!r} in the instruction is not two function names "
                             f"(allowed: {', '.join(FUNCTIONS)})")
        pairs.append((names[0], names[1]))
    return frozenset(pairs)
