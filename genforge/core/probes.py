"""What a task declares so that ``genforge audit`` can check that its splits measure what they claim.

* **Shortcut probes**: cheap predictors fit on a training split and scored by
  exact match on every split. The audit brings generic ones (majority target,
  copy input, instruction lookup, ...); a task adds its own through
  :meth:`genforge.core.task.Task.shortcut_probes` (``mode``: the smallest
  token; kinship: the last relation word ...).
* **Nuisance features**: properties of a record that are not what a split is
  about (functions per input, zero operands, ties, answer class ...), through
  :meth:`genforge.core.task.Task.nuisance_features`. The audit compares each
  feature's histogram per split with train's.
* **Canonical keys**: through :meth:`genforge.core.task.Task.canonical_key`,
  a form equal for inputs that are the same question (``3*4`` and ``4*3``).
  The engine's dedup and the audit's overlap count compare canonical keys.

A plan declares what it expects: ``SplitPlan.expected_probes`` (probe name ->
reason, printed by the audit instead of a flag) and ``SplitSpec.moves`` /
``SplitPlan.expected_shifts`` (features a split's shift may move).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

#: A fitted probe: record -> predicted target.
Predictor = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Probe:
    """A named shortcut predictor: ``fit(train_records) -> predictor``."""

    name: str
    description: str
    fit: Callable[[Sequence[Mapping[str, Any]]], Predictor]


def canonical_key_of(instruction: str | None, input: str) -> str:
    """The default canonical key: the instruction and input as written (what ``Example.key`` gives)."""
    return input if instruction is None else instruction + "\x1f" + input
