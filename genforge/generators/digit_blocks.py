"""Blocks of many operands at once, as numpy digit rows: draw, add, multiply, carry, write.

A block of n numbers of at most W digits is an (n, W) uint8 array of "digit
rows": column k holds the digit of place k (units first), zero above a
number's length. :mod:`genforge.generators.arithmetic` samples its examples
block by block with these functions; the carry definitions are its own
(``addition_carries``, ``multiplication_carries``), which tests compare these with.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from genforge.core.rng import RandomStream

def random_digit_rows(rng: RandomStream, lengths: np.ndarray, width: int) -> np.ndarray:
    """Uniform numbers with exactly ``lengths[i]`` digits (0..9 when 1) as digit rows of ``width`` places.

    Every digit is uniform on 0..9 except the leading one of a number with two
    or more digits, uniform on 1..9: exactly the uniform law on
    ``10**(d-1) .. 10**d - 1``.
    """
    count = len(lengths)
    digits = rng.index_array(10, count * width).astype(np.uint8).reshape(count, width)
    leading = 1 + rng.index_array(9, count).astype(np.uint8)
    digits *= np.arange(width) < lengths[:, None]
    several = np.flatnonzero(lengths > 1)
    digits.reshape(-1)[several * width + lengths[several] - 1] = leading[several]
    return digits


def column_sums(operation: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum of every result column before carries: digit sums (add) or sums of digit products (multiply).

    One column per place of the longest possible result (``result_width``).
    """
    count, width = a.shape
    if operation == "add":
        sums = np.zeros((count, width + 1), dtype=np.uint8)
        np.add(a, b, out=sums[:, :width])
        return sums
    if width > _SHIFT_AND_ADD_WIDTH:
        return _product_columns_by_fft(a, b)
    sums = np.zeros((count, 2 * width), dtype=np.int64)
    wide_b = b.astype(np.int64)
    for place in range(width):  # digit `place` of a times every digit of b lands in columns place..
        sums[:, place:place + width] += a[:, place:place + 1] * wide_b
    return sums


#: Widest operands whose product columns are summed place by place (work ~ width**2 per row); wider
#: ones go through an FFT (work ~ width * log(width)), which keeps 1000-digit products to a second a block.
_SHIFT_AND_ADD_WIDTH = 64


