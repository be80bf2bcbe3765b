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

from math import perm
from typing import Any, Mapping, Optional

import numpy as np

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.generators import algorithmic
from genforge.generators.algorithmic import OPS, TokenError
from genforge.core.task import Task

MAX_LENGTH = 100_000


class AlgorithmicTask(Task):
    name = "algorithmic"
    version = "1.1"
    summary = "RASP-L tasks (count, mode, copy, sort, reverse, parity) for length generalization (Zhou et al. 2023)"
    default_split_plan = "length"
    parameters = {
        "op": {"type": "string", "enum": list(OPS), "default": "sort",
               "description": "the operation: count, mode (ties -> smallest token), copy_unique, copy_repeat, "
                              "sort, reverse, parity"},
        "vocabulary_size": {"type": "integer", "default": 100, "minimum": 2, "maximum": 1_000_000,
                            "description": "tokens are 0 .. vocabulary_size-1 (parity always uses bits)"},
        "train_length_min": {"type": "integer", "default": 1, "minimum": 1, "maximum": MAX_LENGTH,
                             "description": "shortest length in train, validation and test_id"},
        "train_length_max": {"type": "integer", "default": 40, "minimum": 1, "maximum": MAX_LENGTH,
                             "description": "longest length in train, validation and test_id"},
        "test_length_min": {"type": "integer", "default": 41, "minimum": 2, "maximum": MAX_LENGTH,
                            "description": "shortest length in test_ood_length (must exceed train_length_max)"},
        "test_length_max": {"type": "integer", "default": 50, "minimum": 2, "maximum": MAX_LENGTH,
                            "description": "longest length in test_ood_length"},
        "train_size": {"type": "integer", "default": 10000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of train"},
        "test_size": {"type": "integer", "default": 1000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of validation and every test split"},
    }

    def check_params(self, params: Mapping[str, Any]) -> None:
        for low, high in (("train_length_min", "train_length_max"), ("test_length_min", "test_length_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_length_min", ">", "train_length_max",
                           "test inputs must be longer than any trained")
        if params["op"] in ("count", "copy_unique"):
            self.require(params["vocabulary_size"] >= params["test_length_max"],
                         f"parameter 'vocabulary_size' = {params['vocabulary_size']} must be >= test_length_max "
                         f"({params['test_length_max']}) for op {params['op']!r}: a length-L example needs L "
                         "distinct tokens")

    # -- split plans -------------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        train_low, train_high = params["train_length_min"], params["train_length_max"]
        test_low, test_high = params["test_length_min"], params["test_length_max"]

        def train_lengths(example: Example, bucket: float) -> bool:
            return train_low <= example.meta["complexity"]["length"] <= train_high

        def test_lengths(example: Example, bucket: float) -> bool:
            return test_low <= example.meta["complexity"]["length"] <= test_high

        iid = iid_splits(params["train_size"], params["test_size"], params["test_size"], within=train_lengths)
        longer = SplitSpec(
            "test_ood_length", params["test_size"],
            f"lengths {test_low} to {test_high} (train: {train_low} to {train_high})",
            test_lengths, {"length_min": test_low, "length_max": test_high}, "length",
        )
        return {
            "length": SplitPlan("length", "test on inputs longer than any in training", iid + (longer,)),
            "iid": SplitPlan("iid", "train / validation / test_id from one distribution", iid),
        }

    def space_size(self, params: Mapping[str, Any], split: SplitSpec) -> Optional[int]:
        # Distinct inputs over the split's lengths (before the i.i.d. buckets divide them).
        low = split.sample_params.get("length_min", params["train_length_min"])
        high = split.sample_params.get("length_max", params["train_length_max"])
        op, size = params["op"], params["vocabulary_size"]
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
    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        # Lengths and tokens of the whole block in a few array draws; inputs and targets are cut from
        # block-wide strings (see generators.algorithmic), so no Python work per token.
        if count <= 0:
            return []
        op = params["op"]
        low = params.get("length_min", params["train_length_min"])
        high = params.get("length_max", params["train_length_max"])
        lengths = low + rng.index_array(high - low + 1, count).astype(np.int64)
        size = 2 if op == "parity" else params["vocabulary_size"]
        if op == "count":
            return self._count_block(rng, size, lengths)
        if op == "copy_unique":
            tokens = algorithmic.distinct_token_block(rng, size, lengths)
        else:
            tokens = rng.index_array(size, int(lengths.sum())).astype(np.int64)
        inputs = algorithmic.token_lines(tokens, lengths, size)
        targets, output_lengths = algorithmic.apply_block(op, tokens, lengths, size, inputs)
        make_example = example_of
        return [make_example((op, text, target, {"domain": op, "complexity": {"length": length,
                                                                               "output_length": output_length}},
                              None))
                for text, target, length, output_length in zip(inputs, targets, lengths.tolist(), output_lengths)]

    @staticmethod
    def _count_block(rng: RandomStream, size: int, lengths: np.ndarray) -> list[Optional[Example]]:
        """``count`` examples: the length is the output's; the start is uniform where the run fits."""
        starts = rng.bounded_array(size - lengths + 1).astype(np.int64)
        targets = algorithmic.token_lines(algorithmic.count_runs(starts, lengths), lengths, size)
        make_example = example_of
        return [make_example(("count", f"{start} {start + length - 1}", target,
                              {"domain": "count", "complexity": {"length": length, "output_length": length}}, None))
                for start, length, target in zip(starts.tolist(), lengths.tolist(), targets)]

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
