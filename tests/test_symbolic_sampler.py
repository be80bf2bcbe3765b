"""The symbolic sampler against the general tree functions and against the documented law."""

from collections import Counter
from fractions import Fraction

import pytest

from genforge.core.rng import RandomStream
from genforge.generators.symbolic_expressions import (
    depth, labels, match, parse, rewrite_first, size, substitute, to_text,
)
from genforge.generators.symbolic_rules import CATALOGUE, CONTEXT_BINARY, CONSTANTS, VARIABLES, is_operand, is_zero
from genforge.generators.symbolic_sampler import (
    SMALL_TERMS, TERM_RANGE, CompiledRule, sample_rewrite, term_from_code,
)

COMPILED = [CompiledRule(rule) for rule in CATALOGUE]


def deepest_matches(tree, pattern, total_depth):
    """(bindings, ancestor labels) of every match on a longest path: the instance is one of them."""
    found = []

    def visit(node, ancestors):
        bindings = {}
        if match(pattern, node, bindings) and depth(node) + len(ancestors) == total_depth:
            found.append((bindings, ancestors))
        if not isinstance(node, str):
            for child in node[1:]:
                visit(child, ancestors + [node[0]])
    visit(tree, [])
    return found


def fits_symbolic_1_1(rule, bindings, ancestors):
    """Operands are operands and pairwise different; no log and no second exp around the instance."""
    terms = list(bindings.values())
    term_labels = set(CONTEXT_BINARY) | set(VARIABLES) | set(CONSTANTS)
    return (all(set(labels(term)) <= term_labels and is_operand(term) for term in terms)
            and not any(is_zero(("-", a, b)) for i, a in enumerate(terms) for b in terms[i + 1:])
            and "log" not in ancestors and ancestors.count("exp") + ("exp" in labels(rule.rule.left)) <= 1)


def check(rule, drawn, total_depth):
    """Everything the sampler computes incrementally, recomputed from the input text."""
    text, target, matched, replacement, nodes, match_depth = drawn
    tree = parse(text)
    assert to_text(tree) == text
    assert depth(tree) == total_depth and size(tree) == nodes
    new_tree, reference_matched, reference_replacement, where = rewrite_first(tree, rule.rule.left, rule.rule.right)
    assert (target, matched, replacement, match_depth) == (
        to_text(new_tree), to_text(reference_matched), to_text(reference_replacement), where)
    assert new_tree != tree
    assert any(fits_symbolic_1_1(rule, *found) for found in deepest_matches(tree, rule.rule.left, total_depth))


@pytest.mark.parametrize("operand_depth, context_depth, depths", [
    (1, 2, range(2, 6)), (0, 0, range(1, 5)), (2, 3, range(3, 9)), (5, 5, range(6, 9)), (3, 1, range(2, 7)),
])
def test_sampled_rewrites_agree_with_the_tree_functions(operand_depth, context_depth, depths):
    rng = RandomStream.from_parts("symbolic-sampler-test", operand_depth, context_depth)
    produced = 0
    for attempt in range(3000):
        rule = COMPILED[attempt % len(COMPILED)]
        total_depth = depths[attempt % len(depths)]
        drawn = sample_rewrite(rng, rule, total_depth, operand_depth, context_depth)
        if drawn is None:
            continue
        check(rule, drawn, total_depth)
        produced += 1
    assert produced > 1000


def test_inputs_where_the_first_match_is_not_the_instance_are_rewritten_there():
    # tan(a) -> sin(a)/cos(a) matches any tan of the context first; a*(b + c) matches side terms.
    rng = RandomStream.from_parts("symbolic-sampler-early")
    for text in ("tan(a) -> sin(a)/cos(a)", "a*(b + c) -> a*b + a*c", "sin(a + b) -> sin(a)*cos(b) + cos(a)*sin(b)"):
        rule = next(r for r in COMPILED if r.text == text)
        outer = 0
        for _ in range(2000):
            drawn = sample_rewrite(rng, rule, 5, 1, 2)
            if drawn is not None:
                check(rule, drawn, 5)
                outer += drawn[5] < 5 - rule.left_depth - 1
        assert outer > 0, text


# -- the law of random terms --------------------------------------------------------

def term_law(bound):
    """The documented law of a term of depth <= bound, exactly: {tree: probability}."""
    leaves = {name: Fraction(2, 9) for name in VARIABLES}
    leaves.update({name: Fraction(1, 27) for name in CONSTANTS})
    if bound == 0:
        return leaves
    smaller = term_law(bound - 1)
    law = {tree: p / 3 for tree, p in leaves.items()}
    for operator in CONTEXT_BINARY:
        for left, p in smaller.items():
            for right, q in smaller.items():
                law[(operator, left, right)] = law.get((operator, left, right), 0) + Fraction(2, 9) * p * q
    return law


