"""The task contract: what a generator family implements to join genforge.

A task is a named, versioned recipe: typed parameters (a frozen dataclass
deriving from :class:`~genforge.core.params.Params`), split plans, one
block-level sampling hook, a difficulty, a meta schema and an oracle
(``solve``). Register it in the ``genforge.tasks`` entry-point group::

    [project.entry-points."genforge.tasks"]
    my_task = "my_package.module:MyTask"

Required: ``split_plans``, ``sample_block`` and ``solve``; ``Params`` for a
task that has parameters.
Optional: ``check_params``, ``difficulty``, ``enumerate_split`` (finite
spaces), ``space_size``, ``structure``, ``normalize_answer`` and
``solve_in_context`` (answers that depend on the run's knowledge base);
for ``genforge audit`` (see :mod:`genforge.core.probes`): ``canonical_key``,
``nuisance_features`` and ``shortcut_probes``.
"""

from __future__ import annotations

import json
import operator
from importlib import resources
from typing import Any, ClassVar, Iterable, Mapping, Optional

from genforge.core.errors import ParameterError
from genforge.core.params import Params
from genforge.core.probes import Probe, canonical_key_of
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec

_RELATIONS = {"<=": operator.le, "<": operator.lt, ">": operator.gt, ">=": operator.ge}



class Task:
    #: Registry name, e.g. ``"rewrite"``: lower-case letters, digits and ``_``.
    name: ClassVar[str] = ""
    #: Bumped whenever the task's output for the same params and seed changes.
    version: ClassVar[str] = "1.0"
    #: One line for ``genforge list``.
    summary: ClassVar[str] = ""
    #: The typed parameters: a frozen dataclass deriving from Params (see genforge.core.params).
    Params: ClassVar[type[Params]] = Params
    #: Parameter name -> JSON Schema property (with a ``default``), derived from ``Params``.
    parameters: ClassVar[dict[str, dict]] = {}
    default_split_plan: ClassVar[str] = "iid"
    #: A label whose per-split counts the manifest reports ("target" or "meta.<field>"); None for none.
    balance_key: ClassVar[Optional[str]] = None
    #: The label a split's ``label_cap`` counts, for a task without a ``balance_key`` (whose per-split
    #: counts the manifest would list); with one, the cap counts that.
    cap_key: ClassVar[Optional[str]] = None
    #: Attempts the engine makes per accepted record before giving up on a split.
    attempts_per_record: ClassVar[int] = 200

    @property
    def label_key(self) -> Optional[str]:
        """The label packed with each accepted record: ``balance_key``, else ``cap_key``."""
        return self.balance_key or self.cap_key

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.parameters = cls.Params.schema_properties()

    # -- parameters ----------------------------------------------------
    def typed(self, resolved: Mapping[str, Any]) -> Params:
        """The parameters a task's hooks receive: its ``Params`` for resolved values."""
        return self.Params.from_resolved(resolved)

    def split_params(self, params: Params, split: SplitSpec, seed: int) -> Params:
        """What ``sample_block`` receives for ``split``: the split's settings applied, and the run's seed."""
        return params.for_split(split.sample_params, seed)

    def check_params(self, params: Params) -> None:
        """Raise ParameterError for combinations that single values cannot express."""

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise ParameterError(message)

    def require_order(self, params: Params, name: str, relation: str, other: str, why: str = "") -> None:
        """Raise unless ``params.name <relation> params.other``, naming both values (and ``why``)."""
        value, bound = getattr(params, name), getattr(params, other)
        if not _RELATIONS[relation](value, bound):
            raise ParameterError(f"parameter {name!r} = {value} must be {relation} {other} ({bound})"
                                 + (f": {why}" if why else ""))

    def require_held_out_in_domains(self, params: Params) -> None:
        domains = list(params.domains)
        missing = [d for d in params.held_out_domains if d not in domains]
        self.require(not missing, f"held_out_domains {missing} are not in domains {domains}")

    # -- generation ----------------------------------------------------
    def split_plans(self, params: Params) -> dict[str, SplitPlan]:
        raise NotImplementedError

    def sample_block(self, rng: RandomStream, params: Any, count: int) -> list[Optional[Example]]:
        """``count`` attempts: each an example, or None for a rejected draw.

        ``params`` are the task's typed parameters with the split's settings
        applied and ``params.seed`` the run's seed, from which a task may derive
        fixed pools (rule sets, knowledge graphs). Draw randomness only from ``rng``.
        """
        raise NotImplementedError(f"task {self.name} implements no sample_block")

    def enumerate_split(
        self, params: Params, plan: SplitPlan, split: SplitSpec, seed: int
    ) -> Iterable[Example]:
        """Every example of a split whose ``source`` is ``"enumerate"``, in output order."""
        raise NotImplementedError(f"task {self.name} does not enumerate split {split.name}")

    def space_size(self, params: Params, split: SplitSpec) -> Optional[int]:
        """How many distinct examples a sampled split can hold, when known cheaply."""
        return None

    def difficulty(self, example: Example) -> float:
        """A number in [0, 1], monotone in the example's complexity measures."""
        return 0.0

    # -- oracle --------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        """The target for (instruction, input): the same code that generated it."""
        raise NotImplementedError

    def solve_in_context(self, instruction: Optional[str], input: str, params: Params, seed: int) -> str:
        """The oracle for tasks whose answer also depends on the run (a knowledge base drawn from
        params and seed, as in two_hop); most tasks need only ``solve``."""
        return self.solve(instruction, input)

    def normalize_answer(self, answer: str) -> str:
        """Canonical form of an answer for exact-match scoring (whitespace folded)."""
        return " ".join(str(answer).split())

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """(atoms, compounds) of a record, for divergence-based (MCD) splits and audits.

        Default: atoms are the whitespace tokens of instruction and input,
        compounds their adjacent pairs. Tasks override with their own
        primitives and rule applications (documented in the task module).
        """
        tokens = ((record.get("instruction") or "") + " " + record["input"]).split()
        return tokens, [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]

    # -- audit (genforge.core.probes) ----------------------------------
    def canonical_key(self, instruction: Optional[str], input: str) -> str:
        """A form equal for inputs that ask the same question (commutative operands, a
        comparison and its reverse); the engine dedups on it and the audit counts overlap by it.

        A task that overrides it makes its examples' ``key()`` return the same
        (an ``Example`` subclass), so that dedup costs nothing for other tasks.
        """
        return canonical_key_of(instruction, input)

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Features of a written record that are not its target (ints, bools or short strings),
        whose per-split histograms the audit compares with train's."""
        return {}

    def shortcut_probes(self, params: Params) -> list[Probe]:
        """Task-specific cheap predictors the audit fits on train (the generic ones come free)."""
        return []

    # -- schemas -------------------------------------------------------
    def meta_schema(self) -> dict:
        """JSON Schema of ``meta``; built-in tasks ship it as ``schemas/meta/<name>.json``."""
        text = resources.files("genforge.schemas").joinpath("meta", f"{self.name}.json").read_text("utf-8")
        return json.loads(text)
