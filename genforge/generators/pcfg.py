"""PCFG SET: string-manipulation functions and the grammar that samples them.

Hupkes, Dankers, Mul and Bruni (2020), "Compositionality decomposed: how do
neural networks generalise?", Journal of Artificial Intelligence Research 67.
Ten functions on sequences of symbols:

* unary: ``copy`` (x), ``reverse``, ``shift`` (rotate left by one: the first
  symbol moves to the end), ``echo`` (x followed by its last symbol),
  ``swap_first_last``, ``repeat`` (x x);
* binary: ``append`` (x y), ``prepend`` (y x), ``remove_first`` (y),
  ``remove_second`` (x).

Text form (what records carry and :func:`parse` reads): a bracket-free prefix
expression, tokens separated by single spaces, the two arguments of a binary
function separated by ``,``; a string argument is a maximal run of symbols.
The form is unambiguous because a string ends exactly at a ``,`` or at the end
of the text, e.g. ``append swap_first_last A1 B1 , C1`` is
append(swap_first_last(A1 B1), C1) = ``B1 A1 C1``.

Two extensions serve the substitutivity and overgeneralisation tests:

* a *twin* ``<f>_twin`` is a synonym of function ``f``: same arity, same meaning;
* an *exception pair* ``(f, g)`` changes the meaning of ``f`` and ``g`` where
  they are adjacent words of the input (``g`` is the first argument of ``f``).
  The four pairs of Hupkes et al. (2020, overgeneralisation test) take the
  meanings of their released exception targets: each word of the pair is read
  as another function (:data:`PUBLISHED_EXCEPTIONS`), e.g. ``reverse echo x``
  means ``copy echo x`` and ``prepend reverse x , y`` means
  ``remove_second echo x , y``. Any other pair (a genforge extension) reverses
  the result of ``f``. A word takes part in one pair at most: reading left to
  right, the first pair found wins. Pairs compare base names, so a twin takes
  part in the pairs of its function.

Pure functions only: no files, splits or global state.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Callable, Iterable, Iterator, Optional

import numpy as np

from genforge.core.rng import RandomStream

UNARY = ("copy", "reverse", "shift", "echo", "swap_first_last", "repeat")
BINARY = ("append", "prepend", "remove_first", "remove_second")
FUNCTIONS = UNARY + BINARY
TWIN_SUFFIX = "_twin"
SEPARATOR = ","
#: A symbol is a capital letter followed by an index 1..20 (``A1`` .. ``Z20``).
MAX_SYMBOL_INDEX = 20
MAX_ALPHABET_SIZE = 26 * MAX_SYMBOL_INDEX

Value = tuple[str, ...]


class ExpressionSyntaxError(ValueError):
    """A text that is not a well-formed PCFG SET expression."""


def symbol_alphabet(size: int) -> tuple[str, ...]:
    """The first ``size`` symbols in the order A1 .. Z1, A2 .. Z2, ... (up to Z20).

    Letters vary fastest so that a small alphabet still uses distinct letters.
    """
    if not 1 <= size <= MAX_ALPHABET_SIZE:
        raise ValueError(f"alphabet size must be 1..{MAX_ALPHABET_SIZE}, got {size}")
    return tuple(f"{string.ascii_uppercase[i % 26]}{i // 26 + 1}" for i in range(size))


def is_symbol(token: str) -> bool:
    return (len(token) >= 2 and token[0] in string.ascii_uppercase and token[1:].isdigit()
            and token[1] != "0" and 1 <= int(token[1:]) <= MAX_SYMBOL_INDEX)


def base_function(name: str) -> str:
    """``reverse_twin`` -> ``reverse``; other names unchanged."""
    return name[: -len(TWIN_SUFFIX)] if name.endswith(TWIN_SUFFIX) else name


def arity(name: str) -> int:
    return 2 if base_function(name) in BINARY else 1


def is_function(token: str) -> bool:
    return base_function(token) in FUNCTIONS


# -- expressions ----------------------------------------------------------------
@dataclass(frozen=True)
class Expression:
    """A node: a function applied to arguments, or (``function`` None) a string."""

    function: Optional[str]
    arguments: tuple["Expression", ...] = ()
    symbols: Value = ()

    @property
    def is_string(self) -> bool:
        return self.function is None

    def nodes(self) -> Iterator["Expression"]:
        """Every node in prefix order (the order of the text)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.arguments))

    def functions(self) -> list[str]:
        """Function names in prefix order."""
        names: list[str] = []

        def walk(node: Expression) -> None:
            if node.function is not None:
                names.append(node.function)
                for argument in node.arguments:
                    walk(argument)

        walk(self)
        return names

    def depth(self) -> int:
        """Functions on the longest root-to-string path (a string alone: 0)."""
        if self.is_string:
            return 0
        return 1 + max(argument.depth() for argument in self.arguments)

    def adjacent_edges(self) -> list[tuple[str, str]]:
        """(parent, child) names where child is the first argument of parent: adjacent words of the text."""
        pairs: list[tuple[str, str]] = []

        def walk(node: Expression) -> None:
            for position, argument in enumerate(node.arguments):
                if argument.function is not None:
                    if position == 0:
                        pairs.append((node.function, argument.function))
                    walk(argument)

        walk(self)
        return pairs

    def edges(self) -> list[tuple[str, str]]:
        """(parent, child) function names, child an argument of parent, in prefix order."""
        pairs: list[tuple[str, str]] = []

        def walk(node: Expression) -> None:
            for argument in node.arguments:
                if argument.function is not None:
                    pairs.append((node.function, argument.function))
                    walk(argument)

        walk(self)
        return pairs

    def tokens(self) -> list[str]:
        if self.is_string:
            return list(self.symbols)
        head = [self.function] + self.arguments[0].tokens()
        if len(self.arguments) == 2:
            head += [SEPARATOR] + self.arguments[1].tokens()
        return head

    def text(self) -> str:
        return " ".join(self.tokens())

    def renamed(self, names: dict[int, str]) -> "Expression":
        """A copy with the functions at the given prefix positions renamed."""
        counter = iter(range(1 << 30))

        def rebuild(node: Expression) -> Expression:
            position = next(counter)
            if node.is_string:
                return node
            arguments = tuple(rebuild(argument) for argument in node.arguments)
            return Expression(names.get(position, node.function), arguments)

        return rebuild(self)


