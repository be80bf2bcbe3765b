"""Expression trees for the ``symbolic`` task: text syntax, parsing, printing, matching.

Text syntax (what records carry and ``solve`` parses):

* numbers are unsigned decimal integers (``2``, ``16``); names are runs of
  lower-case letters: ``sin cos tan exp log`` are functions, written
  ``sin(x)``, every other name is a variable (inputs use ``x y z``; rules use
  the pattern variables ``a b c``, which match any sub-expression);
* binary operators by precedence: ``+ -`` (lowest), ``* /``, ``^`` (highest);
  ``+ - * /`` are left-associative, ``^`` is right-associative; there is no
  unary minus;
* printing writes ``+`` and ``-`` with a space on each side and ``* / ^``
  without spaces (``(x + y)*(x - y)``, ``sin(x)^2``), and parentheses only
  where needed: for a left-associative operator the left operand is wrapped
  iff it binds less tightly, the right operand iff it binds less or equally
  tightly; for ``^`` the other way round. Parsing accepts any spacing and
  redundant parentheses.

A tree is a leaf ``str`` (a number or a name) or a tuple ``(operator, child,
...)``: ``("+", l, r)`` for binary operators, ``("sin", arg)`` for functions.
Pure functions only.
"""

from __future__ import annotations

import re
from typing import Optional, Union

FUNCTIONS = ("sin", "cos", "tan", "exp", "log")
BINARY = ("+", "-", "*", "/", "^")
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}
#: Leaves and function calls bind tightest.
ATOM = 4
PATTERN_VARIABLES = ("a", "b", "c")

Tree = Union[str, tuple]

_TOKEN = re.compile(r"\s*(?:(\d+)|([a-z]+)|([-+*/^()]))")


class ExpressionSyntaxError(ValueError):
    pass


def precedence(tree: Tree) -> int:
    return ATOM if isinstance(tree, str) or tree[0] in FUNCTIONS else PRECEDENCE[tree[0]]


# -- printing --------------------------------------------------------------

def to_text(tree: Tree) -> str:
    if isinstance(tree, str):
        return tree
    operator = tree[0]
    if operator in FUNCTIONS:
        return f"{operator}({to_text(tree[1])})"
    _, left, right = tree
    mine = PRECEDENCE[operator]
    left_text, right_text = to_text(left), to_text(right)
    if operator == "^":
        wrap_left, wrap_right = precedence(left) <= mine, precedence(right) < mine
    else:
        wrap_left, wrap_right = precedence(left) < mine, precedence(right) <= mine
    if wrap_left:
        left_text = f"({left_text})"
    if wrap_right:
        right_text = f"({right_text})"
    joint = f" {operator} " if operator in "+-" else operator
    return f"{left_text}{joint}{right_text}"


# -- parsing ---------------------------------------------------------------

def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:
            raise ExpressionSyntaxError(
                f"unexpected {stripped[position:].lstrip()[:1]!r} in {text!r}: expected numbers, names, "
                "+ - * / ^ and parentheses")
        tokens.append(match.group(match.lastindex))
        position = match.end()
    return tokens


def parse(text: str) -> Tree:
    """Inverse of :func:`to_text`."""
    tokens = _tokens(text)
    if not tokens:
        raise ExpressionSyntaxError("empty expression")
    position = 0

    def peek() -> Optional[str]:
        return tokens[position] if position < len(tokens) else None

    def take(expected: Optional[str] = None) -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise ExpressionSyntaxError(f"expression {text!r} ends too early")
        if expected is not None and token != expected:
            raise ExpressionSyntaxError(f"expected {expected!r} but found {token!r} in {text!r}")
        position += 1
        return token

    def binary(level: int) -> Tree:
        if level == 3:
            base = atom()
            if peek() == "^":
                take()
                return ("^", base, binary(3))  # right-associative
            return base
        left = binary(level + 1)
        while peek() is not None and PRECEDENCE.get(peek()) == level:
            operator = take()
            left = (operator, left, binary(level + 1))
        return left

    def atom() -> Tree:
        token = take()
        if token == "(":
            inner = binary(1)
            take(")")
            return inner
        if token.isdigit():
            return token
        if token.isalpha():
            if token in FUNCTIONS:
                take("(")
                argument = binary(1)
                take(")")
                return (token, argument)
            return token
        raise ExpressionSyntaxError(f"unexpected {token!r} in {text!r}")

    tree = binary(1)
    if position != len(tokens):
        raise ExpressionSyntaxError(f"unexpected {tokens[position]!r} in {text!r}")
    return tree


# -- measures ----------------------------------------------------------------

def depth(tree: Tree) -> int:
    """0 for a leaf, else 1 + the deepest child."""
    return 0 if isinstance(tree, str) else 1 + max(depth(child) for child in tree[1:])


def size(tree: Tree) -> int:
    """Number of nodes (leaves included)."""
    return 1 if isinstance(tree, str) else 1 + sum(size(child) for child in tree[1:])


def labels(tree: Tree) -> list[str]:
    """Every node's label in pre-order."""
    if isinstance(tree, str):
        return [tree]
    out = [tree[0]]
    for child in tree[1:]:
        out.extend(labels(child))
    return out


def operator_pairs(tree: Tree) -> list[str]:
    """``parent>position>child`` for every operator or function whose child is one too, pre-order.

    position is ``left``/``right`` for binary operators and ``arg`` for functions.
    """
    out: list[str] = []

    def walk(node: Tree) -> None:
        if isinstance(node, str):
            return
        places = ("arg",) if len(node) == 2 else ("left", "right")
        for place, child in zip(places, node[1:]):
            if not isinstance(child, str):
                out.append(f"{node[0]}>{place}>{child[0]}")
        for child in node[1:]:
            walk(child)

    walk(tree)
    return out


# -- matching and rewriting ---------------------------------------------------------

def match(pattern: Tree, tree: Tree, bindings: dict) -> bool:
    """Syntactic match; pattern variables bind sub-trees (equal names, equal sub-trees)."""
    if isinstance(pattern, str):
        if pattern in PATTERN_VARIABLES:
            bound = bindings.get(pattern)
            if bound is None:
                bindings[pattern] = tree
                return True
            return bound == tree
        return pattern == tree
    if isinstance(tree, str) or tree[0] != pattern[0] or len(tree) != len(pattern):
        return False
    return all(match(p, t, bindings) for p, t in zip(pattern[1:], tree[1:]))


def substitute(pattern: Tree, bindings: dict) -> Tree:
    if isinstance(pattern, str):
        return bindings.get(pattern, pattern) if pattern in PATTERN_VARIABLES else pattern
    return (pattern[0],) + tuple(substitute(child, bindings) for child in pattern[1:])


def rewrite_first(tree: Tree, left: Tree, right: Tree) -> Optional[tuple[Tree, Tree, Tree, int]]:
    """Apply ``left -> right`` at the first match in pre-order (leftmost-outermost).

    Returns ``(new tree, matched sub-tree, its replacement, depth of the match)``
    or None when nothing matches.
    """

    def visit(node: Tree, level: int):
        bindings: dict = {}
        if match(left, node, bindings):
            replacement = substitute(right, bindings)
            return replacement, node, replacement, level
        if isinstance(node, str):
            return None
        for index in range(1, len(node)):
            found = visit(node[index], level + 1)
            if found is not None:
                child, matched, replacement, where = found
                return node[:index] + (child,) + node[index + 1:], matched, replacement, where
        return None

    return visit(tree, 0)
