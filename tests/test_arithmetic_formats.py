"""Hand-checked examples of every digit format, carry count and scratchpad of addition and multiplication."""

import pickle

import pytest

from genforge.core.errors import UsageError
from genforge.generators import arithmetic
from genforge.generators.arithmetic import DigitFormat
from genforge.core.registry import get_task

ADD = get_task("addition")
MUL = get_task("multiplication")


def fmt(*flags):
    return DigitFormat(**{flag: True for flag in flags})


# (flags, hint offset, input, target) for 123 + 45 = 168: unequal lengths throughout.
ADDITION_123_45 = [
    ((), 0, "123+45", "168"),
    (("reversed_output",), 0, "123+45", "861"),
    (("reversed_operands",), 0, "321+54", "168"),
    (("reversed_operands", "reversed_output"), 0, "321+54", "861"),
    (("zero_padding",), 0, "123+045", "0168"),
    (("zero_padding", "reversed_output"), 0, "123+045", "8610"),
    (("zero_padding", "reversed_operands"), 0, "321+540", "0168"),
    # Index hints span the n + 1 places of the longest sum (Zhou et al. 2023): the final carry's place d
    # is marked in both operands and in the result, even when it holds 0.
    (("index_hints",), 0, "d0c1b2a3+d0c0b4a5", "d0c1b6a8"),
    (("index_hints", "reversed_output"), 0, "d0c1b2a3+d0c0b4a5", "a8b6c1d0"),
    (("index_hints", "reversed_operands"), 0, "a3b2c1d0+a5b4c0d0", "d0c1b6a8"),
    (("index_hints", "reversed_operands", "reversed_output"), 0, "a3b2c1d0+a5b4c0d0", "a8b6c1d0"),
    (("index_hints", "zero_padding"), 0, "d0c1b2a3+d0c0b4a5", "d0c1b6a8"),
    (("reversed_operands", "reversed_output", "index_hints", "zero_padding"), 0, "a3b2c1d0+a5b4c0d0",
     "a8b6c1d0"),
    (("index_hints", "reversed_output"), 2, "f0e1d2c3+f0e0d4c5", "c8d6e1f0"),
]


@pytest.mark.parametrize("flags, offset, text, target", ADDITION_123_45)
def test_addition_formats_render_and_solve_hand_checked(flags, offset, text, target):
    digit_format = fmt(*flags)
    assert arithmetic.render("add", "123", "45", digit_format, offset) == (text, target)
    instruction = arithmetic.instruction_text("add", digit_format)
    assert ADD.solve(instruction, text) == target


def test_index_hints_with_reversed_output_on_unequal_lengths_and_a_final_carry():
    # 9876 + 54 = 9930: both operands span the 5 places of the longest sum, and so does the result.
    assert arithmetic.render("add", "9876", "54", fmt("index_hints", "reversed_output")) == (
        "e0d9c8b7a6+e0d0c0b5a4", "a0b3c9d9e0")
    # 999 + 1 = 1000: the final carry lands on the place d that the operands already mark.
    assert arithmetic.render("add", "999", "1", fmt("index_hints", "reversed_output")) == (
        "d0c9b9a9+d0c0b0a1", "a0b0c0d1")


# 123 * 45 = 5535
MULTIPLICATION_123_45 = [
    ((), "123*45", "5535"),
    (("reversed_output",), "123*45", "5355"),
    (("reversed_operands",), "321*54", "5535"),
    (("zero_padding",), "123*045", "005535"),
    # Hints span the 2n places of the longest product, in the operands and the result.
    (("index_hints",), "f0e0d0c1b2a3*f0e0d0c0b4a5", "f0e0d5c5b3a5"),
    (("index_hints", "reversed_output"), "f0e0d0c1b2a3*f0e0d0c0b4a5", "a5b3c5d5e0f0"),
    (("index_hints", "reversed_output", "zero_padding"), "f0e0d0c1b2a3*f0e0d0c0b4a5", "a5b3c5d5e0f0"),
]


@pytest.mark.parametrize("flags, text, target", MULTIPLICATION_123_45)
def test_multiplication_formats_render_and_solve_hand_checked(flags, text, target):
    digit_format = fmt(*flags)
    assert arithmetic.render("multiply", "123", "45", digit_format) == (text, target)
    assert MUL.solve(arithmetic.instruction_text("multiply", digit_format), text) == target


def test_instruction_names_operation_and_flags_in_fixed_order():
    assert arithmetic.instruction_text("add", DigitFormat()) == "add plain"
    assert arithmetic.instruction_text("add", fmt("zero_padding", "reversed_output")) == "add reversed_output zero_padding"
    assert arithmetic.parse_instruction("multiply index_hints reversed_output") == (
        "multiply", fmt("index_hints", "reversed_output"))


def test_zero_operands_and_results_are_written_as_one_digit():
    assert arithmetic.render("add", "0", "0", DigitFormat()) == ("0+0", "0")
    assert arithmetic.render("multiply", "907", "0", DigitFormat()) == ("907*0", "0")
    # With index hints a zero product still spans the 2n = 6 places of the longest product.
    assert arithmetic.render("multiply", "907", "0", fmt("index_hints")) == (
        "f0e0d0c9b0a7*f0e0d0c0b0a0", "f0e0d0c0b0a0")


