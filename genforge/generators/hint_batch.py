"""HINT expressions drawn, evaluated and laid out many at a time (numpy).

The same law as :func:`genforge.generators.hint_expressions.sample_expression`
(the reference, one tree at a time): for each tree the operator count ``n``
is given, each operator node draws its operator uniformly and splits its
other ``c - 1`` operators as ``k`` uniform in ``0..c-1`` (left) and
``c - 1 - k`` (right), and each digit is uniform. Only the order in which
the random words are consumed differs.

A batch of trees lives in flat arrays of nodes: tree ``t`` owns slots
``t * width .. t * width + 2n`` (``width = 2 * most + 1``), its nodes in
prefix order, so a node's left child sits right after it and its right
child ``2k + 1`` slots after that. Three passes, each one numpy step per
tree level rather than one Python step per node:

1. top-down: shapes, operators and digits (:func:`draw`);
2. bottom-up: values, precedences and text lengths;
3. top-down: where each symbol lands in the text (minimal parentheses),
   which operator consumes it (HINT's heads).

Values above the cap are clamped to ``cap + 1`` as soon as they appear, so
int64 never overflows; such trees are rejected anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from genforge.core.rng import RandomStream

#: Operator codes index this string; + - bind less tightly (precedence 1) than * / (2).
OPERATOR_CHARS = "+-*/"
_PLUS, _MINUS, _TIMES, _DIVIDE = range(4)
#: A digit is never wrapped in parentheses: its precedence is above every operator's.
_DIGIT_PRECEDENCE = 3
#: Text codes: digits are their ASCII codes, then these.
_OPERATOR_BYTES = np.frombuffer(OPERATOR_CHARS.encode("ascii"), dtype=np.uint8)
_OPEN, _CLOSE = ord("("), ord(")")
#: Value written for a parenthesis (natural numbers are >= 0).
NO_VALUE = -1


@dataclass
class Level:
    """The operator nodes at one depth: their slots, their right children's slots, their operator codes."""

    nodes: np.ndarray
    right: np.ndarray
    operator: np.ndarray


@dataclass
class Batch:
    """``count`` trees of at most ``most`` operators, drawn and evaluated."""

    count: int
    width: int
    operators: np.ndarray       # per tree
    depth: np.ndarray           # per tree: 0 for a lone digit
    levels: list                # of Level, root level first
    leaves: np.ndarray          # slots of all digits
    value: np.ndarray           # per slot (clamped to cap + 1)
    precedence: np.ndarray      # per slot
    length: np.ndarray          # per slot: symbols in the node's text, its own parentheses excluded
    invalid: np.ndarray         # per tree: a division by zero or a value above the cap
    wrapped: np.ndarray         # per slot: 1 if its parent puts it in parentheses
    code: np.ndarray            # per slot: its symbol's ASCII code

    @property
    def roots(self) -> np.ndarray:
        return np.arange(self.count, dtype=np.int64) * self.width

    def result(self) -> np.ndarray:
        return self.value[self.roots]

    def largest_value(self) -> np.ndarray:
        """Largest value of any sub-expression per tree (unused slots hold 0)."""
        return self.value.reshape(self.count, self.width).max(axis=1)


