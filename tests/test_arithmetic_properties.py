"""Every addition / multiplication target checked against an independent reading and Python int arithmetic."""

import string
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genforge.core.rng import RandomStream
from genforge.generators import arithmetic, digit_blocks
from genforge.generators.arithmetic import DigitFormat
from genforge.core.registry import get_task

MARKERS = string.ascii_lowercase + string.ascii_uppercase
SYMBOLS = {"add": "+", "multiply": "*"}
TASKS = {"add": "addition", "multiply": "multiplication"}


def read_written(text, lsd_first, hints):
    """(value, places written, units marker index) of a number as the format describes it."""
    if hints:
        assert len(text) % 2 == 0 and all(c in MARKERS for c in text[0::2]) and text[1::2].isdigit()
        places = [MARKERS.index(c) for c in text[0::2]]
        in_lsd_order = places if lsd_first else places[::-1]
        low = in_lsd_order[0]
        assert in_lsd_order == list(range(low, low + len(places)))
        value = sum(int(d) * 10 ** (p - low) for p, d in zip(places, text[1::2]))
        return value, len(places), low
    assert text.isdigit()
    lsd = text if lsd_first else text[::-1]
    return sum(int(d) * 10 ** i for i, d in enumerate(lsd)), len(text), 0


def digit_count(value):
    count = 1
    while value >= 10:
        value //= 10
        count += 1
    return count


def check_target(operation, digit_format, a, b, text, target, offset=0):
    left, right = text.split(SYMBOLS[operation])
    value_a, width_a, low_a = read_written(left, digit_format.reversed_operands, digit_format.index_hints)
    value_b, width_b, low_b = read_written(right, digit_format.reversed_operands, digit_format.index_hints)
    assert (value_a, value_b) == (a, b)
    n = max(digit_count(a), digit_count(b))
    longest_result = n + 1 if operation == "add" else 2 * n
    if digit_format.index_hints:
        # Zhou et al.: hints span every place of the longest result, in the operands and the result.
        assert width_a == width_b == longest_result
    elif digit_format.zero_padding:
        assert width_a == width_b == n
    else:
        assert (width_a, width_b) == (digit_count(a), digit_count(b))
    expected = a + b if operation == "add" else a * b
    value, width, low = read_written(target, digit_format.reversed_output, digit_format.index_hints)
    assert value == expected
    if digit_format.zero_padding or digit_format.index_hints:
        assert width == longest_result
    else:
        assert width == digit_count(expected)
    assert low_a == low_b == low == offset


formats = st.builds(DigitFormat, st.booleans(), st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["add", "multiply"]), formats, st.integers(0, 10 ** 22 - 1), st.integers(0, 10 ** 22 - 1),
       st.integers(0, 8))
def test_render_and_solve_agree_with_an_independent_reading(operation, digit_format, a, b, offset):
    offset = offset if digit_format.index_hints else 0
    text, target = arithmetic.render(operation, str(a), str(b), digit_format, offset)
    check_target(operation, digit_format, a, b, text, target, offset)
    instruction = arithmetic.instruction_text(operation, digit_format)
    assert get_task(TASKS[operation]).solve(instruction, text) == target


def independent_addition_carries(a, b):
    carry, flags = 0, []
    while a or b:
        column = a % 10 + b % 10 + carry
        carry = 1 if column >= 10 else 0
        flags.append(carry)
        a, b = a // 10, b // 10
    return flags


def independent_multiplication_carries(a, b):
    da = [int(d) for d in str(a)[::-1]]
    db = [int(d) for d in str(b)[::-1]]
    sums = [0] * (len(da) + len(db) - 1)
    for i, x in enumerate(da):
        for j, y in enumerate(db):
            sums[i + j] += x * y
    carry, flags = 0, []
    for column in sums:
        carry = (column + carry) // 10
        flags.append(1 if carry else 0)
    return flags


def longest_run(flags):
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["add", "multiply"]), formats, st.booleans(), st.booleans(), st.integers(1, 12),
       st.integers(0, 2 ** 32))
def test_sampled_examples_have_correct_targets_and_complexity(operation, digit_format, random_offset, equal, high,
                                                              seed):
    task = get_task(TASKS[operation])
    given_params = {flag: getattr(digit_format, flag) for flag in arithmetic.FLAGS}
    given_params.update(random_hint_offset=random_offset, equal_lengths=equal, train_digits_max=high,
                        test_digits_min=high + 1, test_digits_max=high + 4, train_max_carry_chain=0)
    params = task.Params.resolve(given_params)
    task.check_params(params)
    for example in task.sample_block(RandomStream.from_parts("property", seed), params, 20):
        instruction, text, target = example.instruction, example.input, example.target
        assert instruction == arithmetic.instruction_text(operation, digit_format)
        left, right = text.split(SYMBOLS[operation])
        a = read_written(left, digit_format.reversed_operands, digit_format.index_hints)[0]
        b = read_written(right, digit_format.reversed_operands, digit_format.index_hints)[0]
        offset = read_written(left, digit_format.reversed_operands, digit_format.index_hints)[2]
        check_target(operation, digit_format, a, b, text, target, offset)
        assert task.solve(instruction, text) == target
        flags = (independent_addition_carries(a, b) if operation == "add"
                 else independent_multiplication_carries(a, b))
        complexity = example.meta["complexity"]
        assert complexity["carries"] == sum(flags)
        assert complexity["longest_carry_chain"] == longest_run(flags)
        assert 1 <= complexity["digits_a"] <= high and 1 <= complexity["digits_b"] <= high
        assert complexity["digits_a"] == digit_count(a) and complexity["digits_b"] == digit_count(b)
        assert complexity["result_digits"] == digit_count(a + b if operation == "add" else a * b)
        if equal:
            assert complexity["digits_a"] == complexity["digits_b"]


