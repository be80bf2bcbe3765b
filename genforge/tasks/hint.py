"""Task ``hint``: evaluate HINT arithmetic expressions (exact natural numbers).

Li, Zhu, Zhang, Zhang, Zhu, Wang (ICLR 2023), "A Minimalist Dataset for
Systematic Generalization of Perception, Syntax, and Semantics" (HINT), the
benchmark of the Neural-Symbolic Recursive Machine. The input is an expression
over single digits with ``+ - * /`` and minimal parentheses (``6*(5-2)``);
``-`` is truncated (``max(0, a - b)``), ``/`` is ceiling division; the target
is the value as a decimal integer. The rules are in
:mod:`genforge.generators.hint_expressions`.

Sampling: the operator count ``n`` is uniform over the split's range, the
expression is drawn in prefix order (see the generator); draws that divide by
zero, leave the split's value range, or (for ``n >= zero_result_min_operators``)
evaluate to 0 are rejected; the share of any single result in a split is held
under ``result_share_cap`` as described in :mod:`genforge.tasks.hint_result_cap`.
A block draws its trees many at a time (:mod:`genforge.generators.hint_batch`,
same law as the one-tree reference ``sample_expression``) until it has one kept
draw per slot, and the trace is worked out from the input only when written.

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

import json
import math

import numpy as np
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.generators import hint_batch
from genforge.generators.hint_expressions import (
    DIGITS, ExpressionSyntaxError, DivisionByZero, evaluate, operator_pairs, parse, steps,
)
from genforge.core.task import Task
from genforge.tasks.hint_result_cap import keep_probabilities, pilot

#: sample_params keys a split sets: operator range and the open-closed value range (value_floor, value_cap].
_RANGE_KEYS = ("operators_min", "operators_max", "value_floor", "value_cap")
#: A block gives up on a slot (leaves it None) after this many draws per slot on average.
MAX_DRAWS_PER_SLOT = 64


class HintExample(Example):
    """An Example whose trace is worked out from its input when read (records carry it only with --trace)."""

    __slots__ = ()

    @property
    def trace(self) -> tuple[str, ...]:
        return tuple(steps(parse(self.input)))


class _Sampling:
    """One split's sampling parameters, its result cap and its batch sampler.

    A draw is one tree: ``n`` uniform in the operator range, then the tree
    (:mod:`genforge.generators.hint_batch`); it is kept when it divides by no
    zero, its largest value is in ``(value_floor, value_cap]``, it is not a
    forbidden 0, and it survives the result cap's thinning.
    """

    def __init__(self, relevant: Mapping[str, Any]):
        self.low, self.high = relevant["operators_min"], relevant["operators_max"]
        self.floor, self.cap = relevant["value_floor"], relevant["value_cap"]
        self.zero_min = relevant["zero_result_min_operators"]
        self.set_cap({}, 1.0)

    def set_cap(self, keep: Mapping[int, float], kept_per_draw: float) -> None:
        """Thin result ``r`` to ``keep[r]`` (results not listed are kept); ``kept_per_draw`` sizes the batches."""
        self.keep_results = np.array(sorted(keep), dtype=np.int64)
        self.keep_chances = np.array([keep[r] for r in sorted(keep)], dtype=np.float64)
        self.kept_per_draw = kept_per_draw

    def _draw(self, rng: RandomStream, size: int):
        """A batch of ``size`` trees and the mask of those the split accepts (before the cap)."""
        span = self.high - self.low + 1
        operators = self.low + rng.index_array(span, size).astype(np.int64) if span > 1 else \
            np.full(size, self.low, dtype=np.int64)
        batch = hint_batch.draw(rng, operators, self.high, self.cap)
        result, largest = batch.result(), batch.largest_value()
        accepted = ~batch.invalid & (largest > self.floor) & ~((result == 0) & (operators >= self.zero_min))
        return batch, result, largest, accepted

    def results(self, rng: RandomStream, size: int) -> list[int]:
        """Results of the accepted draws among ``size`` (for the result cap's pilot)."""
        _, result, _, accepted = self._draw(rng, size)
        return result[accepted].tolist()

    def examples(self, rng: RandomStream, size: int, wanted: int, dependencies: bool) -> list[Example]:
        """The examples of the first ``wanted`` kept draws among ``size``, in draw order."""
        batch, result, largest, accepted = self._draw(rng, size)
        if self.keep_results.size:
            chance = (rng.words(size) >> np.uint64(11)).astype(np.float64) / 9007199254740992.0
            accepted &= chance < self._keep_chance(result)
        chosen = np.nonzero(accepted)[0][:wanted]
        layout = hint_batch.lay_out(batch, chosen)
        return _examples(layout, batch.operators[chosen], largest[chosen], batch.depth[chosen], result[chosen],
                         dependencies)

    def _keep_chance(self, result: np.ndarray) -> np.ndarray:
        where = np.minimum(np.searchsorted(self.keep_results, result), self.keep_results.size - 1)
        return np.where(self.keep_results[where] == result, self.keep_chances[where], 1.0)


def _examples(layout, operators, largest, depths, results, dependencies: bool) -> list[Example]:
    """Examples from a layout: the text, complexity and (with ``dependencies``) heads and values strings."""
    lengths = layout.length.tolist()
    columns = layout.text.shape[1]
    text = layout.text.tobytes().decode("ascii")
    inputs = [text[start:start + length] for start, length in zip(range(0, len(text), columns), lengths)]
    targets = hint_batch.number_rows(results, np.ones(results.size, dtype=np.int64), "")  # results are >= 0
    complexities = [{"operators": n, "max_value": m, "depth": d, "length": length}
                    for n, m, d, length in zip(operators.tolist(), largest.tolist(), depths.tolist(), lengths)]
    if dependencies:
        used = np.arange(columns) < layout.length[:, None]
        metas = [{"domain": "arithmetic", "complexity": complexity, "heads": heads, "values": values}
                 for complexity, heads, values in zip(
                     complexities, hint_batch.number_rows(layout.heads[used], layout.length, "-1"),
                     hint_batch.number_rows(layout.values[used], layout.length, "_"))]
    else:
        metas = [{"domain": "arithmetic", "complexity": complexity} for complexity in complexities]
    return [example_of((None, input, target, meta), HintExample) for input, target, meta in zip(inputs, targets, metas)]


class HintTask(Task):
    name = "hint"
    version = "1.1"
    summary = "evaluate HINT arithmetic expressions (truncated -, ceiling /) with SS/LS/SL/LL test splits"
    default_split_plan = "hint"
    parameters = {
        "min_operators": {"type": "integer", "default": 0, "minimum": 0, "maximum": 100,
                          "description": "fewest operators in a short (train, SS, SL) expression"},
        "max_operators": {"type": "integer", "default": 10, "minimum": 0, "maximum": 100,
                          "description": "most operators in a short expression; long ones (LS, LL) have more"},
        "long_max_operators": {"type": "integer", "default": 20, "minimum": 1, "maximum": 200,
                               "description": "most operators in a long expression (LS, LL)"},
        "max_value": {"type": "integer", "default": 100, "minimum": 9, "maximum": 10**12,
                      "description": "largest value (of any sub-expression) in train, SS and LS"},
        "large_max_value": {"type": "integer", "default": 10_000, "minimum": 10, "maximum": 10**15,
                            "description": "largest value in SL and LL (which exceed max_value)"},
        "zero_result_min_operators": {"type": "integer", "default": 3, "minimum": 0, "maximum": 201,
                                      "description": "expressions with at least this many operators may not "
                                                     "evaluate to 0 (HINT: 3)"},
        "result_share_cap": {"type": "number", "default": 0.05, "minimum": 0.001, "maximum": 1.0,
                             "description": "largest share of any single result in a split (HINT: 5%); 1 = no cap"},
        "dependencies": {"type": "boolean", "default": True,
                         "description": "write HINT's dependency heads and symbol values into meta"},
        "train_size": {"type": "integer", "default": 10_000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of train"},
        "test_size": {"type": "integer", "default": 1000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of validation and every test split"},
    }

    def __init__(self):
        self._samplings: dict[str, _Sampling] = {}

    def check_params(self, params: Mapping[str, Any]) -> None:
        self.require_order(params, "min_operators", "<=", "max_operators")
        self.require_order(params, "long_max_operators", ">", "max_operators",
                           "long expressions have more operators than short ones")
        self.require_order(params, "large_max_value", ">", "max_value", "SL and LL hold values above max_value")

    # -- plans -----------------------------------------------------------
    def _ranges(self, params):
        short = (params["min_operators"], params["max_operators"])
        long = (params["max_operators"] + 1, params["long_max_operators"])
        small = (-1, params["max_value"])
        large = (params["max_value"], params["large_max_value"])
        return short, long, small, large

    def split_plans(self, params):
        short, long, small, large = self._ranges(params)

        def within(operators, values):
            def accepts(example: Example, bucket: float) -> bool:
                c = example.meta["complexity"]
                return operators[0] <= c["operators"] <= operators[1] and values[0] < c["max_value"] <= values[1]
            return accepts

        def sampling(operators, values):
            return dict(zip(_RANGE_KEYS, (*operators, *values)))

        train, validation, test_id = (
            SplitSpec(s.name, s.size, s.description, s.accepts, sampling(short, small), s.shift)
            for s in iid_splits(params["train_size"], params["test_size"], params["test_size"],
                                within=within(short, small))
        )
        test_size = params["test_size"]
        short_text = f"{short[0]} to {short[1]} operators"
        long_text = f"{long[0]} to {long[1]} operators"
        small_text = f"every value <= {small[1]}"
        large_text = f"largest value from {large[0] + 1} to {large[1]}"
        paper = (
            train, validation,
            SplitSpec("SS", test_size, f"short and small: {short_text}, {small_text} (not in train)",
                      test_id.accepts, sampling(short, small), "iid"),
            SplitSpec("LS", test_size, f"long, small values: {long_text}, {small_text}",
                      within(long, small), sampling(long, small), "length"),
            SplitSpec("SL", test_size, f"short, large values: {short_text}, {large_text}",
                      within(short, large), sampling(short, large), "value"),
            SplitSpec("LL", test_size, f"long, large values: {long_text}, {large_text}",
                      within(long, large), sampling(long, large), "length_and_value"),
        )
        return {
            "hint": SplitPlan("hint", "HINT's test subsets: SS, LS (longer), SL (larger values), LL (both)", paper),
            "iid": SplitPlan("iid", "train / validation / test_id of short expressions with small values",
                             (train, validation, test_id)),
        }

    # -- sampling --------------------------------------------------------
    def _sampling(self, params: Mapping[str, Any]) -> "_Sampling":
        relevant = {key: params[key] for key in (*_RANGE_KEYS, "zero_result_min_operators", "result_share_cap")}
        key = json.dumps(relevant, sort_keys=True)
        sampling = self._samplings.get(key)
        if sampling is None:
            sampling = _Sampling(relevant)
            found = pilot(sampling.results, (self.name, self.version, relevant))
            keep = {} if relevant["result_share_cap"] >= 1.0 else keep_probabilities(
                found.shares, relevant["result_share_cap"])
            thinned = sum(share * keep.get(result, 1.0) for result, share in found.shares.items())
            sampling.set_cap(keep, found.results_per_attempt * thinned)
            self._samplings[key] = sampling
        return sampling

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        """``count`` kept draws, in draw order; None for the slots left when the block's draws run out.

        A block draws until it has ``count`` examples, at most
        ``MAX_DRAWS_PER_SLOT`` per slot (one per slot when the pilot found
        none at all: the split may be empty, and the engine gives up after
        so many blocks).
        """
        sampling = self._sampling(params)
        examples: list[Optional[Example]] = []
        rate = sampling.kept_per_draw
        drawn, budget = 0, count * (MAX_DRAWS_PER_SLOT if rate > 0 else 1)
        while len(examples) < count and drawn < budget:
            wanted = count - len(examples)
            # Enough draws to fill the block at once in most blocks; a short one draws again.
            size = min(budget - drawn, 8 + int(wanted * 1.1 / max(rate, 1 / MAX_DRAWS_PER_SLOT)))
            examples.extend(sampling.examples(rng, size, wanted, params["dependencies"]))
            drawn += size
        examples.extend([None] * (count - len(examples)))
        return examples

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

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