def draw(rng: RandomStream, operators: np.ndarray, most: int, cap: int) -> Batch:
    """Trees with the given operator counts (each <= ``most``), evaluated with values capped at ``cap``."""
    count = operators.size
    width = 2 * most + 1
    depth = np.zeros(count, dtype=np.int64)
    levels, leaves, digits = [], [], []
    slots = np.arange(count, dtype=np.int64) * width
    pending = operators.astype(np.int64)
    level = 0
    while slots.size:
        depth[slots // width] = level  # levels grow, so each tree keeps its deepest
        inner = pending > 0
        # One uniform draw per node: a digit for a leaf; for an operator node with c operators,
        # 4 * k + operator, k uniform in 0..c-1 and the operator uniform (independently).
        drawn = rng.bounded_array(np.where(inner, 4 * pending, 10)).astype(np.int64)
        leaves.append(slots[~inner])
        digits.append(drawn[~inner])
        nodes, size, drawn = slots[inner], pending[inner], drawn[inner]
        left_size, operator = drawn >> 2, drawn & 3
        right = nodes + 2 + 2 * left_size
        levels.append(Level(nodes, right, operator))
        slots = np.concatenate([nodes + 1, right])
        pending = np.concatenate([left_size, size - 1 - left_size])
        level += 1
    leaves = np.concatenate(leaves)
    # Small dtypes where they suffice: these arrays are allocated and filled for every batch.
    value = np.zeros(count * width, dtype=np.int32 if _operation_table(cap) is not None else np.int64)
    value[leaves] = np.concatenate(digits)
    precedence = np.full(count * width, _DIGIT_PRECEDENCE, dtype=np.int8)
    length = np.ones(count * width, dtype=np.int32)
    invalid = np.zeros(count, dtype=bool)
    wrapped = np.zeros(count * width, dtype=np.int8)
    for level in reversed(levels):
        _evaluate_level(level, value, precedence, length, wrapped, invalid, width, cap)
    code = np.zeros(count * width, dtype=np.uint8)
    code[leaves] = value[leaves] + ord("0")
    for level in levels:
        code[level.nodes] = _OPERATOR_BYTES[level.operator]
    return Batch(count, width, operators, depth, levels, leaves, value, precedence, length, invalid, wrapped, code)


def _evaluate_level(level: Level, value, precedence, length, wrapped, invalid, width: int, cap: int) -> None:
    """Values, precedences and text lengths of one level's operators (their children are done)."""
    nodes, right, operator = level.nodes, level.right, level.operator
    a, b = value[nodes + 1], value[right]
    table = _operation_table(cap)
    if table is not None:
        result = table[(operator * (cap + 2) + a) * (cap + 2) + b]
        invalid[nodes[result > cap] // width] = True
    else:
        result = _operate(operator, a, b, cap)
        invalid[nodes[(result > cap) | ((operator == _DIVIDE) & (b == 0))] // width] = True
    value[nodes] = result
    mine = np.where(operator < _TIMES, 1, 2).astype(np.int8)
    precedence[nodes] = mine
    wrap_left = wrapped[nodes + 1] = precedence[nodes + 1] < mine
    wrap_right = wrapped[right] = precedence[right] <= mine
    length[nodes] = length[nodes + 1] + length[right] + 1 + 2 * (wrap_left.astype(np.int32) + wrap_right)


def _operate(operator: np.ndarray, a: np.ndarray, b: np.ndarray, cap: int) -> np.ndarray:
    """HINT's operations on operands <= cap + 1, results clamped to cap + 1 (no int64 overflow)."""
    safe_b = np.maximum(b, 1)
    product = np.where(a > cap // safe_b, cap + 1, a * safe_b)
    result = np.select(
        [operator == _PLUS, operator == _MINUS, operator == _TIMES],
        [a + b, np.maximum(a - b, 0), np.where(b == 0, 0, product)],
        -(-a // safe_b),  # ceiling division
    )
    return np.minimum(result, cap + 1)


#: Caps up to this use a lookup table of every operation (4 * (cap + 2)**2 entries, about 1 MB at most).
TABLE_CAP = 256


@lru_cache(maxsize=8)
def _operation_table(cap: int):
    """``table[(op * (cap + 2) + a) * (cap + 2) + b]``: the clamped result, ``cap + 1`` for a division by zero.

    None above ``TABLE_CAP``. Both cap + 1 cases reject the tree, so one gather does the operation and the checks.
    """
    if cap > TABLE_CAP:
        return None
    side = np.arange(cap + 2, dtype=np.int64)
    a, b = (np.repeat(side, cap + 2), np.tile(side, cap + 2))
    tables = [_operate(np.full(a.size, code, dtype=np.int64), a, b, cap) for code in range(4)]
    tables[_DIVIDE][b == 0] = cap + 1
    return np.concatenate(tables).astype(np.int32)


@dataclass
class Layout:
    """The text of chosen trees as rows of a matrix: symbol codes, heads and values per text position."""

    text: np.ndarray    # (trees, columns) uint8, padded with 0
    heads: np.ndarray   # (trees, columns) int64: text position of the consuming operator, -1 for root/parens
    values: np.ndarray  # (trees, columns) int64: the symbol's value, NO_VALUE for parentheses
    length: np.ndarray  # per tree


def lay_out(batch: Batch, chosen: np.ndarray) -> Layout:
    """Text, heads and values of the trees ``chosen`` (indices into the batch), in that order."""
    width, length = batch.width, batch.length
    # Per slot, top-down: where its text starts (inside any parentheses round it), where its
    # own symbol goes (the operator, or the digit) and the position of the operator consuming it.
    start = np.zeros(batch.count * width, dtype=np.int32)
    position = np.zeros(batch.count * width, dtype=np.int32)
    head = np.full(batch.count * width, -1, dtype=np.int32)
    for level in batch.levels:
        nodes, right = level.nodes, level.right
        begin, left = start[nodes], nodes + 1
        start[left] = begin + batch.wrapped[left]
        symbol = begin + 2 * batch.wrapped[left] + length[left]
        start[right] = symbol + 1 + batch.wrapped[right]
        position[nodes] = head[left] = head[right] = symbol
    position[batch.leaves] = start[batch.leaves]
    # The chosen trees' slots in use (prefix order fills 0..2n), row by row.
    columns = 2 * width  # at most 2n + 1 symbols and n parenthesis pairs
    in_use = np.arange(width) < 2 * batch.operators[chosen, None] + 1
    slots = (chosen[:, None] * width + np.arange(width))[in_use]
    row_start = (np.arange(chosen.size)[:, None] * columns + np.zeros(width, dtype=np.int64))[in_use]
    cells = chosen.size * columns
    text = np.zeros(cells, dtype=np.uint8)
    heads = np.full(cells, -1, dtype=np.int64)
    values = np.full(cells, NO_VALUE, dtype=np.int64)
    at = row_start + position[slots]
    text[at], heads[at], values[at] = batch.code[slots], head[slots], batch.value[slots]
    wrapped = batch.wrapped[slots] == 1
    opening = row_start[wrapped] + start[slots[wrapped]] - 1
    text[opening] = _OPEN
    text[opening + 1 + length[slots[wrapped]]] = _CLOSE
    shape = (chosen.size, columns)
    return Layout(text.reshape(shape), heads.reshape(shape), values.reshape(shape), length[chosen * width])


_POWERS_OF_TEN = 10 ** np.arange(1, 19, dtype=np.int64)


def number_rows(numbers: np.ndarray, row_lengths: np.ndarray, marker: str) -> list[str]:
    """Each (non-empty) row's numbers as one space-separated string, ``marker`` for -1 (numbers are >= -1).

    ``numbers`` holds the rows one after the other. Written with numpy into
    one buffer (digit by digit for all numbers at once) and cut into rows, as
    ``" ".join(map(str, row))`` per row costs several times more.
    """
    if numbers.size == 0:
        return [""] * row_lengths.size
    marked = numbers < 0
    digits = 1 + np.searchsorted(_POWERS_OF_TEN, numbers, side="right")
    widths = np.where(marked, len(marker), digits)
    ends = np.cumsum(widths + 1)  # each number and the space after it
    buffer = np.full(int(ends[-1]), ord(" "), dtype=np.uint8)
    last = ends - 2  # where each number's last character goes
    remaining = np.where(marked, 0, numbers)
    for place in range(int(digits.max())):
        write = ~marked & (digits > place)
        buffer[last[write] - place] = ord("0") + remaining[write] % 10
        remaining //= 10
    for offset, char in enumerate(marker.encode("ascii")):
        buffer[last[marked] - len(marker) + 1 + offset] = char
    text = buffer.tobytes().decode("ascii")
    row_ends = np.cumsum(row_lengths)
    bounds = np.concatenate([[0], ends[row_ends - 1]]).tolist() if row_ends.size else [0]
    return [text[start:end - 1] for start, end in zip(bounds, bounds[1:])]