bare_formats = st.builds(DigitFormat, st.booleans(), st.booleans(), st.just(False), st.booleans())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["add", "multiply"]), bare_formats, st.integers(0, 10 ** 12), st.integers(0, 10 ** 12))
def test_normalize_with_instruction_ignores_zeros_on_the_leading_side(operation, digit_format, a, b):
    task = get_task(TASKS[operation])
    target = arithmetic.render(operation, str(a), str(b), digit_format)[1]
    instruction = arithmetic.instruction_text(operation, digit_format)
    prediction = target + "000" if digit_format.reversed_output else "000" + target
    assert task.normalize_answer(prediction, instruction) == task.normalize_answer(target, instruction)
    # Without the instruction, bare digits are compared exactly.
    assert task.normalize_answer(prediction) != task.normalize_answer(target)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["add", "multiply"]), st.integers(0, 10 ** 12), st.integers(0, 10 ** 12))
def test_hinted_answers_normalize_to_the_same_number_in_either_order_and_padding(operation, a, b):
    task = get_task(TASKS[operation])
    targets = {
        arithmetic.render(operation, str(a), str(b), DigitFormat(False, reverse, True, pad))[1]
        for reverse in (False, True) for pad in (False, True)
    }
    assert len({task.normalize_answer(target) for target in targets}) == 1


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10 ** 150), st.integers(0, 10 ** 150))
def test_carry_counts_of_long_operands_match_an_independent_column_walk(a, b):
    add_flags = independent_addition_carries(a, b)
    assert arithmetic.addition_carries(str(a), str(b)) == (sum(add_flags), longest_run(add_flags))
    mul_flags = independent_multiplication_carries(a, b)
    assert arithmetic.multiplication_carries(str(a), str(b)) == (sum(mul_flags), longest_run(mul_flags))


def digit_rows(values, width):
    return np.array([[int(d) for d in str(v).zfill(width)[::-1]] for v in values], dtype=np.uint8)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["add", "multiply"]), st.integers(1, 80),
       st.lists(st.tuples(st.integers(0, 10 ** 80 - 1), st.integers(0, 10 ** 80 - 1)), min_size=1, max_size=12))
def test_block_carries_and_results_match_an_independent_column_walk(operation, width, pairs):
    # Widths of 62 and more take the column-by-column path for addition (61 digits + 1 carry place fit
    # the bit-mask path), widths up to 15 its lookup of carry chains.
    pairs = [(a % 10 ** width, b % 10 ** width) for a, b in pairs]
    a_rows, b_rows = digit_rows([a for a, _ in pairs], width), digit_rows([b for _, b in pairs], width)
    sums = arithmetic.column_sums(operation, a_rows, b_rows)
    digits, carries, longest = arithmetic.propagate_carries(operation, sums)
    lengths = arithmetic.significant_lengths(digits)
    results = arithmetic.decimal_strings(digits, lengths)
    operands = arithmetic.decimal_strings(a_rows, arithmetic.significant_lengths(a_rows))
    for index, (a, b) in enumerate(pairs):
        flags = independent_addition_carries(a, b) if operation == "add" else independent_multiplication_carries(a, b)
        assert (carries[index], longest[index]) == (sum(flags), longest_run(flags))
        assert results[index] == str(a + b if operation == "add" else a * b)
        assert operands[index] == str(a)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["add", "multiply"]), st.integers(1, 15),
       st.lists(st.tuples(st.integers(0, 10 ** 15 - 1), st.integers(0, 10 ** 15 - 1)), min_size=1, max_size=12))
def test_narrow_block_results_and_carries_match_an_independent_column_walk(operation, width, pairs):
    # The int64 / bit-mask path of narrow blocks (FAST_WIDTHS), all nines included (every column carries).
    width = min(width, digit_blocks.FAST_WIDTHS[operation])
    pairs = [(a % 10 ** width, b % 10 ** width) for a, b in pairs] + [(10 ** width - 1, 10 ** width - 1)]
    a_rows, b_rows = digit_rows([a for a, _ in pairs], width), digit_rows([b for _, b in pairs], width)
    results, lengths, carries, longest = digit_blocks.narrow_results(operation, a_rows, b_rows)
    for index, (a, b) in enumerate(pairs):
        flags = independent_addition_carries(a, b) if operation == "add" else independent_multiplication_carries(a, b)
        assert (carries[index], longest[index]) == (sum(flags), longest_run(flags))
        assert results[index] == str(a + b if operation == "add" else a * b)
        assert lengths[index] == len(results[index])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["add", "multiply"]), bare_formats.filter(lambda f: not f.zero_padding), st.integers(1, 30),
       st.lists(st.tuples(st.integers(0, 10 ** 30 - 1), st.integers(0, 10 ** 30 - 1)), min_size=1, max_size=8))
