"""The task contract: what a generator family implements to join genforge.

A task is a named, versioned recipe: a generator (``sample``), its parameters
(JSON Schema properties), its split plans, its meta schema and its oracle
(``solve``). Register it in the ``genforge.tasks`` entry-point group::

    [project.entry-points."genforge.tasks"]
    my_task = "my_package.module:MyTask"

Subclasses set the class attributes and implement ``sample``, ``solve``,
``split_plans`` and ``difficulty``.
"""

from __future__ import annotations

import json
import operator
from importlib import resources
from typing import Any, ClassVar, Iterable, Mapping, Optional

from genforge.core.errors import ParameterError
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
    #: Parameter name -> JSON Schema property (with a ``default``).
    parameters: ClassVar[dict[str, dict]] = {}
    default_split_plan: ClassVar[str] = "iid"
    #: A label whose per-split counts the manifest reports ("target" or "meta.<field>"); None for none.
    balance_key: ClassVar[Optional[str]] = None
    #: Attempts the engine makes per accepted record before giving up on a split.
    attempts_per_record: ClassVar[int] = 200

    # -- parameters ----------------------------------------------------
    def check_params(self, params: Mapping[str, Any]) -> None:
        """Raise ParameterError for combinations that single values cannot express."""

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise ParameterError(message)

    def require_order(self, params: Mapping[str, Any], name: str, relation: str, other: str, why: str = "") -> None:
        """Raise unless ``params[name] <relation> params[other]``, naming both values (and ``why``)."""
        if not _RELATIONS[relation](params[name], params[other]):
            raise ParameterError(f"parameter {name!r} = {params[name]} must be {relation} {other} ({params[other]})"
                                 + (f": {why}" if why else ""))

    def require_held_out_in_domains(self, params: Mapping[str, Any]) -> None:
        missing = [d for d in params["held_out_domains"] if d not in params["domains"]]
        self.require(not missing, f"held_out_domains {missing} are not in domains {params['domains']}")

    # -- generation ----------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        raise NotImplementedError

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        """One example, or None for a rejected draw (counted as an attempt).

        ``params`` are the resolved parameters with the split's
        ``sample_params`` applied, plus ``"seed"`` (the run's seed) so that a
        task can derive fixed pools (rule sets, knowledge graphs) from it.
        Draw randomness only from ``rng``.
        """
        raise NotImplementedError

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        """``count`` attempts; override for a vectorised fast path."""
        return [self.sample(rng, params) for _ in range(count)]

    def enumerate_split(
        self, params: Mapping[str, Any], plan: SplitPlan, split: SplitSpec, seed: int
    ) -> Iterable[Example]:
        """Every example of a split whose ``source`` is ``"enumerate"``, in output order."""
        raise NotImplementedError(f"task {self.name} does not enumerate split {split.name}")

    def space_size(self, params: Mapping[str, Any], split: SplitSpec) -> Optional[int]:
        """How many distinct examples a sampled split can hold, when known cheaply."""
        return None

    def difficulty(self, example: Example) -> float:
        """A number in [0, 1], monotone in the example's complexity measures."""
        return 0.0

    # -- oracle --------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        """The target for (instruction, input): the same code that generated it."""
        raise NotImplementedError

    def solve_in_context(self, instruction: Optional[str], input: str, params: Mapping[str, Any], seed: int) -> str:
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

    # -- schemas -------------------------------------------------------
    def meta_schema(self) -> dict:
        """JSON Schema of ``meta``; built-in tasks ship it as ``schemas/meta/<name>.json``."""
        text = resources.files("genforge.schemas").joinpath("meta", f"{self.name}.json").read_text("utf-8")
        return json.loads(text)
