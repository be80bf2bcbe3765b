"""What ``two_hop`` and ``comparison`` share: a fixed knowledge base per run and the ID/OOD split rule.

Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit Reasoners"
(NeurIPS 2024). The knowledge base (graph or attribute table) is drawn once
per (task, version, knowledge parameters, seed) from its own random stream
and cached per process, so every block and worker sees the same facts.

Plan ``id_ood`` (the only one):

* ``train`` (enumerated, every record listed exactly): **all** atomic facts,
  ID and OOD, plus ``round(phi * ID atomic facts)`` ID inferred facts whose
  bucket is below ``1 - test_id_probability``; shuffled together.
  Chosen by random draws when the request is small against the ID inferred
  space, otherwise by listing every eligible fact and sampling without
  replacement; more than the eligible facts is an InfeasibleError.
* ``test_id`` (sampled): ID inferred facts whose bucket is at least
  ``1 - test_id_probability``, so never in train.

An inferred fact's bucket is a fixed hash of its integer code (head and
relations, or attribute and entities), not of its rendered input: the whole
candidate list is then hashed, filtered and sampled in numpy in a fraction of
a second, and the train split is a lazy sequence whose examples are rendered
block by block by whichever worker encodes them (so ``--workers`` scales this
split too).
* ``test_ood`` (sampled): inferred facts both of whose atomic facts are OOD.

Inferred facts mixing an ID and an OOD atomic fact are never emitted.

Records: ``meta.domain`` is ``id`` or ``ood`` (the kind of the facts used),
``meta.complexity.facts`` is 1 for an atomic fact and 2 for an inferred one.
Difficulty is ``facts / (facts + 2)`` (1/3 atomic, 1/2 inferred).

Answers need the knowledge base, which the (instruction, input) pair alone
does not carry: :meth:`FactTask.answer` takes the run's params and seed;
``solve`` explains this instead of guessing a seed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Mapping, Optional

import numpy as np

from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec
from genforge.generators.knowledge_graph import ID, OOD, bucket_salt, choose_codes, code_bucket, code_buckets
from genforge.core.task import Task

SHARED_PARAMETERS: dict[str, dict] = {
    "ood_share": {"type": "number", "default": 0.05, "minimum": 0.0, "maximum": 0.5,
                  "description": "share of atomic facts (two_hop) or of entities per attribute (comparison) that are OOD"},
    "phi": {"type": "number", "default": 7.2, "minimum": 0.0, "maximum": 100.0,
            "description": "train inferred facts per ID atomic fact (the paper's ratio; it used 3.6 to 18)"},
    "test_id_probability": {"type": "number", "default": 0.05, "minimum": 0.001, "maximum": 0.9,
                            "description": "probability that an ID inferred fact is held out for test_id "
                                           "(by input hash) rather than eligible for train"},
    "format": {"type": "string", "enum": ["tokens", "text"], "default": "tokens",
               "description": "tokens as in the paper (<e_12><r_3>) or plain English questions"},
    "test_size": {"type": "integer", "default": 1000, "minimum": 0, "maximum": 100_000_000,
                  "description": "default size of test_id and test_ood"},
}

#: Canonical answers for scoring: comparison words and brackets fold onto <, =, >.
COMPARISON_WORDS = {"<lt>": "<", "lt": "<", "less": "<", "<eq>": "=", "eq": "=", "equal": "=",
                    "<gt>": ">", "gt": ">", "greater": ">"}
SYMBOL = re.compile(r"<?([a-z])_?(\d+)>?")


def symbols(text: str) -> list[str]:
    """Entity, relation, attribute and value symbols of a text in order, as ``e12`` style names."""
    return [f"{letter}{int(number)}" for letter, number in re.findall(r"\b([erav])_?(\d+)", text.replace("<", " "))]


class FactTask(Task):
    default_split_plan = "id_ood"
    attempts_per_record = 400
    #: Parameters the knowledge base depends on (a subclass lists its own).
    knowledge_parameters: tuple[str, ...] = ()

    def __init__(self):
        self._knowledge: dict[str, Any] = {}

    # -- subclass hooks -------------------------------------------------------------
    def build(self, rng: RandomStream, params: Mapping[str, Any]):
        raise NotImplementedError

    def id_atomic_count(self, knowledge) -> int:
        raise NotImplementedError

    def inferred_example(self, knowledge, item: tuple, kind: str, params, bucket: Optional[float] = None) -> Example:
        """The example of an inferred fact; its ``bucket`` is :meth:`bucket_of_item` (given when known)."""
        raise NotImplementedError


    # -- knowledge base -------------------------------------------------------------
    def knowledge(self, params: Mapping[str, Any], seed: int):
        relevant = {name: params[name] for name in self.knowledge_parameters}
        key = json.dumps([relevant, seed], sort_keys=True)
        if key not in self._knowledge:
            rng = RandomStream.from_parts(self.name, self.version, relevant, seed, "knowledge")
            self._knowledge[key] = self.build(rng, params)
        return self._knowledge[key]

    def _train_side(self, params) -> float:
        return 1.0 - params["test_id_probability"]

    # -- plans ------------------------------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        cut = self._train_side(params)

        def in_train(example: Example, bucket: float) -> bool:
            c = example.meta["complexity"]["facts"]
            return c == 1 or (example.meta["domain"] == ID and bucket < cut)

        def in_test_id(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["facts"] == 2 and example.meta["domain"] == ID and bucket >= cut

        def in_test_ood(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["facts"] == 2 and example.meta["domain"] == OOD

        splits = (
            SplitSpec("train", None, "all atomic facts plus phi x (ID atomic facts) ID inferred facts",
                      in_train, source="enumerate"),
            SplitSpec("test_id", params["test_size"], "ID inferred facts held out from train",
                      in_test_id, {"draw": ID}, "iid"),
            SplitSpec("test_ood", params["test_size"], "inferred facts over two OOD atomic facts",
                      in_test_ood, {"draw": OOD}, "composition"),
        )
        return {"id_ood": SplitPlan("id_ood", "Grokked Transformers ID / OOD split of inferred facts", splits)}

    def enumerate_split(self, params, plan, split, seed) -> Sequence[Example]:
        if split.name != "train":
            raise NotImplementedError(f"task {self.name} does not enumerate split {split.name}")
        knowledge = self.knowledge(params, seed)
        rng = RandomStream.from_parts(self.name, self.version, dict(params), seed, "train")
        wanted = round(params["phi"] * self.id_atomic_count(knowledge))
        cut = self._train_side(params)

        def eligible(codes):
            return code_buckets(codes, self.salt) < cut

        chosen = choose_codes(rng, wanted, knowledge.count_of_kind(ID), lambda: self.inferred_codes(knowledge, ID),
                              lambda count: self.draw_codes(knowledge, rng, count), eligible)
        if chosen is None:
            available = int(eligible(self.inferred_codes(knowledge, ID)).sum())
            raise InfeasibleError(
                f"task {self.name!r}: phi = {params['phi']} asks for {wanted} train inferred facts but only "
                f"{available} ID inferred facts lie outside test_id; lower phi to at most "
                f"{available / max(1, self.id_atomic_count(knowledge)):.2f}, lower test_id_probability, "
                "or enlarge the knowledge base")
        atomic = self.atomic_count(knowledge)
        order = rng.permutation(atomic + chosen.size)
        return TrainFacts(self, knowledge, params, atomic, chosen, order)

    # -- codes of inferred facts (subclass hooks) ------------------------------------------
    def inferred_codes(self, knowledge, kind: str) -> np.ndarray:
        """Every inferred fact of ``kind`` as a code, in a fixed order."""
        raise NotImplementedError

    def draw_codes(self, knowledge, rng: RandomStream, count: int) -> np.ndarray:
        """Up to ``count`` random ID inferred facts as codes (dead-end draws dropped)."""
        raise NotImplementedError

    def code_base(self, knowledge) -> int:
        """The base B of codes ``(x * B + y) * B + z`` of inferred facts (x, y, z)."""
        raise NotImplementedError

    def item_of_code(self, knowledge, code: int) -> tuple:
        base = self.code_base(knowledge)
        rest, last = divmod(code, base)
        return (*divmod(rest, base), last)

    def code_of_item(self, knowledge, item: tuple) -> int:
        base = self.code_base(knowledge)
        return (item[0] * base + item[1]) * base + item[2]

    def atomic_count(self, knowledge) -> int:
        raise NotImplementedError

    def atomic_example(self, knowledge, index: int, params) -> Example:
        """The atomic fact at ``index`` of a fixed order."""
        raise NotImplementedError

    @cached_property
    def salt(self) -> int:
        return bucket_salt(self.name)

    def bucket_of_item(self, knowledge, item: tuple) -> float:
        """An inferred fact's split bucket (see the module docstring)."""
        return code_bucket(self.code_of_item(knowledge, item), self.salt)

    def draw(self, knowledge, rng: RandomStream, kind: str):
        raise NotImplementedError

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        knowledge = self.knowledge(params, params["seed"])
        kind = params.get("draw", ID)
        item = self.draw(knowledge, rng, kind)
        return None if item is None else self.inferred_example(knowledge, item, kind, params)

    def difficulty(self, example: Example) -> float:
        facts = example.meta["complexity"]["facts"]
        return facts / (facts + 2)

    # -- oracle --------------------------------------------------------------------------
    def answer(self, params: Mapping[str, Any], seed: int, input: str) -> str:
        """The target of ``input`` in the knowledge base of (params, seed); params fully resolved."""
        raise NotImplementedError

    def solve(self, instruction: Optional[str], input: str) -> str:
        raise UsageError(
            f"task {self.name!r}: the answer depends on the knowledge base drawn from the run's parameters and "
            f"seed, which a record does not carry; give the run's manifest (genforge solve {self.name} FILE "
            "--manifest OUT/TASK/manifest.json, or genforge.solve(..., params=..., seed=...) in Python)")

    def solve_in_context(self, instruction: Optional[str], input: str, params: Mapping[str, Any], seed: int) -> str:
        return self.answer(params, seed, input)

    def normalize_answer(self, answer: str) -> str:
        text = "".join(str(answer).split()).lower()
        if text in COMPARISON_WORDS:
            return COMPARISON_WORDS[text]
        match = SYMBOL.fullmatch(text)
        return f"{match.group(1)}{int(match.group(2))}" if match else text

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        atoms = symbols(record["input"])
        return atoms, [f"{a} {b}" for a, b in zip(atoms, atoms[1:])]


class TrainFacts(Sequence):
    """The train split of a FactTask: atomic facts and chosen inferred ones, in a shuffled order.

    Holds only indices and codes; a slice renders its examples when asked, so
    the rendering is done by whichever process encodes that block.
    """

    def __init__(self, task: FactTask, knowledge, params, atomic: int, chosen: np.ndarray, order: np.ndarray):
        self._task, self._knowledge, self._params = task, knowledge, params
        self._atomic = atomic
        self._chosen = chosen
        self._buckets = code_buckets(chosen, task.salt).tolist()
        self._order = order

    def __len__(self) -> int:
        return self._order.size

    def _example(self, position: int) -> Example:
        task, knowledge, params = self._task, self._knowledge, self._params
        if position < self._atomic:
            return task.atomic_example(knowledge, position, params)
        index = position - self._atomic
        item = task.item_of_code(knowledge, int(self._chosen[index]))
        return task.inferred_example(knowledge, item, ID, params, bucket=self._buckets[index])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._example(position) for position in self._order[index].tolist()]
        return self._example(int(self._order[index]))
