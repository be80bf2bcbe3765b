"""Multi-digit addition and multiplication in the formats of the length-generalization studies.

Zhou et al. (2023), "What Algorithms can Transformers Learn? A Study in
Length Generalization" (arXiv 2310.16028), show that the *format* decides
whether a transformer's addition generalizes to longer operands: reversed
output (least significant digit first) and index hints make it work. Every
such choice is one flag of :class:`DigitFormat`:

* ``reversed_operands``: each operand written least significant digit first;
* ``reversed_output``: the result written least significant digit first;
* ``index_hints``: every digit preceded by a marker for its place (``a`` =
  units, ``b`` = tens, ...; 52 markers ``a``-``z`` then ``A``-``Z``). As in
  Zhou et al., the markers span every place of the longest possible result:
  both operands (of at most n digits) and the result are padded with zeros to
  n + 1 places for a sum (the final carry's place is always marked, ``999+1``
  is ``d0c9b9a9+d0c0b0a1`` -> ``d1c0b0a0``) and 2n for a product, so that
  every output marker also appears in the input. With ``hint_offset`` > 0
  the units marker is the offset-th marker instead of ``a`` (Zhou et al.
  draw the start at random so that every marker is seen in training);
* ``zero_padding``: operands padded with zeros to the same width ``n`` and
  the result to its longest possible width (``n + 1`` for a sum, ``2n`` for
  a product).

All flags off is the plain format ``123+45`` -> ``168``. The instruction
names the operation and the flags (``add reversed_output index_hints``) so
that :func:`solve` can parse any input and re-render the answer exactly.

Carries (the complexity measures) are counted column by column, least
significant first. Addition: column i adds the two digits and the carry-in;
it *carries* when that sum is >= 10. Multiplication (schoolbook column
method): column k adds every digit product a_i * b_j with i + j = k and the
carry-in; it carries when that sum is >= 10 (the carry may exceed 1). The
*longest carry chain* is the longest run of consecutive columns that all
carry, e.g. 9999 + 1 has 4 carries in one chain of 4; 5059 + 5051 has 3
carries and longest chain 2.

Numbers are decimal strings throughout; Python ints do the arithmetic, so
operands may be far beyond int64.

Sampling (:func:`sample_block`): both operands' digit counts are uniform over
the split's range (or shared with ``equal_lengths``) and each operand is
uniform over the numbers with that many digits. The carry plan's splits
(:func:`sample_carry_class`) draw operand sizes from one law on both sides
and then operands of the drawn sizes until one is of the split's carry class.
A block is computed as numpy digit rows (:mod:`genforge.generators.digit_blocks`);
its examples share one meta dict per complexity, and their traces are built
only when read (:class:`Scratchpad`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import numpy as np

from genforge.core.probes import canonical_key_of
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.generators.digit_blocks import (
    FAST_WIDTHS, column_sums, decimal_strings, narrow_results, operand_lines, propagate_carries, random_digit_rows,
    significant_lengths,
)
from genforge.generators.shared_metas import shared_metas

HINT_MARKERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
MARKER_INDEX = {marker: index for index, marker in enumerate(HINT_MARKERS)}
FLAGS = ("reversed_operands", "reversed_output", "index_hints", "zero_padding")
#: Operation name in the instruction -> symbol between the operands.
OPERATIONS = {"add": "+", "multiply": "*"}
DIGITS = "0123456789"
_DIGIT_SET = frozenset(DIGITS)


class FormatError(ValueError):
    """An instruction or input that the declared format cannot read."""


@dataclass(frozen=True)
class DigitFormat:
    reversed_operands: bool = False
    reversed_output: bool = False
    index_hints: bool = False
    zero_padding: bool = False

    @property
    def pads_operands(self) -> bool:
        # Shared index hints only make sense when both operands span the same places.
        return self.index_hints or self.zero_padding

    def words(self) -> str:
        active = [flag for flag in FLAGS if getattr(self, flag)]
        return " ".join(active) if active else "plain"


def instruction_text(operation: str, digit_format: DigitFormat) -> str:
    return f"{operation} {digit_format.words()}"


def parse_instruction(text: Optional[str]) -> tuple[str, DigitFormat]:
    words = (text or "").split()
    if not words or words[0] not in OPERATIONS:
        raise FormatError(f"instruction {text!r} must start with one of {', '.join(OPERATIONS)}")
    flags = words[1:]
    if flags == ["plain"]:
        return words[0], DigitFormat()
    unknown = [flag for flag in flags if flag not in FLAGS]
    if unknown or not flags or len(set(flags)) != len(flags):
        raise FormatError(f"instruction {text!r}: format words must be 'plain' or distinct items of {', '.join(FLAGS)}")
    return words[0], DigitFormat(**{flag: True for flag in flags})


# -- canonical form -------------------------------------------------------------
def canonical_key(instruction: Optional[str], text: str) -> str:
    """One key for ``a <op> b`` and ``b <op> a`` (both operations commute): the written operands in sorted order.

    Operands of one input share their format (order, padding, hint offset), so
    sorting their written forms is a canonical order of the pair.
    """
    for symbol in OPERATIONS.values():
        left, found, right = text.partition(symbol)
        if found:
            if right < left:
                text = right + symbol + left
            break
    return canonical_key_of(instruction, text)


class CommutativeExample(Example):
    """An arithmetic example whose dedup and split-membership key is :func:`canonical_key`
    (issue 15: 19.5% of multiplication's test_id inputs were a training input with the operands swapped)."""

    __slots__ = ()

    def key(self) -> str:
        return canonical_key(self.instruction, self.input)


class SampledExample(CommutativeExample):
    """A sampled sum or product: the key of :func:`canonical_key`, without looking for the symbol (the
    engine asks every draw for its key; a sampled example always has an instruction and one ``symbol``)."""

    __slots__ = ()
    symbol = ""

    def key(self) -> str:
        symbol = self.symbol
        left, _, right = self[1].partition(symbol)
        if right < left:
            return self[0] + "\x1f" + right + symbol + left
        return self[0] + "\x1f" + self[1]


class SumExample(SampledExample):
    __slots__ = ()
    symbol = "+"


class ProductExample(SampledExample):
    __slots__ = ()
    symbol = "*"


#: The example class of each operation's samplers.
EXAMPLE_KINDS = {"add": SumExample, "multiply": ProductExample}


# -- rendering -----------------------------------------------------------
def write_number(digits: str, reversed_order: bool, hints: bool, hint_offset: int) -> str:
    """``digits`` (most significant first) in the requested order, with place markers if asked."""
    if not hints:
        return digits[::-1] if reversed_order else digits
    markers = HINT_MARKERS[hint_offset: hint_offset + len(digits)]
    if len(markers) != len(digits):
        raise FormatError(f"{len(digits)} places from hint offset {hint_offset} exceed the {len(HINT_MARKERS)} markers")
    lsd_first = digits[::-1]
    pairs = list(map(str.__add__, markers, lsd_first))
    if not reversed_order:
        pairs.reverse()
    return "".join(pairs)


def result_width(operation: str, width_a: int, width_b: int) -> int:
    """Digits of the longest possible result of operands written with these widths."""
    return max(width_a, width_b) + 1 if operation == "add" else width_a + width_b


def compute(operation: str, a: str, b: str) -> str:
    return str(int(a) + int(b)) if operation == "add" else str(int(a) * int(b))


def render(operation: str, a: str, b: str, digit_format: DigitFormat, hint_offset: int = 0,
           result: Optional[str] = None) -> tuple[str, str]:
    """(input, target) of ``a <op> b`` in ``digit_format``; a and b are digit strings.

    ``result`` may pass ``compute(operation, a, b)`` when the caller has it already.
    """
    if result is None:
        result = compute(operation, a, b)
    if digit_format.index_hints:
        # Hints span every place of the longest result (Zhou et al. 2023: n + 1 for a sum, the final
        # carry's place included; 2n for a product), in both operands and the result, even when it is 0.
        # Operands are measured without leading zeros, so a parsed (padded) input renders the same.
        n = max(len(a.lstrip("0") or "0"), len(b.lstrip("0") or "0"))
        width = result_width(operation, n, n)
        a, b, result = a.zfill(width), b.zfill(width), result.zfill(width)
    elif digit_format.zero_padding:
        width = max(len(a), len(b))
        a, b = a.zfill(width), b.zfill(width)
        result = result.zfill(result_width(operation, len(a), len(b)))
    reversed_operands, hints = digit_format.reversed_operands, digit_format.index_hints
    text = (write_number(a, reversed_operands, hints, hint_offset) + OPERATIONS[operation]
            + write_number(b, reversed_operands, hints, hint_offset))
    return text, write_number(result, digit_format.reversed_output, hints, hint_offset)


def render_block(operation: str, digit_format: DigitFormat, a: list[str], b: list[str], results: list[str],
                 hint_offsets: list[int]) -> tuple[list[str], list[str]]:
    """(inputs, targets) of many examples in one format; the same strings as ``render`` one by one.

    Formats without padding or hints need only concatenation and reversal,
    done here list by list; padded or hinted formats go through ``render``.
    """
    if digit_format.pads_operands:
        pairs = [render(operation, x, y, digit_format, offset, result)
                 for x, y, result, offset in zip(a, b, results, hint_offsets)]
        return [text for text, _ in pairs], [target for _, target in pairs]
    symbol = OPERATIONS[operation]
    if digit_format.reversed_operands:
        inputs = [x[::-1] + symbol + y[::-1] for x, y in zip(a, b)]
    else:
        inputs = [x + symbol + y for x, y in zip(a, b)]
    return inputs, ([result[::-1] for result in results] if digit_format.reversed_output else results)


# -- parsing -------------------------------------------------------------
def read_number(text: str, reversed_order: bool, hints: bool) -> tuple[str, int]:
    """(digits most significant first, units marker index) of a written number; inverse of write_number."""
    if not hints:
        if not text or not _DIGIT_SET.issuperset(text):
            raise FormatError(f"{text!r} is not a string of digits")
        return (text[::-1] if reversed_order else text), 0
    markers, digits = text[0::2], text[1::2]
    if not text or len(text) % 2 or not _DIGIT_SET.issuperset(digits) or any(m not in MARKER_INDEX for m in markers):
        raise FormatError(f"{text!r} is not a sequence of (place marker, digit) pairs")
    if not reversed_order:
        markers, digits = markers[::-1], digits[::-1]
    low = MARKER_INDEX[markers[0]]
    if markers != HINT_MARKERS[low: low + len(markers)]:
        raise FormatError(f"{text!r}: place markers are not consecutive in the declared order")
    return digits[::-1], low


def parse_input(instruction: Optional[str], text: str) -> tuple[str, DigitFormat, str, str, int]:
    """(operation, format, a, b, hint offset) with a and b as written (padding kept)."""
    operation, digit_format = parse_instruction(instruction)
    symbol = OPERATIONS[operation]
    parts = text.split(symbol)
    if len(parts) != 2:
        raise FormatError(f"input {text!r} must hold exactly one {symbol!r} between two operands")
    a, offset_a = read_number(parts[0], digit_format.reversed_operands, digit_format.index_hints)
    b, offset_b = read_number(parts[1], digit_format.reversed_operands, digit_format.index_hints)
    if digit_format.pads_operands and len(a) != len(b):
        raise FormatError(f"input {text!r}: this format pads both operands to the same width")
    if offset_a != offset_b:
        raise FormatError(f"input {text!r}: both operands must start at the same place marker")
    return operation, digit_format, a, b, offset_a


def solve(instruction: Optional[str], text: str) -> str:
    """The target of an input in any format: parse, compute, render."""
    operation, digit_format, a, b, offset = parse_input(instruction, text)
    return render(operation, a, b, digit_format, offset)[1]


# -- carries ---------------------------------------------------------------
def addition_columns(a: str, b: str) -> list[tuple[int, int, int]]:
    """(digit of a, digit of b, carry-in) per column, least significant first."""
    width = max(len(a), len(b))
    columns, carry = [], 0
    for x, y in zip(map(int, a.zfill(width)[::-1]), map(int, b.zfill(width)[::-1])):
        columns.append((x, y, carry))
        carry = 1 if x + y + carry >= 10 else 0
    return columns


def addition_carries(a: str, b: str) -> tuple[int, int]:
    """(carry count, longest carry chain) of a + b."""
    width = max(len(a), len(b))
    carry = count = run = longest = 0
    for x, y in zip(a.zfill(width)[::-1].encode(), b.zfill(width)[::-1].encode()):
        # Byte values: each digit is 48 + d, so the sum threshold 10 becomes 106.
        if x + y + carry >= 106:
            carry = 1
            count += 1
            run += 1
            if run > longest:
                longest = run
        else:
            carry = run = 0
    return count, longest


def multiplication_column_carries(a: str, b: str) -> list[int]:
    """Carry out of every column of the schoolbook column method, least significant first.

    The column sums come from one big-integer product: each digit is spread
    into its own group of ``width`` decimal places, wide enough that no
    column sum (at most 81 per digit pair) spills into the next group, so the
    groups of the product are exactly the column sums.
    """
    columns = len(a) + len(b) - 1
    width = len(str(81 * min(len(a), len(b))))
    gap = "0" * (width - 1)
    sums = str(int(gap.join(a)) * int(gap.join(b))).zfill(columns * width)
    carries, carry = [], 0
    for end in range(columns * width, 0, -width):
        carry = (int(sums[end - width:end]) + carry) // 10
        carries.append(carry)
    return carries


def multiplication_carries(a: str, b: str) -> tuple[int, int]:
    """(count of carrying columns, longest run of consecutive carrying columns) of a * b."""
    count = run = longest = 0
    for carry in multiplication_column_carries(a, b):
        if carry:
            count += 1
            run += 1
            if run > longest:
                longest = run
        else:
            run = 0
    return count, longest


# -- scratchpads -------------------------------------------------------------
def addition_trace(a: str, b: str) -> tuple[str, ...]:
    """One step per column, least significant first: ``x+y+carry_in=sum``."""
    return tuple(f"{x}+{y}+{c}={x + y + c}" for x, y, c in addition_columns(a, b))


def multiplication_trace(a: str, b: str) -> tuple[str, ...]:
    """One partial product per digit of b (least significant first) and the running sum."""
    value_a, running, steps = int(a), 0, []
    for place, digit in enumerate(reversed(b)):
        multiplier = digit + "0" * place
        partial = value_a * int(multiplier)
        running += partial
        steps.append(f"{value_a}*{int(multiplier)}={partial} sum={running}")
    return tuple(steps)


class Scratchpad(tuple):
    """The trace of ``a <op> b``, computed only when read.

    The engine writes traces only on request (``--trace``) and does not tell
    the sampler, so the steps are built when the record is built, not for
    every draw. A tuple of (operation, a, b) underneath, so that a block
    sampler builds one in C (``tuple.__new__``); as a sequence it is the steps.
    """

    __slots__ = ()

    def __new__(cls, operation: str, a: str, b: str):
        return tuple.__new__(cls, (operation, a, b))

    def operands(self) -> tuple[str, str, str]:
        """(operation, a, b), a and b without leading zeros."""
        return tuple(tuple.__iter__(self))

    @property
    def operation(self) -> str:
        return self.operands()[0]

    @property
    def a(self) -> str:
        return self.operands()[1]

    @property
    def b(self) -> str:
        return self.operands()[2]

    def steps(self) -> tuple[str, ...]:
        operation, a, b = self.operands()
        if operation == "add":
            return addition_trace(a, b)
        return multiplication_trace(a, b)

    def __getitem__(self, index):
        return self.steps()[index]

    def __len__(self) -> int:
        return len(self.steps())

    def __iter__(self):
        return iter(self.steps())

    def __contains__(self, step) -> bool:
        return step in self.steps()

    def __eq__(self, other) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __ne__(self, other) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.steps())

    def __getnewargs__(self) -> tuple[str, ...]:
        return tuple(tuple.__iter__(self))  # what __new__ takes (pickling), not the steps

    def index(self, step, *bounds) -> int:
        return self.steps().index(step, *bounds)

    def count(self, step) -> int:
        return self.steps().count(step)

    def __repr__(self) -> str:
        return f"Scratchpad({self.steps()!r})"


