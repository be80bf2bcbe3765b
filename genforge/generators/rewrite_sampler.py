"""Random examples of the ``rewrite`` task: one rule ``x -> y``, one input, one application.

A rule is drawn from a :class:`RuleShape`: a domain uniform over the shape's
domains, a size k uniform in ``k_min..k_max`` (0 for ``unconstrained``), then
pattern and replacement of the domain (see
:func:`genforge.generators.rewriting.domain_pattern`). An input holds the
pattern at a uniform position in random filler, or, with probability
``noop_share``, does not hold it (the target is then the input): a *near miss*
(the pattern with one symbol changed, at a uniform position in random filler)
or, with ``noop_inputs = "random"``, a random string without the pattern.

Pure functions of a random stream and typed values: no files, splits or engine.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.instruction_pool import InstructionPool
from genforge.generators.rewriting import (
    LETTERS, Rule, domain_pattern, near_miss_text, random_text_without, rewrite_once, text_containing,
)

#: What a no-op input holds: a near miss of the pattern (default) or a random string without it.
NOOP_INPUTS = ("near_miss", "random")

#: What an instruction pool entry is: the rule, its domain, its size k and its text.
PoolEntry = tuple[Rule, str, int, str]


@dataclass(frozen=True)
class RuleShape:
    """Everything a rule depends on; its fields (names included) also key the instruction pool."""

    alphabet_size: int
    pattern_length: int
    replacement_length: int
    domains: tuple[str, ...]
    k_min: int
    k_max: int

    @property
    def alphabet(self) -> str:
        return LETTERS[: self.alphabet_size]

    def key(self) -> dict:
        """The fields by name: what the instruction pool's random stream and cache are keyed by."""
        return asdict(self)


def random_rule(rng: RandomStream, shape: RuleShape) -> tuple[PoolEntry, str]:
    """A pool entry and its instruction text (what :class:`InstructionPool` builders return)."""
    domain = rng.choice(shape.domains)
    k = 0 if domain == "unconstrained" else rng.integer(shape.k_min, shape.k_max)
    pattern = domain_pattern(rng, domain, k, shape.pattern_length, shape.alphabet)
    replacement = domain_pattern(rng, domain, k, shape.replacement_length, shape.alphabet)
    rule = Rule(pattern, replacement)
    text = rule.text()
    return (rule, domain, k, text), text


def chance_without(alphabet_size: int, pattern_length: int, length: int) -> float:
    """About how often a uniform random string of ``length`` symbols misses a given pattern.

    The Poisson estimate: ``length - pattern_length + 1`` places, each a match with
    probability ``alphabet_size ** -pattern_length``. Patterns that overlap themselves
    (``aaaa``) are missed more often, so this errs on the side of "rarely".
    """
    places = max(length - pattern_length + 1, 0)
    return math.exp(-places * math.exp(-pattern_length * math.log(alphabet_size)))


@dataclass(frozen=True)
class InputShape:
    """The inputs a split draws: lengths uniform in ``length_min..length_max``, a share without the pattern
    (what they hold instead: ``noop_inputs``, one of :data:`NOOP_INPUTS`)."""

    length_min: int
    length_max: int
    noop_share: float
    noop_inputs: str = "near_miss"


def sample_block(rng: RandomStream, shape: RuleShape, inputs: InputShape, pool: Optional[InstructionPool],
                 count: int) -> list[Optional[Example]]:
    """``count`` attempts, rules from ``pool`` (None: drawn fresh); None for a no-op input not found."""
    # Filler text for the whole block in one draw: the bulk of the randomness.
    longest_filler = max(inputs.length_max - shape.pattern_length, 0)
    fillers = rng.strings(shape.alphabet, longest_filler, count)
    return [_sample_one(rng, shape, inputs, pool, filler) for filler in fillers]


def _sample_one(rng: RandomStream, shape: RuleShape, inputs: InputShape, pool: Optional[InstructionPool],
                filler: str) -> Optional[Example]:
    if pool is None:
        (rule, domain, k, instruction), _ = random_rule(rng, shape)
    else:
        rule, domain, k, instruction = pool.draw(rng)
    low, high = inputs.length_min, inputs.length_max
    length = rng.integer(low, high) if low < high else low
    noop = inputs.noop_share > 0 and rng.random() < inputs.noop_share
    if noop:
        if inputs.noop_inputs == "random":
            text = random_text_without(rng, rule.pattern, length, shape.alphabet)
        else:
            text = near_miss_text(rng, rule.pattern, length, shape.alphabet)
        if text is None:
            return None
    else:
        text = text_containing(rng, rule.pattern, filler[: length - len(rule.pattern)])
    complexity = {
        "input_length": length,
        "pattern_length": len(rule.pattern),
        "replacement_length": len(rule.replacement),
        "k": k,
        "rules": 1,
        "steps": 0 if noop else 1,
    }
    return Example(instruction, text, rewrite_once(text, rule), {"domain": domain, "complexity": complexity})
