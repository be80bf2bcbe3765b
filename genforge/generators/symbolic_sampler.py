"""Random inputs for the ``symbolic`` task, built as text while they are drawn.

An input is a rule's left side with a random term for each pattern variable
(the *instance*), wrapped in a random *context*: ``total_depth - depth(instance)``
levels, each a function (``sin cos tan exp``, one time in four; never a second
``exp``) applied to the tree so far, or a context operator ``+ - *`` joining
the tree so far (on a random side) with a random side term of depth at most
``min(depth so far, context_depth)``. The target is the input after one
application of the rule at its first match in pre-order (see
:func:`genforge.generators.symbolic_expressions.rewrite_first`).

Random terms (operands and side terms) are trees over ``x y z``, ``1..9`` and
``+ - *``: a term of depth at most ``d`` is, for ``d = 0`` or one time in
three, a leaf (a variable two times in three, else a constant, each uniform),
else a uniform operator over two independent terms of depth at most ``d - 1``.
An operand's depth bound is uniform in ``0..min(operand_depth, room)``.

Why it is fast (the law above is the whole contract; the draws are ours):

* a term of depth at most ``d <= 3`` is one uniform integer below
  ``TERM_RANGE[d]`` (``N_0 = 27`` leaf slots, ``N_d = 9 * N_{d-1}^2``: a
  leaf-or-operator digit and two children), decoded without recursion for
  ``d <= 1`` through a precomputed table of 6,561 terms that also carries
  each term's text, precedence, size, depth and polynomial;
* every rule is compiled once (:class:`CompiledRule`): its two sides as text
  templates with a slot per pattern variable, its measures, and what could
  make it match before the instance;
* the input text, the target text (the same context around the rule's
  right side), the size and the depth are computed level by level, so
  nothing is re-walked or re-printed. The pre-order search of the rewrite
  needs only two cheap checks: a context node above the instance, and a side
  term on the left of the path (visited before the instance); side terms on
  the right come after it. When either matches, the general
  ``rewrite_first`` decides (rare).
"""

from __future__ import annotations

from itertools import product
from typing import Optional

from genforge.core.rng import RandomStream
from genforge.generators.symbolic_expressions import (
    ATOM, FUNCTIONS, PATTERN_VARIABLES, PRECEDENCE, Tree, depth, labels, match, precedence, rewrite_first, size,
    to_text,
)
from genforge.generators.symbolic_rules import (
    CONSTANTS, CONTEXT_BINARY, CONTEXT_FUNCTIONS, VARIABLES, Rule, is_operand, polynomial_of,
)

#: Leaf slots of a term: each variable 6 of 27 (2/3 * 1/3), each constant 1 of 27 (1/3 * 1/9).
LEAF_SLOTS = tuple(name for name in VARIABLES for _ in range(6)) + CONSTANTS
#: TERM_RANGE[d]: uniform integers that code a term of depth at most d (one 64-bit word up to d = 3).
TERM_RANGE = (27, 9 * 27 ** 2, 9 * (9 * 27 ** 2) ** 2, 9 * (9 * (9 * 27 ** 2) ** 2) ** 2)
_WORD_TERMS = len(TERM_RANGE) - 1
_WITHOUT_EXP = tuple(name for name in CONTEXT_FUNCTIONS if name != "exp")
#: One uniform integer below SHAPE_RANGE codes a context level: kind + 4 * (function + 12 * (operator + 3 * side)),
#: with kind in 0..3 (0: a function), function in 0..11 (12 serves both the four functions and the three
#: without exp), operator in 0..2, side in 0..1 (1: the tree so far on the left).
SHAPE_RANGE = 4 * 12 * 3 * 2
#: (precedence a left operand needs to go unwrapped, same for the right operand, joint) per operator.
_LAYOUT = {op: ((PRECEDENCE[op] + 1, PRECEDENCE[op]) if op == "^" else (PRECEDENCE[op], PRECEDENCE[op] + 1))
           + (f" {op} " if op in "+-" else op,) for op in PRECEDENCE}

# A term is a tuple (text, precedence, size, depth, tree); operands also need their polynomial.
TEXT, PREC, SIZE, DEPTH, TREE = range(5)


def wrapped(term: tuple, need: int) -> str:
    """The term's text, in parentheses when it binds less tightly than ``need``."""
    return term[TEXT] if term[PREC] >= need else f"({term[TEXT]})"


