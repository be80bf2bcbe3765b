"""Task ``comparison``: compare two entities on one attribute (Grokked Transformers).

Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit Reasoners:
A Mechanistic Journey to the Edge of Generalization" (NeurIPS 2024), the
comparison setting. Every entity has an integer value (0..``values``-1) per
attribute. Atomic fact: (e, a) -> value. Inferred fact: (e1, a, e2) -> <, =
or >, comparing the two values (e1 != e2). Per attribute a share
``ood_share`` of the entities is OOD; a comparison is ID when both entities
are ID for that attribute, OOD when both are OOD, and dropped when mixed.
See ``tasks/implicit_facts.py`` for the split rule (all atomic facts in
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
from typing import Any, Mapping

from genforge.core.errors import UsageError
from genforge.core.records import Example
from genforge.generators.knowledge_graph import (ID, OOD, build_attribute_table, comparison_codes,
                                                 draw_comparison_codes)
from genforge.tasks.implicit_facts import SHARED_PARAMETERS, FactTask

TOKEN_ANSWERS = {"<": "<lt>", "=": "<eq>", ">": "<gt>"}
TOKENS = re.compile(r"<e_(\d+)><a_(\d+)>(?:<e_(\d+)>)?")
ATOMIC_TEXT = re.compile(r"What is the a(\d+) of e(\d+)\?")
COMPARE_TEXT = re.compile(r"Compare the a(\d+) of e(\d+) with that of e(\d+)\.")


class ComparisonTask(FactTask):
    name = "comparison"
    version = "1.1"
    balance_key = "target"
    summary = "compare two entities' attribute values learned as atomic facts (Grokked Transformers)"
    knowledge_parameters = ("entities", "attributes", "values", "ood_share")
    parameters = {
        "entities": {"type": "integer", "default": 1000, "minimum": 2, "maximum": 100_000,
                     "description": "number of entities"},
        "attributes": {"type": "integer", "default": 20, "minimum": 1, "maximum": 1000,
                       "description": "number of attributes; every entity has a value for each"},
        "values": {"type": "integer", "default": 20, "minimum": 2, "maximum": 1_000_000,
                   "description": "attribute values are integers 0..values-1"},
        **SHARED_PARAMETERS,
    }

    def check_params(self, params: Mapping[str, Any]) -> None:
        facts = params["entities"] * params["attributes"]
        self.require(facts <= 5_000_000,
                     f"entities x attributes = {facts} atomic facts; at most 5,000,000 are allowed")
        ood = round(params["ood_share"] * params["entities"])
        self.require(ood == 0 or ood >= 2,
                     f"parameter 'ood_share' = {params['ood_share']} gives {ood} OOD entity per attribute; "
                     "test_ood needs at least 2 (raise ood_share or entities) or 0")

    def build(self, rng, params):
        return build_attribute_table(rng, params["entities"], params["attributes"], params["values"],
                                     params["ood_share"])

    # -- rendering ---------------------------------------------------------------------
    def atomic_count(self, table) -> int:
        return table.attributes * table.entities

    def atomic_example(self, table, index, params) -> Example:
        attribute, entity = divmod(index, table.entities)
        value = table.values[attribute][entity]
        if params["format"] == "tokens":
            text, target = f"<e_{entity}><a_{attribute}>", f"<v_{value}>"
        else:
            text, target = f"What is the a{attribute} of e{entity}?", f"v{value}"
        kind = OOD if entity in table.ood[attribute] else ID
        return Example(None, text, target, {"domain": kind, "complexity": {"facts": 1}})

    def id_atomic_count(self, table) -> int:
        return sum(len(pool) for pool in table.id_entities)

    def inferred_input(self, item, params) -> str:
        attribute, first, second = item
        if params["format"] == "tokens":
            return f"<e_{first}><a_{attribute}><e_{second}>"
        return f"Compare the a{attribute} of e{first} with that of e{second}."

    def inferred_example(self, table, item, kind, params, bucket=None) -> Example:
        relation = table.compare(*item)
        target = TOKEN_ANSWERS[relation] if params["format"] == "tokens" else relation
        return Example(None, self.inferred_input(item, params), target, {"domain": kind, "complexity": {"facts": 2}},
                       bucket=self.bucket_of_item(table, item) if bucket is None else bucket)

    def draw(self, table, rng, kind):
        return table.draw_pair(rng, kind)

    # -- codes: (attribute * entities + first) * entities + second -----------------------------
    def inferred_codes(self, table, kind):
        return comparison_codes(table, kind)

    def draw_codes(self, table, rng, count):
        return draw_comparison_codes(table, rng, count)

    def code_base(self, table) -> int:
        return table.entities

    # -- oracle --------------------------------------------------------------------------
    def answer(self, params: Mapping[str, Any], seed: int, input: str) -> str:
        table = self.knowledge(params, seed)
        text = input.strip()
        tokens = params["format"] == "tokens"
        match = TOKENS.fullmatch(text)
        if match:
            first, attribute, second = match.group(1), match.group(2), match.group(3)
        elif (match := ATOMIC_TEXT.fullmatch(text)):
            attribute, first, second = match.group(1), match.group(2), None
        elif (match := COMPARE_TEXT.fullmatch(text)):
            attribute, first, second = match.groups()
        else:
            raise UsageError(f"comparison: cannot read input {input[:60]!r}")
        attribute, first = int(attribute), int(first)
        if attribute >= table.attributes or first >= table.entities or (second and int(second) >= table.entities):
            raise UsageError(f"comparison: input {input[:60]!r} names an entity or attribute outside the table")
        if second is None:
            value = table.values[attribute][first]
            return f"<v_{value}>" if tokens else f"v{value}"
        relation = table.compare(attribute, first, int(second))
        return TOKEN_ANSWERS[relation] if tokens else relation