def parse(text: str) -> Expression:
    """Inverse of :meth:`Expression.text`; raises ExpressionSyntaxError."""
    tokens = text.split()
    if not tokens:
        raise ExpressionSyntaxError("empty expression")
    parser = _Parser(tokens)
    tree = parser.expression()
    if parser.position != len(tokens):
        raise ExpressionSyntaxError(f"unexpected token {tokens[parser.position]!r} at position {parser.position + 1} "
                                    "after a complete expression")
    return tree


class _Parser:
    """The state of one :func:`parse` (a class, not a recursive closure: see :class:`_Evaluator`)."""

    __slots__ = ("tokens", "position")

    def __init__(self, tokens: list[str]):
        self.tokens, self.position = tokens, 0

    def expression(self) -> Expression:
        tokens, position = self.tokens, self.position
        if position >= len(tokens):
            raise ExpressionSyntaxError("the expression ends where an argument was expected")
        token = tokens[position]
        if is_function(token):
            self.position += 1
            first = self.expression()
            if arity(token) == 1:
                return Expression(token, (first,))
            position = self.position
            if position >= len(tokens) or tokens[position] != SEPARATOR:
                found = "the end" if position >= len(tokens) else repr(tokens[position])
                raise ExpressionSyntaxError(
                    f"binary function {token!r} needs ' , ' between its arguments, found {found}")
            self.position += 1
            return Expression(token, (first, self.expression()))
        start = position
        while position < len(tokens) and is_symbol(tokens[position]):
            position += 1
        if position == start:
            raise ExpressionSyntaxError(
                f"unexpected token {token!r} at position {start + 1}: expected a function "
                f"({', '.join(FUNCTIONS)}, or one with '{TWIN_SUFFIX}') or a symbol A1..Z{MAX_SYMBOL_INDEX}")
        self.position = position
        return Expression(None, symbols=tuple(tokens[start:position]))


