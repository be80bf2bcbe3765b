"""Task ``addition``: multi-digit addition in the formats of Zhou et al. (2023).

Zhou et al., "What Algorithms can Transformers Learn? A Study in Length
Generalization" (arXiv 2310.16028): with index hints and reversed output a
transformer trained on short sums adds longer ones; in the plain format it
fails. Defaults follow their setting: train on 1..10-digit operands, test
``test_ood_length`` on 11..20 digits. Formats, split plans, carries, answer
normalization and structure are documented in
:mod:`genforge.tasks.families.arithmetic` and :mod:`genforge.generators.arithmetic`.

Example (plain format): input ``123+45``, target ``168``, instruction
``add plain``; with ``reversed_output`` and ``index_hints``: input
``d0c1b2a3+d0c0b4a5``, target ``a8b6c1d0`` (hints span the n + 1 places of the longest sum).

Complexity: ``digits_a``, ``digits_b``, ``digits`` (the longer), ``result_digits``
(unpadded), ``carries`` (columns whose sum with carry-in is >= 10) and
``longest_carry_chain`` (most consecutive carrying columns). Difficulty is
``s / (s + 30)`` with ``s = digits_a + digits_b + longest_carry_chain``.
"""

from __future__ import annotations

from dataclasses import dataclass

from genforge.tasks.families.arithmetic import (
    ArithmeticParams, ArithmeticTask, test_digits_max, test_digits_min, train_digits_max, train_max_carry_chain,
)


@dataclass(frozen=True)
class AdditionParams(ArithmeticParams):
    train_digits_max: int = train_digits_max(10)
    test_digits_min: int = test_digits_min(11)
    test_digits_max: int = test_digits_max(20)
    train_max_carry_chain: int = train_max_carry_chain(4)


class AdditionTask(ArithmeticTask):
    name = "addition"
    version = "1.2"
    summary = "multi-digit addition; digit format (reversed, index hints, padding) as parameters (Zhou et al. 2023)"
    operation = "add"
    Params = AdditionParams
