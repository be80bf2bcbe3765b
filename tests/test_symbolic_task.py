"""The symbolic task: expression syntax, rule application, sympy equality, split plans."""

import hashlib
import json
from collections import Counter

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import genforge
from genforge.core.errors import ParameterError, UsageError
from genforge.generators.symbolic_expressions import parse, to_text
from genforge.generators.symbolic_rules import CATALOGUE, DOMAINS, is_operand
from genforge.generators.symbolic_examples import is_seen
from genforge.core.registry import get_task

TASK = get_task("symbolic")

# -- sympy: the independent judge of equality ------------------------------------

#: The identities hold over the positive reals (log rules need positive arguments).
SYMBOLS = {name: sympy.Symbol(name, positive=True) for name in "abcxyz"}
FUNCTIONS = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": sympy.log}


def to_sympy(text):
    return sympy.sympify(text.replace("^", "**"), locals={**SYMBOLS, **FUNCTIONS})


def sympy_equal(left_text, right_text, general=True):
    """True when sympy proves the two expressions equal (cheap normal forms first).

    ``general`` allows sympy's general simplifier as the last resort: slow on
    large expressions, so whole records try without it first.
    """
    difference = to_sympy(left_text) - to_sympy(right_text)
    if difference == 0:
        return True
    # Logarithms split over products (force: the identities hold for positive arguments); the
    # arguments are tried both as written and multiplied out.
    for start in (difference, sympy.expand(difference, log=False)):
        split = sympy.expand(sympy.expand_log(start, force=True, factor=True))
        if split == 0 or sympy.expand(sympy.powsimp(split, force=True)) == 0:
            return True
    # Trigonometry: write sin, cos and tan with exp(I*u) and compare numerators.
    no_tan = split.replace(sympy.tan, lambda u: sympy.sin(u) / sympy.cos(u))
    in_exp = sympy.together(sympy.powsimp(no_tan.rewrite(sympy.exp), force=True))
    if sympy.expand(sympy.numer(in_exp)) == 0:
        return True
    # Identities inside function arguments (log(1 - sin(u)^2)) need the general simplifier.
    return general and (sympy.simplify(difference) == 0 or sympy.simplify(in_exp) == 0)


def differing_parts(a, b):
    """Descend while the trees agree everywhere but in one child: the rewritten sub-trees."""
    while not isinstance(a, str) and not isinstance(b, str) and a[0] == b[0] and len(a) == len(b):
        differing = [index for index in range(1, len(a)) if a[index] != b[index]]
        if len(differing) != 1:
            break
        a, b = a[differing[0]], b[differing[0]]
    return a, b


def assert_equal_as_expressions(record):
    if sympy_equal(record["input"], record["target"], general=False):
        return
    # Congruence: the trees agree outside one sub-tree (checked by the descent), and
    # sympy proves that pair equal, hence the whole; this keeps simplify() off big trees.
    left, right = differing_parts(parse(record["input"]), parse(record["target"]))
    assert sympy_equal(to_text(left), to_text(right)), (record["instruction"], record["input"], record["target"])


# -- syntax -------------------------------------------------------------------------

@pytest.mark.parametrize("text, tree", [
    ("a^2 - b^2", ("-", ("^", "a", "2"), ("^", "b", "2"))),
    ("(x + y)*(x - y)", ("*", ("+", "x", "y"), ("-", "x", "y"))),
    ("x - y - z", ("-", ("-", "x", "y"), "z")),
    ("x - (y - z)", ("-", "x", ("-", "y", "z"))),
    ("x^y^z", ("^", "x", ("^", "y", "z"))),          # ^ is right-associative
    ("(x^y)^z", ("^", ("^", "x", "y"), "z")),
    ("sin(x)^2", ("^", ("sin", "x"), "2")),
    ("x/(y*z)", ("/", "x", ("*", "y", "z"))),
    ("2*a*b", ("*", ("*", "2", "a"), "b")),
    ("exp(16*x)", ("exp", ("*", "16", "x"))),
])
def test_text_syntax_round_trips(text, tree):
    assert parse(text) == tree
    assert to_text(tree) == text


def test_parsing_ignores_spacing_and_redundant_parentheses():
    assert parse(" ( x+y ) * ( (x-y) ) ") == parse("(x + y)*(x - y)")