def test_term_codes_follow_the_documented_law_exactly():
    for bound in (0, 1):
        counts = Counter(SMALL_TERMS[code][4] for code in range(TERM_RANGE[bound]))
        assert {tree: Fraction(n, TERM_RANGE[bound]) for tree, n in counts.items()} == term_law(bound)


def test_decoded_terms_carry_their_own_measures():
    rng = RandomStream.from_parts("symbolic-sampler-terms")
    for bound in (1, 2, 3):
        for _ in range(500):
            text, precedence, nodes, height, tree = term_from_code(rng.below(TERM_RANGE[bound]), bound)
            assert parse(text) == tree and to_text(tree) == text
            assert (nodes, height) == (size(tree), depth(tree)) and height <= bound


def test_rule_formats_print_like_to_text():
    rng = RandomStream.from_parts("symbolic-sampler-formats")
    for rule in COMPILED:
        for _ in range(30):
            operands = [term_from_code(rng.below(TERM_RANGE[2]), 2) for _ in rule.operands]
            index = sum(weight * term[1] for (weight, _, _), term in zip(rule.operands, operands))
            names = [name for name in "abc" if name in labels(rule.rule.left)]
            bindings = {name: term[4] for name, term in zip(names, operands)}
            texts = [term[0] for term in operands]
            assert rule.left_formats[index].format(*texts) == to_text(substitute(rule.rule.left, bindings))
            assert rule.right_formats[index].format(*texts) == to_text(substitute(rule.rule.right, bindings))
            assert rule.build([term[4] for term in operands]) == substitute(rule.rule.left, bindings)


# -- the whole law, against the documented sampler written plainly --------------------

def reference_term(rng, bound):
    if bound == 0 or rng.below(3) == 0:
        return rng.choice(VARIABLES) if rng.below(3) else rng.choice(CONSTANTS)
    return (rng.choice(CONTEXT_BINARY), reference_term(rng, bound - 1), reference_term(rng, bound - 1))


def reference_rewrite(rng, rule, total_depth, operand_depth, context_depth):
    """symbolic 1.1's sampler: operands, then the context level by level, then rewrite_first."""
    left = rule.rule.left
    names = [name for name in "abc" if name in labels(left)]
    bound = min(operand_depth, total_depth - depth(left))
    bindings = {name: reference_term(rng, rng.integer(0, bound)) for name in names}
    if not all(is_operand(term) for term in bindings.values()) or any(
            is_zero(("-", bindings[a], bindings[b])) for i, a in enumerate(names) for b in names[i + 1:]):
        return None
    tree = substitute(left, bindings)
    for _ in range(total_depth - depth(tree)):
        if rng.below(4) == 0:
            functions = ("sin", "cos", "tan") if "exp" in labels(tree) else ("sin", "cos", "tan", "exp")
            tree = (rng.choice(functions), tree)
            continue
        side = reference_term(rng, min(depth(tree), context_depth))
        operator = rng.choice(CONTEXT_BINARY)
        tree = (operator, tree, side) if rng.below(2) else (operator, side, tree)
    new_tree, _, _, where = rewrite_first(tree, left, rule.rule.right)
    return to_text(tree), size(tree), where


def total_variation(first, second):
    a, b = Counter(first), Counter(second)
    return sum(abs(a[k] / len(first) - b[k] / len(second)) for k in set(a) | set(b)) / 2


@pytest.mark.parametrize("text", ["a^2 - b^2 -> (a + b)*(a - b)", "a*(b + c) -> a*b + a*c",
                                  "exp(log(a)) -> a", "tan(a) -> sin(a)/cos(a)"])
def test_the_sampler_has_the_documented_law(text):
    rule = next(r for r in COMPILED if r.text == text)
    draws = 12000
    features = {"fast": [], "reference": []}
    for name, rng in (("fast", RandomStream.from_parts("law", text, 1)), ("reference", RandomStream.from_parts("law", text, 2))):
        for attempt in range(draws):
            if name == "fast":
                drawn = sample_rewrite(rng, rule, 4, 1, 2)
                outcome = None if drawn is None else (drawn[0], drawn[4], drawn[5])
            else:
                outcome = reference_rewrite(rng, rule, 4, 1, 2)
            features[name].append(outcome)
    fast, reference = features["fast"], features["reference"]

    def feature(outcomes, pick):
        return [None if o is None else pick(o) for o in outcomes]

    for pick in (lambda o: o[1], lambda o: o[2], lambda o: o[0].count("("), lambda o: o[0][0], lambda o: parse(o[0])[0],
                 lambda o: sum(o[0].count(f) for f in ("sin", "cos", "tan", "exp")), lambda o: o[0].count("x")):
        # Sampling noise stays under 0.026 here; a wrong law (the side of the path, say) shows 0.08 and more.
        assert total_variation(feature(fast, pick), feature(reference, pick)) < 0.04
