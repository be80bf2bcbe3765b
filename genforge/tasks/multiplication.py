"""Task ``multiplication``: multi-digit multiplication in the formats of Zhou et al. (2023).

Zhou et al., "What Algorithms can Transformers Learn? A Study in Length
Generalization" (arXiv 2310.16028), find that multiplication, unlike
addition, does not length-generalize even with their best formats; this task
lets one test that with the same format parameters as ``addition``. Defaults
are smaller than addition's: train on 1..5-digit operands, test
``test_ood_length`` on 6..10 digits. Formats, split plans, answer
normalization and structure are documented in
:mod:`genforge.tasks.families.arithmetic` and :mod:`genforge.generators.arithmetic`.

Carries follow the schoolbook column method: column k sums every a_i * b_j
with i + j = k plus the carry-in and carries when that is >= 10. Nearly every
middle column of a long product carries, so the ``held_out_carry_pattern``
plan trains on digit-sparse products (longest chain <= 2 by default). Both
sides of that plan draw operand sizes from one law
(:func:`genforge.generators.arithmetic.sample_carry_class`): a length pair
uniform among those where both carry classes are possible, one-digit
operands on 2..9 (a 0 or 1 operand never carries, so it could sit on one side
only), then operands of that pair until one is of the split's class. Before
(issue 15), 13% of train products had a 0 operand and 73% a one-digit
operand, against none and 14% in the carry test. The scratchpad trace lists the partial product of each digit of
the second operand with the running sum (``123*40=4920 sum=5658``).

Complexity and difficulty as in ``addition``: ``s / (s + 30)`` with
``s = digits_a + digits_b + longest_carry_chain``.
"""

from __future__ import annotations

from dataclasses import dataclass

from genforge.tasks.families.arithmetic import (
    ArithmeticParams, ArithmeticTask, test_digits_max, test_digits_min, train_digits_max, train_max_carry_chain,
)


@dataclass(frozen=True)
class MultiplicationParams(ArithmeticParams):
    train_digits_max: int = train_digits_max(5)
    test_digits_min: int = test_digits_min(6)
    test_digits_max: int = test_digits_max(10)
    train_max_carry_chain: int = train_max_carry_chain(2)


class MultiplicationTask(ArithmeticTask):
    name = "multiplication"
    version = "1.2"
    summary = "multi-digit multiplication; digit format (reversed, index hints, padding) as parameters"
    operation = "multiply"
    Params = MultiplicationParams
