"""Task ``algorithmic``: the RASP-L length-generalization tasks of Zhou et al. (2023).

Zhou et al., "What Algorithms can Transformers Learn? A Study in Length
Generalization" (arXiv 2310.16028), train on inputs of length up to 40 and
test on lengths 41 to 50; tasks with short RASP-L programs generalize, copy
with repeated tokens and parity do not. One task with an ``op`` parameter
(``count``, ``mode``, ``copy_unique``, ``copy_repeat``, ``sort``, ``reverse``,
``parity``) so that a sweep over operations is one CLI loop and every
operation shares the same length plans. The rules, including the mode tie
rule (the smallest of the most frequent tokens wins), are in
:mod:`genforge.generators.algorithmic`.

Tokens are the integers ``0 .. vocabulary_size - 1`` written in decimal and
separated by spaces (``parity`` always uses bits 0 and 1). The instruction is
the operation name. ``meta.complexity.length`` is the input length in tokens,
except for ``count`` whose input is always two numbers: there it is the
output length ``b - a + 1``. Difficulty is ``length / (length + 40)``.

Split plans (lengths as above):

* ``length`` (default): train / validation / test_id by input bucket with
  lengths ``train_length_min..train_length_max``; ``test_ood_length`` with
  lengths ``test_length_min..test_length_max`` (> train_length_max).
* ``iid``: train / validation / test_id only.

Some spaces are small (``count`` has ``vocabulary_size - length + 1`` inputs
per length, ``parity`` 2**length): the engine then refuses sizes beyond the
space with the number that fits; ``--allow-repeats`` samples with repeats,
as Zhou et al. do.

Answer normalization: whitespace folded and every decimal token read as a
number (``07`` -> ``7``). Structure: atoms are the operation and the input
tokens; compounds are the adjacent input token bigrams.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import perm
from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.probes import Probe
from genforge.core.params import Params, param, split_setting, test_size, train_size
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.core.task import Task
from genforge.generators import algorithmic
from genforge.generators.algorithmic import OPS, TokenError

MAX_LENGTH = 100_000


@dataclass(frozen=True)
class AlgorithmicParams(Params):
    op: str = param("sort", "the operation: count, mode (ties -> smallest token), copy_unique, copy_repeat, sort, "
                    "reverse, parity", enum=list(OPS))
    vocabulary_size: int = param(100, "tokens are 0 .. vocabulary_size-1 (parity always uses bits)",
                                 minimum=2, maximum=1_000_000)
    train_length_min: int = param(1, "shortest length in train, validation and test_id", minimum=1, maximum=MAX_LENGTH)
    train_length_max: int = param(40, "longest length in train, validation and test_id", minimum=1, maximum=MAX_LENGTH)
    test_length_min: int = param(41, "shortest length in test_ood_length (must exceed train_length_max)",
                                 minimum=2, maximum=MAX_LENGTH)
    test_length_max: int = param(50, "longest length in test_ood_length", minimum=2, maximum=MAX_LENGTH)
    mode_ties: bool = param(False, "op=mode: let inputs tie for the top count (the smallest tied token wins); "
                            "default: every input has a unique mode")
    train_size: int = train_size()
    test_size: int = test_size()
    #: The lengths a split draws (test_ood_length sets them; 0: train_length_min..train_length_max).
    length_min: int = split_setting(0, "shortest length the split draws")
    length_max: int = split_setting(0, "longest length the split draws")

    def lengths(self) -> tuple[int, int]:
        """The input lengths this split draws."""
        return (self.length_min or self.train_length_min, self.length_max or self.train_length_max)


class AlgorithmicTask(Task):
    name = "algorithmic"
    version = "1.2"
    summary = "RASP-L tasks (count, mode, copy, sort, reverse, parity) for length generalization (Zhou et al. 2023)"
    default_split_plan = "length"
    Params = AlgorithmicParams

    def check_params(self, params: AlgorithmicParams) -> None:
        for low, high in (("train_length_min", "train_length_max"), ("test_length_min", "test_length_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_length_min", ">", "train_length_max",
                           "test inputs must be longer than any trained")
        if params.op in ("count", "copy_unique"):
            self.require(params.vocabulary_size >= params.test_length_max,
                         f"parameter 'vocabulary_size' = {params.vocabulary_size} must be >= test_length_max "
                         f"({params.test_length_max}) for op {params.op!r}: a length-L example needs L "
                         "distinct tokens")

    # -- split plans -------------------------------------------------------
    def split_plans(self, params: AlgorithmicParams) -> dict[str, SplitPlan]:
        train_low, train_high = params.train_length_min, params.train_length_max
        test_low, test_high = params.test_length_min, params.test_length_max

        def train_lengths(example: Example, bucket: float) -> bool:
            return train_low <= example.meta["complexity"]["length"] <= train_high

        def test_lengths(example: Example, bucket: float) -> bool:
            return test_low <= example.meta["complexity"]["length"] <= test_high

        iid = iid_splits(params.train_size, params.test_size, params.test_size, within=train_lengths)
        longer = SplitSpec(
            "test_ood_length", params.test_size,
            f"lengths {test_low} to {test_high} (train: {train_low} to {train_high})",
            test_lengths, {"length_min": test_low, "length_max": test_high}, "length",
            # Longer inputs hold more distinct tokens, a higher top count and (for the list ops) longer outputs.
            moves=("input_length", "distinct_tokens", "top_count", "output_length"),
        )
        return {
            "length": SplitPlan("length", "test on inputs longer than any in training", iid + (longer,)),
            "iid": SplitPlan("iid", "train / validation / test_id from one distribution", iid),
        }

    def space_size(self, params: AlgorithmicParams, split: SplitSpec) -> Optional[int]:
        # Distinct inputs over the split's lengths (before the i.i.d. buckets divide them).
        low, high = params.for_split(split.sample_params, params.seed).lengths()
        op, size = params.op, params.vocabulary_size
        if op == "count":
            return sum(max(0, size - length + 1) for length in range(low, high + 1))
        if high > 64:
            return None  # at least 2**65 inputs: no request can exceed it, skip the big-integer sum
        if op == "parity":
            return sum(2 ** length for length in range(low, high + 1))
        if op == "copy_unique":
            return sum(perm(size, length) for length in range(low, high + 1))
        return sum(size ** length for length in range(low, high + 1))

    # -- sampling ------------------------------------------------------------
    def sample_block(self, rng: RandomStream, params: AlgorithmicParams, count: int) -> list[Optional[Example]]:
        low, high = params.lengths()
        return algorithmic.sample_block(rng, params.op, params.vocabulary_size, low, high, count, params.mode_ties)

    def difficulty(self, example: Example) -> float:
        length = example.meta["complexity"]["length"]
        return length / (length + 40)

    # -- oracle ----------------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        if instruction not in OPS:
            raise UsageError(f"task 'algorithmic': instruction {instruction!r} is not one of {', '.join(OPS)}")
        try:
            return algorithmic.solve(instruction, input)
        except TokenError as error:
            raise UsageError(f"task 'algorithmic', op {instruction!r}: {error}") from None

    def normalize_answer(self, answer: str) -> str:
        return " ".join(str(int(word)) if word.isdigit() and word.isascii() else word for word in str(answer).split())

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        tokens = record["input"].split()
        return [record.get("instruction") or "", *tokens], [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]

    # -- audit ---------------------------------------------------------------
    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Input length, distinct tokens, the top count and whether it is tied (mode), the output length."""
        tokens = record["input"].split()
        counts = sorted(Counter(tokens).values(), reverse=True)
        features = {"input_length": len(tokens), "distinct_tokens": len(counts),
                    "output_length": len(record["target"].split())}
        if record.get("instruction") == "mode":
            features["top_count"] = counts[0]
            features["mode_tied"] = len(counts) > 1 and counts[0] == counts[1]
        return features

    def shortcut_probes(self, params: AlgorithmicParams) -> list[Probe]:
        """``mode``: answer the smallest input token (the tie rule's answer whenever nothing repeats)."""
        if params.op != "mode":
            return []
        return [Probe("smallest_token", "answer the smallest input token (mode's tie rule)",
                      lambda train: _smallest_token)]


def _smallest_token(record: Mapping[str, Any]) -> str:
    return str(min(int(token) for token in record["input"].split()))