def join(operator: str, left: tuple, right: tuple) -> tuple:
    """The term ``left operator right`` from two terms."""
    need_left, need_right, joint = _LAYOUT[operator]
    return (wrapped(left, need_left) + joint + wrapped(right, need_right), PRECEDENCE[operator],
            1 + left[SIZE] + right[SIZE], 1 + max(left[DEPTH], right[DEPTH]), (operator, left[TREE], right[TREE]))


_LEAVES = tuple((name, ATOM, 1, 0, name) for name in LEAF_SLOTS)


def operand_key(tree: Tree) -> Optional[frozenset]:
    """The term's polynomial as a hashable key; None when it may not be an operand (:func:`is_operand`).

    Two operands are equal as polynomials (``a - b`` identically 0) iff their keys are equal.
    """
    return frozenset(polynomial_of(tree).items()) if is_operand(tree) else None


def _small_terms() -> tuple[tuple, tuple]:
    """Every code of a term of depth <= 1 decoded (codes below 27 are the leaves), and its operand key."""
    terms = []
    for code in range(TERM_RANGE[1]):
        digit, rest = divmod(code, 27 * 27)
        if digit < 3:  # one time in three a leaf
            terms.append(_LEAVES[rest % 27])
        else:
            left, right = divmod(rest, 27)
            terms.append(join(CONTEXT_BINARY[digit % 3], _LEAVES[left], _LEAVES[right]))
    keys: dict = {}  # 445 distinct terms
    for term in terms:
        if term[TREE] not in keys:
            keys[term[TREE]] = operand_key(term[TREE])
    return tuple(terms), tuple(keys[term[TREE]] for term in terms)


#: The 6,561 terms of depth <= 1 by code, and their operand keys (built once, about 10 ms).
SMALL_TERMS, SMALL_KEYS = _small_terms()


def term_from_code(code: int, bound: int) -> tuple:
    """The term of depth at most ``bound <= 3`` coded by ``code`` (uniform below TERM_RANGE[bound])."""
    if bound <= 1:
        return SMALL_TERMS[code]
    half = TERM_RANGE[bound - 1]
    digit, rest = divmod(code, half * half)
    if digit < 3:  # one time in three a leaf; rest is uniform, and 27 divides half * half
        return _LEAVES[rest % 27]
    left, right = divmod(rest, half)
    return join(CONTEXT_BINARY[digit % 3], term_from_code(left, bound - 1), term_from_code(right, bound - 1))


def draw_term(rng: RandomStream, bound: int) -> tuple:
    """A random term of depth at most ``bound``: one draw up to depth 3, digit by digit beyond."""
    if bound <= _WORD_TERMS:
        return term_from_code(rng.below(TERM_RANGE[bound]), bound)
    if rng.below(3) == 0:
        return _LEAVES[rng.below(27)]
    operator = CONTEXT_BINARY[rng.below(3)]
    left = draw_term(rng, bound - 1)
    return join(operator, left, draw_term(rng, bound - 1))


def draw_operand(rng: RandomStream, bound: int) -> tuple[tuple, Optional[frozenset]]:
    """A term for a pattern variable, its depth bound uniform in ``0..bound``, with its :func:`operand_key`."""
    width = TERM_RANGE[min(bound, _WORD_TERMS)]
    chosen, code = divmod(rng.below((bound + 1) * width), width)
    if chosen <= 1:  # precomputed; codes below 27 decode to the leaves at depth <= 1 too
        code %= TERM_RANGE[chosen]
        return SMALL_TERMS[code], SMALL_KEYS[code]
    term = term_from_code(code % TERM_RANGE[chosen], chosen) if chosen <= _WORD_TERMS else draw_term(rng, chosen)
    return term, operand_key(term[TREE])


# -- rules, compiled -----------------------------------------------------------

def _template(tree: Tree, slots: dict, need: int = 0) -> list:
    """``to_text(tree)`` as parts: text, or ``(variable index, precedence its term needs to go unwrapped)``.

    Mirrors :func:`to_text`'s parenthesis rule.
    """
    if isinstance(tree, str):
        return [(slots[tree], need)] if tree in slots else [tree]
    operator = tree[0]
    if operator in FUNCTIONS:
        parts = [f"{operator}(", *_template(tree[1], slots), ")"]
    else:
        need_left, need_right, joint = _LAYOUT[operator]
        parts = [*_template(tree[1], slots, need_left), joint, *_template(tree[2], slots, need_right)]
    return ["(", *parts, ")"] if precedence(tree) < need else parts


#: Precedences a random term can have (+ -, *, a leaf); PRECEDENCE_BASE exceeds them all.
TERM_PRECEDENCES = (PRECEDENCE["+"], PRECEDENCE["*"], ATOM)
PRECEDENCE_BASE = ATOM + 1