class WrittenScratchpad(Scratchpad):
    """A :class:`Scratchpad` held as (instruction, input) and read back from them, for a sampler that writes a
    block's inputs in one piece and so never has the operand strings."""

    __slots__ = ()

    def __new__(cls, instruction: str, text: str):
        return tuple.__new__(cls, (instruction, text))

    def operands(self) -> tuple[str, str, str]:
        operation, _, a, b, _ = parse_input(*tuple.__iter__(self))
        return operation, a.lstrip("0") or "0", b.lstrip("0") or "0"


# -- sampling ------------------------------------------------------------------
def example(operation: str, a: str, b: str, digit_format: DigitFormat, offset: int = 0,
            instruction: Optional[str] = None) -> Example:
    """The example ``a <op> b`` (digit strings without padding) in ``digit_format``."""
    if operation == "add":
        result = str(int(a) + int(b))
        carries, longest = addition_carries(a, b)
    else:
        result = str(int(a) * int(b))
        carries, longest = multiplication_carries(a, b)
    text, target = render(operation, a, b, digit_format, offset, result)
    complexity = {
        "digits_a": len(a),
        "digits_b": len(b),
        "digits": max(len(a), len(b)),
        "result_digits": len(result),
        "carries": carries,
        "longest_carry_chain": longest,
    }
    return example_of((instruction or instruction_text(operation, digit_format), text, target,
                       {"domain": operation, "complexity": complexity}, Scratchpad(operation, a, b)),
                      CommutativeExample)