leaves = st.sampled_from(["x", "y", "z", "1", "2", "12"])
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "^"]), children, children),
        st.tuples(st.sampled_from(["sin", "cos", "tan", "exp", "log"]), children),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printed_trees_parse_back_to_themselves(tree):
    text = to_text(tree)
    assert parse(text) == tree
    # Minimal parentheses: dropping any grouping pair (not a call's) changes the meaning or the syntax.
    for start, end in grouping_pairs(text):
        shorter = text[:start] + text[start + 1:end] + text[end + 1:]
        try:
            assert parse(shorter) != tree
        except ValueError:
            pass


def grouping_pairs(text):
    pairs, stack = [], []
    for index, char in enumerate(text):
        if char == "(":
            stack.append(index)
        elif char == ")":
            start = stack.pop()
            if start == 0 or not text[start - 1].isalpha():
                pairs.append((start, index))
    return pairs


# -- the oracle ---------------------------------------------------------------------

@pytest.mark.parametrize("rule, text, target", [
    ("a^2 - b^2 -> (a + b)*(a - b)", "3*(x^2 - y^2) + z", "3*((x + y)*(x - y)) + z"),
    ("a^2 - b^2 -> (a + b)*(a - b)", "(x + 1)^2 - 4^2", "(x + 1 + 4)*(x + 1 - 4)"),
    ("sin(a)^2 + cos(a)^2 -> 1", "z*(sin(x*y)^2 + cos(x*y)^2)", "z*1"),
    ("sin(a)^2 + cos(a)^2 -> 1", "sin(x)^2 + cos(y)^2", "sin(x)^2 + cos(y)^2"),   # a must bind one value
    ("log(a*b) -> log(a) + log(b)", "log(x*y) - log(z*x)", "log(x) + log(y) - log(z*x)"),  # first match only
    ("exp(log(a)) -> a", "exp(log(exp(log(x))))", "exp(log(x))"),                 # outermost first
    ("a*(b + c) -> a*b + a*c", "x + y", "x + y"),                                 # no match: unchanged
])
def test_solve_rewrites_the_first_match_in_pre_order(rule, text, target):
    assert TASK.solve(rule, text) == target


def test_unreadable_rule_or_input_is_a_usage_error():
    with pytest.raises(UsageError, match="cannot read"):
        TASK.solve("a^2 - b^2", "x")
    with pytest.raises(UsageError, match="cannot read"):
        TASK.solve("a -> a", "sin(x")
    with pytest.raises(UsageError, match="cannot read"):
        TASK.solve("a -> a", "x % y")


def test_answers_compare_without_whitespace():
    assert TASK.normalize_answer("(x+y) * (x-y)") == TASK.normalize_answer("(x + y)*(x - y)") == "(x+y)*(x-y)"


def test_structure_atoms_are_labels_and_compounds_operator_pairs():
    atoms, compounds = TASK.structure({"instruction": "sin(2*a) -> 2*sin(a)*cos(a)", "input": "sin(2*x) + y"})
    assert atoms == ["sin", "*", "2", "a", "*", "*", "2", "sin", "a", "cos", "a", "+", "sin", "*", "2", "x", "y"]
    assert compounds == ["sin>arg>*", "*>left>*", "*>right>cos", "*>right>sin", "+>left>sin", "sin>arg>*"]


# -- the catalogue -------------------------------------------------------------------

def test_every_rule_of_the_catalogue_is_an_identity():
    for rule in CATALOGUE:
        assert sympy_equal(to_text(rule.left), to_text(rule.right)), rule.text()


