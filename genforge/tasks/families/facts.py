"""What ``two_hop`` and ``comparison`` share: a fixed knowledge base per run and the ID/OOD split rule.

Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit Reasoners"
(NeurIPS 2024). The knowledge base (graph or attribute table) is drawn once
per (task, version, knowledge parameters, seed) from its own random stream
and cached per process, so every block and worker sees the same facts.

Plan ``id_ood`` (the only one; the release's ``composition.ipynb`` and ``comparison.ipynb``):

* ``train`` (enumerated, every record listed exactly): **all** atomic facts,
  ID and OOD, plus ``round(phi * ID atomic facts)`` ID inferred facts whose
  bucket is below ``1 - test_id_probability``; shuffled together.
  Chosen by random draws when the request is small against the ID inferred
  space, otherwise by listing every eligible fact and sampling without
  replacement; more than the eligible facts is an InfeasibleError.
* ``test_id`` (sampled): ID inferred facts whose bucket is at least
  ``1 - test_id_probability``, so never in train.
* ``test_ood`` (sampled): inferred facts both of whose atomic facts are OOD.
* ``train_atomic_id``, ``train_atomic_ood``, ``train_inferred`` (enumerated,
  ``min(test_size, available)`` each): probes that repeat train on purpose,
  as the paper scores memorized atomic facts and train-inferred facts (the
  release's ``id_atomic``, ``ood_atomic`` and ``train_inferred`` probes).
  Their ``SplitSpec.probe_of`` is ``train`` and their shift ``seen``: the
  engine exempts them from cross-split disjointness, and the audit checks
  that they lie in train instead.

A task whose inferred facts come in equivalent pairs (``symmetric``:
comparison's (a, e1, e2) and (a, e2, e1)) buckets every fact by its
canonical form, so a pair lands in one split, and its examples' ``key()``
is that form, so the engine's dedup compares it.

An inferred fact's bucket is a fixed hash of its integer code (head and
relations, or attribute and entities), not of its rendered input: the whole
candidate list is then hashed, filtered and sampled in numpy in a fraction of
a second, and the train split is a lazy sequence whose examples are rendered
block by block by whichever worker encodes them (so ``--workers`` scales this
split too). Inferred facts mixing an ID and an OOD atomic fact are never emitted.
Rendering, drawing and the train selection live in
:mod:`genforge.generators.knowledge_facts`.

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
from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Mapping, Optional

from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.params import Params, param, split_setting, test_size
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SEEN, SplitPlan, SplitSpec
from genforge.core.task import Task
from genforge.generators.knowledge_facts import (FactView, TrainFacts, atomic_facts_of_kind, eligible_count,
                                                  sample_inferred_block, train_facts)
from genforge.generators.knowledge_graph import ID, OOD, bucket_salt

#: Facts the enumerated train split may hold (every atomic fact plus phi x ID atomic inferred ones). The
#: knowledge base and train are built whole, whatever --size asks; at this limit two_hop took 11 s and
#: 470 MB with 1,000,000 atomic facts (the graph's tuples dominate), 9 s and 300 MB with half of them inferred.
MAX_TRAIN_FACTS = 1_000_000

#: Canonical answers for scoring: comparison words and brackets fold onto <, =, >.
COMPARISON_WORDS = {"<lt>": "<", "lt": "<", "less": "<", "<eq>": "=", "eq": "=", "equal": "=",
                    "<gt>": ">", "gt": ">", "greater": ">"}
SYMBOL = re.compile(r"<?([a-z])_?(\d+)>?")
#: Nuisance features an atomic-fact probe moves by design: one fact, not two (shorter input, another answer).
ATOMIC_MOVES = ("complexity.facts", "difficulty", "input_length", "target_length")


# -- the parameters both tasks declare, after their knowledge-base sizes ---------------------
def ood_share(default: float) -> Any:
    return param(default, "share of atomic facts (two_hop) or of entities per attribute (comparison) that are OOD",
                 minimum=0.0, maximum=0.5)


def phi() -> Any:
    return param(7.2, "train inferred facts per ID atomic fact (the paper's ratio; it used 3.6 to 18)",
                 minimum=0.0, maximum=100.0)


def test_id_probability() -> Any:
    return param(0.05, "probability that an ID inferred fact is held out for test_id (by input hash) rather "
                 "than eligible for train", minimum=0.001, maximum=0.9)


def fact_format() -> Any:
    return param("tokens", "tokens as in the paper (<e_12><r_3>) or plain English questions",
                 enum=["tokens", "text"])


def fact_test_size() -> Any:
    return test_size(1000, "default size of test_id, test_ood and each probe of train (at most what train holds)")


def draw() -> Any:
    """The kind of inferred facts a sampled split draws (test_ood sets ``ood``)."""
    return split_setting(ID, "kind of inferred facts the split draws: id or ood")


def symbols(text: str) -> list[str]:
    """Entity, relation, attribute and value symbols of a text in order, as ``e12`` style names."""
    return [f"{letter}{int(number)}" for letter, number in re.findall(r"\b([erav])_?(\d+)", text.replace("<", " "))]


def first_number(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def lookup(train: Sequence[Mapping[str, Any]], key) -> Any:
    """A probe's predictor: the most common train target per ``key(record)``, else the overall most common."""
    by_key: dict[Any, Counter] = {}
    for record in train:
        by_key.setdefault(key(record), Counter())[record["target"]] += 1
    table = {k: counts.most_common(1)[0][0] for k, counts in by_key.items()}
    overall = Counter(record["target"] for record in train).most_common(1)[0][0] if train else ""
    return lambda record: table.get(key(record), overall)


