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
* an *exception pair* ``(f, g)`` changes the meaning of ``f`` applied directly
  to the output of ``g`` (``g`` is an argument of ``f``, in either position):
  the result of ``f`` is reversed. Pairs compare base names, so a twin takes
  part in the pairs of its function.

Pure functions only: no files, splits or global state.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

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
    position = 0

    def expression() -> Expression:
        nonlocal position
        if position >= len(tokens):
            raise ExpressionSyntaxError("the expression ends where an argument was expected")
        token = tokens[position]
        if is_function(token):
            position += 1
            first = expression()
            if arity(token) == 1:
                return Expression(token, (first,))
            if position >= len(tokens) or tokens[position] != SEPARATOR:
                found = "the end" if position >= len(tokens) else repr(tokens[position])
                raise ExpressionSyntaxError(f"binary function {token!r} needs ' , ' between its arguments, found {found}")
            position += 1
            return Expression(token, (first, expression()))
        start = position
        while position < len(tokens) and is_symbol(tokens[position]):
            position += 1
        if position == start:
            raise ExpressionSyntaxError(
                f"unexpected token {token!r} at position {start + 1}: expected a function "
                f"({', '.join(FUNCTIONS)}, or one with '{TWIN_SUFFIX}') or a symbol A1..Z{MAX_SYMBOL_INDEX}")
        return Expression(None, symbols=tuple(tokens[start:position]))

    tree = expression()
    if position != len(tokens):
        raise ExpressionSyntaxError(f"unexpected token {tokens[position]!r} at position {position + 1} "
                                    "after a complete expression")
    return tree


# -- meaning --------------------------------------------------------------------
def apply_function(name: str, arguments: list[Value]) -> Value:
    """The meaning of one function (twins mean what their base function means)."""
    function = base_function(name)
    x = arguments[0]
    if function == "copy":
        return x
    if function == "reverse":
        return x[::-1]
    if function == "shift":
        return x[1:] + x[:1]
    if function == "echo":
        return x + x[-1:]
    if function == "swap_first_last":
        return x if len(x) < 2 else x[-1:] + x[1:-1] + x[:1]
    if function == "repeat":
        return x + x
    y = arguments[1]
    if function == "append":
        return x + y
    if function == "prepend":
        return y + x
    if function == "remove_first":
        return y
    if function == "remove_second":
        return x
    raise ValueError(f"unknown function {name!r}")


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
) -> Optional[Evaluation]:
    """The value of ``tree``; None when any intermediate value exceeds ``max_length``."""
    exception_pairs = frozenset(exceptions)
    applied = 0
    steps: list[str] = []

    def value_of(node: Expression) -> Optional[Value]:
        nonlocal applied
        if node.is_string:
            return node.symbols
        values = []
        for argument in node.arguments:
            value = value_of(argument)
            if value is None:
                return None
            values.append(value)
        result = apply_function(node.function, values)
        parent = base_function(node.function)
        if any(not argument.is_string and (parent, base_function(argument.function)) in exception_pairs
               for argument in node.arguments):
            result = result[::-1]
            applied += 1
        if max_length is not None and len(result) > max_length:
            return None
        steps.append(f"{node.function} {' , '.join(' '.join(v) for v in values)} = {' '.join(result)}")
        return result

    value = value_of(tree)
    if value is None:
        return None
    return Evaluation(value, applied, tuple(steps))


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


def sample_shape(rng: RandomStream, grammar: Grammar, max_functions: int) -> Optional[Expression]:
    """The functions of one PCFG draw, strings left empty; None past ``max_functions`` (truncation).

    Sampling is split in two (:func:`fill_strings` draws the symbols) so that
    a draw rejected for its functions costs no symbol draws.
    """
    unary_weights = list(grammar.function_weights[: len(UNARY)])
    binary_weights = list(grammar.function_weights[len(UNARY):])
    p_unary, p_binary = grammar.unary_probability, grammar.binary_probability
    budget = [max_functions]
    empty = Expression(None)

    def application(binary: bool) -> Optional[Expression]:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if binary:
            name = BINARY[rng.weighted_index(binary_weights)]
        else:
            name = UNARY[rng.weighted_index(unary_weights)]
        arguments = []
        for _ in range(2 if binary else 1):
            draw = rng.random()
            if draw < p_unary:
                argument = application(False)
            elif draw < p_unary + p_binary:
                argument = application(True)
            else:
                argument = empty
            if argument is None:
                return None
            arguments.append(argument)
        return Expression(name, tuple(arguments))

    return application(rng.random() * (p_unary + p_binary) >= p_unary)


def fill_strings(rng: RandomStream, shape: Expression, grammar: Grammar) -> Expression:
    """``shape`` with every string drawn: uniform length, uniform symbols, in prefix order."""
    alphabet, size = grammar.alphabet, len(grammar.alphabet)

    def fill(node: Expression) -> Expression:
        if node.is_string:
            length = rng.integer(grammar.string_length_min, grammar.string_length_max)
            # below() per symbol: cheaper than the vectorised indices() for a handful of symbols
            return Expression(None, symbols=tuple(alphabet[rng.below(size)] for _ in range(length)))
        return Expression(node.function, tuple(fill(argument) for argument in node.arguments))

    return fill(shape)


def sample_expression(rng: RandomStream, grammar: Grammar, max_functions: int) -> Optional[Expression]:
    """One draw from the PCFG (functions, then strings), or None past ``max_functions``."""
    shape = sample_shape(rng, grammar, max_functions)
    return None if shape is None else fill_strings(rng, shape, grammar)
