"""What ``addition`` and ``multiplication`` share: format parameters, split plans, sampling, oracle.

Follows Zhou et al. (2023), "What Algorithms can Transformers Learn? A Study
in Length Generalization" (arXiv 2310.16028): the digit format (reversed
output, reversed operands, index hints, zero padding) is a parameter, and the
``longer`` plan trains on short operands and tests on longer ones. The format
rules and carry definitions are in :mod:`genforge.generators.arithmetic`.

Split plans (lengths are digit counts of *both* operands, before padding):

* ``iid``: train / validation / test_id by input bucket, both operands with
  ``train_digits_min``..``train_digits_max`` digits.
* ``longer`` (default): as iid, plus ``test_ood_length`` whose operands both
  have ``test_digits_min``..``test_digits_max`` digits, so no training operand
  is as long as any test operand (``test_digits_min > train_digits_max``).
* ``held_out_carry_pattern``: train / validation / test_id keep the longest
  carry chain <= ``train_max_carry_chain``; ``test_ood_carry`` holds operands
  of training lengths whose longest carry chain is longer than that, so every
  test example has a carry chain longer than any in training.

Answer normalization (:meth:`ArithmeticTask.normalize_answer`): whitespace is
removed. An answer of (marker, digit) pairs is rewritten most significant
place first with zero digits above the highest non-zero place dropped (the
markers say the place of every digit, so this compares numbers as numbers).
An answer of bare digits is returned unchanged unless the instruction is
passed: without it the reading direction is unknown and stripping zeros
could make a wrong reversed answer ("1" for "01" = 10) match. With the
instruction, leading zeros (most significant first output) or trailing zeros
(reversed output) are stripped, keeping a single "0".

Structure (:meth:`ArithmeticTask.structure`): atoms are the operation symbol
and the operand digits; compounds are the column operations ``x+y+c``
(digit pair and carry-in) of addition, or the digit products with the row
carry-in ``x*y+c`` of multiplication.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional

import numpy as np

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.generators import arithmetic
from genforge.generators.arithmetic import HINT_MARKERS, MARKER_INDEX, DigitFormat, FormatError
from genforge.core.task import Task

MAX_DIGITS = 1000
_FORMAT_DESCRIPTIONS = {
    "reversed_operands": "write each operand least significant digit first",
    "reversed_output": "write the result least significant digit first (Zhou et al.: helps length generalization)",
    "index_hints": "precede every digit by a place marker shared by the operands (a = units, b = tens, ...); "
                   "operands are padded to the same width",
    "zero_padding": "pad operands with zeros to the same width n and the result to n+1 (sum) or 2n (product) digits",
}
# Digit pairs (x, y) by the column sum they reach; drawn to build forced carry chains.
_PAIRS_SUM_10 = [(x, y) for x in range(10) for y in range(10) if x + y >= 10]
_PAIRS_SUM_9 = [(x, y) for x in range(10) for y in range(10) if x + y >= 9]


def _digit_count_range(low: int, high: int) -> int:
    """How many numbers have low..high digits (a 1-digit number may be 0)."""
    return (10 ** high) - (10 ** (low - 1) if low > 1 else 0)


def random_number(rng: RandomStream, digits: int) -> str:
    """A uniform number with exactly ``digits`` digits (0..9 when 1), as a string."""
    if digits == 1:
        return "0123456789"[rng.below(10)]
    if digits <= 19:
        # One 64-bit word covers the range; far fewer draws than digit by digit.
        return str(rng.integer(10 ** (digits - 1), 10 ** digits - 1))
    return str(rng.integer(10 ** 18, 10 ** 19 - 1)) + rng.string(arithmetic.DIGITS, digits - 19)


def arithmetic_parameters(train_digits_max: int, test_digits: tuple[int, int], train_max_carry_chain: int) -> dict:
    """The parameters of an arithmetic task; the arguments are the defaults that differ by operation."""
    test_low, test_high = test_digits
    return {
        "train_digits_min": {"type": "integer", "default": 1, "minimum": 1, "maximum": MAX_DIGITS,
                             "description": "fewest digits of an operand in train, validation and test_id"},
        "train_digits_max": {"type": "integer", "default": train_digits_max, "minimum": 1,
                             "maximum": MAX_DIGITS,
                             "description": "most digits of an operand in train, validation and test_id"},
        "test_digits_min": {"type": "integer", "default": test_low, "minimum": 2, "maximum": MAX_DIGITS,
                            "description": "longer plan: fewest digits of an operand in test_ood_length "
                                           "(must exceed train_digits_max)"},
        "test_digits_max": {"type": "integer", "default": test_high, "minimum": 2, "maximum": MAX_DIGITS,
                            "description": "longer plan: most digits of an operand in test_ood_length"},
        "equal_lengths": {"type": "boolean", "default": False,
                          "description": "both operands get the same digit count (else drawn independently)"},
        **{flag: {"type": "boolean", "default": False, "description": _FORMAT_DESCRIPTIONS[flag]}
           for flag in arithmetic.FLAGS},
        "random_hint_offset": {"type": "boolean", "default": False,
                               "description": "index_hints: the units marker is drawn at random (all markers "
                                              "of an example must fit in a-z, A-Z) instead of always 'a'"},
        "train_max_carry_chain": {"type": "integer", "default": train_max_carry_chain, "minimum": 0,
                                  "maximum": 2 * MAX_DIGITS,
                                  "description": "held_out_carry_pattern plan: longest carry chain allowed in "
                                                 "train, validation and test_id; test_ood_carry exceeds it"},
        "train_size": {"type": "integer", "default": 10000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of train"},
        "test_size": {"type": "integer", "default": 1000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of validation and every test split"},
    }


class ArithmeticTask(Task):
    """Shared by AdditionTask and MultiplicationTask; subclasses set the class attributes."""

    operation: ClassVar[str] = "add"
    default_split_plan = "longer"

    # -- parameters ------------------------------------------------------
    def check_params(self, params: Mapping[str, Any]) -> None:
        for low, high in (("train_digits_min", "train_digits_max"), ("test_digits_min", "test_digits_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_digits_min", ">", "train_digits_max",
                           "test operands must be longer than any trained")
        if params["index_hints"]:
            places = arithmetic.result_width(self.operation, params["test_digits_max"], params["test_digits_max"])
            self.require(places <= len(HINT_MARKERS),
                         f"parameter 'index_hints' = true needs one marker per result place: "
                         f"test_digits_max = {params['test_digits_max']} gives {places} places, more than the "
                         f"{len(HINT_MARKERS)} markers; lower test_digits_max")

    def longest_possible_chain(self, digits: int) -> int:
        """Longest carry chain any operands of at most ``digits`` digits reach."""
        return digits if self.operation == "add" else 2 * digits - 1

    @staticmethod
    def digit_format(params: Mapping[str, Any]) -> DigitFormat:
        return DigitFormat(*(bool(params[flag]) for flag in arithmetic.FLAGS))

    # -- split plans -----------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        train_low, train_high = params["train_digits_min"], params["train_digits_max"]
        test_low, test_high = params["test_digits_min"], params["test_digits_max"]
        chain = params["train_max_carry_chain"]

        def train_lengths(example: Example, bucket: float) -> bool:
            c = example.meta["complexity"]
            return train_low <= c["digits_a"] <= train_high and train_low <= c["digits_b"] <= train_high

        def test_lengths(example: Example, bucket: float) -> bool:
            c = example.meta["complexity"]
            return test_low <= c["digits_a"] <= test_high and test_low <= c["digits_b"] <= test_high

        def short_chain(example: Example, bucket: float) -> bool:
            return train_lengths(example, bucket) and example.meta["complexity"]["longest_carry_chain"] <= chain

        def long_chain(example: Example, bucket: float) -> bool:
            return train_lengths(example, bucket) and example.meta["complexity"]["longest_carry_chain"] > chain

        sizes = (params["train_size"], params["test_size"], params["test_size"])
        iid = iid_splits(*sizes, within=train_lengths)
        longer = SplitSpec(
            "test_ood_length", params["test_size"],
            f"both operands with {test_low} to {test_high} digits (train: {train_low} to {train_high})",
            test_lengths, {"digits_min": test_low, "digits_max": test_high}, "length",
        )
        carry_train = iid_splits(*sizes, within=short_chain)
        possible = self.longest_possible_chain(train_high)
        carry_test = SplitSpec(
            "test_ood_carry", params["test_size"],
            f"operands of training lengths whose longest carry chain exceeds {chain} (train: at most {chain})"
            + ("" if chain < possible else f"; EMPTY: {train_high}-digit operands reach chains of at most {possible}, "
               "lower train_max_carry_chain"),
            long_chain, {"carry_chain_min": chain + 1}, "complexity",
        )
        return {
            "iid": SplitPlan("iid", "train / validation / test_id from one distribution", iid),
            "longer": SplitPlan("longer", "test on operands longer than any in training", iid + (longer,)),
            "held_out_carry_pattern": SplitPlan(
                "held_out_carry_pattern", "test on carry chains longer than any in training",
                carry_train + (carry_test,)),
        }

    def space_size(self, params: Mapping[str, Any], split: SplitSpec) -> Optional[int]:
        # An upper bound: operand pairs of the split's lengths (times the hint offsets when random).
        if split.name == "test_ood_carry" and (
                params["train_max_carry_chain"] >= self.longest_possible_chain(params["train_digits_max"])):
            return 0  # no operands of training lengths have a longer chain: say so before sampling
        low = split.sample_params.get("digits_min", params["train_digits_min"])
        high = split.sample_params.get("digits_max", params["train_digits_max"])
        if params["equal_lengths"]:
            pairs = sum(_digit_count_range(n, n) ** 2 for n in range(low, high + 1))
        else:
            pairs = _digit_count_range(low, high) ** 2
        return pairs * (len(HINT_MARKERS) if params["index_hints"] and params["random_hint_offset"] else 1)

    # -- sampling ----------------------------------------------------------
    def _lengths(self, rng: RandomStream, low: int, high: int, equal: bool) -> tuple[int, int]:
        length_a = rng.integer(low, high) if low < high else low
        length_b = length_a if equal else (rng.integer(low, high) if low < high else low)
        return length_a, length_b

    def _operands_with_chain(self, rng, low, high, chain_min, equal) -> Optional[tuple[str, str]]:
        """Addition operands with a carry chain of chain_min..shorter length columns, placed at random.

        The chain's first column draws a digit pair summing to >= 10, the others
        pairs summing to >= 9 (they receive a carry). Only speeds up filling the
        carry test split; its predicate still decides membership.
        """
        if low > high:
            return None
        length_a, length_b = self._lengths(rng, low, high, equal)
        shorter = min(length_a, length_b)
        chain = rng.integer(chain_min, shorter)
        start = rng.integer(0, shorter - chain)
        a = list(random_number(rng, length_a)[::-1])
        b = list(random_number(rng, length_b)[::-1])
        for column in range(start, start + chain):
            x, y = rng.choice(_PAIRS_SUM_10 if column == start else _PAIRS_SUM_9)
            a[column], b[column] = str(x), str(y)
        if (length_a > 1 and a[-1] == "0") or (length_b > 1 and b[-1] == "0"):
            return None  # a forced zero in the leading place would change the digit count
        return "".join(reversed(a)), "".join(reversed(b))

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        if count <= 0:
            return []
        low = params.get("digits_min", params["train_digits_min"])
        high = params.get("digits_max", params["train_digits_max"])
        chain_min = params.get("carry_chain_min", 0)
        if chain_min and self.operation == "add":
            return self._sample_with_chains(rng, params, count, max(low, chain_min), high, chain_min)
        # The whole block at once: lengths, digits, column sums and carries are numpy arrays.
        operation = self.operation
        lengths_a = low + rng.index_array(high - low + 1, count).astype(np.int64)
        if params["equal_lengths"]:
            lengths_b = lengths_a
        else:
            lengths_b = low + rng.index_array(high - low + 1, count).astype(np.int64)
        # Both operands in one draw: rows 0..count-1 are the a's, the rest the b's.
        operand_lengths = np.concatenate((lengths_a, lengths_b))
        operand_digits = arithmetic.random_digit_rows(rng, operand_lengths, high)
        a_digits, b_digits = operand_digits[:count], operand_digits[count:]
        digits, carries, longest = arithmetic.propagate_carries(
            operation, arithmetic.column_sums(operation, a_digits, b_digits))
        result_lengths = arithmetic.significant_lengths(digits)
        widths = np.maximum(lengths_a, lengths_b)
        offsets = self._hint_offsets(rng, params, widths)

        digit_format = self.digit_format(params)
        instruction = arithmetic.instruction_text(operation, digit_format)
        operand_texts = arithmetic.decimal_strings(operand_digits, operand_lengths)
        a_texts, b_texts = operand_texts[:count], operand_texts[count:]
        results = arithmetic.decimal_strings(digits, result_lengths)
        inputs, targets = arithmetic.render_block(operation, digit_format, a_texts, b_texts, results, offsets)
        make_example, Scratchpad = example_of, arithmetic.Scratchpad
        return [
            make_example((instruction, text, target, {"domain": operation, "complexity": {
                "digits_a": length_a,
                "digits_b": length_b,
                "digits": width,
                "result_digits": result_length,
                "carries": carry_count,
                "longest_carry_chain": chain,
            }}, Scratchpad(operation, a, b)))
            for a, b, text, target, length_a, length_b, width, result_length, carry_count, chain in zip(
                a_texts, b_texts, inputs, targets, lengths_a.tolist(), lengths_b.tolist(), widths.tolist(),
                result_lengths.tolist(), carries.tolist(), longest.tolist())
        ]

    def _hint_offsets(self, rng: RandomStream, params: Mapping[str, Any], widths: np.ndarray) -> list[int]:
        """The units marker of every example: 0, or random when asked, leaving room for every result place."""
        if not (params["random_hint_offset"] and params["index_hints"]):
            return [0] * len(widths)
        # Hints pad both operands to the longer width n; the result may need n+1 or 2n places.
        bounds = [len(HINT_MARKERS) - arithmetic.result_width(self.operation, n, n) + 1 for n in widths.tolist()]
        return rng.bounded_array(np.array(bounds, dtype=np.uint64)).tolist()

    def _sample_with_chains(self, rng: RandomStream, params: Mapping[str, Any], count: int,
                            low: int, high: int, chain_min: int) -> list[Optional[Example]]:
        """Addition's carry test split, example by example (operands built around a forced chain)."""
        digit_format = self.digit_format(params)
        instruction = arithmetic.instruction_text(self.operation, digit_format)
        random_offset = params["random_hint_offset"] and digit_format.index_hints
        examples: list[Optional[Example]] = []
        for _ in range(count):
            operands = self._operands_with_chain(rng, low, high, chain_min, params["equal_lengths"])
            if operands is None:
                examples.append(None)
                continue
            a, b = operands
            offset = 0
            if random_offset:
                width = max(len(a), len(b))
                offset = rng.below(len(HINT_MARKERS) - arithmetic.result_width(self.operation, width, width) + 1)
            examples.append(self.example(a, b, digit_format, offset, instruction))
        return examples

    def example(self, a: str, b: str, digit_format: DigitFormat, offset: int = 0,
                instruction: Optional[str] = None) -> Example:
        """The example ``a <op> b`` (digit strings without padding) in ``digit_format``."""
        operation = self.operation
        if operation == "add":
            result = str(int(a) + int(b))
            carries, longest = arithmetic.addition_carries(a, b)
        else:
            result = str(int(a) * int(b))
            carries, longest = arithmetic.multiplication_carries(a, b)
        text, target = arithmetic.render(operation, a, b, digit_format, offset, result)
        complexity = {
            "digits_a": len(a),
            "digits_b": len(b),
            "digits": max(len(a), len(b)),
            "result_digits": len(result),
            "carries": carries,
            "longest_carry_chain": longest,
        }
        return Example(instruction or arithmetic.instruction_text(operation, digit_format), text, target,
                       {"domain": operation, "complexity": complexity}, arithmetic.Scratchpad(operation, a, b))

    def difficulty(self, example: Example) -> float:
        # Longer operands and longer carry chains are harder; saturates towards 1.
        c = example.meta["complexity"]
        size = c["digits_a"] + c["digits_b"] + c["longest_carry_chain"]
        return size / (size + 30)

    # -- oracle --------------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        try:
            operation, digit_format, a, b, offset = arithmetic.parse_input(instruction, input)
        except FormatError as error:
            raise UsageError(f"task {self.name!r} cannot read this example: {error}") from None
        if operation != self.operation:
            raise UsageError(f"task {self.name!r} solves {self.operation!r} instructions, not {operation!r}")
        return arithmetic.render(operation, a, b, digit_format, offset)[1]

    def normalize_answer(self, answer: str, instruction: Optional[str] = None) -> str:
        """Canonical answer for exact match; see the module docstring for the rule."""
        text = "".join(str(answer).split())
        if len(text) >= 2 and text[0] in MARKER_INDEX and text[-2] in MARKER_INDEX:
            # Markers name every digit's place, so either reading order is unambiguous.
            lsd_first = MARKER_INDEX[text[0]] <= MARKER_INDEX[text[-2]]
            try:
                digits, low = arithmetic.read_number(text, lsd_first, True)
            except FormatError:
                return text
            digits = digits.lstrip("0") or "0"
            return arithmetic.write_number(digits, False, True, low)
        if instruction is None or not text.isdigit():
            return text
        try:
            _, digit_format = arithmetic.parse_instruction(instruction)
        except FormatError:
            return text
        stripped = text.rstrip("0") if digit_format.reversed_output else text.lstrip("0")
        return stripped or "0"

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Atoms: operation symbol and operand digits; compounds: column (addition) or digit-product steps."""
        operation, _, a, b, _ = arithmetic.parse_input(record.get("instruction"), record["input"])
        symbol = arithmetic.OPERATIONS[operation]
        atoms = [symbol, *a, *b]
        if operation == "add":
            compounds = [f"{x}+{y}+{c}" for x, y, c in arithmetic.addition_columns(a, b)]
        else:
            compounds = []
            for y in map(int, reversed(b)):
                carry = 0
                for x in map(int, reversed(a)):
                    compounds.append(f"{x}*{y}+{carry}")
                    carry = (x * y + carry) // 10
        return atoms, compounds