def sample_block(rng: RandomStream, operation: str, digit_format: DigitFormat, low: int, high: int,
                 equal_lengths: bool, random_hint_offset: bool, count: int) -> list[Example]:
    """``count`` examples whose operands have ``low``..``high`` digits, drawn as whole numpy blocks.

    Lengths, digits, column sums and carries are arrays over the block; only
    the final strings are built one by one.
    """
    if count <= 0:
        return []
    lengths_a = low + rng.index_array(high - low + 1, count).astype(np.int64)
    if equal_lengths:
        lengths_b = lengths_a
    else:
        lengths_b = low + rng.index_array(high - low + 1, count).astype(np.int64)
    # Both operands in one draw: rows 0..count-1 are the a's, the rest the b's.
    operand_digits = random_digit_rows(rng, np.concatenate((lengths_a, lengths_b)), high)
    return _examples(rng, operation, digit_format, operand_digits[:count], operand_digits[count:],
                     lengths_a, lengths_b, random_hint_offset)


def _examples(rng: RandomStream, operation: str, digit_format: DigitFormat, a_digits: np.ndarray,
              b_digits: np.ndarray, lengths_a: np.ndarray, lengths_b: np.ndarray,
              random_hint_offset: bool) -> list[Example]:
    """The examples of operand digit rows (results, carries and strings computed for the whole block)."""
    if a_digits.shape[1] <= FAST_WIDTHS[operation]:
        results, result_lengths, carries, longest = narrow_results(operation, a_digits, b_digits)
    else:
        digits, carries, longest = propagate_carries(operation, column_sums(operation, a_digits, b_digits))
        result_lengths = significant_lengths(digits)
        results = decimal_strings(digits, result_lengths)
    widths = np.maximum(lengths_a, lengths_b)
    offsets = _hint_offsets(rng, operation, random_hint_offset and digit_format.index_hints, widths)

    instruction = instruction_text(operation, digit_format)
    metas = _shared_metas(operation, lengths_a, lengths_b, result_lengths, carries, longest)
    # tuple.__new__ builds each Example and Scratchpad in C (their Python constructors cost more than the rest).
    kind, new = EXAMPLE_KINDS[operation], tuple.__new__
    if not digit_format.pads_operands:
        inputs = operand_lines(a_digits, b_digits, lengths_a, lengths_b, OPERATIONS[operation],
                               digit_format.reversed_operands)
        targets = [result[::-1] for result in results] if digit_format.reversed_output else results
        return [new(kind, (instruction, text, target, meta, new(WrittenScratchpad, (instruction, text)), None))
                for text, target, meta in zip(inputs, targets, metas)]
    count = len(lengths_a)
    operand_texts = decimal_strings(np.concatenate((a_digits, b_digits)), np.concatenate((lengths_a, lengths_b)))
    a_texts, b_texts = operand_texts[:count], operand_texts[count:]
    inputs, targets = render_block(operation, digit_format, a_texts, b_texts, results, offsets)
    return [new(kind, (instruction, text, target, meta, new(Scratchpad, (operation, a, b)), None))
            for a, b, text, target, meta in zip(a_texts, b_texts, inputs, targets, metas)]