def _formats(parts: list, count: int) -> list:
    """One format string per combination of the operands' precedences (positional fields ``{i}``).

    Indexed by ``sum(precedence of operand i * PRECEDENCE_BASE ** i)``, so
    the parentheses are chosen once, here.
    """
    formats: list = [None] * PRECEDENCE_BASE ** count
    for combination in product(TERM_PRECEDENCES, repeat=count):
        text = "".join(part if isinstance(part, str) else
                       ("({%d})" if combination[part[0]] < part[1] else "{%d}") % part[0] for part in parts)
        formats[sum(p * PRECEDENCE_BASE ** i for i, p in enumerate(combination))] = text
    return formats


def _builder(pattern: Tree, slots: dict):
    """A function from the operands' trees to ``substitute(pattern, bindings)``."""
    if isinstance(pattern, str):
        if pattern in slots:
            index = slots[pattern]
            return lambda trees: trees[index]
        return lambda trees: pattern
    operator, parts = pattern[0], [_builder(child, slots) for child in pattern[1:]]
    if len(parts) == 1:
        only = parts[0]
        return lambda trees: (operator, only(trees))
    first, second = parts
    return lambda trees: (operator, first(trees), second(trees))


def _leaf_depths(tree: Tree, level: int = 0):
    """(leaf, its depth) for every leaf."""
    if isinstance(tree, str):
        yield tree, level
        return
    for child in tree[1:]:
        yield from _leaf_depths(child, level + 1)


def label(tree: Tree) -> str:
    return tree if isinstance(tree, str) else tree[0]


def contains_match(pattern: Tree, tree: Tree) -> bool:
    """Does ``pattern`` (not a leaf) match ``tree`` or one of its sub-trees?"""
    if isinstance(tree, str):
        return False
    if tree[0] == pattern[0] and match(pattern, tree, {}):
        return True
    return any(contains_match(pattern, child) for child in tree[1:])


class CompiledRule:
    """A rule with what sampling needs precomputed: text formats, measures, early-match tests."""

    __slots__ = ("rule", "domain", "text", "left_depth", "left_size", "operands", "left_formats",
                 "right_formats", "left_precedence", "right_precedence", "right_variable", "fixed_depth",
                 "root", "child_labels", "matches_terms", "has_exp", "build")

    def __init__(self, rule: Rule):
        left, right = rule.left, rule.right
        self.rule, self.domain, self.text = rule, rule.domain, rule.text()
        self.left_depth, self.left_size = depth(left), size(left)
        names = set(labels(left))
        variables = [name for name in PATTERN_VARIABLES if name in names]
        slots = {name: index for index, name in enumerate(variables)}
        self.left_formats = _formats(_template(left, slots), len(variables))
        self.right_formats = _formats(_template(right, slots), len(variables))
        self.left_precedence = precedence(left)
        # A right side that is a lone pattern variable (exp(log(a)) -> a) has its operand's precedence.
        self.right_variable = slots.get(right) if isinstance(right, str) else None
        self.right_precedence = precedence(right)
        leaves = list(_leaf_depths(left))
        #: Per pattern variable: (weight of its precedence in the format index, deepest occurrence, occurrences).
        self.operands = tuple((PRECEDENCE_BASE ** index, max(level for leaf, level in leaves if leaf == name),
                               sum(leaf == name for leaf, _ in leaves)) for index, name in enumerate(variables))
        self.fixed_depth = max([level for leaf, level in leaves if leaf not in slots], default=0)
        self.root = left[0]
        # The labels a node's children need for the left side to match there (None: any).
        self.child_labels = tuple(None if child in slots else label(child) for child in left[1:])
        # Only a left side made of + - * and integers can match inside a random term.
        self.matches_terms = all(name in CONTEXT_BINARY or name in PATTERN_VARIABLES or name.isdigit()
                                 for name in names)
        self.has_exp = "exp" in names
        self.build = _builder(left, slots)

    def may_match(self, children: tuple) -> bool:
        """Could the left side match at a node labelled like its root with children so labelled?"""
        return all(wanted is None or wanted == found for wanted, found in zip(self.child_labels, children))


def _input_tree(rule: CompiledRule, trees: list, levels: list) -> Tree:
    """The input as a tree: the instance, then each context level ``(label, side tree or None, tree on the left)``."""
    tree = rule.build(trees)
    for name, side, tree_on_left in levels:
        tree = (name, tree) if side is None else (name, tree, side) if tree_on_left else (name, side, tree)
    return tree


