"""Random examples of the ``symbolic`` task: a rule from a split's source, an input that contains it.

Rule sources: ``pool`` (the training pool of the run, rules of training-eligible
shapes), ``unseen`` (rules of held-out shapes, so never in a pool: a uniform
held-out shape of the domains, then a uniform rule of that shape) and ``any``
(uniform over every rule of the domains).

Shapes (:func:`genforge.generators.symbolic_rules.rule_shape`: constants
abstracted, operands sorted, a rule and its reverse one shape) are held out per domain: the
``1 - SEEN_FRACTION`` share of each domain's shapes (at least one) whose
shape text hashes highest. Holding out by rule text (symbolic 1.2) left 58%
of the unseen test equal to a training rule but for a constant and 29% the
reverse of one. Drawing a shape first keeps a shape with 16 constant
variants from filling the test.
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
from genforge.core.splits import text_bucket
from genforge.generators.instruction_pool import SEEN_FRACTION
from genforge.generators.symbolic_rules import CATALOGUE, DOMAINS, rule_shape
from genforge.generators.symbolic_sampler import CompiledRule, sample_rewrite

COMPILED = tuple(CompiledRule(rule) for rule in CATALOGUE)


def _held_out_shapes() -> frozenset:
    """Per domain, the ``1 - SEEN_FRACTION`` share of its shapes (at least one) that hash highest."""
    held_out = set()
    for domain in DOMAINS:
        shapes = sorted({rule_shape(r.text) for r in COMPILED if r.domain == domain}, key=text_bucket, reverse=True)
        held_out.update(shapes[:max(1, round((1 - SEEN_FRACTION) * len(shapes)))])
    return frozenset(held_out)


#: Shapes that never enter a training pool (fixed by the catalogue).
HELD_OUT_SHAPES = _held_out_shapes()
#: Training-eligible rules per domain (compiled for sampling).
SEEN = {domain: [r for r in COMPILED if r.domain == domain and rule_shape(r.text) not in HELD_OUT_SHAPES]
        for domain in DOMAINS}
UNSEEN = {domain: [r for r in COMPILED if r.domain == domain and rule_shape(r.text) in HELD_OUT_SHAPES]
          for domain in DOMAINS}
#: Whether each catalogue rule may be in a training pool (looked up instead of computed per draw).
_SEEN_TEXTS = {rule.text: rule_shape(rule.text) not in HELD_OUT_SHAPES for rule in COMPILED}

RuleDrawer = Callable[[RandomStream], CompiledRule]


def is_seen(instruction: str) -> bool:
    """May this rule text be in a training pool? (Not when its shape is held out.)"""
    seen = _SEEN_TEXTS.get(instruction)
    return rule_shape(instruction) not in HELD_OUT_SHAPES if seen is None else seen


def pool_candidate(domains: tuple[str, ...]) -> Callable[[RandomStream], tuple[CompiledRule, str]]:
    """The training pool's builder for ``domains``: a uniform training-eligible rule and its text."""
    candidates = [rule for domain in domains for rule in SEEN[domain]]

    def make(rng: RandomStream) -> tuple[CompiledRule, str]:
        rule = rng.choice(candidates)
        return rule, rule.text

    return make


def source_drawer(source: str, domains: tuple[str, ...]) -> RuleDrawer:
    """How an ``unseen`` source (a uniform held-out shape, then a uniform rule of it) or an ``any`` source
    (a uniform rule) draws."""
    if source == "unseen":
        groups: dict = {}
        for domain in domains:
            for rule in UNSEEN[domain]:
                groups.setdefault(rule_shape(rule.text), []).append(rule)
        shapes = [groups[shape] for shape in sorted(groups)]
        return lambda rng: rng.choice(rng.choice(shapes))
    rules = [rule for domain in domains for rule in SEEN[domain] + UNSEEN[domain]]
    return lambda rng: rng.choice(rules)


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