def _product_columns_by_fft(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Multiplication's column sums as the convolution of the digit rows, through a real FFT.

    Exact: a column sum is at most 81 * width (81,000 at 1000 digits) and the
    FFT's rounding error on digits 0..9 stays many orders of magnitude below
    0.5 at these lengths, so rounding recovers every integer.
    """
    count, width = a.shape
    size = 1 << (2 * width - 1).bit_length()  # a power of two holding the 2 * width - 1 product columns
    spectrum = np.fft.rfft(a, size, axis=1) * np.fft.rfft(b, size, axis=1)
    sums = np.zeros((count, 2 * width), dtype=np.int64)
    sums[:, :2 * width - 1] = np.rint(np.fft.irfft(spectrum, size, axis=1)[:, :2 * width - 1])
    return sums


def propagate_carries(operation: str, sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(result digit rows, carry count, longest carry chain) of column sums.

    A column carries when its sum plus the carry-in is >= 10 (the definition
    of ``addition_carries`` and ``multiplication_carries``). Columns above an
    operand pair's own width never carry: their sum is only a carry-in below 10.
    """
    if operation == "add" and sums.shape[1] <= 62:
        return _addition_carries_bitwise(sums)
    return _carries_column_by_column(sums)


def _addition_carries_bitwise(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Addition's carries for every number at once, as bit masks (bit k = place k; at most 62 places).

    A column generates a carry when its digit sum is >= 10 and propagates its
    carry-in when the sum is 9. These are exactly the carries of the *binary*
    sum G + (G | P) of the generate and propagate masks (a generating bit is
    1 + 1, a propagating one 0 + 1), so one int64 addition finds all of them.
    """
    count, places = sums.shape
    shifts = np.arange(places, dtype=np.int64)
    weights = np.int64(1) << shifts
    generate = (sums >= 10).astype(np.int64) @ weights  # a matrix product packs the bits fastest
    propagate = (sums == 9).astype(np.int64) @ weights
    carry_in = (generate + (generate | propagate)) ^ propagate  # bit k: carry into place k
    in_bits = ((carry_in[:, None] >> shifts) & 1).astype(np.uint8)
    digits = sums + in_bits
    digits[digits >= 10] -= 10
    return digits, in_bits.sum(axis=1), _longest_runs(carry_in >> 1, places)


@lru_cache(maxsize=16)
def _run_table(bits: int) -> np.ndarray:
    """Longest run of one bits of every mask below 2**bits (a lookup for narrow operands)."""
    return _count_runs(np.arange(1 << bits, dtype=np.int64))


def _longest_runs(masks: np.ndarray, bits: int) -> np.ndarray:
    """Longest run of consecutive one bits in each mask of at most ``bits`` bits."""
    return _run_table(bits)[masks] if bits <= 16 else _count_runs(masks)


def _count_runs(masks: np.ndarray) -> np.ndarray:
    longest = np.zeros(len(masks), dtype=np.int64)
    masks = masks.copy()
    while True:  # each round shortens every run by one bit
        alive = masks != 0
        if not alive.any():
            return longest
        longest += alive
        masks &= masks >> 1


def _carries_column_by_column(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Carries of any column sums (multiplication carries may exceed 1), one column after another."""
    count, places = sums.shape
    digits = np.empty((count, places), dtype=np.uint8)
    carry = np.zeros(count, dtype=np.int64)
    carries = np.zeros(count, dtype=np.int64)
    run = np.zeros(count, dtype=np.int64)
    longest = np.zeros(count, dtype=np.int64)
    for place in range(places):
        carry, digits[:, place] = np.divmod(sums[:, place] + carry, 10)
        carried = carry > 0
        carries += carried
        run = (run + 1) * carried
        np.maximum(longest, run, out=longest)
    return digits, carries, longest


def significant_lengths(digits: np.ndarray) -> np.ndarray:
    """Digits of each number of a block of digit rows, without leading zeros (1 for zero)."""
    nonzero = digits != 0
    top = digits.shape[1] - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    return np.where(nonzero.any(axis=1), top + 1, 1)


def decimal_strings(digits: np.ndarray, lengths: np.ndarray) -> list[str]:
    """The numbers of a block of digit rows in decimal; ``lengths`` are their digit counts."""
    count, width = digits.shape
    # Most significant digit first, the places above each length blank ('0' - 16 = ' '), a newline
    # after each number: str.replace and str.split then cut the block into numbers in C.
    text = np.empty((count, width + 1), dtype=np.uint8)
    blank = np.arange(width - 1, -1, -1) >= lengths[:, None]
    np.subtract(digits[:, ::-1] + 48, blank * np.uint8(16), out=text[:, :width])
    text[:, width] = 10
    if not count:
        return []
    return text.tobytes().decode("ascii")[:-1].replace(" ", "").split("\n")


def operand_lines(a: np.ndarray, b: np.ndarray, lengths_a: np.ndarray, lengths_b: np.ndarray, symbol: str,
                  reversed_order: bool) -> list[str]:
    """``a <symbol> b`` of every pair of digit rows, each operand as ``write_number`` writes it without hints
    (most significant digit first, or least with ``reversed_order``): the block's bytes in one piece, cut in
    C as in :func:`decimal_strings`."""
    count, width = a.shape
    if not count:
        return []
    text = np.empty((count, 2 * width + 2), dtype=np.uint8)
    places = np.arange(width)
    for rows, lengths, start in ((a, lengths_a, 0), (b, lengths_b, width + 1)):
        blank = places >= lengths[:, None]  # places above the length: ' ' ('0' - 16), removed below
        if not reversed_order:
            rows, blank = rows[:, ::-1], blank[:, ::-1]
        np.subtract(rows + 48, blank * np.uint8(16), out=text[:, start:start + width])
    text[:, width] = ord(symbol)
    text[:, -1] = 10
    return text.tobytes().decode("ascii")[:-1].replace(" ", "").split("\n")


#: Widest operands whose block goes through :func:`narrow_results`: a sum's 16 places, a product's 14,
#: within the 16-bit lookup tables, and (products) every prefix sum below 2**53, exact in float64.
FAST_WIDTHS = {"add": 15, "multiply": 7}


def narrow_results(operation: str, a: np.ndarray,
                   b: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(results in decimal, their digit counts, carry count, longest carry chain) of narrow operand digit
    rows (``FAST_WIDTHS``).

    The same numbers as ``propagate_carries``, by whole-block arithmetic: results as int64 values; a
    sum's carries from its generate and propagate bit masks; a product's from its prefix sums. Column k of
    the schoolbook method carries exactly when ``P_k`` = the sum of ``a_i * b_j * 10**(i+j)`` over
    ``i + j <= k`` is at least ``10**(k+1)`` (``P_k`` is the result's low k+1 digits plus the carry out of
    column k times ``10**(k+1)``, by induction on k).
    """
    count, width = a.shape
    powers = _powers_of_ten(width)
    value_a, value_b = a @ powers, b @ powers
    if operation == "add":
        places = width + 1
        weights = np.int64(1) << np.arange(width, dtype=np.int64)
        sums = a + b
        generate = (sums >= 10).astype(np.int64) @ weights
        propagate = (sums == 9).astype(np.int64) @ weights
        carry_in = (generate + (generate | propagate)) ^ propagate  # bit k: carry into place k
        values = value_a + value_b
        carried = carry_in >> 1  # bit k: column k carries
    else:
        places = 2 * width
        to_prefix, limits, weights = _product_prefix_tables(width)
        prefix = (a[:, :, None] * b[:, None, :]).reshape(count, width * width) @ to_prefix
        carried = ((prefix >= limits) @ weights).astype(np.int64)
        values = value_a * value_b
    digit_counts = 1 + np.searchsorted(_powers_of_ten(places)[1:], values, side="right")
    return (list(map(str, values.tolist())), digit_counts, _bit_count_table(places)[carried],
            _run_table(places)[carried])


@lru_cache(maxsize=32)
def _powers_of_ten(width: int) -> np.ndarray:
    return 10 ** np.arange(width, dtype=np.int64)


@lru_cache(maxsize=16)
def _product_prefix_tables(width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(digit products -> prefix sums ``P_k``, the limits ``10**(k+1)``, bit weights) of width-digit operands."""
    i, j = np.divmod(np.arange(width * width), width)
    places = np.arange(2 * width)
    to_prefix = np.where((i + j)[:, None] <= places, 10.0 ** (i + j)[:, None], 0.0)
    return to_prefix, 10.0 ** (places + 1), 2.0 ** places


@lru_cache(maxsize=16)
def _bit_count_table(bits: int) -> np.ndarray:
    """Number of one bits of every mask below 2**bits."""
    table = np.zeros(1 << bits, dtype=np.int64)
    for bit in range(bits):
        table[1 << bit:2 << bit] = table[:1 << bit] + 1
    return table
