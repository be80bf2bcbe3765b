"""Task ``hint``: evaluate HINT arithmetic expressions (exact natural numbers).

Li, Zhu, Zhang, Zhang, Zhu, Wang (ICLR 2023), "A Minimalist Dataset for
Systematic Generalization of Perception, Syntax, and Semantics" (HINT), the
benchmark of the Neural-Symbolic Recursive Machine. The input is an expression
over single digits with ``+ - * /`` and minimal parentheses (``6*(5-2)``);
``-`` is truncated (``max(0, a - b)``), ``/`` is ceiling division; the target
is the value as a decimal integer. The rules are in
:mod:`genforge.generators.hint_expressions`.

Sampling: the operator count ``n`` is drawn so that every count of the
split's range is kept equally often (HINT draws the same number of
expressions per count; ``operator_balance=false``: uniform, which kept 16.6%
of training expressions with 2 operators and 6.8% with 10), see
:mod:`genforge.generators.hint_balance`; the expression is drawn in prefix
order (see the generator); draws that divide by
zero, leave the split's value range, or (for ``n >= zero_result_min_operators``)
evaluate to 0 are rejected; no single result holds more than ``result_share_cap``
of a split, exactly: every split declares it as its ``label_cap`` on the result
(``cap_key = "target"``) and the engine skips a record whose result already has
``floor(cap * size)`` records in the split (at least one). A pilot-based keep
probability (:mod:`genforge.generators.hint_result_cap`) thins the most common
results first, so that few draws are skipped.
A block draws its trees many at a time (:mod:`genforge.generators.hint_sampler`
and :mod:`genforge.generators.hint_batch`, same law as the one-tree reference
``sample_expression``) until it has one kept draw per slot, and the trace is
worked out from the input only when written.

Split plan ``hint`` (default) follows the paper's test subsets; "max value" is
the largest value of any sub-expression (digits, intermediate values and the
result), written ``v`` below, and ``n`` the operator count:

* ``train`` / ``validation`` / ``SS``: ``min_operators <= n <= max_operators``,
  ``v <= max_value``, carved 80/10/10 by input hash (SS = "short, small
  values", not in train);
* ``LS``: ``max_operators < n <= long_max_operators``, ``v <= max_value``;
* ``SL``: short, ``max_value < v <= large_max_value``;
* ``LL``: long and ``max_value < v <= large_max_value``.

Plan ``iid`` has only train / validation / test_id of the training range.

meta: ``complexity`` = ``operators``, ``max_value``, ``depth`` (tree depth, 0
for a digit) and ``length`` (symbols in the input); with ``dependencies``
also HINT's annotation as two space-separated strings aligned with the input
symbols: ``heads`` (index of the operator consuming each symbol, -1 for the
root and for parentheses) and ``values`` (value of each symbol's
sub-expression, ``_`` for parentheses). The trace lists the operations in
evaluation order (``5-2=3``, ``6*3=18``).

difficulty = ``0.5 * n / (n + 10) + 0.5 * L / (L + 2)`` with
``L = log10(1 + max_value)``: monotone in both measures, below 1.

structure(record): atoms are the digits and operators of the input
(parentheses are syntax, implied by the compounds); compounds are the
parent-child operator pairs of the expression tree written
``parent>side>child`` (``*>right>-`` for ``6*(5-2)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional

from genforge.core.errors import ParameterError, UsageError
from genforge.core.params import Params, param, split_setting, test_size, train_size
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.core.task import Task
from genforge.generators import hint_sampler
from genforge.generators.hint_expressions import (
    DIGITS, DivisionByZero, ExpressionSyntaxError, evaluate, operator_pairs, parse,
)
from genforge.generators.hint_sampler import SplitLaw


@dataclass(frozen=True)
class HintParams(Params):
    min_operators: int = param(0, "fewest operators in a short (train, SS, SL) expression", minimum=0, maximum=100)
    max_operators: int = param(10, "most operators in a short expression; long ones (LS, LL) have more",
                               minimum=0, maximum=100)
    long_max_operators: int = param(20, "most operators in a long expression (LS, LL)", minimum=1, maximum=200)
    max_value: int = param(100, "largest value (of any sub-expression) in train, SS and LS",
                           minimum=9, maximum=10**12)
    large_max_value: int = param(10_000, "largest value in SL and LL (which exceed max_value)",
                                 minimum=10, maximum=10**15)
    zero_result_min_operators: int = param(3, "expressions with at least this many operators may not evaluate to 0 "
                                           "(HINT: 3)", minimum=0, maximum=201)
    result_share_cap: float = param(0.05, "largest share of any single result in a split (HINT: 5%); 1 = no cap",
                                    minimum=0.001, maximum=1.0)
    operator_balance: bool = param(True, "keep every operator count equally often in a split (HINT draws the same "
                                   "number of expressions per count); false: the count is drawn uniformly")
    dependencies: bool = param(True, "write HINT's dependency heads and symbol values into meta")
    train_size: int = train_size()
    test_size: int = test_size()
    #: Every split of every plan sets its operator range and open-closed value range (value_floor, value_cap].
    operators_min: int = split_setting(0, "fewest operators the split draws")
    operators_max: int = split_setting(0, "most operators the split draws")
    value_floor: int = split_setting(-1, "every draw's largest value exceeds this")
    value_cap: int = split_setting(0, "no value of a draw exceeds this")

    def law(self) -> SplitLaw:
        """What this split draws."""
        return SplitLaw(self.operators_min, self.operators_max, self.value_floor, self.value_cap,
                        self.zero_result_min_operators, self.result_share_cap, self.operator_balance)


#: Nuisance features that LS (longer expressions) and SL (larger values) move by design; LL moves both.
LONG_MOVES = ("operators", "depth", "input_length")
LARGE_MOVES = ("max_value_digits", "result_class")


def _result_class(value: int) -> str:
    """A coarse class of a result: 0, 1, a digit, two digits, three or more."""
    return "0" if value == 0 else "1" if value == 1 else "2-9" if value < 10 else "10-99" if value < 100 else "100+"


def _too_rare(params: HintParams, split: str, law: SplitLaw, rate: float, least: float) -> str:
    """Why a split is refused, naming the parameters of its ranges."""
    long = law.operators_min > params.max_operators
    names = ("max_operators", "long_max_operators") if long else ("min_operators", "max_operators")
    names += ("max_value", "large_max_value") if law.value_floor >= 0 else ("max_value",)
    return (f"parameters {', '.join(f'{name} = {getattr(params, name)}' for name in names)}: split {split!r} "
            f"({law.operators_min} to {law.operators_max} operators, largest value in ({law.value_floor}, "
            f"{law.value_cap}]) keeps {rate:.3%} of its draws, under the {least:.3%} that fill it within bounded "
            "work; widen these ranges (or result_share_cap, zero_result_min_operators)"
            + ("" if split in ("train", "validation", "SS") else ", or use --split-plan iid"))


class HintTask(Task):
    name = "hint"
    version = "1.3"
    #: The label the result cap counts (not listed in the manifest: results are too many to be worth it).
    cap_key = "target"
    summary = "evaluate HINT arithmetic expressions (truncated -, ceiling /) with SS/LS/SL/LL test splits"
    default_split_plan = "hint"
    Params = HintParams

    def check_params(self, params: HintParams) -> None:
        self.require_order(params, "min_operators", "<=", "max_operators")
        self.require_order(params, "long_max_operators", ">", "max_operators",
                           "long expressions have more operators than short ones")
        self.require_order(params, "large_max_value", ">", "max_value", "SL and LL hold values above max_value")

    # -- plans -----------------------------------------------------------
    def split_plans(self, params: HintParams) -> dict[str, SplitPlan]:
        short = (params.min_operators, params.max_operators)
        long = (params.max_operators + 1, params.long_max_operators)
        small = (-1, params.max_value)
        large = (params.max_value, params.large_max_value)

        def within(operators, values):
            def accepts(example: Example, bucket: float) -> bool:
                c = example.meta["complexity"]
                return operators[0] <= c["operators"] <= operators[1] and values[0] < c["max_value"] <= values[1]
            return accepts

        # HINT: no result above result_share_cap of a split (1: no cap).
        cap = params.result_share_cap if params.result_share_cap < 1 else None

        def sampling(operators, values):
            return {"operators_min": operators[0], "operators_max": operators[1],
                    "value_floor": values[0], "value_cap": values[1]}

        train, validation, test_id = (
            SplitSpec(s.name, s.size, s.description, s.accepts, sampling(short, small), s.shift, label_cap=cap)
            for s in iid_splits(params.train_size, params.test_size, params.test_size,
                                within=within(short, small))
        )
        test_size = params.test_size
        short_text = f"{short[0]} to {short[1]} operators"
        long_text = f"{long[0]} to {long[1]} operators"
        small_text = f"every value <= {small[1]}"
        large_text = f"largest value from {large[0] + 1} to {large[1]}"
        paper = (
            train, validation,
            SplitSpec("SS", test_size, f"short and small: {short_text}, {small_text} (not in train)",
                      test_id.accepts, sampling(short, small), "iid", label_cap=cap),
            SplitSpec("LS", test_size, f"long, small values: {long_text}, {small_text}",
                      within(long, small), sampling(long, small), "length", moves=LONG_MOVES, label_cap=cap),
            SplitSpec("SL", test_size, f"short, large values: {short_text}, {large_text}",
                      within(short, large), sampling(short, large), "value", moves=LARGE_MOVES, label_cap=cap),
            SplitSpec("LL", test_size, f"long, large values: {long_text}, {large_text}",
                      within(long, large), sampling(long, large), "length_and_value",
                      moves=LONG_MOVES + LARGE_MOVES, label_cap=cap),
        )
        return {
            "hint": SplitPlan("hint", "HINT's test subsets: SS, LS (longer), SL (larger values), LL (both)", paper),
            "iid": SplitPlan("iid", "train / validation / test_id of short expressions with small values",
                             (train, validation, test_id)),
        }

    def space_size(self, params: HintParams, split: SplitSpec) -> Optional[int]:
        """How many expressions have the split's operator counts (an upper bound: the value range and the
        hash buckets keep fewer), after refusing a split too rare to fill within bounded work."""
        law = params.for_split(split.sample_params, params.seed).law()
        # The share of hash buckets the split takes (train 80%, validation and SS 10%, the others all),
        # read from its predicate on a draw that fits its ranges.
        fits = example_of((None, "", "", {"complexity": {"operators": law.operators_min, "max_value": law.value_cap}}))
        share = sum(split.accepts(fits, (k + 0.5) / 20) for k in range(20)) / 20
        sampler = hint_sampler.sampler(law, (self.name, self.version))
        if sampler.pilot_rate < law.least_pilot_rate():
            raise ParameterError(_too_rare(params, split.name, law, sampler.pilot_rate, law.least_pilot_rate()))
        if sampler.kept_per_draw < law.least_kept_rate(share):
            raise ParameterError(_too_rare(params, split.name, law, sampler.kept_per_draw, law.least_kept_rate(share)))
        # n operators: a tree shape (the Catalan number), an operator per node and a digit per leaf.
        return sum(math.comb(2 * n, n) // (n + 1) * 4 ** n * 10 ** (n + 1)
                   for n in range(law.operators_min, law.operators_max + 1))

    # -- sampling --------------------------------------------------------
    def sample_block(self, rng: RandomStream, params: HintParams, count: int) -> list[Optional[Example]]:
        # The result cap's pilot is seeded by the task, its version and the split's law only.
        return hint_sampler.sample_block(rng, params.law(), (self.name, self.version), params.dependencies, count)

    def difficulty(self, example: Example) -> float:
        c = example.meta["complexity"]
        n = c["operators"]
        magnitude = math.log10(1 + c["max_value"])
        return 0.5 * n / (n + 10) + 0.5 * magnitude / (magnitude + 2)

    # -- oracle ----------------------------------------------------------
    def _parse(self, input: str):
        try:
            return parse(input)
        except ExpressionSyntaxError as error:
            raise UsageError(f"task hint: cannot read the input expression: {error}") from None

    def solve(self, instruction: Optional[str], input: str) -> str:
        try:
            return str(evaluate(self._parse(input)))
        except DivisionByZero:
            raise UsageError(f"task hint: the input {input!r} divides by zero") from None

    # -- audit -----------------------------------------------------------
    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Operator count, depth, input length, the digits of the largest value and the result's class."""
        c = record["meta"]["complexity"]
        return {"operators": c["operators"], "depth": c["depth"], "input_length": c["length"],
                "max_value_digits": len(str(c["max_value"])), "result_class": _result_class(int(record["target"]))}

    def normalize_answer(self, answer: str) -> str:
        """Integers compare as integers: ``' 018 '``, ``'+18'`` and ``'18.0'`` all give ``'18'``."""
        text = "".join(str(answer).split())
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            return " ".join(str(answer).split())
        if number.is_finite() and number == number.to_integral_value():
            return str(int(number))
        return text

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        tree = self._parse(record["input"])
        atoms = [c for c in record["input"] if c in DIGITS or c in "+-*/"]
        compounds = [f"{parent}>{side}>{child}" for parent, side, child in operator_pairs(tree)]
        return atoms, compounds
