"""The rewrite sampler's whole-block draws give the examples of its attempt-by-attempt definition."""

import numpy as np
import pytest

from genforge.core.rng import RandomStream
from genforge.generators import rewrite_sampler
from genforge.generators.instruction_pool import InstructionPool
from genforge.generators.rewrite_sampler import InputShape, RuleShape


def attempt_by_attempt(rng, shape, inputs, pool, count):
    """sample_block by its definition: the block's fillers, then one attempt after another."""
    fillers = rng.strings(shape.alphabet, max(inputs.length_max - shape.pattern_length, 0), count)
    return [rewrite_sampler._sample_one(rng, shape, inputs, pool, filler) for filler in fillers]


def make_pool(shape, size, alpha):
    rng = RandomStream.from_parts("test pool", size)
    entries = [rewrite_sampler.random_rule(rng, shape)[0] for _ in range(size)]
    return InstructionPool(entries, [entry[3] for entry in entries], alpha)


SHAPES = [
    (RuleShape(26, 20, 20, ("unconstrained", "repeated", "periodic", "mirrored"), 2, 10), InputShape(50, 50, 0.0)),
    (RuleShape(2, 3, 1, ("unconstrained",), 1, 1), InputShape(3, 9, 0.0)),  # planted patterns often repeat earlier
    (RuleShape(3, 1, 0, ("unconstrained", "repeated"), 1, 2), InputShape(1, 1, 0.0)),
]


@pytest.mark.parametrize("shape, inputs", SHAPES)
@pytest.mark.parametrize("size, alpha", [(1, 0.0), (7, 0.0), (40, 1.2)])
def test_block_draws_match_the_attempt_by_attempt_definition(shape, inputs, size, alpha):
    pool = make_pool(shape, size, alpha)
    for seed in range(3):
        fast = rewrite_sampler.sample_block(RandomStream.from_parts("block", seed), shape, inputs, pool, 200)
        slow = attempt_by_attempt(RandomStream.from_parts("block", seed), shape, inputs, pool, 200)
        assert fast == slow


class ScriptedStream(RandomStream):
    """A random stream whose words are a given list (then a seeded stream's)."""

    def __init__(self, words):
        self.script = list(words)
        self.rest = RandomStream.from_parts("rest")

    def word(self):
        return self.script.pop(0) if self.script else self.rest.word()

    def words(self, count):
        return np.array([self.word() for _ in range(count)], dtype=np.uint64)


def test_a_rejected_word_is_redrawn_as_the_attempt_by_attempt_draws_do():
    # A word below 2**64 % bound makes RandomStream.below draw again: every later attempt shifts by a word.
    shape, inputs = RuleShape(2, 3, 1, ("unconstrained",), 1, 1), InputShape(3, 9, 0.0)
    pool = make_pool(shape, 7, 0.0)
    count = 50
    words = RandomStream.from_parts("script").words(6 * count + 40).tolist()
    filler_words = max(inputs.length_max - shape.pattern_length, 0) * count
    words[filler_words + 3 * 4 + 1] = 0  # attempt 4's input length: 0 < 2**64 % 7, rejected
    fast = rewrite_sampler.sample_block(ScriptedStream(words), shape, inputs, pool, count)
    slow = attempt_by_attempt(ScriptedStream(words), shape, inputs, pool, count)
    assert fast == slow
    # The shift shows: without the rejected word the attempts after it differ.
    words[filler_words + 3 * 4 + 1] = 1 << 40
    assert rewrite_sampler.sample_block(ScriptedStream(words), shape, inputs, pool, count)[5:] != fast[5:]


def test_an_empty_block_is_empty():
    shape, inputs = SHAPES[0]
    assert rewrite_sampler.sample_block(RandomStream.from_parts("empty"), shape, inputs, make_pool(shape, 7, 0.0), 0) == []