@pytest.mark.parametrize("a, b, carries, longest", [
    ("123", "45", 0, 0),
    ("9999", "1", 4, 4),
    ("5059", "5051", 3, 2),   # columns from the right: 9+1 carry, 5+5+1 carry, 0+0+1, 5+5 carry
    ("509", "191", 2, 2),
    ("5", "5", 1, 1),
])
def test_addition_carries_hand_checked(a, b, carries, longest):
    assert arithmetic.addition_carries(a, b) == (carries, longest)


@pytest.mark.parametrize("a, b, column_carries", [
    ("12", "34", [0, 1, 0]),    # 8 | 2*3 + 1*4 = 10 | 1*3 + 1 = 4 -> 408
    ("99", "99", [8, 17, 9]),   # 81 | 81 + 81 + 8 = 170 | 81 + 17 = 98 -> 9801
    ("7", "1", [0]),
])
def test_multiplication_column_carries_hand_checked(a, b, column_carries):
    assert arithmetic.multiplication_column_carries(a, b) == column_carries
    count = sum(1 for carry in column_carries if carry)
    assert arithmetic.multiplication_carries(a, b)[0] == count


def test_scratchpads_hand_checked():
    assert tuple(arithmetic.Scratchpad("add", "123", "45")) == ("3+5+0=8", "2+4+0=6", "1+0+0=1")
    assert tuple(arithmetic.Scratchpad("add", "95", "7")) == ("5+7+0=12", "9+0+1=10")
    assert tuple(arithmetic.Scratchpad("multiply", "123", "45")) == ("123*5=615 sum=615", "123*40=4920 sum=5535")


def test_a_scratchpad_is_its_steps_as_a_sequence_and_survives_pickling():
    pad = arithmetic.Scratchpad("add", "95", "7")
    steps = ("5+7+0=12", "9+0+1=10")
    assert (list(pad), len(pad), pad[1], pad[-1:], "9+0+1=10" in pad) == (list(steps), 2, steps[1], steps[-1:], True)
    assert pad == steps and pad != steps[:1] and hash(pad) == hash(steps)
    assert (pad.operation, pad.a, pad.b) == ("add", "95", "7")
    assert pickle.loads(pickle.dumps(pad)) == pad


def test_example_records_complexity_as_small_ints_and_operands_beyond_int64_as_strings():
    a, b = "9" * 30, "1"
    example = arithmetic.example("add", a, b, DigitFormat())
    assert example.target == "1" + "0" * 30
    assert example.meta["complexity"] == {
        "digits_a": 30, "digits_b": 1, "digits": 30, "result_digits": 31, "carries": 30, "longest_carry_chain": 30}


@pytest.mark.parametrize("instruction, text", [
    ("add plain", "12+"),
    ("add plain", "12-3"),
    ("add plain", "1a+3"),
    ("add index_hints", "b1a2+a3"),          # operands of different widths
    ("add index_hints", "a1b2+a3b4"),        # markers in the wrong order for most significant first
    ("add index_hints", "b1a2+c3b4"),        # operands start at different markers
    ("add zero_padding", "12+3"),
    ("subtract plain", "1+2"),
    ("add plain plain", "1+2"),
    (None, "1+2"),
    ("multiply plain", "1+2"),
])
def test_unreadable_inputs_raise_usage_errors(instruction, text):
    with pytest.raises(UsageError):
        ADD.solve(instruction, text)


def test_addition_task_refuses_multiplication_instructions():
    with pytest.raises(UsageError, match="solves 'add'"):
        ADD.solve("multiply plain", "2*3")


@pytest.mark.parametrize("answer, normalized", [
    ("168", "168"),
    (" 1 6 8 ", "168"),
    ("0168", "0168"),            # bare digits: the reading direction is unknown, nothing stripped
    ("a8b6c1", "c1b6a8"),        # hinted: either order, most significant first
    ("c1b6a8", "c1b6a8"),
    ("d0c1b6a8", "c1b6a8"),      # a zero in the top place is a leading zero
    ("a0b0c0", "a0"),
    ("a8c1", "a8c1"),            # markers with a gap are kept as written (never match)
])
def test_normalize_answer_without_instruction(answer, normalized):
    assert ADD.normalize_answer(answer) == normalized


def test_normalize_answer_strips_zeros_on_the_leading_side_of_the_declared_output_order():
    assert ADD.normalize_answer("0168", "add plain") == "168"
    assert ADD.normalize_answer("0000", "add zero_padding") == "0"
    assert ADD.normalize_answer("8610", "add reversed_output zero_padding") == "861"
    # A reversed "01" is 10; it must not match "1".
    assert ADD.normalize_answer("01", "add reversed_output") == "01"
    assert ADD.normalize_answer("1", "add reversed_output") == "1"


def test_structure_atoms_are_digits_and_symbol_compounds_are_columns_with_carry_in():
    record = {"instruction": "add index_hints reversed_output", "input": "b9a5+b0a7"}
    atoms, compounds = ADD.structure(record)
    assert atoms == ["+", "9", "5", "0", "7"]
    assert compounds == ["5+7+0", "9+0+1"]
    atoms, compounds = MUL.structure({"instruction": "multiply plain", "input": "25*3"})
    assert atoms == ["*", "2", "5", "3"]
    assert compounds == ["5*3+0", "2*3+1"]