# -- meaning --------------------------------------------------------------------
#: The meaning of each function by code (its index in FUNCTIONS); binary ones take (x, y).
MEANINGS = (
    lambda x: x,  # copy
    lambda x: x[::-1],  # reverse
    lambda x: x[1:] + x[:1],  # shift
    lambda x: x + x[-1:],  # echo
    lambda x: x if len(x) < 2 else x[-1:] + x[1:-1] + x[:1],  # swap_first_last
    lambda x: x + x,  # repeat
    lambda x, y: x + y,  # append
    lambda x, y: y + x,  # prepend
    lambda x, y: y,  # remove_first
    lambda x, y: x,  # remove_second
)
_CODES = {name: code for code, name in enumerate(FUNCTIONS)}

#: The published exception pairs (Hupkes et al. 2020, overgeneralisation) and the functions their two
#: words are read as, (parent as, child as): worked out from the released exception targets, e.g.
#: ``prepend remove_first D2 B12 U1 , J20 W7 , I16 D11`` -> ``D2 B12 U1 J20 W7``.
PUBLISHED_EXCEPTIONS = {
    ("reverse", "echo"): ("copy", "echo"),
    ("prepend", "remove_first"): ("remove_second", "append"),
    ("echo", "remove_first"): ("copy", "append"),
    ("prepend", "reverse"): ("remove_second", "echo"),
}
#: The same by function codes: parent code * 16 + child code -> (parent as, child as) codes.
EXCEPTION_CODES = {_CODES[f] * 16 + _CODES[g]: (_CODES[a], _CODES[b]) for (f, g), (a, b) in PUBLISHED_EXCEPTIONS.items()}


def exceptional_value(pair_code: int, parent_arguments: list[Value], child_arguments: list[Value]) -> Value:
    """The value of an exception pair: the parent applied to the child's value, both read as their
    published stand-ins; a pair outside :data:`PUBLISHED_EXCEPTIONS` reverses the parent's result."""
    parent, child = divmod(pair_code, 16)
    stand_ins = EXCEPTION_CODES.get(pair_code)
    if stand_ins is None:
        inner = MEANINGS[child](*child_arguments)
        return MEANINGS[parent](inner, *parent_arguments[1:])[::-1]
    inner = MEANINGS[stand_ins[1]](*child_arguments)
    return MEANINGS[stand_ins[0]](inner, *parent_arguments[1:])


def apply_function(name: str, arguments: list[Value]) -> Value:
    """The meaning of one function (twins mean what their base function means)."""
    code = _CODES.get(base_function(name))
    if code is None:
        raise ValueError(f"unknown function {name!r}")
    return MEANINGS[code](*arguments)


@dataclass(frozen=True)
class Evaluation:
    value: Value
    #: how many applications took their exception meaning
    exceptions: int
    #: one line per application, innermost first: ``f args = result``
    steps: tuple[str, ...]


def evaluate(
    tree: Expression,
    exceptions: Iterable[tuple[str, str]] = (),
    max_length: Optional[int] = None,
    with_steps: bool = True,
) -> Optional[Evaluation]:
    """The value of ``tree``; None when any intermediate value exceeds ``max_length``.

    ``with_steps=False`` leaves ``steps`` empty (writing them out costs more than evaluating).
    """
    evaluator = _Evaluator(frozenset(exceptions), max_length, with_steps)
    value = evaluator.value_of(tree)
    if value is None:
        return None
    return Evaluation(value, evaluator.applied, tuple(evaluator.steps))


