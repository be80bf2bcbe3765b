"""Task ``comparison``: compare two entities on one attribute (Grokked Transformers).

Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit Reasoners:
A Mechanistic Journey to the Edge of Generalization" (NeurIPS 2024), the
comparison setting. Every entity has an integer value (0..``values``-1) per
attribute. Atomic fact: (e, a) -> value. Inferred fact: (e1, a, e2) -> <, =
or >, comparing the two values (e1 != e2). Per attribute a share
``ood_share`` of the entities is OOD; a comparison is ID when both entities
are ID for that attribute, OOD when both are OOD, and dropped when mixed.
See ``tasks/families/facts.py`` for the split rule (all atomic facts in
train, phi x ID atomic facts ID comparisons in train, held-out ID ones in
test_id, OOD ones in test_ood).

Formats: ``tokens`` gives atomic ``<e_12><a_3>`` -> ``<v_7>`` and inferred
``<e_12><a_3><e_45>`` -> ``<lt>`` / ``<eq>`` / ``<gt>``; ``text`` gives
``What is the a3 of e12?`` -> ``v7`` and ``Compare the a3 of e12 with that
of e45.`` -> ``<`` / ``=`` / ``>``. ``normalize_answer`` folds both onto
``v7`` and ``<``, ``=``, ``>``.

Structure: atoms are the symbols of the input (entities, attribute);
compounds are adjacent symbol pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from genforge.core.probes import Probe

from genforge.core.errors import UsageError
from genforge.core.params import Params, param
from genforge.generators.knowledge_facts import TOKEN_ANSWERS, ComparisonFacts, canonical_comparison
from genforge.generators.knowledge_graph import build_attribute_table
from genforge.tasks.families import facts
from genforge.tasks.families.facts import FactTask, lookup

TOKENS = re.compile(r"<e_(\d+)><a_(\d+)>(?:<e_(\d+)>)?")
ATOMIC_TEXT = re.compile(r"What is the a(\d+) of e(\d+)\?")
COMPARE_TEXT = re.compile(r"Compare the a(\d+) of e(\d+) with that of e(\d+)\.")


@dataclass(frozen=True)
class ComparisonParams(Params):
    entities: int = param(1000, "number of entities", minimum=2, maximum=100_000)
    attributes: int = param(20, "number of attributes; every entity has a value for each", minimum=1, maximum=1000)
    values: int = param(20, "attribute values are integers 0..values-1", minimum=2, maximum=1_000_000)
    #: The release keeps 90% of the entities ID per attribute (comparison.ipynb, num_id_entities_ratio = 0.9).
    ood_share: float = facts.ood_share(0.1)
    phi: float = facts.phi()
    test_id_probability: float = facts.test_id_probability()
    format: str = facts.fact_format()
    test_size: int = facts.fact_test_size()
    draw: str = facts.draw()


class ComparisonTask(FactTask):
    name = "comparison"
    version = "1.2"
    balance_key = "target"
    summary = "compare two entities' attribute values learned as atomic facts (Grokked Transformers)"
    Params = ComparisonParams
    View = ComparisonFacts
    knowledge_parameters = ("entities", "attributes", "values", "ood_share")

    symmetric = True
    atomic_moves = facts.ATOMIC_MOVES + ("answer_class", "entity_order")

    def atomic_counts(self, params: ComparisonParams) -> tuple[int, int]:
        return params.entities * params.attributes, round(params.ood_share * params.entities) * params.attributes

    def check_params(self, params: ComparisonParams) -> None:
        ood = round(params.ood_share * params.entities)
        self.require_small_train(params, params.entities * params.attributes,
                                 (params.entities - ood) * params.attributes, "entities x attributes")
        self.require(ood == 0 or ood >= 2,
                     f"parameter 'ood_share' = {params.ood_share} gives {ood} OOD entity per attribute; "
                     "test_ood needs at least 2 (raise ood_share or entities) or 0")

    def build(self, rng, params: ComparisonParams):
        return build_attribute_table(rng, params.entities, params.attributes, params.values, params.ood_share)

    # -- oracle --------------------------------------------------------------------------
    @staticmethod
    def parse(input: str) -> tuple[int, int, Optional[int]]:
        """(attribute, first entity, second entity or None for an atomic fact) of an input in either format."""
        text = input.strip()
        match = TOKENS.fullmatch(text)
        if match:
            first, attribute, second = match.group(1), match.group(2), match.group(3)
        elif (match := ATOMIC_TEXT.fullmatch(text)):
            attribute, first, second = match.group(1), match.group(2), None
        elif (match := COMPARE_TEXT.fullmatch(text)):
            attribute, first, second = match.groups()
        else:
            raise UsageError(f"comparison: cannot read input {input[:60]!r}")
        return int(attribute), int(first), None if second is None else int(second)

    def answer(self, params: ComparisonParams, seed: int, input: str) -> str:
        table = self.knowledge(params, seed)
        tokens = params.format == "tokens"
        attribute, first, second = self.parse(input)
        if attribute >= table.attributes or first >= table.entities or (second is not None
                                                                         and second >= table.entities):
            raise UsageError(f"comparison: input {input[:60]!r} names an entity or attribute outside the table")
        if second is None:
            value = table.values[attribute][first]
            return f"<v_{value}>" if tokens else f"v{value}"
        relation = table.compare(attribute, first, second)
        return TOKEN_ANSWERS[relation] if tokens else relation

    # -- audit ------------------------------------------------------------------------------
    def canonical_key(self, instruction: Optional[str], input: str) -> str:
        """A comparison with its smaller entity first: (a, e1, e2) and (a, e2, e1) are one question (the
        answer of one mirrors the other's); sampled comparisons carry this key (ComparisonExample)."""
        return super().canonical_key(instruction, canonical_comparison(input))

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Besides ``complexity.facts`` and ``domain``: the attribute, the answer class (``<``, ``=``, ``>``
        or ``value`` for an atomic fact) and whether the entity ids ascend (a cheap cue if it paid)."""
        attribute, first, second = self.parse(record["input"])
        order = "none" if second is None else ("ascending" if first < second else "descending")
        answer = "value" if second is None else self.normalize_answer(record["target"])
        return {"attribute": attribute, "answer_class": answer, "entity_order": order}

    def shortcut_probes(self, params: ComparisonParams) -> list[Probe]:
        def order(record):
            attribute, first, second = self.parse(record["input"])
            return None if second is None else first < second

        return [Probe("entity_order", "the most common train answer for ascending / descending entity ids",
                      lambda train: lookup(train, order))]
