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
Pooled rules without no-op inputs (the training splits' usual case) are drawn a
block at a time (:func:`_pooled_block`), with the same words and examples as
one attempt after another.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import repeat
from typing import Optional

import numpy as np

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.shared_metas import shared_metas
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
    if pool is not None and inputs.noop_share == 0 and inputs.length_min >= shape.pattern_length:
        return _pooled_block(rng, shape, inputs, pool, fillers)
    return [_sample_one(rng, shape, inputs, pool, filler) for filler in fillers]


def _pooled_block(rng: RandomStream, shape: RuleShape, inputs: InputShape, pool: InstructionPool,
                  fillers: list[str]) -> list[Example]:
    """What ``_sample_one`` gives for every filler, for pooled rules and no no-op inputs, with its draws made
    for the whole block at once.

    Each attempt then takes a fixed number of words, in this order: the pool's
    draw (none from a one-rule pool), the input length (none when fixed) and
    the pattern's place. Drawn as one array, they are the words the attempts
    would take one by one, unless a bounded draw rejects its word (a chance
    of bound / 2**64 per draw): then the block is drawn again attempt by
    attempt from the same words (``_Replay``), so the examples are the same.
    """
    count = len(fillers)
    if not count:
        return []
    items = pool.items
    low, high = inputs.length_min, inputs.length_max
    columns = (len(items) > 1) + (low < high) + 1
    words = rng.words(columns * count)
    table = words.reshape(count, columns)
    if len(items) > 1:
        # InstructionPool.draw: bisect_right on the cumulative weights of rng.random()'s 53-bit float.
        chosen = np.searchsorted(pool.cumulative, (table[:, 0] >> np.uint64(11)) / 9007199254740992.0,
                                 side="right").tolist()
    else:
        chosen = [0] * count
    if low < high:
        lengths = _bounded(table[:, columns - 2], np.full(count, high - low + 1, dtype=np.uint64))
        if lengths is None:
            return _replay(rng, words, shape, inputs, pool, fillers)
        lengths += np.uint64(low)
    else:
        lengths = np.full(count, low, dtype=np.uint64)
    # text_containing: a place in filler[:length - len(pattern)]; every pattern has pattern_length symbols
    # (domain_pattern cuts it to that length).
    places = _bounded(table[:, columns - 1],
                      np.minimum(lengths - np.uint64(shape.pattern_length), np.uint64(len(fillers[0]))) + np.uint64(1))
    if places is None:
        return _replay(rng, words, shape, inputs, pool, fillers)
    pattern_length = shape.pattern_length
    rows = _pool_rows(pool)
    metas = _shared_metas(pool, chosen, lengths)
    # Where each filler ends: filler[:length - pattern_length] (all of it when every input has the longest length).
    ends = repeat(None) if low == high else (lengths - np.uint64(pattern_length)).tolist()
    new = tuple.__new__
    examples = []
    append = examples.append
    for (pattern, replacement, instruction), place, filler, end, meta in zip(
            map(rows.__getitem__, chosen), places.tolist(), fillers, ends, metas):
        head, tail = filler[:place], filler[place:end]
        text = head + pattern + tail
        position = text.find(pattern)  # rewrite_once: the leftmost match, maybe before the planted one
        target = head + replacement + tail if position == place else (
            text[:position] + replacement + text[position + pattern_length:])
        append(new(Example, (instruction, text, target, meta, None, None)))
    return examples


def _pool_rows(pool: InstructionPool) -> list[tuple[str, str, str]]:
    """(pattern, replacement, instruction text) of every pool entry, read once per pool."""
    rows = pool.memo.get("rewrite rows")
    if rows is None:
        rows = pool.memo["rewrite rows"] = [(rule.pattern, rule.replacement, text) for rule, _, _, text in pool.items]
    return rows


def _shared_metas(pool: InstructionPool, chosen: list[int], lengths: np.ndarray) -> list[dict]:
    """The meta dict of each (pool entry, input length), shared for the pool's lifetime (see
    genforge/generators/shared_metas.py)."""
    codes = ((np.array(chosen, dtype=np.uint64) << np.uint64(32)) | lengths).tolist()

    def build(code: int) -> dict:
        rule, domain, k, _ = pool.items[code >> 32]
        return {"domain": domain, "complexity": _complexity(code & 0xFFFFFFFF, rule, k, False)}

    return shared_metas(pool.memo, "rewrite metas", codes, build)


def _bounded(words: np.ndarray, bounds: np.ndarray) -> Optional[np.ndarray]:
    """``RandomStream.below(bound)`` of each word, or None when ``below`` would reject a word (and draw again)."""
    if ((words < (np.uint64(0) - bounds) % bounds)).any():  # 2**64 % b, in 64 bits as (2**64 - b) % b
        return None
    return words % bounds


class _Replay:
    """The draws of a random stream whose next words were already taken: those words first, then the
    stream's own (what ``_sample_one`` sees after a rejected word)."""

    def __init__(self, taken: np.ndarray, rng: RandomStream):
        self._taken = taken.tolist()[::-1]
        self._rng = rng

    def word(self) -> int:
        return self._taken.pop() if self._taken else self._rng.word()

    below = RandomStream.below
    integer = RandomStream.integer
    random = RandomStream.random


def _replay(rng: RandomStream, taken: np.ndarray, shape: RuleShape, inputs: InputShape, pool: InstructionPool,
            fillers: list[str]) -> list[Optional[Example]]:
    replay = _Replay(taken, rng)
    return [_sample_one(replay, shape, inputs, pool, filler) for filler in fillers]  # type: ignore[arg-type]


def _complexity(length: int, rule: Rule, k: int, noop: bool) -> dict:
    return {
        "input_length": length,
        "pattern_length": len(rule.pattern),
        "replacement_length": len(rule.replacement),
        "k": k,
        "rules": 1,
        "steps": 0 if noop else 1,
    }


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
    return Example(instruction, text, rewrite_once(text, rule),
                   {"domain": domain, "complexity": _complexity(length, rule, k, noop)})
