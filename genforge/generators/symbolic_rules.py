"""Algebraic identities as rewrite rules, and what may stand for their pattern variables.

Section 3 of the Only-IF study (Zhang, Wang, Charton 2024, "Only-IF:
Revealing the Decisive Effect of Instruction Diversity on Generalization",
arXiv 2410.04717) trains on rewrite rules as instructions; here a rule is an
algebraic identity ``left -> right`` over the pattern variables ``a b c``
(``a^2 - b^2 -> (a + b)*(a - b)``), the input an expression tree that
contains an instance of ``left``, and the target the tree after one
application at the first match in pre-order (see
:func:`genforge.generators.symbolic_expressions.rewrite_first`).

The catalogue has three semantic domains, families of identities:
``polynomial`` (factoring, expanding, distributing), ``trigonometric``
(Pythagoras, angle sums, double angles, power reduction) and
``exponential_logarithmic`` (exp and log of sums, products, powers). Each
family has base identities (most in both directions) and variants with an
integer constant ``k`` (``(a + 3)^2 -> a^2 + 6*a + 9``), so the number of
distinct rules can be varied over a wide range. Identities hold over the
positive reals (the logarithm rules need positive arguments). Random inputs
that contain a rule's instance are drawn by
:mod:`genforge.generators.symbolic_sampler`.

Pure functions only: no files, splits or global state.
"""

from __future__ import annotations

from dataclasses import dataclass

from genforge.generators.symbolic_expressions import PATTERN_VARIABLES, Tree, parse, to_text

DOMAINS = ("polynomial", "trigonometric", "exponential_logarithmic")
VARIABLES = ("x", "y", "z")
CONSTANTS = tuple(str(k) for k in range(1, 10))
#: Operators of the random context around the instance (kept apart from any family).
CONTEXT_BINARY = ("+", "-", "*")
#: Functions the context may wrap around the instance: defined everywhere (no log, whose
#: argument could be identically 0), so every input is a meaningful expression.
CONTEXT_FUNCTIONS = ("sin", "cos", "tan", "exp")
K_VALUES = range(2, 10)


@dataclass(frozen=True)
class Rule:
    domain: str
    left: Tree
    right: Tree

    def text(self) -> str:
        return f"{to_text(self.left)} -> {to_text(self.right)}"


def parse_rule(text: str, domain: str = "") -> Rule:
    """``"left -> right"`` into a Rule (raises ExpressionSyntaxError / ValueError)."""
    parts = text.split("->")
    if len(parts) != 2:
        raise ValueError(f"a rule is 'left -> right' with one arrow, got {text!r}")
    return Rule(domain, parse(parts[0]), parse(parts[1]))


def _both(left: str, right: str) -> list[tuple[str, str]]:
    return [(left, right), (right, left)]


def _polynomial() -> list[tuple[str, str]]:
    pairs = (
        _both("a^2 - b^2", "(a + b)*(a - b)")
        + _both("(a + b)^2", "a^2 + 2*a*b + b^2")
        + _both("(a - b)^2", "a^2 - 2*a*b + b^2")
        + _both("a*(b + c)", "a*b + a*c")
        + _both("a*(b - c)", "a*b - a*c")
        + _both("(a + b)*c", "a*c + b*c")
        + _both("a^3 - b^3", "(a - b)*(a^2 + a*b + b^2)")
        + _both("a^3 + b^3", "(a + b)*(a^2 - a*b + b^2)")
        + _both("a^b*a^c", "a^(b + c)")
        + [("(a + b)^3", "a^3 + 3*a^2*b + 3*a*b^2 + b^3"), ("(a - b)^3", "a^3 - 3*a^2*b + 3*a*b^2 - b^3")]
    )
    for k in K_VALUES:
        pairs += _both(f"a^2 - {k * k}", f"(a + {k})*(a - {k})")
        pairs += [(f"(a + {k})^2", f"a^2 + {2 * k}*a + {k * k}"), (f"(a - {k})^2", f"a^2 - {2 * k}*a + {k * k}")]
        pairs += _both(f"{k}*(a + b)", f"{k}*a + {k}*b")
    return pairs


def _trigonometric() -> list[tuple[str, str]]:
    pairs = (
        [("sin(a)^2 + cos(a)^2", "1"), ("cos(a)^2 + sin(a)^2", "1"),
         ("1 - sin(a)^2", "cos(a)^2"), ("1 - cos(a)^2", "sin(a)^2")]
        + _both("sin(2*a)", "2*sin(a)*cos(a)")
        + _both("cos(2*a)", "cos(a)^2 - sin(a)^2")
        + [("cos(2*a)", "2*cos(a)^2 - 1"), ("cos(2*a)", "1 - 2*sin(a)^2")]
        + _both("sin(a + b)", "sin(a)*cos(b) + cos(a)*sin(b)")
        + _both("sin(a - b)", "sin(a)*cos(b) - cos(a)*sin(b)")
        + _both("cos(a + b)", "cos(a)*cos(b) - sin(a)*sin(b)")
        + _both("cos(a - b)", "cos(a)*cos(b) + sin(a)*sin(b)")
        + _both("tan(a)", "sin(a)/cos(a)")
        + [("tan(a + b)", "(tan(a) + tan(b))/(1 - tan(a)*tan(b))"),
           ("sin(a)^2", "(1 - cos(2*a))/2"), ("cos(a)^2", "(1 + cos(2*a))/2"),
           ("sin(a)*cos(b)", "(sin(a + b) + sin(a - b))/2"),
           ("cos(a)*cos(b)", "(cos(a - b) + cos(a + b))/2"),
           ("sin(a)*sin(b)", "(cos(a - b) - cos(a + b))/2")]
    )
    for k in K_VALUES:
        pairs += [(f"sin({2 * k}*a)", f"2*sin({k}*a)*cos({k}*a)"),
                  (f"cos({2 * k}*a)", f"cos({k}*a)^2 - sin({k}*a)^2"),
                  (f"sin({k}*a)^2 + cos({k}*a)^2", "1"),
                  (f"tan({k}*a)", f"sin({k}*a)/cos({k}*a)")]
    return pairs


