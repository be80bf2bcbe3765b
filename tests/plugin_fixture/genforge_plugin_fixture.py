"""A minimal third-party task: reverse a string of letters."""

from genforge.core.records import Example
from genforge.core.splits import SplitPlan, iid_splits
from genforge.core.task import Task


class ReverseFixtureTask(Task):
    name = "reverse_fixture"
    version = "1.0"
    summary = "reverse a string of letters (plugin test fixture)"
    default_split_plan = "iid"
    parameters = {
        "length": {"type": "integer", "default": 8, "minimum": 1, "maximum": 64,
                   "description": "letters in each input"},
    }

    def split_plans(self, params):
        return {"iid": SplitPlan("iid", "one distribution", iid_splits(100, 20, 20))}

    def sample(self, rng, params):
        text = rng.string("abcdefghij", params["length"])
        return Example(None, text, text[::-1], {"domain": "letters", "complexity": {"length": len(text)}})

    def difficulty(self, example):
        length = example.meta["complexity"]["length"]
        return length / (length + 10)

    def solve(self, instruction, input):
        return input[::-1]

    def meta_schema(self):
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
