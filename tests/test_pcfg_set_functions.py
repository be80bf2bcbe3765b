"""pcfg_set: the ten functions, the text form, the oracle and the sampler, checked against
an evaluator written from the paper's definitions (tests/pcfg_set_reference.py)."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from genforge.core.errors import UsageError
from genforge.core.rng import RandomStream
from genforge.generators.pcfg import parse, symbol_alphabet
from genforge.generators.pcfg_sampler import tree_example
from genforge.tasks.pcfg_set import PcfgSetTask
from pcfg_set_reference import BINARY, UNARY, function_tokens, parent_child_pairs, reference_value

TASK = PcfgSetTask()


@pytest.mark.parametrize("text, target", [
    ("copy A1 B1 C1", "A1 B1 C1"),
    ("reverse A1 B1 C1", "C1 B1 A1"),
    ("shift A1 B1 C1", "B1 C1 A1"),
    ("echo A1 B1 C1", "A1 B1 C1 C1"),
    ("swap_first_last A1 B1 C1 D1", "D1 B1 C1 A1"),
    ("repeat A1 B1", "A1 B1 A1 B1"),
    ("append A1 B1 , C1 D1", "A1 B1 C1 D1"),
    ("prepend A1 B1 , C1 D1", "C1 D1 A1 B1"),
    ("remove_first A1 B1 , C1 D1", "C1 D1"),
    ("remove_second A1 B1 , C1 D1", "A1 B1"),
    ("append swap_first_last A1 B1 , C1", "B1 A1 C1"),
    ("append append A1 , B1 , C1", "A1 B1 C1"),
    ("prepend A1 , remove_first B1 , reverse C1 D1", "D1 C1 A1"),
    ("echo remove_second shift A1 B1 C1 , Z20", "B1 C1 A1 A1"),
    ("reverse_twin A1 B1", "B1 A1"),
])
def test_hand_checked_examples(text, target):
    assert TASK.solve(None, text) == target


PUBLISHED_INSTRUCTION = "exceptions: reverse echo ; prepend remove_first ; echo remove_first ; prepend reverse"


@pytest.mark.parametrize("text, target", [
    # released exception targets (i-machine-think/am-i-compositional, data/pcfgset/overgeneralisation)
    ("reverse echo Y18 M3 Y4 V19 E20", "Y18 M3 Y4 V19 E20 E20"),
    ("prepend remove_first D2 B12 U1 , J20 W7 , I16 D11", "D2 B12 U1 J20 W7"),
    ("echo remove_first Q16 W11 H10 J4 , Y2 V20 N17", "Q16 W11 H10 J4 Y2 V20 N17"),
    ("prepend reverse R1 J11 , K8 L16 Y18", "R1 J11 J11"),
    ("copy copy swap_first_last reverse echo prepend N4 U5 I11 X14 W7 , X9 O9", "W7 O9 N4 U5 I11 X14 W7 X9"),
    ("append remove_first repeat prepend M8 D13 W3 I17 M15 , R7 N5 L1 M8 , reverse echo copy copy S3 I17 X10 L2 , "
     "F16 F18 F10 E14", "S3 I17 X10 L2 L2 F16 F18 F10 E14"),
    ("echo prepend remove_first R7 O3 G19 , A1 J10 J12 U3 F8 , L9 A4 R18 Z16", "R7 O3 G19 A1 J10 J12 U3 F8 F8"),
    ("prepend remove_first echo D20 H8 J7 P6 , append O18 Z15 T10 , remove_second R2 Z6 , J20 A11 O3 A20 , "
     "Y6 J2 X15 L3 V15", "D20 H8 J7 P6 P6 O18 Z15 T10 R2 Z6"),
    ("repeat remove_second reverse echo X20 Q5 I15 T5 P14 , I3 L10 S4",
     "X20 Q5 I15 T5 P14 P14 X20 Q5 I15 T5 P14 P14"),
])
def test_published_exception_pairs_reproduce_the_released_targets(text, target):
    assert TASK.solve(PUBLISHED_INSTRUCTION, text) == target
    assert TASK.solve(None, text) != target  # the rules answer otherwise


def test_an_exception_pair_counts_only_as_adjacent_words():
    instruction = "exceptions: prepend shift"  # not published: the parent's result is reversed
    assert TASK.solve(instruction, "prepend shift C1 D1 , A1 B1") == "C1 D1 B1 A1"  # reversed of A1 B1 D1 C1
    assert TASK.solve(instruction, "prepend A1 B1 , shift C1 D1") == "D1 C1 A1 B1"  # second argument: the rule
    # a word is in one pair at most, the leftmost: "prepend reverse" wins over "reverse echo"
    assert TASK.solve(PUBLISHED_INSTRUCTION, "prepend reverse echo A1 B1 , C1") == "A1 B1 B1 B1"


def test_alphabet_counts_letters_first_up_to_z20():
    assert symbol_alphabet(3) == ("A1", "B1", "C1")
    assert symbol_alphabet(28)[26:] == ("A2", "B2")
    assert symbol_alphabet(520)[-1] == "Z20"


@pytest.mark.parametrize("text", ["", "append A1 B1", "reverse", "append A1 , B1 C1 ,", "copy A1 foo",
                                  "reverse A0", "copy A21", "A1 B1 , C1"])
def test_malformed_input_is_a_usage_error_naming_the_input(text):
    with pytest.raises(UsageError, match="not a PCFG SET expression"):
        TASK.solve(None, text)


@pytest.mark.parametrize("instruction", ["reverse echo", "exceptions: reverse", "exceptions: reverse foo"])
def test_malformed_instruction_is_a_usage_error(instruction):
    with pytest.raises(UsageError):
        TASK.solve(instruction, "copy A1 B1")


def test_normalize_answer_folds_whitespace():
    assert TASK.normalize_answer("  A1\tB2 \n C3 ") == "A1 B2 C3"


def test_structure_atoms_are_functions_and_symbols_compounds_are_tree_edges():
    record = {"instruction": None, "input": "append reverse A1 B1 , shift_twin echo C1"}
    atoms, compounds = TASK.structure(record)
    assert atoms == ["append", "reverse", "A1", "B1", "shift_twin", "echo", "C1"]
    # "append shift_twin" is an edge although the two are not adjacent in the text.
    assert compounds == ["append reverse", "append shift_twin", "shift_twin echo"]


# -- properties against the reference evaluator ----------------------------------
symbols = st.lists(st.sampled_from(symbol_alphabet(60)), min_size=1, max_size=5)
functions_written = st.sampled_from(sorted(UNARY) + [f + "_twin" for f in ("reverse", "echo")])
expressions = st.recursive(
    symbols.map(lambda s: " ".join(s)),
    lambda inner: st.one_of(
        st.tuples(functions_written, inner).map(lambda t: f"{t[0]} {t[1]}"),
        st.tuples(st.sampled_from(sorted(BINARY)), inner, inner).map(lambda t: f"{t[0]} {t[1]} , {t[2]}"),
    ),
    max_leaves=12,
).filter(lambda text: function_tokens(text))
all_pairs = [(f, g) for f in sorted({**UNARY, **BINARY}) for g in sorted({**UNARY, **BINARY})]


@settings(max_examples=300, deadline=None)
@given(expressions, st.lists(st.sampled_from(all_pairs), max_size=6, unique=True))
def test_solve_agrees_with_the_reference_evaluator(text, exceptions):
    instruction = ("exceptions: " + " ; ".join(f"{f} {g}" for f, g in exceptions)) if exceptions else None
    assert TASK.solve(instruction, text) == " ".join(reference_value(text, set(exceptions)))
    assert parse(text).text() == text


def _params(**overrides):
    return TASK.Params.resolve(overrides)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([{}, {"alphabet_size": 4, "string_length_min": 1},
                                               {"unary_probability": 0.1, "binary_probability": 0.6}]))
def test_sampled_examples_agree_with_the_reference_and_record_their_complexity(seed, overrides):
    params = _params(**overrides)
    rng = RandomStream.from_parts("pcfg-test", seed)
    for example in TASK.sample_block(rng, params, 20):
        if example is None:
            continue
        text = example.input
        target = reference_value(text)
        assert example.target == " ".join(target)
        assert example.instruction is None
        complexity = example.meta["complexity"]
        assert complexity["functions"] == len(function_tokens(text)) <= params.max_functions
        assert complexity["output_length"] == len(target) <= params.max_output_length
        assert complexity["input_length"] == len(text.split())
        assert complexity["arguments"] == text.split().count(",") + 1  # a binary function adds one string
        alphabet = set(symbol_alphabet(params.alphabet_size))
        assert {t for t in text.split() if t != "," and t not in function_tokens(text)} <= alphabet
        assert 0 <= TASK.difficulty(example) < 1


def test_depth_counts_functions_on_the_longest_path():
    example = tree_example(parse("append reverse echo A1 B1 , copy C1"), None, frozenset(), 100)
    assert example.meta["complexity"]["depth"] == 3
    assert example.meta["complexity"]["functions"] == 4
    assert example.meta["complexity"]["arguments"] == 2


def test_difficulty_grows_with_functions():
    small = tree_example(parse("copy A1 B1"), None, frozenset(), 100)
    large = tree_example(parse("copy copy copy A1 B1"), None, frozenset(), 100)
    assert TASK.difficulty(small) < TASK.difficulty(large)


def test_reference_pairs_match_the_tree_edges():
    text = "append reverse A1 B1 , shift echo C1"
    assert sorted(parent_child_pairs(text)) == sorted(parse(text).edges())


PLAN_SPLITS = [("random", "train"), ("productivity", "train"), ("productivity", "test_ood_productivity"),
               ("systematicity", "train"), ("systematicity", "test_ood_systematicity"),
               ("substitutivity", "train"), ("substitutivity", "test_ood_substitutivity"),
               ("overgeneralisation", "train"), ("overgeneralisation", "test_ood_exception")]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(PLAN_SPLITS), st.sampled_from(["alone", "leaf"]))
# Found by CI: exception pairs in a row (f g h, each pair an exception) where the walk, bottom-up, let
# each pair undo the one below it; evaluate() takes the outer pair and then the next free one.
@example(10212471, ("overgeneralisation", "train"), "alone")
def test_block_sampler_meta_and_split_facts_agree_with_the_parsed_input(seed, plan_split, context):
    # The block sampler computes complexity, domain and the facts split predicates read while it
    # walks the streams; the same must come out of the parsed input (a plain Example has no facts).
    from genforge.core.records import Example
    from genforge.tasks.pcfg_set import parse_exceptions
    params = _params(exception_ratio=0.5, twin_train_context=context)
    plan, split_name = plan_split
    split = TASK.split_plans(params)[plan].split(split_name)
    examples = TASK.sample_block(RandomStream.from_parts("facts", seed), params.for_split(split.sample_params, 0), 12)
    for example in filter(None, examples):
        exceptions = parse_exceptions(example.instruction)
        rebuilt = tree_example(parse(example.input), example.instruction, exceptions, params.max_output_length)
        assert (example.target, example.meta) == (rebuilt.target, rebuilt.meta)
        assert tuple(example.trace) == tuple(rebuilt.trace)
        plain = Example(*example)
        for bucket in (0.0, 0.85, 0.95):
            assert split.accepts(example, bucket) == split.accepts(plain, bucket)
