"""Task ``two_hop``: two-hop composition over a fixed random knowledge graph (Grokked Transformers).

Wang, Yue, Su and Sun (2024), "Grokked Transformers are Implicit Reasoners:
A Mechanistic Journey to the Edge of Generalization" (NeurIPS 2024), the
composition setting. ``entities`` heads each have ``out_degree`` distinct
relations (of ``relations``) with uniformly random tails. Atomic fact:
(h, r) -> t. Inferred fact: (h, r1, r2) -> r2(r1(h)). A share ``ood_share``
of the atomic facts is OOD; see ``tasks/families/facts.py`` for the split
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
from dataclasses import dataclass
from typing import Any, Mapping

from genforge.core.probes import Probe

from genforge.core.errors import UsageError
from genforge.core.params import Params, param
from genforge.generators.knowledge_facts import CompositionFacts, render_composition
from genforge.generators.knowledge_graph import build_composition_graph
from genforge.tasks.families import facts
from genforge.tasks.families.facts import FactTask, first_number, lookup

TOKENS = re.compile(r"<e_(\d+)>((?:<r_\d+>){1,2})")
TEXT = re.compile(r"What is the (r\d+) of (?:the (r\d+) of )?e(\d+)\?")


@dataclass(frozen=True)
class TwoHopParams(Params):
    entities: int = param(2000, "number of entities (heads and tails)", minimum=2, maximum=100_000)
    relations: int = param(200, "number of relation types", minimum=1, maximum=10_000)
    out_degree: int = param(20, "distinct relations (atomic facts) per head entity", minimum=1, maximum=1000)
    ood_share: float = facts.ood_share(0.05)
    phi: float = facts.phi()
    test_id_probability: float = facts.test_id_probability()
    format: str = facts.fact_format()
    test_size: int = facts.fact_test_size()
    draw: str = facts.draw()


class TwoHopTask(FactTask):
    name = "two_hop"
    version = "1.2"
    summary = "two-hop composition of facts in a random knowledge graph (Grokked Transformers)"
    Params = TwoHopParams
    View = CompositionFacts
    knowledge_parameters = ("entities", "relations", "out_degree", "ood_share")

    def check_params(self, params: TwoHopParams) -> None:
        self.require(params.out_degree <= params.relations,
                     f"parameter 'out_degree' = {params.out_degree} must be <= relations "
                     f"({params.relations}): a head's relations are distinct")
        atomic = params.entities * params.out_degree
        self.require_small_train(params, atomic, atomic - round(params.ood_share * atomic), "entities x out_degree")

    def atomic_counts(self, params: TwoHopParams) -> tuple[int, int]:
        atomic = params.entities * params.out_degree
        return atomic, round(params.ood_share * atomic)

    def build(self, rng, params: TwoHopParams):
        return build_composition_graph(rng, params.entities, params.relations, params.out_degree, params.ood_share)

    # -- oracle --------------------------------------------------------------------------
    @staticmethod
    def parse(input: str) -> tuple[int, tuple[int, ...]]:
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

    def answer(self, params: TwoHopParams, seed: int, input: str) -> str:
        graph = self.knowledge(params, seed)
        entity, relations = self.parse(input)
        for relation in relations:
            tail = graph.tail(entity, relation) if entity < graph.entities else None
            if tail is None:
                raise UsageError(f"two_hop: entity {entity} has no relation {relation} in this knowledge graph")
            entity = tail
        return render_composition(0, (), entity, params.format)[1]

    # -- audit ------------------------------------------------------------------------------
    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Besides ``complexity.facts`` and ``domain`` (every record has them): whether both hops use one
        relation, and whether the answer is the head itself (a cycle), which a model could guess."""
        head, relations = self.parse(record["input"])
        return {"repeated_relation": len(relations) == 2 and relations[0] == relations[1],
                "answer_is_head": first_number(record["target"]) == head}

    def shortcut_probes(self, params: TwoHopParams) -> list[Probe]:
        return [Probe("last_relation_lookup", "the most common train answer of the input's last relation",
                      lambda train: lookup(train, lambda record: self.parse(record["input"])[1][-1]))]
