"""Sampling PCFG SET examples: a block of attempts, each taking trees from one draw of the grammar.

The grammar, the functions and the fast tree walks are in
:mod:`genforge.generators.pcfg`; here a :class:`Draw` says what one split asks
of its trees (how many functions, which edges it requires or forbids, where
twins may stand, whether exception meanings apply) and :func:`sample_block`
turns a random stream into examples that satisfy it. An attempt that finds no
qualifying tree within its draws is None (a rejected draw). Pure functions of
the random stream and the values given: no files, splits or engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Optional

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.generators.pcfg import (
    FUNCTIONS, STRING, TWIN_SUFFIX, Expression, Grammar, NodeStreams, Walk, evaluate, pair_codes, parse, plain_trees,
    symbol_alphabet, walk,
)
from genforge.generators.pcfg_shape import ShapedStreams, published_shape

EXCEPTIONS_PREFIX = "exceptions: "
#: Draws the sampler makes per attempt to meet a split's constraint before giving up.
INNER_DRAWS = 40
#: The same for an exception example: a failed attempt would lower their share in
#: train below exception_ratio, so it must be vanishingly rare (with the defaults
#: about 4% of draws qualify, so 2,000 draws all fail with probability < 1e-30).
EXCEPTION_DRAWS = 2_000
#: The same for a tree of a given number of functions that has a required pair (``Draw.match_functions``):
#: with the default grammar about one draw in 60 qualifies at two functions, the hardest count.
MATCH_DRAWS = 2_000
#: Refused: splits whose examples take more work units than this each to draw. A unit is a tree node
#: or four symbols of a string node (symbols are copied in bulk): 5 to 10 us, so at most about 40 ms
#: an example and a thousand in well under a minute. With the default parameters a split takes 11
#: (train) to about 2,700 units (test_ood_exception, whose examples are rare draws).
MAX_WORK_PER_EXAMPLE = 5_000
#: A cost pilot keeps this many examples (or stops at its node budget) ...
PILOT_KEPT = 32
#: ... drawing blocks of this many attempts.
PILOT_BLOCK = 16


@lru_cache(maxsize=16)
def grammar(unary: float, binary: float, weights: tuple, alphabet_size: int, low: int, high: int,
            input_law: str = "pcfg") -> Grammar:
    shape = published_shape(low, high) if input_law == "published" else None
    return Grammar(unary, binary, weights, symbol_alphabet(alphabet_size), low, high, shape)


def pairs(texts: Iterable[str]) -> frozenset[tuple[str, str]]:
    """``"parent child"`` texts as (parent, child) name pairs."""
    return frozenset(tuple(text.split()) for text in texts)


def format_exceptions(pairs: Iterable[str]) -> str:
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
    found = []
    for part in text[len(EXCEPTIONS_PREFIX.strip()):].split(";"):
        names = part.split()
        if len(names) != 2 or not all(name in FUNCTIONS for name in names):
            raise UsageError(f"exception pair {part.strip()!r} in the instruction is not two function names "
                             f"(allowed: {', '.join(FUNCTIONS)})")
        found.append((names[0], names[1]))
    return frozenset(found)


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


@dataclass(frozen=True)
class Draw:
    """What a split asks of its trees.

    ``require`` / ``forbid`` are edge sets as :func:`~genforge.generators.pcfg.pair_codes`;
    ``twins`` is None, ``"allowed"`` (twins only in ``twin_context``) or
    ``"forbidden"`` (at least one twin outside it); ``exception_pairs`` the
    ``"parent child"`` exception pairs (empty outside the overgeneralisation plan), whose edges an
    attempt then requires (with probability ``exception_share``) or forbids
    instead of ``require`` / ``forbid``.
    """

    max_functions: int
    max_length: int
    min_functions: int = 1
    require: frozenset[int] = frozenset()
    forbid: frozenset[int] = frozenset()
    twins: Optional[str] = None
    twin_functions: tuple[str, ...] = ()
    twin_rate: float = 0.0
    twin_context: str = "alone"
    exception_pairs: tuple[str, ...] = ()
    exception_share: float = 0.0
    #: with ``require``: each attempt first draws a tree without the required pairs (as train does) and
    #: then one with exactly as many functions that has one, so both have the same functions-per-input law
    match_functions: bool = False

    @property
    def constrained(self) -> bool:
        return bool(self.require or self.forbid or self.twins is not None or self.exception_pairs)


def sample_block(rng: RandomStream, grammar: Grammar, count: int, draw: Draw) -> list[Optional[Example]]:
    """``count`` attempts, each taking trees from one :class:`NodeStreams` until one qualifies."""
    return _attempts(rng, streams_for(rng, grammar, count, draw), count, draw)


def streams_for(rng: RandomStream, grammar: Grammar, trees: int, draw: Draw) -> NodeStreams:
    """The PCFG's node streams, or (``grammar.shape`` set) trees of the shape law within the draw's function range."""
    if grammar.shape is None:
        return NodeStreams(rng, grammar, trees, draw.max_functions)
    return ShapedStreams(rng, grammar, trees, draw.min_functions, draw.max_functions)


def work_per_example(rng: RandomStream, grammar: Grammar, draw: Draw,
                      keeps: Callable[[Example], bool]) -> Optional[float]:
    """The work :func:`sample_block` does per example that ``keeps`` accepts, measured on a pilot.

    Work is counted in units: one per tree node drawn, one per four symbols of
    a string node (walks, parses and evaluations go through both). The pilot
    samples blocks of ``PILOT_BLOCK`` attempts until ``PILOT_KEPT`` examples are
    kept; None when it spent ``PILOT_KEPT * MAX_WORK_PER_EXAMPLE`` units first
    (the cost per example is then above ``MAX_WORK_PER_EXAMPLE``).
    """
    meter = _Meter(PILOT_KEPT * MAX_WORK_PER_EXAMPLE)
    kept = 0
    try:
        while kept < PILOT_KEPT:
            streams = streams_for(rng, grammar, PILOT_BLOCK, draw)
            streams.codes = meter.counted(streams.codes, streams.length_offset)
            streams.next_code = streams.codes.__next__
            kept += sum(1 for example in _attempts(rng, streams, PILOT_BLOCK, draw)
                        if example is not None and keeps(example))
    except _Spent:
        return None
    return meter.units / kept


class _Spent(Exception):
    """A pilot reached its work budget."""


class _Meter:
    """Counts the work units of the node codes read: one per node, plus a quarter per symbol of a string node."""

    def __init__(self, budget: int):
        self.budget, self.units = budget, 0

    def counted(self, codes: Iterator[int], length_offset: int) -> Iterator[int]:
        for code in codes:
            self.units += 1 if code < STRING else 1 + (code - length_offset) / 4
            if self.units > self.budget:
                raise _Spent
            yield code


def _attempts(rng: RandomStream, streams: NodeStreams, count: int, draw: Draw) -> list[Optional[Example]]:
    if not draw.constrained:
        return _plain_block(streams, count, draw.min_functions, draw.max_functions, draw.max_length)
    exceptions = pair_codes(pairs(draw.exception_pairs))
    instruction = format_exceptions(draw.exception_pairs) if exceptions else None
    return [_constrained_attempt(rng, streams, draw, exceptions, instruction) for _ in range(count)]


def _plain_block(streams: NodeStreams, count: int, min_functions: int, max_functions: int,
                 max_length: int) -> list[Optional[Example]]:
    """Attempts without edge, twin or exception constraints: the hot path of the default plan."""
    next_tree = plain_trees(streams, max_functions, max_length).__next__
    examples: list[Optional[Example]] = []
    for _ in range(count):
        tree = next_tree()
        if tree is None or tree[2] < min_functions:
            tree = _redraw(next_tree, min_functions)
            if tree is None:
                examples.append(None)
                continue
        tokens, value, functions, depth, strings = tree
        complexity = {"functions": functions, "depth": depth, "input_length": len(tokens),
                      "output_length": len(value), "arguments": strings, "twins": 0, "exceptions": 0}
        examples.append(example_of((None, " ".join(tokens), " ".join(value),
                                    {"domain": "regular", "complexity": complexity}), PcfgExample))
    return examples


def _redraw(next_tree, min_functions: int) -> Optional[tuple]:
    """The rest of an attempt whose first tree failed: up to INNER_DRAWS trees in all."""
    for _ in range(INNER_DRAWS - 1):
        tree = next_tree()
        if tree is not None and tree[2] >= min_functions:
            return tree
    return None


def _constrained_attempt(rng: RandomStream, streams: NodeStreams, draw: Draw, exception_codes: frozenset[int],
                         instruction: Optional[str]) -> Optional[Example]:
    """One attempt of the systematicity, substitutivity and overgeneralisation splits (``exception_codes``:
    the exception edges as pair codes, empty outside the overgeneralisation plan)."""
    require, forbid, want_exception = draw.require, draw.forbid, False
    if exception_codes:
        want_exception = rng.random() < draw.exception_share
        if want_exception:
            require = exception_codes
        else:
            forbid = exception_codes
    most, exact, tries = draw.max_functions, 0, EXCEPTION_DRAWS if want_exception else INNER_DRAWS
    if draw.match_functions and require:
        exact = _reference_functions(streams, draw, require)
        if exact is None:
            return None
        most, tries = exact, MATCH_DRAWS
        if isinstance(streams, ShapedStreams):
            streams.exact = exact  # draw trees of that size directly
    try:
        return _qualifying(rng, streams, draw, require, forbid, want_exception, exception_codes, instruction,
                           most, exact, tries)
    finally:
        if isinstance(streams, ShapedStreams):
            streams.exact = 0


def _qualifying(rng: RandomStream, streams: NodeStreams, draw: Draw, require: frozenset[int],
                forbid: frozenset[int], want_exception: bool, exception_codes: frozenset[int],
                instruction: Optional[str], most: int, exact: int, tries: int) -> Optional[Example]:
    """The first of ``tries`` trees that meets the attempt's constraints (see :func:`_constrained_attempt`)."""
    for _ in range(tries):
        tree = walk(streams, most, draw.max_length, forbid, exception_codes)
        if tree is None or tree.functions < draw.min_functions or (exact and tree.functions != exact):
            continue
        if require and require.isdisjoint(tree.edge_pairs()):
            continue
        twin_counts = None
        if draw.twins is not None:
            twin_counts = _place_twins(rng, tree, draw, forbidden_wanted=draw.twins == "forbidden")
            if twin_counts is None:
                continue
        example = _walk_example(tree, instruction, draw.twin_context, twin_counts)
        if (example.meta["domain"] == "exception") == want_exception:
            return example
    return None


