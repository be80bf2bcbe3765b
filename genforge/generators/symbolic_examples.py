"""Random examples of the ``symbolic`` task: a rule from a split's source, an input that contains it.

Rule sources: ``pool`` (the training pool of the run, rules whose text hashes
below ``SEEN_FRACTION``), ``unseen`` (uniform over the rules that hash above
it, so never in a pool) and ``any`` (uniform over every rule of the domains).
The input depth is uniform over ``max(depth_min, depth of the rule's left
side)..depth_max``; the input and its rewrite are drawn by
:func:`genforge.generators.symbolic_sampler.sample_rewrite`.

Pure functions of a random stream and typed values: no files, splits or engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.generators.instruction_pool import is_seen_instruction
from genforge.generators.symbolic_rules import CATALOGUE, DOMAINS
from genforge.generators.symbolic_sampler import CompiledRule, sample_rewrite

COMPILED = tuple(CompiledRule(rule) for rule in CATALOGUE)
#: Training-eligible rules per domain, fixed by the catalogue (compiled for sampling).
SEEN = {domain: [r for r in COMPILED if r.domain == domain and is_seen_instruction(r.text)] for domain in DOMAINS}
UNSEEN = {domain: [r for r in COMPILED if r.domain == domain and not is_seen_instruction(r.text)]
          for domain in DOMAINS}
#: Whether each catalogue rule may be in a training pool (text_bucket, looked up instead of hashed per draw).
_SEEN_TEXTS = {rule.text: is_seen_instruction(rule.text) for rule in COMPILED}

RuleDrawer = Callable[[RandomStream], CompiledRule]


def is_seen(instruction: str) -> bool:
    """May this rule text be in a training pool?"""
    seen = _SEEN_TEXTS.get(instruction)
    return is_seen_instruction(instruction) if seen is None else seen


def pool_candidate(domains: tuple[str, ...]) -> Callable[[RandomStream], tuple[CompiledRule, str]]:
    """The training pool's builder for ``domains``: a uniform training-eligible rule and its text."""
    candidates = [rule for domain in domains for rule in SEEN[domain]]

    def make(rng: RandomStream) -> tuple[CompiledRule, str]:
        rule = rng.choice(candidates)
        return rule, rule.text

    return make


def source_rules(source: str, domains: tuple[str, ...]) -> list[CompiledRule]:
    """The rules a ``unseen`` or ``any`` source draws from, uniformly."""
    table = UNSEEN if source == "unseen" else None
    return [rule for domain in domains for rule in (table[domain] if table else SEEN[domain] + UNSEEN[domain])]


@dataclass(frozen=True)
class InputShape:
    """The inputs a split draws: depths ``depth_min..depth_max`` and how deep operands and side terms go."""

    depth_min: int
    depth_max: int
    operand_depth: int
    context_depth: int


def sample_block(rng: RandomStream, draw_rule: RuleDrawer, inputs: InputShape, count: int) -> list[Optional[Example]]:
    """``count`` attempts; None where the rule does not fit the depths or the draw is refused."""
    examples: list[Optional[Example]] = []
    for _ in range(count):
        rule = draw_rule(rng)
        lowest = max(inputs.depth_min, rule.left_depth)
        if lowest > inputs.depth_max:
            examples.append(None)
            continue
        total_depth = lowest + rng.below(inputs.depth_max - lowest + 1)
        drawn = sample_rewrite(rng, rule, total_depth, inputs.operand_depth, inputs.context_depth)
        if drawn is None:
            examples.append(None)
            continue
        text, target, matched, replacement, nodes, match_depth = drawn
        complexity = {"depth": total_depth, "nodes": nodes, "rule_nodes": rule.left_size,
                      "match_depth": match_depth}
        examples.append(example_of((rule.text, text, target, {"domain": rule.domain, "complexity": complexity},
                                    (f"match {matched}", f"replace {replacement}"))))
    return examples
