"""Random examples of the ``markov`` task: a rule list, an input, the run to its end.

A rule list is drawn from a :class:`RuleSetShape`: a domain uniform over the
shape's domains, a rule count uniform in ``rules_min..rules_max``, then rules
of that domain with distinct patterns (a repeated pattern could never fire).
Domains are kinds of rule sets by how rules change the string's length:
``permuting`` (replacement as long as the pattern), ``shrinking`` (shorter),
``growing`` (longer), ``mixed`` (any). Each rule is terminal with probability
``terminal_share``. An input is a random string of uniform length; runs
outside ``min_steps..max_steps`` steps are rejected (None).

Pure functions of a random stream and typed values: no files, splits or engine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.instruction_pool import InstructionPool
from genforge.generators.rewriting import LETTERS, Rule, format_rules, run_markov

DOMAINS = ("permuting", "shrinking", "growing", "mixed")
#: What an instruction pool entry is: the rules and their domain.
PoolEntry = tuple[tuple[Rule, ...], str]


@dataclass(frozen=True)
class RuleSetShape:
    """Everything a rule list depends on; its fields (names included) also key the instruction pool."""

    alphabet_size: int
    pattern_length_max: int
    replacement_length_max: int
    terminal_share: float
    domains: tuple[str, ...]
    rules_min: int
    rules_max: int

    @property
    def alphabet(self) -> str:
        return LETTERS[: self.alphabet_size]

    def key(self) -> dict:
        """The fields by name: what the instruction pool's random stream and cache are keyed by."""
        return asdict(self)


def random_rule(rng: RandomStream, domain: str, shape: RuleSetShape) -> Rule:
    pattern_length = rng.integer(1, shape.pattern_length_max)
    longest = shape.replacement_length_max
    if domain == "permuting":
        pattern_length = min(pattern_length, longest)
        replacement_length = pattern_length
    elif domain == "shrinking":
        replacement_length = rng.integer(0, min(pattern_length - 1, longest)) if pattern_length > 1 else 0
    elif domain == "growing":
        pattern_length = min(pattern_length, longest - 1)
        replacement_length = rng.integer(pattern_length + 1, longest)
    else:
        replacement_length = rng.integer(0, longest)
    return Rule(rng.string(shape.alphabet, pattern_length), rng.string(shape.alphabet, replacement_length),
                rng.random() < shape.terminal_share)


def random_rules(rng: RandomStream, shape: RuleSetShape) -> tuple[PoolEntry, str]:
    """A pool entry and its instruction text (what :class:`InstructionPool` builders return)."""
    domain = rng.choice(shape.domains)
    count = rng.integer(shape.rules_min, shape.rules_max)
    rules, patterns = [], set()
    while len(rules) < count:
        rule = random_rule(rng, domain, shape)
        if rule.pattern not in patterns:  # a repeated pattern could never fire
            patterns.add(rule.pattern)
            rules.append(rule)
    rules = tuple(rules)
    return (rules, domain), format_rules(rules)


def distinct_patterns(domain: str, alphabet_size: int, pattern_length_max: int, replacement_length_max: int) -> int:
    """How many distinct patterns a rule of ``domain`` can have (a rule list needs one per rule)."""
    longest = pattern_length_max
    if domain == "permuting":
        longest = min(longest, replacement_length_max)
    elif domain == "growing":
        longest = min(longest, replacement_length_max - 1)
    return sum(alphabet_size ** length for length in range(1, longest + 1))


def run_cost(steps: int, input_length: int, rules: int, growth: int) -> tuple[int, int, int]:
    """The most work one attempt can take: (symbols its trace holds, rule tries, symbols those tries scan).

    A run takes up to ``steps`` steps; each tries up to ``rules`` rules on the current string, which
    starts at ``input_length`` symbols and grows by at most ``growth`` per step. Every attempt pays this
    in full when runs are rejected for being too long.
    """
    trace = steps * input_length + growth * steps * (steps + 1) // 2
    tries = steps * rules
    return trace, tries, tries * (input_length + growth * steps)


@dataclass(frozen=True)
class RunShape:
    """The inputs and runs a split keeps: input lengths and run lengths in steps."""

    input_length_min: int
    input_length_max: int
    min_steps: int
    max_steps: int


def sample_block(rng: RandomStream, shape: RuleSetShape, runs: RunShape, pool: Optional[InstructionPool],
                 count: int) -> list[Optional[Example]]:
    """``count`` attempts, rule lists from ``pool`` (None: drawn fresh); None for a run outside the steps."""
    # Input text for the whole block in one draw, cut to each example's length.
    texts = rng.strings(shape.alphabet, runs.input_length_max, count)
    return [_sample_one(rng, shape, runs, pool, text) for text in texts]


def _sample_one(rng: RandomStream, shape: RuleSetShape, runs: RunShape, pool: Optional[InstructionPool],
                text: str) -> Optional[Example]:
    if pool is None:
        (rules, domain), _ = random_rules(rng, shape)
    else:
        rules, domain = pool.draw(rng)
    length = rng.integer(runs.input_length_min, runs.input_length_max)
    text = text[:length]
    run = run_markov(rules, text, runs.max_steps)
    if run is None or run.steps < runs.min_steps:
        return None
    complexity = {
        "input_length": length,
        "rules": len(rules),
        "pattern_length": max(len(rule.pattern) for rule in rules),
        "steps": run.steps,
        "output_length": len(run.result),
    }
    return Example(format_rules(rules), text, run.result, {"domain": domain, "complexity": complexity}, run.trace)