def test_catalogue_covers_the_three_families_with_distinct_rules():
    counts = Counter(rule.domain for rule in CATALOGUE)
    assert set(counts) == set(DOMAINS) and min(counts.values()) >= 40
    assert len({rule.text() for rule in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("term, allowed", [
    ("x", True), ("7", True), ("x - 6", True), ("x*(y - y)", False), ("x - x", False), ("4 - 6", False),
    ("3 - 3", False), ("(x + 1)*(x - 1) - (x*x - 1)", False),
])
def test_operands_are_never_zero_or_negative_constants(term, allowed):
    # log(a^6) -> 6*log(a) is false for a = 4 - 6, and log(0) is undefined.
    assert is_operand(parse(term)) is allowed


# -- generated splits ----------------------------------------------------------------

SMALL = {"n_instructions": 12, "examples_per_instruction": 10, "test_size": 40}


def generate(tmp_path, plan, params=None):
    genforge.generate("symbolic", tmp_path, split_plan=plan, params={**SMALL, **(params or {})}, seed=1, trace=True)
    folder = tmp_path / "symbolic"
    manifest = json.loads((folder / "manifest.json").read_text())
    return {entry["split"]: [json.loads(line) for line in open(folder / entry["name"])] for entry in manifest["files"]}


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    return {plan: generate(tmp_path_factory.mktemp(plan), plan)
            for plan in ("unseen_instructions", "held_out_domain", "deeper")}


def all_records(plans):
    for splits in plans.values():
        for records in splits.values():
            yield from records


def test_every_target_is_the_oracles_and_equal_to_the_input_by_sympy(plans):
    seen = 0
    for record in all_records(plans):
        assert TASK.solve(record["instruction"], record["input"]) == record["target"]
        assert_equal_as_expressions(record)
        # Every rule changes the root of what it rewrites, so the differing parts are the trace's.
        matched, replacement = differing_parts(parse(record["input"]), parse(record["target"]))
        assert record["trace"] == [f"match {to_text(matched)}", f"replace {to_text(replacement)}"]
        seen += 1
    assert seen == 3 * (120 + 40 * 3)


def test_training_uses_exactly_n_instructions_rules_and_never_a_test_rule(plans):
    splits = plans["unseen_instructions"]
    train_rules = {r["instruction"] for r in splits["train"]}
    assert len(train_rules) == SMALL["n_instructions"]
    assert all(is_seen(rule) for rule in train_rules)  # no held-out rule shape (test_rule_splits_validity.py)
    assert train_rules.isdisjoint(r["instruction"] for r in splits["test_ood_instruction"])


def test_held_out_family_appears_only_in_its_test(plans):
    splits = plans["held_out_domain"]
    for name in ("train", "validation", "test_id"):
        assert {r["meta"]["domain"] for r in splits[name]} <= {"polynomial", "exponential_logarithmic"}
    assert {r["meta"]["domain"] for r in splits["test_ood_domain"]} == {"trigonometric"}


def test_depth_ranges_of_train_and_deeper_test(plans):
    splits = plans["deeper"]
    for name in ("train", "validation", "test_id"):
        assert all(2 <= r["meta"]["complexity"]["depth"] <= 5 for r in splits[name])
    depths = [r["meta"]["complexity"]["depth"] for r in splits["test_ood_depth"]]
    assert min(depths) >= 6 and max(depths) <= 8
    train_rules = {r["instruction"] for r in splits["train"]}
    assert {r["instruction"] for r in splits["test_ood_depth"]} <= train_rules


def test_depth_in_meta_is_the_input_tree_depth(plans):
    def depth(tree):
        return 0 if isinstance(tree, str) else 1 + max(depth(child) for child in tree[1:])

    for record in plans["deeper"]["test_ood_depth"]:
        assert record["meta"]["complexity"]["depth"] == depth(parse(record["input"]))


def test_no_test_input_was_seen_in_train(plans):
    for splits in plans.values():
        train = {(r["instruction"], r["input"]) for r in splits["train"]}
        for name, records in splits.items():
            if name != "train":
                assert train.isdisjoint((r["instruction"], r["input"]) for r in records)


@pytest.mark.parametrize("params, message", [
    ({"held_out_domains": list(DOMAINS)}, "leave no domain"),
    ({"domains": ["polynomial"], "held_out_domains": ["trigonometric"]}, "not in domains"),
    ({"domains": ["polynomial"], "held_out_domains": [], "n_instructions": 100}, "n_instructions"),
    ({"deeper_max_depth": 5}, "deeper_max_depth"),
    ({"min_depth": 6}, "min_depth"),
])
def test_inconsistent_parameters_are_refused(params, message):
    with pytest.raises(ParameterError, match=message):
        genforge.generate("symbolic", "/nonexistent", params=params)


def test_golden_output(tmp_path):
    sizes = {"train": 50, "validation": 10, "test_id": 10, "test_ood_instruction": 10}
    genforge.generate("symbolic", tmp_path, sizes=sizes, seed=0)
    digests = {split: hashlib.sha256((tmp_path / "symbolic" / f"{split}.jsonl").read_bytes()).hexdigest()
               for split in sizes}
    assert digests == GOLDEN


# A change here needs a version bump of the task (symbolic 1.3).
GOLDEN = {
    "train": "ad82650b372bea57de611d7aa2ab2211bfbeb3866f6b30eba3b4d677598c1a25",
    "validation": "f119932b69c2ef97bd5529e6542ddfbfc9f7f4cd2273f561afc91c6e7ef12960",
    "test_id": "c7b0d94c129ae07bbd203beeed159ff6df49ac7f27f6a9421552f53975758709",
    "test_ood_instruction": "f36fb5db7a8bf3f701553be9f6bb3aaa469f9bfb865f77bd0e1cc1adf92be782",
}