class _Evaluator:
    """The state of one :func:`evaluate`.

    A class rather than a nested recursive function: such a function refers to
    itself through its closure, a reference cycle that would keep every step
    (values of up to ``max_length`` symbols each) alive until the cyclic garbage
    collector runs, which generation makes rare.
    """

    __slots__ = ("exception_pairs", "max_length", "with_steps", "applied", "steps")

    def __init__(self, exception_pairs: frozenset, max_length: Optional[int], with_steps: bool):
        self.exception_pairs, self.max_length, self.with_steps = exception_pairs, max_length, with_steps
        self.applied = 0
        self.steps: list[str] = []

    def value_of(self, node: Expression) -> Optional[Value]:
        evaluated = self.evaluated(node, False)
        return None if evaluated is None else evaluated[0]

    def evaluated(self, node: Expression, in_pair: bool) -> Optional[tuple[Value, list[Value]]]:
        """(value, argument values) of ``node``; ``in_pair``: node is the child word of an exception pair
        (then its own pair with its first argument does not count: a word is in one pair at most)."""
        if node.is_string:
            return node.symbols, []
        first = node.arguments[0]
        pair = None
        if not in_pair and not first.is_string:
            names = (base_function(node.function), base_function(first.function))
            if names in self.exception_pairs:
                pair = _CODES[names[0]] * 16 + _CODES[names[1]]
        values, child_values = [], []
        for position, argument in enumerate(node.arguments):
            evaluated = self.evaluated(argument, pair is not None and position == 0)
            if evaluated is None:
                return None
            values.append(evaluated[0])
            if position == 0:
                child_values = evaluated[1]
        if pair is None:
            result = apply_function(node.function, values)
        else:
            result = exceptional_value(pair, values, child_values)
            self.applied += 1
        if self.max_length is not None and len(result) > self.max_length:
            return None
        if self.with_steps:
            self.steps.append(f"{node.function} {' , '.join(' '.join(v) for v in values)} = {' '.join(result)}")
        return result, values


# -- contexts of twins ------------------------------------------------------------
TWIN_CONTEXTS = ("alone", "leaf")


def twin_positions(tree: Expression, context: str) -> tuple[list[int], list[int]]:
    """Prefix positions of twins (or twinnable nodes) split into (allowed, forbidden) by ``context``.

    ``alone``: a twin is in an allowed context only when it is the only function
    of the expression. ``leaf``: only when every argument of it is a string.
    Positions count every node (strings included) in prefix order.
    """
    single = len(tree.functions()) == 1
    allowed, forbidden = [], []
    for position, node in enumerate(tree.nodes()):
        if node.is_string:
            continue
        ok = single if context == "alone" else all(argument.is_string for argument in node.arguments)
        (allowed if ok else forbidden).append(position)
    return allowed, forbidden


def twins_in_context(tree: Expression, context: str) -> tuple[int, int]:
    """(twins in allowed contexts, twins in forbidden contexts)."""
    allowed, forbidden = twin_positions(tree, context)
    is_twin = [node.function is not None and node.function.endswith(TWIN_SUFFIX) for node in tree.nodes()]
    return sum(is_twin[p] for p in allowed), sum(is_twin[p] for p in forbidden)


# -- the grammar ------------------------------------------------------------------
@dataclass(frozen=True)
class Grammar:
    """The PCFG: ``S -> F_unary S | F_binary S , S | W`` and ``W -> X^n``.

    An argument is a unary application with ``unary_probability``, a binary
    one with ``binary_probability``, a string otherwise; the expression itself
    is always an application (unary vs binary in the same proportion). The
    function within an arity is drawn by ``function_weights`` (aligned with
    FUNCTIONS); a string has a uniform length in
    ``string_length_min..string_length_max`` and uniform symbols.
    """

    unary_probability: float
    binary_probability: float
    function_weights: tuple[float, ...]
    alphabet: tuple[str, ...]
    string_length_min: int
    string_length_max: int
    #: None: the PCFG's own law; else a ``pcfg_shape.ShapeLaw`` (functions per input, string lengths)
    shape: Optional[object] = None


# -- block sampling -----------------------------------------------------------------
# A PCFG draw read in prefix order is a run of independent node draws: each node
# is a unary function, a binary function or a string (with its length) with the
# grammar's probabilities (the root is conditioned on being a function), and the
# tree ends when no argument is left open. So a block draws its node codes and
# its symbols in bulk with numpy and cuts them into trees in one pass that also
# evaluates them. A tree abandoned part-way (too many functions, too long a
# value) leaves the next tree to start at the next node, which keeps every tree
# an independent draw of the grammar.

