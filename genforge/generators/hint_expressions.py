"""HINT arithmetic expressions: sampling, exact evaluation, printing, parsing.

Follows the expression part of HINT (Li, Zhu, Zhang, Zhang, Zhu, Wang: "A
Minimalist Dataset for Systematic Generalization of Perception, Syntax, and
Semantics", ICLR 2023):

* operands are single digits 0..9, operators ``+ - * /``;
* ``a - b`` is truncated subtraction ``max(0, a - b)`` and ``a / b`` is
  ceiling division ``ceil(a / b)``, so every value is a natural number;
  division by zero makes the expression invalid (rejected when sampling);
* operators are left-associative, ``* /`` bind tighter than ``+ -``;
* the text writes parentheses only where needed: the left child is wrapped
  iff its precedence is lower than its parent's, the right child iff it is
  lower or equal (so ``6*(5-2)``, ``8-(3-1)``, ``2*(3*4)``, ``1+2+3``);
* a random expression with ``n`` operators is drawn in prefix order: the
  operator uniformly, then the other ``n - 1`` operators split uniformly
  between the left and the right child (``k`` uniform in ``0..n-1``).

A tree is a digit (``int``) or a tuple ``(operator, left, right)``. All
arithmetic is exact Python integers. Pure functions only.
"""

from __future__ import annotations

from typing import Optional, Union

from genforge.core.rng import RandomStream

OPERATORS = ("+", "-", "*", "/")
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
DIGITS = "0123456789"

Tree = Union[int, tuple]


class ExpressionSyntaxError(ValueError):
    pass


class DivisionByZero(ArithmeticError):
    pass