class FactTask(Task):
    default_split_plan = "id_ood"
    attempts_per_record = 400
    #: Parameters the knowledge base depends on (a subclass lists its own).
    knowledge_parameters: tuple[str, ...] = ()
    #: How the knowledge base becomes examples (a FactView subclass).
    View: type[FactView] = FactView
    #: True when an inferred fact and another one ask the same question (comparison: a pair and its reverse).
    symmetric: bool = False
    #: Nuisance features test_ood (and the OOD atomic probe) moves by design: its facts are the OOD ones.
    ood_moves: tuple[str, ...] = ("domain",)
    #: Nuisance features the atomic-fact probes move by design (a task adds its own answer features).
    atomic_moves: tuple[str, ...] = ATOMIC_MOVES
    #: Shortcut probe -> why the plan expects it to score (see SplitPlan.expected_probes).
    expected_probes: Mapping = {}

    def __init__(self):
        self._knowledge: dict[str, Any] = {}

    # -- subclass hooks -------------------------------------------------------------
    def build(self, rng: RandomStream, params: Params):
        """The knowledge base of ``params`` drawn from ``rng``."""
        raise NotImplementedError

    def answer(self, params: Params, seed: int, input: str) -> str:
        """The target of ``input`` in the knowledge base of (params, seed)."""
        raise NotImplementedError

    def require_small_train(self, params: Params, atomic: int, id_atomic: int, sizes: str) -> None:
        """Refuse a knowledge base whose train split (all ``atomic`` facts plus phi x ``id_atomic``) is too large."""
        train = atomic + round(params.phi * id_atomic)
        self.require(train <= MAX_TRAIN_FACTS,
                     f"train would hold {train:,} facts ({sizes} = {atomic:,} atomic facts plus phi = {params.phi} x "
                     f"{id_atomic:,} ID atomic facts); at most {MAX_TRAIN_FACTS:,} are allowed: lower phi or {sizes}")

    # -- knowledge base -------------------------------------------------------------
    def knowledge(self, params: Params, seed: int):
        relevant = {name: getattr(params, name) for name in self.knowledge_parameters}
        key = json.dumps([relevant, seed], sort_keys=True)
        if key not in self._knowledge:
            rng = RandomStream.from_parts(self.name, self.version, relevant, seed, "knowledge")
            self._knowledge[key] = self.build(rng, params)
        return self._knowledge[key]

    def facts(self, params: Params, seed: int) -> FactView:
        """The knowledge base of (params, seed) as examples in the run's format."""
        return self.View(self.knowledge(params, seed), params.format, self.salt)

    @cached_property
    def salt(self) -> int:
        return bucket_salt(self.name)

    # -- plans ------------------------------------------------------------------------
    def split_plans(self, params: Params) -> dict[str, SplitPlan]:
        cut = 1.0 - params.test_id_probability

        def in_train(example: Example, bucket: float) -> bool:
            c = example.meta["complexity"]["facts"]
            return c == 1 or (example.meta["domain"] == ID and bucket < cut)

        def in_test_id(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["facts"] == 2 and example.meta["domain"] == ID and bucket >= cut

        def in_test_ood(example: Example, bucket: float) -> bool:
            return example.meta["complexity"]["facts"] == 2 and example.meta["domain"] == OOD

        atomic, ood_atomic = self.atomic_counts(params)
        train_inferred = round(params.phi * (atomic - ood_atomic))

        def probe(name: str, available: int, description: str, moves: tuple[str, ...]) -> SplitSpec:
            return SplitSpec(name, min(params.test_size, available), description + " (repeats train on purpose)",
                             shift=SEEN, source="enumerate", probe_of="train", moves=moves, repeats=self.symmetric)

        splits = (
            # A comparison and its reverse share a bucket (one canonical key): both orders may sit in train,
            # as in the paper's release, and ``repeats`` lets them (train lists distinct facts otherwise).
            SplitSpec("train", None, "all atomic facts plus phi x (ID atomic facts) ID inferred facts",
                      in_train, source="enumerate", repeats=self.symmetric),
            SplitSpec("test_id", params.test_size, "ID inferred facts held out from train",
                      in_test_id, {"draw": ID}, "iid"),
            SplitSpec("test_ood", params.test_size, "inferred facts over two OOD atomic facts",
                      in_test_ood, {"draw": OOD}, "composition", moves=self.ood_moves),
            probe("train_atomic_id", atomic - ood_atomic, "ID atomic facts of train: memorization",
                  self.atomic_moves),
            probe("train_atomic_ood", ood_atomic, "OOD atomic facts of train: memorization",
                  self.atomic_moves + self.ood_moves),
            probe("train_inferred", train_inferred, "inferred facts of train", ()),
        )
        return {"id_ood": SplitPlan("id_ood", "Grokked Transformers ID / OOD split of inferred facts, and probes "
                                    "of train (atomic facts, train-inferred facts)", splits,
                                    expected_probes=self.expected_probes)}

    def atomic_counts(self, params: Params) -> tuple[int, int]:
        """(atomic facts, OOD atomic facts) of the knowledge base, known from the parameters alone."""
        raise NotImplementedError

    def enumerate_split(self, params, plan, split, seed) -> Sequence[Example]:
        if split.probe_of is not None:
            return self._probe(params, split, seed)
        if split.name != "train":
            raise NotImplementedError(f"task {self.name} does not enumerate split {split.name}")
        return self._train(params, seed)

    def _probe(self, params: Params, split: SplitSpec, seed: int) -> Sequence[Example]:
        """A probe split: train's facts of one kind in a random order of their own."""
        rng = RandomStream.from_parts(self.name, self.version, params.to_dict(), seed, "probe", split.name)
        if split.name == "train_inferred":
            return self._train(params, seed).inferred_only(rng)
        return atomic_facts_of_kind(self.facts(params, seed), OOD if split.name == "train_atomic_ood" else ID, rng)

    def _train(self, params: Params, seed: int) -> TrainFacts:
        view = self.facts(params, seed)
        rng = RandomStream.from_parts(self.name, self.version, params.to_dict(), seed, "train")
        wanted = round(params.phi * view.id_atomic_count())
        cut = 1.0 - params.test_id_probability
        chosen = train_facts(view, rng, wanted, cut)
        if chosen is None:
            available = eligible_count(view, cut)
            raise InfeasibleError(
                f"task {self.name!r}: phi = {params.phi} asks for {wanted} train inferred facts but only "
                f"{available} ID inferred facts lie outside test_id; lower phi to at most "
                f"{available / max(1, view.id_atomic_count()):.2f}, lower test_id_probability, "
                "or enlarge the knowledge base")
        return chosen

    def sample_block(self, rng: RandomStream, params: Params, count: int) -> list[Optional[Example]]:
        return sample_inferred_block(self.facts(params, params.seed), rng, params.draw, count)

    def difficulty(self, example: Example) -> float:
        facts = example.meta["complexity"]["facts"]
        return facts / (facts + 2)

    # -- oracle --------------------------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        raise UsageError(
            f"task {self.name!r}: the answer depends on the knowledge base drawn from the run's parameters and "
            f"seed, which a record does not carry; give the run's manifest (genforge solve {self.name} FILE "
            "--manifest OUT/TASK/manifest.json, or genforge.solve(..., params=..., seed=...) in Python)")

    def solve_in_context(self, instruction: Optional[str], input: str, params: Params, seed: int) -> str:
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