#: Node codes: 0..9 are the functions in FUNCTIONS order; STRING + k is a string of
#: string_length_min + k symbols.
STRING = len(FUNCTIONS)
#: A binary frame holding its first argument is written as its code + HELD (11..14).
HELD = STRING + 1 - len(UNARY)
assert (len(UNARY), STRING, HELD, SEPARATOR) == (6, 10, 5, ","), "plain_trees spells these out"
#: Fewest draws per chunk, so that a short run of trees does not pay numpy's call overhead per draw.
_MIN_CHUNK = 64


@lru_cache(maxsize=16)
def _node_table(grammar: Grammar) -> np.ndarray:
    """Cumulative probabilities of the node codes but the last (a draw past them all is the last)."""
    lengths = grammar.string_length_max - grammar.string_length_min + 1
    strings = 1.0 - grammar.unary_probability - grammar.binary_probability
    return np.cumsum(function_probabilities(grammar) + [strings / lengths] * (lengths - 1))


def function_probabilities(grammar: Grammar) -> list[float]:
    """The probability that a node is each function (in FUNCTIONS order): its arity's share, split by weight."""
    p_unary, p_binary = grammar.unary_probability, grammar.binary_probability
    weights = grammar.function_weights
    unary, binary = sum(weights[: len(UNARY)]), sum(weights[len(UNARY):])
    probabilities = [p_unary * w / unary if unary else 0.0 for w in weights[: len(UNARY)]]
    return probabilities + [p_binary * w / binary if binary else 0.0 for w in weights[len(UNARY):]]


@lru_cache(maxsize=16)
def _symbol_table(alphabet: tuple[str, ...]) -> np.ndarray:
    return np.array(alphabet, dtype=object)


def expected_draws(grammar: Grammar, max_functions: int) -> tuple[float, float]:
    """About how many node codes and symbols one tree takes from the streams (to size the chunks).

    An argument has on average m = p_unary + 2 p_binary arguments of its own, so
    (when m < 1) it spans 1 / (1 - m) nodes; a tree stops by max_functions anyway.
    """
    p_unary, p_binary = grammar.unary_probability, grammar.binary_probability
    p_function, m = p_unary + p_binary, p_unary + 2 * p_binary
    root_arguments = m / p_function
    skipped = (1 - p_function) / p_function  # string draws that cannot start a tree
    nodes, strings = 2.0 * max_functions + 1, max_functions + 1.0
    if m < 1:
        nodes = min(nodes, 1 + root_arguments / (1 - m))
        strings = min(strings, root_arguments * (1 - p_function) / (1 - m))
    return nodes + skipped, strings * (grammar.string_length_min + grammar.string_length_max) / 2


def function_count_law(grammar: Grammar, max_functions: int) -> list[float]:
    """P(n functions) for n = 0..max_functions of the grammar's trees (the root is an application;
    trees over max_functions are redrawn, longer values are not accounted for).

    A tree with u unary and b binary functions has b + 1 strings; by the cycle lemma
    (n + b)! / (u! b! (b + 1)!) prefix sequences form such trees, each of probability
    p_unary^u p_binary^b p_string^(b+1).
    """
    p_unary, p_binary = grammar.unary_probability, grammar.binary_probability
    p_string = 1.0 - p_unary - p_binary
    law = [0.0]
    for n in range(1, max_functions + 1):
        total = 0.0
        for b in range(n + 1):
            u = n - b
            if (u and not p_unary) or (b and not p_binary):
                continue
            log_count = math.lgamma(n + b + 1) - math.lgamma(u + 1) - math.lgamma(b + 1) - math.lgamma(b + 2)
            log_p = ((u * math.log(p_unary) if u else 0.0) + (b * math.log(p_binary) if b else 0.0)
                     + (b + 1) * math.log(p_string))
            total += math.exp(log_count + log_p)
        law.append(total)
    mass = sum(law)
    return [p / mass for p in law]


def expected_occurrences(grammar: Grammar, max_functions: int) -> dict[str, float]:
    """Expected occurrences of each function per tree (see :func:`function_count_law`, or the shape law's)."""
    law = function_count_law(grammar, max_functions) if grammar.shape is None else grammar.shape.functions
    law = law[: max_functions + 1]
    mean = sum(n * p for n, p in enumerate(law)) / sum(law)
    functions = grammar.unary_probability + grammar.binary_probability
    return {name: mean * part / functions for name, part in zip(FUNCTIONS, function_probabilities(grammar))}