def _exponential_logarithmic() -> list[tuple[str, str]]:
    pairs = (
        _both("exp(a + b)", "exp(a)*exp(b)")
        + _both("exp(a - b)", "exp(a)/exp(b)")
        + _both("log(a*b)", "log(a) + log(b)")
        + _both("log(a/b)", "log(a) - log(b)")
        + _both("log(a^b)", "b*log(a)")
        + _both("exp(a*b)", "exp(a)^b")
        + [("exp(log(a))", "a"), ("log(exp(a))", "a"), ("exp(a)^2", "exp(2*a)")]
    )
    for k in K_VALUES:
        pairs += _both(f"log({k}*a)", f"log({k}) + log(a)")
        pairs += _both(f"log(a^{k})", f"{k}*log(a)")
        pairs += _both(f"exp({k}*a)", f"exp(a)^{k}")
    return pairs


def _shape_tree(tree: Tree) -> Tree:
    """``tree`` with integers written ``#``, ``#*a`` written ``a`` and the operands of ``+`` and ``*``
    in sorted order."""
    if isinstance(tree, str):
        return "#" if tree.isdigit() else tree
    operator, children = tree[0], [_shape_tree(child) for child in tree[1:]]
    if operator == "*" and children[0] == "#" and children[1] in PATTERN_VARIABLES:
        return children[1]
    if operator in ("+", "*"):
        children.sort(key=to_text)
    return (operator, *children)


def rule_shape(text: str) -> str:
    """A rule's *shape*: each side with every integer constant written ``#``, a constant times a pattern
    variable written as the variable and the operands of ``+`` and ``*`` sorted, then the two sides in
    sorted order. ``(a + 3)^2 -> a^2 + 6*a + 9``, ``(a + 5)^2 -> a^2 + 10*a + 25`` and their reverses
    have one shape, and so do ``sin(2*a) -> 2*sin(a)*cos(a)`` and ``sin(6*a) -> 2*sin(3*a)*cos(3*a)``,
    or ``sin(a)^2 + cos(a)^2 -> 1`` and ``cos(a)^2 + sin(a)^2 -> 1``. Unseen-instruction tests hold
    out whole shapes: a rule equal to a training rule but for a constant, an operand order or its
    direction is not an unseen instruction."""
    return " <-> ".join(sorted(to_text(_shape_tree(parse(side))) for side in text.split("->")))


def _pattern_variables(tree: Tree) -> set:
    if isinstance(tree, str):
        return {tree} if tree in PATTERN_VARIABLES else set()
    return set().union(*(_pattern_variables(child) for child in tree[1:]))


def build_catalogue() -> tuple[Rule, ...]:
    """Every rule, in a fixed order, without duplicates."""
    rules, seen = [], set()
    for domain, pairs in zip(DOMAINS, (_polynomial(), _trigonometric(), _exponential_logarithmic())):
        for left_text, right_text in pairs:
            rule = Rule(domain, parse(left_text), parse(right_text))
            # A rule whose right side invents a pattern variable cannot be applied.
            assert _pattern_variables(rule.right) <= _pattern_variables(rule.left), rule.text()
            assert not isinstance(rule.left, str), rule.text()
            if rule.text() not in seen:
                seen.add(rule.text())
                rules.append(rule)
    return tuple(rules)


CATALOGUE = build_catalogue()


# -- operands: what may stand for a pattern variable ---------------------------

def polynomial_of(term: Tree) -> dict:
    """A term over x y z, integers and ``+ - *`` as {exponents of (x, y, z): coefficient}, zeros dropped."""
    if isinstance(term, str):
        if term.isdigit():
            return {(0, 0, 0): int(term)} if int(term) else {}
        exponents = tuple(int(term == name) for name in VARIABLES)
        return {exponents: 1}
    operator, left, right = term
    a, b = polynomial_of(left), polynomial_of(right)
    out: dict = {}
    if operator == "*":
        for ea, ca in a.items():
            for eb, cb in b.items():
                key = tuple(i + j for i, j in zip(ea, eb))
                out[key] = out.get(key, 0) + ca * cb
    else:
        sign = 1 if operator == "+" else -1
        out = dict(a)
        for key, coefficient in b.items():
            out[key] = out.get(key, 0) + sign * coefficient
    return {key: value for key, value in out.items() if value}


def is_zero(term: Tree) -> bool:
    """True when a random term is identically 0 (``x - x``): log(0) and 1/0 would follow."""
    return not polynomial_of(term)


def is_operand(term: Tree) -> bool:
    """May ``term`` stand for a pattern variable? Not if it is identically 0 or a constant <= 0.

    The identities hold for positive values; a term with variables is
    positive somewhere, but ``4 - 6`` never is (``log((4 - 6)^6)`` is not
    ``6*log(4 - 6)``).
    """
    polynomial = polynomial_of(term)
    if not polynomial:
        return False
    if set(polynomial) == {(0, 0, 0)}:
        return polynomial[(0, 0, 0)] > 0
    return True