def apply(operator: str, left: int, right: int) -> int:
    """One HINT operation on natural numbers (exact)."""
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right if left > right else 0
    if operator == "*":
        return left * right
    if right == 0:
        raise DivisionByZero("division by zero")
    return -(-left // right)


# -- sampling ------------------------------------------------------------

class _TooLarge(Exception):
    """A value passed the cap: the draw is abandoned as early as possible."""


def sample_expression(rng: RandomStream, operators: int, value_cap: Optional[int] = None):
    """``(tree, value, max_value)`` for a random expression, or None.

    The one-tree reference of the sampling law; the task draws its trees with
    :mod:`genforge.generators.hint_batch`, and the tests compare the two.

    None when a division by zero occurs or, with ``value_cap``, when any
    intermediate value exceeds it (checked while building, so hopeless draws
    stop early). ``max_value`` is the largest value of any sub-expression,
    digits included.
    """

    def build(count: int):
        if count == 0:
            digit = rng.below(10)
            return digit, digit, digit
        operator = OPERATORS[rng.below(4)]
        left_count = rng.below(count)
        left, left_value, left_max = build(left_count)
        right, right_value, right_max = build(count - 1 - left_count)
        if operator == "/" and right_value == 0:
            raise DivisionByZero
        value = apply(operator, left_value, right_value)
        if value_cap is not None and value > value_cap:
            raise _TooLarge
        return (operator, left, right), value, max(value, left_max, right_max)

    try:
        return build(operators)
    except (DivisionByZero, _TooLarge):
        return None


# -- evaluation ----------------------------------------------------------

def evaluate(tree: Tree) -> int:
    if isinstance(tree, int):
        return tree
    operator, left, right = tree
    return apply(operator, evaluate(left), evaluate(right))


def steps(tree: Tree) -> list[str]:
    """The operations in evaluation order (post-order), e.g. ``['5-2=3', '6*3=18']``."""
    out: list[str] = []

    def walk(node: Tree) -> int:
        if isinstance(node, int):
            return node
        operator, left, right = node
        a, b = walk(left), walk(right)
        value = apply(operator, a, b)
        out.append(f"{a}{operator}{b}={value}")
        return value

    walk(tree)
    return out


def count_operators(tree: Tree) -> int:
    return 0 if isinstance(tree, int) else 1 + count_operators(tree[1]) + count_operators(tree[2])


def depth(tree: Tree) -> int:
    """0 for a digit, else 1 + the deeper child."""
    return 0 if isinstance(tree, int) else 1 + max(depth(tree[1]), depth(tree[2]))


def operator_pairs(tree: Tree) -> list[tuple[str, str, str]]:
    """``(parent, side, child)`` for every operator whose child is an operator, pre-order."""
    out: list[tuple[str, str, str]] = []

    def walk(node: Tree) -> None:
        if isinstance(node, int):
            return
        operator, left, right = node
        for side, child in (("left", left), ("right", right)):
            if not isinstance(child, int):
                out.append((operator, side, child[0]))
        walk(left)
        walk(right)

    walk(tree)
    return out


# -- text ----------------------------------------------------------------

def _annotated(tree: Tree) -> tuple[list, int, int]:
    """``(symbols, head index, value)``; each symbol is ``[text, head or None, value or None]``."""
    if isinstance(tree, int):
        return [[str(tree), None, tree]], 0, tree
    operator, left, right = tree
    precedence = PRECEDENCE[operator]
    out: list = []
    heads = []
    for side, child in (("left", left), ("right", right)):
        if side == "right":
            operator_index = len(out)
            out.append([operator, None, None])
        symbols, head, value = _annotated(child)
        wrap = not isinstance(child, int) and (
            PRECEDENCE[child[0]] < precedence if side == "left" else PRECEDENCE[child[0]] <= precedence)
        if wrap:
            out.append(["(", None, None])
        offset = len(out)
        out.extend([text, None if h is None else h + offset, v] for text, h, v in symbols)
        heads.append((offset + head, value))
        if wrap:
            out.append([")", None, None])
    (left_head, left_value), (right_head, right_value) = heads
    out[left_head][1] = out[right_head][1] = operator_index
    value = apply(operator, left_value, right_value)
    out[operator_index][2] = value
    return out, operator_index, value


def annotate(tree: Tree) -> list[tuple[str, int, Optional[int]]]:
    """Every symbol of :func:`to_text` with its dependency head and its value (HINT's annotation).

    The head of a symbol is the index of the operator that consumes it; the
    root and the parentheses (which belong to no operation) have head -1.
    Digits carry their value, operators the value of their sub-expression,
    parentheses None.
    """
    symbols, _, _ = _annotated(tree)
    return [(text, -1 if head is None else head, value) for text, head, value in symbols]


def to_text(tree: Tree) -> str:
    """The expression with minimal parentheses and no spaces, e.g. ``6*(5-2)``."""
    if isinstance(tree, int):
        return str(tree)
    operator, left, right = tree
    precedence = PRECEDENCE[operator]
    left_text = to_text(left)
    right_text = to_text(right)
    if not isinstance(left, int) and PRECEDENCE[left[0]] < precedence:
        left_text = f"({left_text})"
    if not isinstance(right, int) and PRECEDENCE[right[0]] <= precedence:
        right_text = f"({right_text})"
    return f"{left_text}{operator}{right_text}"


def parse(text: str) -> Tree:
    """Inverse of :func:`to_text`; accepts spaces and redundant parentheses."""
    tokens = [c for c in text if not c.isspace()]
    if not tokens:
        raise ExpressionSyntaxError("empty expression")
    for token in tokens:
        if token not in DIGITS and token not in PRECEDENCE and token not in "()":
            raise ExpressionSyntaxError(f"unexpected symbol {token!r} in {text!r}: expected digits, + - * / and ()")
    position = 0

    def peek() -> Optional[str]:
        return tokens[position] if position < len(tokens) else None

    def expression(min_precedence: int) -> Tree:
        nonlocal position
        left = atom()
        while (token := peek()) in PRECEDENCE and PRECEDENCE[token] >= min_precedence:
            position += 1
            # Left-associative: the right side binds only tighter operators.
            right = expression(PRECEDENCE[token] + 1)
            left = (token, left, right)
        return left

    def atom() -> Tree:
        nonlocal position
        token = peek()
        if token is None:
            raise ExpressionSyntaxError(f"expression {text!r} ends too early")
        position += 1
        if token in DIGITS:
            return int(token)
        if token == "(":
            inner = expression(1)
            if peek() != ")":
                raise ExpressionSyntaxError(f"missing ')' in {text!r}")
            position += 1
            return inner
        raise ExpressionSyntaxError(f"unexpected {token!r} in {text!r}")

    tree = expression(1)
    if position != len(tokens):
        raise ExpressionSyntaxError(f"unexpected {tokens[position]!r} in {text!r}")
    return tree
