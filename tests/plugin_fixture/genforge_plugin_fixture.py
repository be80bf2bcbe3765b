"""A complete genforge task in one module: reverse a string of letters.

Typed parameters, two split plans (i.i.d. and longer inputs), one block
sampler, an oracle, a difficulty and a meta schema. Installed with the
entry point ``reverse_fixture = "genforge_plugin_fixture:ReverseFixtureTask"``
in the ``genforge.tasks`` group, it works with every genforge command.
"""

from dataclasses import dataclass

from genforge.core.params import Params, param, split_setting
from genforge.core.records import Example
from genforge.core.splits import SplitPlan, SplitSpec, iid_splits
from genforge.core.task import Task

LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class ReverseParams(Params):
    alphabet_size: int = param(10, "letters drawn from: the first N of a..z", minimum=2, maximum=26)
    max_length: int = param(8, "longest input in training (shortest: 1)", minimum=1, maximum=64)
    longer_max_length: int = param(16, "longest input of test_ood_length", minimum=2, maximum=128)
    # A split's own input lengths, set by the plan below (0: the training lengths).
    min_length: int = split_setting(0, "shortest input the split draws")
    length: int = split_setting(0, "longest input the split draws")


class ReverseFixtureTask(Task):
    name = "reverse_fixture"
    version = "1.0"
    summary = "reverse a string of letters (plugin test fixture)"
    default_split_plan = "iid"
    Params = ReverseParams

    def check_params(self, params: ReverseParams) -> None:
        self.require_order(params, "longer_max_length", ">", "max_length", "test inputs must be longer")

    def split_plans(self, params: ReverseParams) -> dict[str, SplitPlan]:
        short = iid_splits(100, 20, 20, within=lambda example, bucket: len(example.input) <= params.max_length)
        longer = SplitSpec(
            "test_ood_length", 20, f"inputs of {params.max_length + 1} to {params.longer_max_length} letters",
            lambda example, bucket: len(example.input) > params.max_length,
            {"min_length": params.max_length + 1, "length": params.longer_max_length}, shift="length")
        return {"iid": SplitPlan("iid", "one distribution", short),
                "longer": SplitPlan("longer", "test on longer inputs", short + (longer,))}

    def sample_block(self, rng, params: ReverseParams, count: int) -> list[Example]:
        letters = LETTERS[:params.alphabet_size]
        low, high = params.min_length or 1, params.length or params.max_length
        examples = []
        for _ in range(count):
            text = rng.string(letters, low + rng.below(high - low + 1))
            examples.append(Example(None, text, text[::-1], {"domain": "letters",
                                                            "complexity": {"length": len(text)}}))
        return examples

    def difficulty(self, example: Example) -> float:
        length = example.meta["complexity"]["length"]
        return length / (length + 10)

    def solve(self, instruction, input: str) -> str:
        return input[::-1]

    def meta_schema(self) -> dict:
        return {
            "type": "object",
            "required": ["domain", "complexity", "difficulty"],
            "additionalProperties": False,
            "properties": {
                "domain": {"const": "letters"},
                "complexity": {"type": "object", "required": ["length"], "additionalProperties": False,
                               "properties": {"length": {"type": "integer", "minimum": 1}}},
                "difficulty": {"type": "number"},
            },
        }