def _chunk_sizes(first: float) -> Iterator[int]:
    """The expected need first, then top-ups of a quarter of it: little is drawn in vain."""
    first = max(_MIN_CHUNK, int(first) + 1)
    yield first
    while True:
        yield max(_MIN_CHUNK, first // 4)


def _node_chunks(rng: RandomStream, grammar: Grammar, first: float) -> Iterator[list[int]]:
    cumulative = _node_table(grammar)
    for size in _chunk_sizes(first):
        uniforms = (rng.words(size) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
        # searchsorted counts the cumulative bounds <= u: the code whose interval holds u
        yield np.searchsorted(cumulative, uniforms, side="right").tolist()


def _symbol_chunks(rng: RandomStream, alphabet: tuple[str, ...], first: float) -> Iterator[list[str]]:
    symbols = _symbol_table(alphabet)
    for size in _chunk_sizes(first):
        yield symbols[rng.index_array(len(symbols), size)].tolist()


class NodeStreams:
    """The random node codes and symbols of one block, drawn in chunks as they are consumed.

    ``codes`` iterates over the node codes (``next_code()`` gives the next one);
    :meth:`string` takes the symbols of a string node. Pure functions of the
    random stream; the first chunks hold what ``trees`` trees need on average.
    One consumer at a time: :func:`plain_trees` keeps its place in the symbols itself.
    """

    __slots__ = ("codes", "next_code", "next_symbols", "length_offset", "_symbols", "_position")

    def __init__(self, rng: RandomStream, grammar: Grammar, trees: int, max_functions: int):
        nodes, symbols = expected_draws(grammar, max_functions)
        self.codes: Iterator[int] = chain.from_iterable(_node_chunks(rng, grammar, trees * nodes))
        self.next_code: Callable[[], int] = self.codes.__next__
        #: the next chunk of symbols (a list of names)
        self.next_symbols: Callable[[], list[str]] = _symbol_chunks(rng, grammar.alphabet, trees * symbols).__next__
        #: a string node's code minus this is its length
        self.length_offset = STRING - grammar.string_length_min
        self._symbols: list[str] = []
        self._position = 0

    def string(self, code: int) -> list[str]:
        """The symbols of the string node ``code``, the next ones of the symbol stream."""
        start, end = self._position, self._position + code - self.length_offset
        if end > len(self._symbols):
            self._symbols = self._symbols[start:] + self.next_symbols()
            start, end = 0, end - start
        self._position = end
        return self._symbols[start:end]


def plain_trees(streams: NodeStreams, max_functions: int, max_length: int) -> Iterator[Optional[tuple]]:
    """The trees of the streams, one after another, evaluated: ``(tokens, value, functions, depth, strings)``.

    None for a tree with more than ``max_functions`` functions or a value
    longer than ``max_length`` (its remaining nodes are left to the next
    tree). ``tokens`` is the text as a token list, valid until the next tree is
    asked for (the list is reused); ``value`` a list of symbols. The hot path
    of sampling: one loop over the node codes (a generator, so the loop state
    survives between trees), every function applied inline (MEANINGS spelt
    out), codes spelt out as numbers, list methods bound once.
    """
    names, next_symbols, length_offset = FUNCTIONS, streams.next_symbols, streams.length_offset
    symbols, position = streams._symbols, streams._position
    tokens: list[str] = []
    frames: list[int] = []  # open applications, innermost last
    held: list[list[str]] = []  # first arguments of the binary frames that hold one
    add_token, open_frame, close_frame = tokens.append, frames.append, frames.pop
    hold, release = held.append, held.pop
    functions = depth = strings = 0
    skip_rest = getattr(streams, "skip_rest", None)  # shaped streams: an abandoned tree's rest is dropped
    for code in streams.codes:
        if code < 10:  # a function (STRING is 10)
            functions += 1
            if functions > max_functions:
                if skip_rest:
                    skip_rest()
                yield None
                tokens.clear(), frames.clear(), held.clear()
                functions = depth = strings = 0
                continue
            add_token(names[code])
            open_frame(code)
            continue
        if not tokens:  # the expression itself is an application: a string cannot start it
            continue
        # The open frames are the string's function ancestors: the deepest path ends at a string.
        if len(frames) > depth:
            depth = len(frames)
        end = position + code - length_offset
        if end > len(symbols):
            symbols = symbols[position:] + next_symbols()
            end -= position
            position = 0
        value = symbols[position:end]
        position = end
        strings += 1
        tokens += value
        # The string completes arguments: apply every frame it completes, innermost first.
        while frames:
            code = close_frame()
            if code < 6:  # unary 0..5
                if code < 3:
                    if code == 1:
                        value = value[::-1]
                    elif code == 2:
                        value = value[1:] + value[:1]
                elif code == 3:
                    value = value + value[-1:]
                    if len(value) > max_length:
                        break
                elif code == 4:
                    if len(value) > 1:
                        value = value[-1:] + value[1:-1] + value[:1]
                else:
                    value = value + value
                    if len(value) > max_length:
                        break
            elif code < 10:  # binary 6..9: the value is its first argument, a second follows
                open_frame(code + 5)  # + HELD
                hold(value)
                add_token(",")
                break
            else:  # binary holding its first argument (11..14): the value is the second
                first = release()
                if code < 13:
                    value = first + value if code == 11 else value + first
                    if len(value) > max_length:
                        break
                elif code == 14:
                    value = first
                # 13 (remove_first) keeps the second argument
        else:
            yield tokens, value, functions, depth, strings
            tokens.clear()
            functions = depth = strings = 0
            continue
        if len(value) > max_length:  # the break above was a value too long, not a binary waiting
            if skip_rest:
                skip_rest()
            yield None
            tokens.clear(), frames.clear(), held.clear()
            functions = depth = strings = 0


class Walk:
    """One tree of :func:`walk` with what the split constraints need.

    ``nodes``: token index of each function, in prefix order; ``codes`` their
    function codes; ``edges``: (parent, child) node indices where child is the
    first argument of parent (adjacent words of the text); ``leaf``: whether
    each function takes strings only; ``exceptions``: applications that took
    their exception meaning.
    """

    __slots__ = ("tokens", "value", "functions", "depth", "strings", "nodes", "codes", "edges", "leaf", "exceptions")

    def edge_pairs(self) -> list[int]:
        """Each adjacent edge as ``parent code * 16 + child code`` (base functions)."""
        codes = self.codes
        return [codes[parent] * 16 + codes[child] for parent, child in self.edges]

    def written_edges(self) -> set[tuple[str, str]]:
        """Adjacent edges as (parent, child) names as written in ``tokens`` (twins included)."""
        tokens, nodes = self.tokens, self.nodes
        return {(tokens[nodes[parent]], tokens[nodes[child]]) for parent, child in self.edges}


#: The producer of an application when the walk has no exception pairs: none applied, none possible.
_NO_EXCEPTIONS = (-1, 0, None, 0)


def _applied(code: int, arguments: list, producers: tuple, exceptions: frozenset[int], max_length: int):
    """One application of the walk, in both of the states :func:`evaluate` may put it in: (its value
    when free, its producer ``(code, exceptions applied when free, argument values when claimed,
    exceptions applied when claimed)``).

    Free: the application may take an exception pair with its first argument. Claimed: its parent took
    it into a pair (a word is in one pair at most, the outer pair first, as :func:`evaluate` decides
    top-down), so it takes none and its first argument is free. The walk is bottom-up and does not yet
    know which its parent will choose, so it keeps both; a state whose value passes ``max_length`` is
    None (its value, or its claimed argument values). Arguments arrive in their free state (None: too long).
    """
    counts = [0 if producer is None else producer[1] for producer in producers]
    claimed_args = arguments if None not in arguments else None
    claimed_count = sum(counts)
    if claimed_args is not None and len(MEANINGS[code](*claimed_args)) > max_length:
        claimed_args = None
    first_producer = producers[0]
    if exceptions and first_producer is not None and code * 16 + first_producer[0] in exceptions:
        child_args = first_producer[2]
        value = None
        if child_args is not None and None not in arguments[1:]:
            value = exceptional_value(code * 16 + first_producer[0], arguments, child_args)
            if len(value) > max_length:
                value = None
        count = 1 + first_producer[3] + sum(counts[1:])
    else:
        value = None if claimed_args is None else MEANINGS[code](*claimed_args)
        count = claimed_count
    return value, (code, count, claimed_args, claimed_count)


def pair_codes(pairs: Iterable[tuple[str, str]]) -> frozenset[int]:
    """(parent, child) function names as the ``parent code * 16 + child code`` of :meth:`Walk.edge_pairs`."""
    index = {name: code for code, name in enumerate(FUNCTIONS)}
    return frozenset(index[parent] * 16 + index[child] for parent, child in pairs)


def walk(streams: NodeStreams, max_functions: int, max_length: int,
         forbid: frozenset[int] = frozenset(), exceptions: frozenset[int] = frozenset()) -> Optional[Walk]:
    """:func:`_walk`; on shaped streams an abandoned tree's remaining nodes are dropped."""
    tree = _walk(streams, max_functions, max_length, forbid, exceptions)
    if tree is None and hasattr(streams, "skip_rest"):
        streams.skip_rest()
    return tree


def _walk(streams: NodeStreams, max_functions: int, max_length: int,
          forbid: frozenset[int], exceptions: frozenset[int]) -> Optional[Walk]:
    """Like :func:`plain_trees` (one tree), also recording the tree's structure and applying exception meanings.

    ``forbid`` and ``exceptions`` are pairs of adjacent words (see :func:`pair_codes`;
    the child is the parent's first argument): a forbidden pair abandons the tree
    at once; an exception pair takes its meaning (:func:`exceptional_value`).
    """
    next_code = streams.next_code
    code = next_code()
    while code >= STRING:  # the expression itself is an application
        code = next_code()
    tokens: list[str] = []
    frames: list[int] = []  # open applications as node indices, innermost last
    has_first: list[bool] = []  # per frame: a binary that holds its first argument
    # Each value travels with its producer: None for a string, else (code, argument values, took an exception).
    held: list[tuple[list[str], Optional[tuple]]] = []  # (first argument, its producer)
    nodes: list[int] = []
    codes: list[int] = []
    edges: list[tuple[int, int]] = []
    leaf: list[bool] = []
    depth = strings = 0
    while True:
        if code < STRING:
            node = len(codes)
            if node == max_functions:
                return None
            if frames:
                parent = frames[-1]
                leaf[parent] = False
                if not has_first[-1]:  # the first argument: the word right after its parent
                    if codes[parent] * 16 + code in forbid:
                        return None
                    edges.append((parent, node))
            nodes.append(len(tokens))
            codes.append(code)
            leaf.append(True)
            tokens.append(FUNCTIONS[code])
            frames.append(node)
            has_first.append(False)
            depth = max(depth, len(frames))
            code = next_code()
            continue
        value = streams.string(code)
        producer = None
        strings += 1
        tokens += value
        while frames:
            node = frames[-1]
            code = codes[node]
            if code < len(UNARY):
                arguments = [value]
                producers = (producer,)
            elif not has_first[-1]:
                has_first[-1] = True
                held.append((value, producer))
                tokens.append(SEPARATOR)
                break
            else:
                first, first_producer = held.pop()
                arguments = [first, value]
                producers = (first_producer, producer)
            frames.pop()
            has_first.pop()
            if exceptions:
                value, producer = _applied(code, arguments, producers, exceptions, max_length)
                if value is None and producer[2] is None:
                    return None  # too long whether or not its parent takes it into an exception pair
            else:
                value, producer = MEANINGS[code](*arguments), _NO_EXCEPTIONS
                if len(value) > max_length:
                    return None
        else:
            if value is None:
                return None
            result = Walk()
            result.tokens, result.value, result.functions, result.depth = tokens, value, len(codes), depth
            result.strings, result.nodes, result.codes, result.edges = strings, nodes, codes, edges
            result.leaf, result.exceptions = leaf, producer[1]
            return result
        code = next_code()