#: Shared meta dicts of each operation by complexity code (see genforge/generators/shared_metas.py).
_METAS: dict[str, dict[int, dict]] = {}
#: Bit fields of a complexity code: digits_a, digits_b (<= 1000), result_digits, carries and longest
#: chain (< 2000, a product's 2 * 1000 columns), 53 bits in all.
_CODE_SHIFTS = (0, 10, 20, 31, 42)
_CODE_MASKS = (1023, 1023, 2047, 2047, 2047)


def _shared_metas(operation: str, *measures: np.ndarray) -> list[dict]:
    """The meta dict of every example of a block, examples with equal complexity sharing one.
    ``measures``: digits_a, digits_b, result_digits, carries, longest carry chain."""
    codes = measures[0].astype(np.int64)
    for values, shift in zip(measures[1:], _CODE_SHIFTS[1:]):
        codes += values.astype(np.int64, copy=False) << shift

    def build(code: int) -> dict:
        length_a, length_b, result_length, carries, chain = (
            code >> shift & mask for shift, mask in zip(_CODE_SHIFTS, _CODE_MASKS))
        return {"domain": operation, "complexity": {
            "digits_a": length_a,
            "digits_b": length_b,
            "digits": max(length_a, length_b),
            "result_digits": result_length,
            "carries": carries,
            "longest_carry_chain": chain,
        }}

    return shared_metas(_METAS, operation, codes.tolist(), build)


