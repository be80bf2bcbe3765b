"""Task ``two_hop``: two-hop composition over a fixed random knowledge graph (Grokked Transformers).

Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit Reasoners:
A Mechanistic Journey to the Edge of Generalization" (NeurIPS 2024), the
composition setting. ``entities`` heads each have ``out_degree`` distinct
relations (of ``relations``) with uniformly random tails. Atomic fact:
(h, r) -> t. Inferred fact: (h, r1, r2) -> r2(r1(h)). A share ``ood_share``
of the atomic facts is OOD; see ``tasks/implicit_facts.py`` for the split
rule (all atomic facts in train; ID inferred facts to train or test_id;
inferred facts over two OOD facts to test_ood; mixed ones dropped).
Defaults follow the paper's main setting: 2000 entities, 200 relations,
20 facts per head, phi = 7.2.

Formats: ``tokens`` gives input ``<e_12><r_3><r_7>`` and target ``<e_45>``;
``text`` gives ``What is the r7 of the r3 of e12?`` and ``e45``.

Structure: atoms are the symbols of the input (head entity, relations);
compounds are adjacent symbol pairs (``e12 r3``, ``r3 r7``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from genforge.core.errors import UsageError
from genforge.core.records import Example
from genforge.generators.knowledge_graph import (ID, OOD, build_composition_graph, composition_codes,
                                                 draw_composition_codes)
from genforge.tasks.implicit_facts import SHARED_PARAMETERS, FactTask

TOKENS = re.compile(r"<e_(\d+)>((?:<r_\d+>){1,2})")
TEXT = re.compile(r"What is the (r\d+) of (?:the (r\d+) of )?e(\d+)\?")


class TwoHopTask(FactTask):
    name = "two_hop"
    version = "1.1"
    summary = "two-hop composition of facts in a random knowledge graph (Grokked Transformers)"
    knowledge_parameters = ("entities", "relations", "out_degree", "ood_share")
    parameters = {
        "entities": {"type": "integer", "default": 2000, "minimum": 2, "maximum": 100_000,
                     "description": "number of entities (heads and tails)"},
        "relations": {"type": "integer", "default": 200, "minimum": 1, "maximum": 10_000,
                      "description": "number of relation types"},
        "out_degree": {"type": "integer", "default": 20, "minimum": 1, "maximum": 1000,
                       "description": "distinct relations (atomic facts) per head entity"},
        **SHARED_PARAMETERS,
    }

    def check_params(self, params: Mapping[str, Any]) -> None:
        self.require(params["out_degree"] <= params["relations"],
                     f"parameter 'out_degree' = {params['out_degree']} must be <= relations "
                     f"({params['relations']}): a head's relations are distinct")
        facts = params["entities"] * params["out_degree"]
        self.require(facts <= 5_000_000,
                     f"entities x out_degree = {facts} atomic facts; at most 5,000,000 are allowed")

    def build(self, rng, params):
        return build_composition_graph(rng, params["entities"], params["relations"], params["out_degree"],
                                       params["ood_share"])

    # -- rendering ---------------------------------------------------------------------
    @staticmethod
    def render(head: int, relations: tuple[int, ...], tail: int, fmt: str) -> tuple[str, str]:
        if fmt == "tokens":
            if len(relations) == 2:  # the common case, spelled out: this runs for every record
                return f"<e_{head}><r_{relations[0]}><r_{relations[1]}>", f"<e_{tail}>"
            return f"<e_{head}>" + "".join(f"<r_{r}>" for r in relations), f"<e_{tail}>"
        phrase = "".join(f"the r{r} of " for r in reversed(relations))
        return f"What is {phrase}e{head}?", f"e{tail}"

    def atomic_count(self, graph) -> int:
        return len(graph.atomic_index)

    def atomic_example(self, graph, index, params) -> Example:
        head, relation, tail = graph.atomic_index[index]
        text, target = self.render(head, (relation,), tail, params["format"])
        kind = OOD if relation in graph.ood[head] else ID
        return Example(None, text, target, {"domain": kind, "complexity": {"facts": 1}})

    def id_atomic_count(self, graph) -> int:
        return sum(len(r) for r in graph.id_relations)

    def inferred_example(self, graph, item, kind, params, bucket=None) -> Example:
        head, first, second = item
        text, target = self.render(head, (first, second), graph.inferred(head, first, second), params["format"])
        return Example(None, text, target, {"domain": kind, "complexity": {"facts": 2}},
                       bucket=self.bucket_of_item(graph, item) if bucket is None else bucket)

    def draw(self, graph, rng, kind):
        return graph.draw_inferred(rng, kind)

    # -- codes: (head * relations + first) * relations + second ------------------------------
    def inferred_codes(self, graph, kind):
        return composition_codes(graph, kind)

    def draw_codes(self, graph, rng, count):
        return draw_composition_codes(graph, rng, count)

    def code_base(self, graph) -> int:
        return graph.relations

    # -- oracle --------------------------------------------------------------------------
    def parse(self, input: str) -> tuple[int, tuple[int, ...]]:
        """(head, relations in application order) of an input in either format."""
        text = input.strip()
        match = TOKENS.fullmatch(text)
        if match:
            return int(match.group(1)), tuple(int(r) for r in re.findall(r"<r_(\d+)>", match.group(2)))
        match = TEXT.fullmatch(text)
        if match:
            relations = [int(match.group(1)[1:])] + ([int(match.group(2)[1:])] if match.group(2) else [])
            return int(match.group(3)), tuple(reversed(relations))
        raise UsageError(f"two_hop: cannot read input {input[:60]!r}; expected '<e_H><r_R>[<r_R>]' "
                         "or 'What is the rR of [the rR of ]eH?'")

    def answer(self, params: Mapping[str, Any], seed: int, input: str) -> str:
        graph = self.knowledge(params, seed)
        entity, relations = self.parse(input)
        for relation in relations:
            tail = graph.tail(entity, relation) if entity < graph.entities else None
            if tail is None:
                raise UsageError(f"two_hop: entity {entity} has no relation {relation} in this knowledge graph")
            entity = tail
        return self.render(0, (), entity, params["format"])[1]