def _reference_functions(streams: NodeStreams, draw: Draw, pairs: frozenset[int]) -> Optional[int]:
    """The function count of a tree drawn as train draws it (none of ``pairs``), at least 2 (a pair needs two)."""
    for _ in range(INNER_DRAWS):
        tree = walk(streams, draw.max_functions, draw.max_length, pairs)
        if tree is not None and tree.functions >= max(2, draw.min_functions):
            return tree.functions
    return None


def _place_twins(rng: RandomStream, tree: Walk, draw: Draw, forbidden_wanted: bool) -> Optional[tuple[int, int]]:
    """Write twinned functions as twins in ``tree.tokens``; (twins in allowed, in forbidden contexts).

    None when a forbidden-context twin is wanted but no twinned function stands in a forbidden context.
    """
    twinned = {FUNCTIONS.index(name) for name in draw.twin_functions}
    if draw.twin_context == "alone":
        allowed_here = [tree.functions == 1] * tree.functions
    else:
        allowed_here = tree.leaf
    candidates = [node for node, code in enumerate(tree.codes)
                  if code in twinned and (forbidden_wanted or allowed_here[node])]
    rate = draw.twin_rate
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


def _walk_example(tree: Walk, instruction: Optional[str], context: str,
                  twin_counts: Optional[tuple[int, int]]) -> SampledExample:
    text = " ".join(tree.tokens)
    target = " ".join(tree.value)
    complexity = {"functions": tree.functions, "depth": tree.depth, "input_length": len(tree.tokens),
                  "output_length": len(tree.value), "arguments": tree.strings,
                  "twins": sum(twin_counts) if twin_counts else 0, "exceptions": tree.exceptions}
    # An exception edge inside a discarded argument leaves the target as the rules make it.
    differs = tree.exceptions > 0 and " ".join(evaluate(parse(text), with_steps=False).value) != target
    example = SampledExample(instruction, text, target,
                             {"domain": "exception" if differs else "regular", "complexity": complexity})
    example.edges = tree.written_edges()
    example.twins_in_context = {context: twin_counts or (0, 0)}
    return example


def tree_example(tree: Expression, instruction: Optional[str], exceptions: frozenset,
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