def test_block_inputs_in_one_piece_are_what_render_writes_and_read_back_to_their_trace(operation, digit_format,
                                                                                     width, pairs):
    pairs = [(a % 10 ** width, b % 10 ** width) for a, b in pairs]
    a_rows, b_rows = digit_rows([a for a, _ in pairs], width), digit_rows([b for _, b in pairs], width)
    lengths_a, lengths_b = (np.array([digit_count(x) for x in values]) for values in zip(*pairs))
    inputs = arithmetic.operand_lines(a_rows, b_rows, lengths_a, lengths_b, SYMBOLS[operation],
                                      digit_format.reversed_operands)
    instruction = arithmetic.instruction_text(operation, digit_format)
    for (a, b), text in zip(pairs, inputs):
        assert text == arithmetic.render(operation, str(a), str(b), digit_format)[0]
        assert arithmetic.WrittenScratchpad(instruction, text) == arithmetic.Scratchpad(operation, str(a), str(b))


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["add", "multiply"]), st.integers(55, 70), st.integers(0, 2 ** 32))
def test_sampled_long_operands_have_exact_lengths_targets_and_carries(operation, high, seed):
    task = get_task(TASKS[operation])
    params = task.Params.resolve(train_digits_min=high - 3, train_digits_max=high,
                                 test_digits_min=high + 1, test_digits_max=high + 2)
    for example in task.sample_block(RandomStream.from_parts("long", seed), params, 30):
        a, b = (int(x) for x in example.input.split(SYMBOLS[operation]))
        complexity = example.meta["complexity"]
        assert example.target == str(a + b if operation == "add" else a * b)
        assert (complexity["digits_a"], complexity["digits_b"]) == (digit_count(a), digit_count(b))
        assert high - 3 <= complexity["digits_a"] <= high and high - 3 <= complexity["digits_b"] <= high
        flags = independent_addition_carries(a, b) if operation == "add" else independent_multiplication_carries(a, b)
        assert (complexity["carries"], complexity["longest_carry_chain"]) == (sum(flags), longest_run(flags))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["add", "multiply"]), formats, st.integers(0, 10 ** 22 - 1), st.integers(0, 10 ** 22 - 1),
       st.integers(0, 8))
def test_the_samplers_block_renderer_writes_what_render_writes(operation, digit_format, a, b, offset):
    offset = offset if digit_format.index_hints else 0
    pairs = [(a, b), (b, a), (a, 0)]
    results = [str(x + y if operation == "add" else x * y) for x, y in pairs]
    inputs, targets = arithmetic.render_block(operation, digit_format, [str(x) for x, _ in pairs],
                                              [str(y) for _, y in pairs], results, [offset] * 3)
    assert list(zip(inputs, targets)) == [arithmetic.render(operation, str(x), str(y), digit_format, offset)
                                          for x, y in pairs]


@pytest.mark.parametrize("name", ["addition", "multiplication"])
def test_sampled_operands_are_uniform_over_their_digit_counts(name):
    # Operands of 1..2 digits: a length uniform on {1, 2}, then a uniform number of that length, so 0..9
    # are each drawn with probability 1/20 and 10..99 with 1/180. Chi-square over 100 values, 99 d.o.f.
    task = get_task(name)
    params = task.Params.resolve(train_digits_max=2, test_digits_min=3, test_digits_max=4)
    counts = Counter()
    for block in range(40):
        for example in task.sample_block(RandomStream.from_parts("uniform", block), params, 256):
            counts.update(int(x) for x in example.input.split(SYMBOLS[task.operation]))
    total = sum(counts.values())
    expected = {value: total / (20 if value < 10 else 180) for value in range(100)}
    assert set(counts) == set(expected)
    assert sum((counts[v] - e) ** 2 / e for v, e in expected.items()) < 170


def test_very_long_products_are_sampled_exactly():
    # 900-digit operands: the spread-digit big-integer trick of multiplication_column_carries would pass
    # Python's 4300-digit limit on int <-> str conversion; the block sampler never converts.
    task = get_task("multiplication")
    params = task.Params.resolve(train_digits_min=900, train_digits_max=900, test_digits_min=901,
                                 test_digits_max=901)
    for example in task.sample_block(RandomStream.from_parts("very long"), params, 3):
        a, b = (int(x) for x in example.input.split("*"))
        assert example.target == str(a * b)
        flags = independent_multiplication_carries(a, b)
        complexity = example.meta["complexity"]
        assert (complexity["carries"], complexity["longest_carry_chain"]) == (sum(flags), longest_run(flags))
