"""What ``addition`` and ``multiplication`` share: typed parameters, split plans, oracle.

Follows Zhou et al. (2023), "What Algorithms can Transformers Learn? A Study
in Length Generalization" (arXiv 2310.16028): the digit format (reversed
output, reversed operands, index hints, zero padding) is a parameter, and the
``longer`` plan trains on short operands and tests on longer ones. The format
rules, carry definitions and the sampling are in :mod:`genforge.generators.arithmetic`.

Split plans (lengths are digit counts of *both* operands, before padding):

* ``iid``: train / validation / test_id by input bucket, both operands with
  ``train_digits_min``..``train_digits_max`` digits.
* ``longer`` (default): as iid, plus ``test_ood_length`` whose operands both
  have ``test_digits_min``..``test_digits_max`` digits, so no training operand
  is as long as any test operand (``test_digits_min > train_digits_max``).
* ``held_out_carry_pattern``: train / validation / test_id keep the longest
  carry chain <= ``train_max_carry_chain``; ``test_ood_carry`` holds operands
  of training lengths whose longest carry chain is longer than that, so every
  test example has a carry chain longer than any in training. Both sides
  draw operand sizes from one law
  (:func:`genforge.generators.arithmetic.sample_carry_class`), so carries are
  the only shift (issue 15).

``a <op> b`` and ``b <op> a`` are one question: :meth:`ArithmeticTask.canonical_key`
sorts the operands and sampled examples' ``key()`` returns the same, so the
engine's dedup and split buckets never separate them.

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

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Mapping, Optional

from genforge.core.errors import ParameterError, UsageError
from genforge.core.probes import Probe
from genforge.core.params import Params, param, split_setting, test_size, train_size
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.core.task import Task
from genforge.generators import arithmetic
from genforge.generators.arithmetic import HINT_MARKERS, MARKER_INDEX, DigitFormat, FormatError

MAX_DIGITS = 1000
#: Draws of the acceptance pilot that space_size runs for the carry splits.
PILOT_DRAWS = 2048
#: A carry split that keeps fewer draws than this is refused before sampling: the engine allows
#: ``attempts_per_record`` (200) draws per record, so it would fail after a long search (or barely fill).
MIN_ACCEPTANCE = 1 / 100


# The parameters whose defaults differ by operation; each task's Params sets them.
def train_digits_max(default: int) -> Any:
    return param(default, "most digits of an operand in train, validation and test_id", minimum=1, maximum=MAX_DIGITS)


def test_digits_min(default: int) -> Any:
    return param(default, "longer plan: fewest digits of an operand in test_ood_length (must exceed train_digits_max)",
                 minimum=2, maximum=MAX_DIGITS)


def test_digits_max(default: int) -> Any:
    return param(default, "longer plan: most digits of an operand in test_ood_length", minimum=2, maximum=MAX_DIGITS)


def train_max_carry_chain(default: int) -> Any:
    return param(default, "held_out_carry_pattern plan: longest carry chain allowed in train, validation and "
                 "test_id; test_ood_carry exceeds it", minimum=0, maximum=2 * MAX_DIGITS)


@dataclass(frozen=True)
class ArithmeticParams(Params):
    """The format and length parameters of both operations (addition's defaults; each task sets its own)."""

    train_digits_min: int = param(1, "fewest digits of an operand in train, validation and test_id",
                                  minimum=1, maximum=MAX_DIGITS)
    train_digits_max: int = train_digits_max(10)
    test_digits_min: int = test_digits_min(11)
    test_digits_max: int = test_digits_max(20)
    equal_lengths: bool = param(False, "both operands get the same digit count (else drawn independently)")
    reversed_operands: bool = param(False, "write each operand least significant digit first")
    reversed_output: bool = param(False, "write the result least significant digit first "
                                  "(Zhou et al.: helps length generalization)")
    index_hints: bool = param(False, "precede every digit by a place marker shared by the operands (a = units, "
                              "b = tens, ...); operands are padded to the same width")
    zero_padding: bool = param(False, "pad operands with zeros to the same width n and the result to n+1 (sum) "
                               "or 2n (product) digits")
    random_hint_offset: bool = param(False, "index_hints: the units marker is drawn at random (all markers of an "
                                     "example must fit in a-z, A-Z) instead of always 'a'")
    train_max_carry_chain: int = train_max_carry_chain(4)
    train_size: int = train_size()
    test_size: int = test_size()
    #: The operand lengths a split draws (test_ood_length sets them; 0: the training lengths).
    digits_min: int = split_setting(0, "fewest digits of an operand the split draws")
    digits_max: int = split_setting(0, "most digits of an operand the split draws")
    #: test_ood_carry: the shortest carry chain the split wants (0: any).
    carry_chain_min: int = split_setting(0, "shortest carry chain the split draws (addition builds it)")
    #: held_out_carry_pattern's train, validation and test_id keep chains up to this (-1: any); multiplication
    #: samples that class directly, space_size checks that such draws are not too rare to fill the split.
    carry_chain_max: int = split_setting(-1, "longest carry chain the split keeps (-1: any)")

    def digits(self) -> tuple[int, int]:
        """Fewest and most digits of an operand in this split."""
        return (self.digits_min or self.train_digits_min, self.digits_max or self.train_digits_max)

    def digit_format(self) -> DigitFormat:
        return DigitFormat(self.reversed_operands, self.reversed_output, self.index_hints, self.zero_padding)


#: The nuisance features a longer-operand test split moves by design.
LENGTH_MOVES = ("shorter_operand_digits", "longer_operand_digits", "one_digit_operand", "zero_or_one_operand",
                "carries", "longest_carry_chain", "result_digits")


def _carry_blind_sum(record: Mapping[str, Any]) -> str:
    """The carry_blind_sum probe's answer, in the record's own format."""
    operation, digit_format, a, b, offset = arithmetic.parse_input(record.get("instruction"), record["input"])
    width = max(len(a), len(b))
    digits = "".join(str((int(x) + int(y)) % 10) for x, y in zip(a.zfill(width), b.zfill(width)))
    return arithmetic.render(operation, a, b, digit_format, offset, digits.lstrip("0") or "0")[1]


def _digit_count_range(low: int, high: int) -> int:
    """How many numbers have low..high digits (a 1-digit number may be 0)."""
    return (10 ** high) - (10 ** (low - 1) if low > 1 else 0)


class ArithmeticTask(Task):
    """Shared by AdditionTask and MultiplicationTask; subclasses set the class attributes and Params."""

    operation: ClassVar[str] = "add"
    default_split_plan = "longer"

    # -- parameters ------------------------------------------------------
    def check_params(self, params: ArithmeticParams) -> None:
        for low, high in (("train_digits_min", "train_digits_max"), ("test_digits_min", "test_digits_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_digits_min", ">", "train_digits_max",
                           "test operands must be longer than any trained")
        if params.index_hints:
            places = arithmetic.result_width(self.operation, params.test_digits_max, params.test_digits_max)
            self.require(places <= len(HINT_MARKERS),
                         f"parameter 'index_hints' = true needs one marker per result place: "
                         f"test_digits_max = {params.test_digits_max} gives {places} places, more than the "
                         f"{len(HINT_MARKERS)} markers; lower test_digits_max")

    def longest_possible_chain(self, digits: int) -> int:
        """Longest carry chain any operands of at most ``digits`` digits reach."""
        return digits if self.operation == "add" else 2 * digits - 1

    # -- split plans -----------------------------------------------------
    def split_plans(self, params: ArithmeticParams) -> dict[str, SplitPlan]:
        train_low, train_high = params.train_digits_min, params.train_digits_max
        test_low, test_high = params.test_digits_min, params.test_digits_max
        chain = params.train_max_carry_chain

        def train_lengths(example: Example, bucket: float) -> bool:
            c = example.meta["complexity"]
            return train_low <= c["digits_a"] <= train_high and train_low <= c["digits_b"] <= train_high

        if train_low == 1:  # every operand has a digit: only the longer one's count can fall outside (called per draw)
            def train_lengths(example: Example, bucket: float) -> bool:
                return example.meta["complexity"]["digits"] <= train_high

        def test_lengths(example: Example, bucket: float) -> bool:
            c = example.meta["complexity"]
            return test_low <= c["digits_a"] <= test_high and test_low <= c["digits_b"] <= test_high

        def short_chain(example: Example, bucket: float) -> bool:
            return train_lengths(example, bucket) and example.meta["complexity"]["longest_carry_chain"] <= chain

        def long_chain(example: Example, bucket: float) -> bool:
            return train_lengths(example, bucket) and example.meta["complexity"]["longest_carry_chain"] > chain

        sizes = (params.train_size, params.test_size, params.test_size)
        iid = iid_splits(*sizes, within=train_lengths)
        longer = SplitSpec(
            "test_ood_length", params.test_size,
            f"both operands with {test_low} to {test_high} digits (train: {train_low} to {train_high})",
            test_lengths, {"digits_min": test_low, "digits_max": test_high}, "length",
            # Longer operands: longer results, more carries, never a one-digit (or 0/1) operand.
            moves=LENGTH_MOVES,
        )
        carry_train = tuple(replace(split, sample_params={"carry_chain_max": chain})
                            for split in iid_splits(*sizes, within=short_chain))
        possible = self.longest_possible_chain(train_high)
        carry_test = SplitSpec(
            "test_ood_carry", params.test_size,
            f"operands of training lengths whose longest carry chain exceeds {chain} (train: at most {chain})"
            + ("" if chain < possible else f"; EMPTY: {train_high}-digit operands reach chains of at most {possible}, "
               "lower train_max_carry_chain"),
            long_chain, {"carry_chain_min": chain + 1}, "complexity",
            # Longer chains mean more carries and, at the same operand sizes, longer results.
            moves=("carries", "longest_carry_chain", "result_digits"),
        )
        return {
            "iid": SplitPlan("iid", "train / validation / test_id from one distribution", iid),
            "longer": SplitPlan("longer", "test on operands longer than any in training", iid + (longer,)),
            "held_out_carry_pattern": SplitPlan(
                "held_out_carry_pattern", "test on carry chains longer than any in training",
                carry_train + (carry_test,)),
        }

    def space_size(self, params: ArithmeticParams, split: SplitSpec) -> Optional[int]:
        # An upper bound: operand pairs of the split's lengths (times the hint offsets when random).
        if split.name == "test_ood_carry" and (
                params.train_max_carry_chain >= self.longest_possible_chain(params.train_digits_max)):
            return 0  # no operands of training lengths have a longer chain: say so before sampling
        settings = params.for_split(split.sample_params, params.seed)
        if settings.carry_chain_max >= 0 or settings.carry_chain_min:
            self._require_acceptance(settings, split)
        low, high = settings.digits()
        if params.equal_lengths:
            pairs = sum(_digit_count_range(n, n) ** 2 for n in range(low, high + 1))
        else:
            pairs = _digit_count_range(low, high) ** 2
        return pairs * (len(HINT_MARKERS) if params.index_hints and params.random_hint_offset else 1)

    def _require_acceptance(self, params: ArithmeticParams, split: SplitSpec) -> None:
        """Refuse a carry split whose draws (filtered by carry chain and hash bucket) are too rare to fill it.

        The rate is measured on a fixed pilot of the split's own sampler, each draw
        tried at 20 evenly spaced buckets (the i.i.d. splits take 80, 10 and 10 of them).
        """
        examples = [e for e in self.sample_block(RandomStream.from_parts(self.name, "acceptance pilot"),
                                                 params, PILOT_DRAWS) if e is not None]
        buckets = [(k + 0.5) / 20 for k in range(20)]
        rate = sum(split.accepts(e, b) for e in examples for b in buckets) / (PILOT_DRAWS * len(buckets))
        if rate >= MIN_ACCEPTANCE:
            return
        chain, (low, high) = params.train_max_carry_chain, params.digits()
        if params.carry_chain_max >= 0:
            wanted, remedy = f"at most {chain}", "raise train_max_carry_chain or lower train_digits_max"
        else:
            wanted, remedy = f"longer than {chain}", "lower train_max_carry_chain or raise train_digits_min"
        raise ParameterError(
            f"parameter 'train_max_carry_chain' = {chain}: only {rate:.2%} of draws fit split {split.name!r} "
            f"(operands of {low} to {high} digits, longest carry chain {wanted}), fewer than 1 in "
            f"{round(1 / MIN_ACCEPTANCE)}, too few to fill it; {remedy}")

    # -- sampling ----------------------------------------------------------
    def sample_block(self, rng: RandomStream, params: ArithmeticParams, count: int) -> list[Optional[Example]]:
        low, high = params.digits()
        chain_min = params.carry_chain_min
        if chain_min or params.carry_chain_max >= 0:
            # held_out_carry_pattern: both sides draw operand sizes from one law, so carries are the only shift.
            return arithmetic.sample_carry_class(
                rng, self.operation, params.digit_format(), low, high, params.equal_lengths,
                params.random_hint_offset, params.train_max_carry_chain, chain_min > 0, count)
        return arithmetic.sample_block(rng, self.operation, params.digit_format(), low, high,
                                       params.equal_lengths, params.random_hint_offset, count)

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

    # -- audit -----------------------------------------------------------------
    def canonical_key(self, instruction: Optional[str], input: str) -> str:
        """``a <op> b`` and ``b <op> a`` are one question: the operands in sorted order (sampled examples'
        ``key()`` is the same, so the engine dedups and buckets on it)."""
        return arithmetic.canonical_key(instruction, input)

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Operand sizes, trivial (0 or 1) and one-digit operands, carries and result length (issue 15)."""
        _, _, a, b, _ = arithmetic.parse_input(record.get("instruction"), record["input"])
        a, b = a.lstrip("0") or "0", b.lstrip("0") or "0"
        carries, longest = (arithmetic.addition_carries(a, b) if self.operation == "add"
                            else arithmetic.multiplication_carries(a, b))
        return {
            "shorter_operand_digits": min(len(a), len(b)),
            "longer_operand_digits": max(len(a), len(b)),
            "one_digit_operand": min(len(a), len(b)) == 1,
            "zero_or_one_operand": a in ("0", "1") or b in ("0", "1"),
            "carries": carries,
            "longest_carry_chain": longest,
            "result_digits": len(arithmetic.compute(self.operation, a, b)),
        }

    def shortcut_probes(self, params: ArithmeticParams) -> list[Probe]:
        """Addition: the sum written without carries (each column's digit sum mod 10), which is right
        exactly when nothing carries; it tells how much of a split a carry-blind rule solves."""
        if self.operation != "add":
            return []
        return [Probe("carry_blind_sum", "add every column mod 10, ignoring carries", lambda train: _carry_blind_sum)]

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
