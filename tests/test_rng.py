"""The random stream is the root of determinism: its outputs are pinned."""

from collections import Counter

import numpy as np
import pytest

from genforge.core.rng import RandomStream, derive_seed


def stream(*parts):
    return RandomStream.from_parts("test", *parts)


def test_same_parts_give_the_same_draws():
    assert [stream(1).below(1000) for _ in range(1)] == [stream(1).below(1000)]
    a, b = stream(1), stream(1)
    assert [a.word() for _ in range(600)] == [b.word() for _ in range(600)]


def test_different_parts_give_different_draws():
    assert [stream(1).word() for _ in range(3)] != [stream(2).word() for _ in range(3)]


def test_draws_are_pinned_across_library_versions():
    # Golden values: PCG64's raw stream is promised stable by NumPy, and
    # everything above it is ours. A change here changes every task's output.
    assert derive_seed("golden").hex() == "fc7ec44137935309307222ca22439a955a2f5f3ac976601fbcdee7a32ca46248"
    s = RandomStream(derive_seed("golden"))
    values = [s.below(10) for _ in range(10)] + [s.integer(5, 9) for _ in range(5)]
    assert values == [7, 1, 5, 4, 5, 0, 5, 7, 4, 4, 8, 9, 8, 8, 7]
    assert RandomStream(derive_seed("golden")).string("abcdefghijklmnopqrstuvwxyz", 20) == "jrzadetlagqiffhdwcia"


def test_below_stays_in_range_and_covers_it():
    s = stream("range")
    counts = Counter(s.below(7) for _ in range(7000))
    assert set(counts) == set(range(7))
    assert min(counts.values()) > 800


def test_indices_match_the_range_and_are_deterministic():
    values = stream("idx").indices(26, 500)
    assert values == stream("idx").indices(26, 500)
    assert all(0 <= v < 26 for v in values)
    assert len(set(values)) == 26


def test_sample_returns_distinct_items():
    items = list(range(50))
    chosen = stream("sample").sample(items, 20)
    assert len(set(chosen)) == 20 and set(chosen) <= set(items)


def test_shuffle_is_a_permutation():
    items = list(range(100))
    stream("shuffle").shuffle(items)
    assert sorted(items) == list(range(100)) and items != list(range(100))


def test_random_is_in_unit_interval():
    s = stream("float")
    values = [s.random() for _ in range(1000)]
    assert all(0.0 <= v < 1.0 for v in values)
    assert 0.4 < sum(values) / len(values) < 0.6


def test_below_is_the_threshold_rule_on_the_streams_words():
    """below(n) takes words until one is >= 2**64 % n and returns it modulo n (the fast path skips
    computing the threshold for words >= n): checked on a twin stream's raw words, past the
    buffer's refills and with bounds near 2**64, where words are rejected often."""
    stream, words = RandomStream.from_parts("below", 1), RandomStream.from_parts("below", 1)
    for step in range(3000):
        bound = (1 << 63) + 12345 if step % 7 == 0 else 1 + step % 40
        threshold = (1 << 64) % bound
        value = words.word()
        while value < threshold:
            value = words.word()
        assert stream.below(bound) == value % bound


@pytest.mark.parametrize("alphabet", ["ab", "abc", "abcdefghijklmnopqrstuvwxyz"])
@pytest.mark.parametrize("length", [0, 1, 7, 64])
def test_a_short_string_drawn_word_by_word_is_the_array_draw(alphabet, length):
    for seed in range(5):
        one, other = RandomStream.from_parts("strings", seed), RandomStream.from_parts("strings", seed)
        for _ in range(3):  # and the streams stay in step afterwards
            assert one._string_by_words(alphabet, length) == other._string_by_array(alphabet, length)
        assert one.word() == other.word()


class _ScriptedStream(RandomStream):
    """A random stream whose words are a given list (then a seeded stream's)."""

    def __init__(self, words):
        self.script, self.rest = list(words), RandomStream.from_parts("rest")

    def word(self):
        return self.script.pop(0) if self.script else self.rest.word()

    def words(self, count):
        return np.array([self.word() for _ in range(count)], dtype=np.uint64)


def test_a_short_strings_rejected_word_is_redrawn_after_the_others_as_the_array_draw_does():
    # 0 < 2**64 % 3: rejected; index_array redraws it with below() after the string's other words.
    words = RandomStream.from_parts("reject").words(40).tolist()
    words[2] = 0
    assert _ScriptedStream(words)._string_by_words("abc", 10) == _ScriptedStream(words)._string_by_array("abc", 10)
    assert _ScriptedStream(words).string("abc", 10) != _ScriptedStream(words[:2] + words[3:]).string("abc", 10)