# -- carry classes with matched operand sizes -------------------------------------------------
#: Digit cells (candidates times operand width) that sample_carry_class may draw per call after its first
#: round (one candidate per slot); each later round draws twice as many candidates per open slot.
CLASS_CELLS = 1 << 22


def matched_length_pairs(operation: str, low: int, high: int, equal_lengths: bool,
                         chain: int) -> list[tuple[int, int]]:
    """The operand length pairs of the carry plan, so that the in-distribution and the carry test splits
    draw from one size law: pairs where the longest carry chain can be both <= ``chain`` and > ``chain``
    without being rare. A product has la + lb - 1 columns, any of which may carry; a sum's chain beyond
    the shorter operand needs a run of 9s (one in 10**k), so both addends have more than ``chain`` digits.
    All pairs when none qualifies (the carry test is then empty)."""
    pairs = [(la, lb) for la in range(low, high + 1) for lb in range(low, high + 1) if not equal_lengths or la == lb]
    if operation == "add":
        both = [(la, lb) for la, lb in pairs if min(la, lb) > chain]
    else:
        both = [(la, lb) for la, lb in pairs if la + lb - 1 > chain]
    return both or pairs


def sample_carry_class(rng: RandomStream, operation: str, digit_format: DigitFormat, low: int, high: int,
                       equal_lengths: bool, random_hint_offset: bool, chain: int, longer: bool,
                       count: int) -> list[Optional[Example]]:
    """Sums or products whose longest carry chain is <= ``chain`` (``longer`` false) or > ``chain`` (true),
    with operand sizes drawn from one law whichever the class (issue 15: the carry test must differ in
    carries only).

    The law: a length pair uniform over :func:`matched_length_pairs`, and (products) a one-digit operand
    uniform on 2..9 (0 and 1 give no carry at all, so they could only ever fall on one side). Each slot then draws
    operands of its pair until one is of the wanted class, so the class does not reshape the pair
    histogram; a slot that finds none within the call's bounded work (``CLASS_CELLS``) is None, a
    rejected draw for the engine (and for the acceptance pilot, which refuses a class too rare to fill).
    """
    if count <= 0:
        return []
    pairs = np.array(matched_length_pairs(operation, low, high, equal_lengths, chain), dtype=np.int64)
    chosen_pairs = pairs[rng.index_array(len(pairs), count).astype(np.int64)]
    lengths_a, lengths_b = chosen_pairs[:, 0].copy(), chosen_pairs[:, 1].copy()
    a_digits = np.zeros((count, high), dtype=np.uint8)
    b_digits = np.zeros((count, high), dtype=np.uint8)
    open_slots = np.arange(count)
    per_slot, cells = 1, 0
    while len(open_slots) and (cells == 0 or cells + len(open_slots) * per_slot * high <= CLASS_CELLS):
        cells += len(open_slots) * per_slot * high
        slots = np.repeat(open_slots, per_slot)
        operand_lengths = np.concatenate((lengths_a[slots], lengths_b[slots]))
        operands = random_digit_rows(rng, operand_lengths, high)
        if operation == "multiply":
            operands = _no_trivial_digits(rng, operands, operand_lengths)
        a_rows, b_rows = operands[:len(slots)], operands[len(slots):]
        _, _, longest = propagate_carries(operation, column_sums(operation, a_rows, b_rows))
        fits = ((longest > chain) == longer).reshape(len(open_slots), per_slot)
        found = fits.any(axis=1)
        first = np.flatnonzero(found) * per_slot + np.argmax(fits, axis=1)[found]
        a_digits[open_slots[found]] = a_rows[first]
        b_digits[open_slots[found]] = b_rows[first]
        open_slots = open_slots[~found]
        per_slot *= 2
    examples: list[Optional[Example]] = list(_examples(rng, operation, digit_format, a_digits, b_digits,
                                                       lengths_a, lengths_b, random_hint_offset))
    for slot in open_slots.tolist():
        examples[slot] = None
    return examples


def _no_trivial_digits(rng: RandomStream, digits: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Digit rows whose one-digit numbers are redrawn uniformly on 2..9."""
    single = np.flatnonzero(lengths == 1)
    digits[single, 0] = 2 + rng.index_array(8, len(single)).astype(np.uint8)
    return digits


def _hint_offsets(rng: RandomStream, operation: str, random_offset: bool, widths: np.ndarray) -> list[int]:
    """The units marker of every example: 0, or random when asked, leaving room for every result place."""
    if not random_offset:
        return [0] * len(widths)
    # Hints pad both operands to the longer width n; the result may need n+1 or 2n places.
    bounds = [len(HINT_MARKERS) - result_width(operation, n, n) + 1 for n in widths.tolist()]
    return rng.bounded_array(np.array(bounds, dtype=np.uint64)).tolist()