def sample_rewrite(rng: RandomStream, rule: CompiledRule, total_depth: int, operand_depth: int,
                   context_depth: int) -> Optional[tuple]:
    """A random input of depth ``total_depth`` containing the rule's left side, and its rewrite.

    Returns ``(input, target, matched, replacement, nodes of the input, depth of
    the match)`` as text and numbers, or None when the draw does not fit (an
    operand that is 0, a constant <= 0 or equal to another; the rule deeper
    than ``total_depth``).
    """
    room = total_depth - rule.left_depth
    if room < 0:
        return None
    bound = min(operand_depth, room)
    # The operands, with what the instance needs from them, in one pass.
    texts, trees, keys = [], [], []
    format_index, instance_depth, nodes = 0, rule.fixed_depth, rule.left_size
    for weight, deepest, occurrences in rule.operands:
        term, key = draw_operand(rng, bound)
        if key is None or key in keys:
            return None
        keys.append(key)
        texts.append(term[TEXT])
        trees.append(term[TREE])
        format_index += weight * term[PREC]
        nodes += occurrences * (term[SIZE] - 1)
        instance_depth = max(instance_depth, deepest + term[DEPTH])
    if instance_depth > total_depth:
        return None
    instance = rule.left_formats[format_index].format(*texts)
    replacement = rule.right_formats[format_index].format(*texts)

    # The context, level by level, around the instance (text) and around the replacement (target).
    text, target = instance, replacement
    precedence_in = rule.left_precedence
    precedence_out = (rule.right_precedence if rule.right_variable is None
                      else format_index // rule.operands[rule.right_variable][0] % PRECEDENCE_BASE)
    has_exp, earlier, root, inner = rule.has_exp, False, rule.root, rule.root
    levels: list = []
    # A level is one draw: its shape and the code of a side term of depth <= 2 (deeper ones draw more).
    coded_depth = min(context_depth, 2)
    level_range = SHAPE_RANGE * TERM_RANGE[coded_depth]
    for level in range(total_depth - instance_depth):
        code, shape = divmod(rng.below(level_range), SHAPE_RANGE)
        if shape & 3 == 0:  # one time in four, a function around the tree so far
            functions = _WITHOUT_EXP if has_exp else CONTEXT_FUNCTIONS
            name = functions[(shape >> 2) % 12 % len(functions)]
            has_exp = has_exp or name == "exp"
            text, target = f"{name}({text})", f"{name}({target})"
            precedence_in = precedence_out = ATOM
            levels.append((name, None, True))
            children = (inner,)
            nodes += 1
        else:
            name = CONTEXT_BINARY[shape // 48 % 3]
            need_left, need_right, joint = _LAYOUT[name]
            side_depth = min(instance_depth + level, context_depth)
            side = (term_from_code(code % TERM_RANGE[side_depth], side_depth) if side_depth <= coded_depth
                    else draw_term(rng, side_depth))
            if shape >= SHAPE_RANGE // 2:  # the tree so far on the left
                side_text = wrapped(side, need_right)
                text = (text if precedence_in >= need_left else f"({text})") + joint + side_text
                target = (target if precedence_out >= need_left else f"({target})") + joint + side_text
                levels.append((name, side[TREE], True))
                children = (inner, label(side[TREE]))
            else:  # on the right: the side term comes first in pre-order
                side_text = wrapped(side, need_left) + joint
                text = side_text + (text if precedence_in >= need_right else f"({text})")
                target = side_text + (target if precedence_out >= need_right else f"({target})")
                levels.append((name, side[TREE], False))
                children = (label(side[TREE]), inner)
                earlier = earlier or (rule.matches_terms and contains_match(rule.rule.left, side[TREE]))
            precedence_in = precedence_out = PRECEDENCE[name]
            nodes += 1 + side[SIZE]
        inner = name
        if name == root and not earlier and rule.may_match(children):
            earlier = match(rule.rule.left, _input_tree(rule, trees, levels), {})
    if earlier:  # the first match in pre-order is above the instance or in a side term: the general search
        tree = _input_tree(rule, trees, levels)
        new_tree, matched, replaced, where = rewrite_first(tree, rule.rule.left, rule.rule.right)
        if new_tree == tree:
            return None
        return text, to_text(new_tree), to_text(matched), to_text(replaced), nodes, where
    if target == text:  # printing is one to one: the rewrite changed nothing
        return None
    return text, target, instance, replacement, nodes, total_depth - instance_depth
