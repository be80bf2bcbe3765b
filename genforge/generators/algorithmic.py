"""The RASP-L algorithmic tasks of Zhou et al. (2023), as pure functions on token lists.

Zhou et al., "What Algorithms can Transformers Learn? A Study in Length
Generalization" (arXiv 2310.16028), predict that tasks with short RASP-L
programs (count, mode, copy with unique tokens, sort, reverse) generalize to
longer inputs, while copy with repeated tokens and parity do not. Tokens are
non-negative integers written in decimal, separated by single spaces.

* ``count``: input ``a b`` (a <= b), output ``a a+1 ... b``.
* ``mode``: the most frequent token; a tie goes to the *smallest* tied token.
  Sampled inputs have a unique mode unless ties are asked for
  (:func:`break_mode_ties`): with ties allowed, 68% of uniform inputs tie and
  30% repeat no token, so "answer the smallest token" scored 0.375 (issue 15).
* ``copy_unique`` / ``copy_repeat``: output = input; the input tokens are
  pairwise distinct for ``copy_unique`` and drawn with replacement for
  ``copy_repeat``.
* ``sort``: the tokens in ascending numeric order (repeats kept).
* ``reverse``: the tokens in reverse order.
* ``parity``: input bits (0/1), output ``1`` when the number of ones is odd, else ``0``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.shared_metas import shared_metas

OPS = ("count", "mode", "copy_unique", "copy_repeat", "sort", "reverse", "parity")


class TokenError(ValueError):
    """An input that the operation cannot read."""


def mode(tokens: list[int]) -> int:
    """The most frequent token; ties go to the smallest tied token."""
    counts: dict[int, int] = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    best = max(counts.values())
    return min(token for token, seen in counts.items() if seen == best)


def apply(op: str, tokens: list[int]) -> list[int]:
    """The output tokens of ``op`` on the input tokens."""
    if op == "count":
        if len(tokens) != 2 or tokens[0] > tokens[1]:
            raise TokenError("count needs two numbers 'a b' with a <= b")
        return list(range(tokens[0], tokens[1] + 1))
    if not tokens:
        raise TokenError(f"{op} needs at least one token")
    if op == "mode":
        return [mode(tokens)]
    if op in ("copy_unique", "copy_repeat"):
        return list(tokens)
    if op == "sort":
        return sorted(tokens)
    if op == "reverse":
        return tokens[::-1]
    if op == "parity":
        if any(token not in (0, 1) for token in tokens):
            raise TokenError("parity reads bits 0 and 1")
        return [sum(tokens) % 2]
    raise TokenError(f"unknown operation {op!r}; one of {', '.join(OPS)}")


def read_tokens(text: str) -> list[int]:
    words = text.split()
    if not all(word.isdigit() and word.isascii() for word in words):
        raise TokenError(f"{text[:60]!r} is not a list of non-negative integers separated by spaces")
    return [int(word) for word in words]


def write_tokens(tokens: list[int]) -> str:
    return " ".join(map(str, tokens))


def solve(op: str, text: str) -> str:
    return write_tokens(apply(op, read_tokens(text)))


# -- blocks: many token lists at once (numpy) -------------------------------------
# A block is one flat array of tokens and the lengths of its consecutive
# segments (one segment per example). Texts and targets are computed for the
# whole block; every function below agrees with ``apply`` / ``write_tokens``
# segment by segment (tests check it).
_DENSE_SWAP_LIMIT = 1 << 20  # vocabulary * block size up to which copy_unique shuffles a dense array (8 MB)


@lru_cache(maxsize=4)
def _token_cells(vocabulary_size: int) -> np.ndarray:
    """Row t: the decimal digits of token t right-aligned after NUL padding, then a space."""
    width = len(str(vocabulary_size - 1))
    tokens = np.arange(vocabulary_size, dtype=np.int64)
    cells = np.zeros((vocabulary_size, width + 1), dtype=np.uint8)
    for place in range(width):
        shown = (tokens >= 10 ** place) | (place == 0)
        cells[:, width - 1 - place] = np.where(shown, 48 + tokens // 10 ** place % 10, 0)
    cells[:, width] = 32
    return cells


def token_lines(tokens: np.ndarray, lengths: np.ndarray, vocabulary_size: int) -> list[str]:
    """``write_tokens`` of every segment: one byte table lookup, then str.replace and str.split cut in C."""
    if not len(lengths):
        return []
    cells = np.take(_token_cells(vocabulary_size), tokens, axis=0)  # much faster than fancy indexing here
    cells[np.cumsum(lengths) - 1, -1] = 10  # a newline instead of a space after each segment's last token
    return cells.tobytes().decode("ascii").replace("\0", "")[:-1].split("\n")


def segment_ids(lengths: np.ndarray) -> np.ndarray:
    """For every token of the block, the index of its segment."""
    return np.repeat(np.arange(len(lengths)), lengths)


def sorted_segments(tokens: np.ndarray, lengths: np.ndarray, vocabulary_size: int) -> np.ndarray:
    """Every segment sorted in place, by one sort of (segment, token) keys."""
    keys = segment_ids(lengths) * vocabulary_size + tokens
    return np.sort(keys) % vocabulary_size


def segment_modes(tokens: np.ndarray, lengths: np.ndarray, vocabulary_size: int) -> np.ndarray:
    """``mode`` of every segment (most frequent token; a tie goes to the smallest)."""
    keys = np.sort(segment_ids(lengths) * vocabulary_size + tokens)
    # Runs of equal keys are (segment, token) counts; segments stay in order.
    run_starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    run_lengths = np.diff(np.append(run_starts, len(keys)))
    run_segments, run_tokens = np.divmod(keys[run_starts], vocabulary_size)
    # The best run has the largest count, then the smallest token: the largest score.
    scores = run_lengths * vocabulary_size + (vocabulary_size - 1 - run_tokens)
    first_runs = np.searchsorted(run_segments, np.arange(len(lengths)))
    return vocabulary_size - 1 - np.maximum.reduceat(scores, first_runs) % vocabulary_size


def apply_block(op: str, tokens: np.ndarray, lengths: np.ndarray, vocabulary_size: int,
                inputs: list[str]) -> tuple[list[str], np.ndarray]:
    """(target texts, output lengths) of ``op`` on every segment; ``inputs`` are the segments' texts."""
    if op in ("copy_unique", "copy_repeat"):
        return inputs, lengths
    if op == "sort":
        ordered = sorted_segments(tokens, lengths, vocabulary_size)
        return token_lines(ordered, lengths, vocabulary_size), lengths
    if op == "reverse":
        # Reversing the whole block reverses every segment and the order of the segments.
        return token_lines(tokens[::-1], lengths[::-1], vocabulary_size)[::-1], lengths
    ones = np.ones(len(lengths), dtype=np.int64)
    if op == "mode":
        return token_lines(segment_modes(tokens, lengths, vocabulary_size), ones, vocabulary_size), ones
    if op == "parity":
        starts = np.cumsum(lengths) - lengths
        return ["01"[bit] for bit in (np.add.reduceat(tokens, starts) % 2).tolist()], ones
    raise TokenError(f"no block form for operation {op!r}")


def count_runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The segments ``start, start + 1, ..., start + length - 1`` one after another."""
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def distinct_token_block(rng: RandomStream, vocabulary_size: int, lengths: np.ndarray) -> np.ndarray:
    """Segments of pairwise distinct tokens, each an ordered uniform sample without replacement.

    Every position is uniform over the tokens its segment has not used yet
    (the law of ``rng.sample``), drawn by one of three equivalent methods.
    """
    count, longest = len(lengths), int(lengths.max())
    if vocabulary_size * count <= _DENSE_SWAP_LIMIT:
        # Partial Fisher-Yates on every row of a (segments x vocabulary) array at once; the swap
        # partner of position p is uniform on p..vocabulary-1, drawn for all positions in one call.
        positions = np.arange(longest)
        bounds = np.repeat(vocabulary_size - positions, count)
        partners = positions[:, None] + rng.bounded_array(bounds).astype(np.int64).reshape(longest, count)
        pools = np.tile(np.arange(vocabulary_size, dtype=np.int64), count)  # row r starts at r * vocabulary
        row_starts = np.arange(count) * vocabulary_size
        for position in range(longest):
            here, there = row_starts + position, row_starts + partners[position]
            chosen = pools[there]
            pools[there] = pools[here]
            pools[here] = chosen
        return pools.reshape(count, vocabulary_size)[:, :longest][positions < lengths[:, None]]
    if 4 * longest <= vocabulary_size:
        # Draw with replacement and redraw a repeated token until unused: few repeats in a large vocabulary.
        tokens = rng.index_array(vocabulary_size, int(lengths.sum())).astype(np.int64)
        ends = np.cumsum(lengths)
        keys = np.sort(segment_ids(lengths) * vocabulary_size + tokens)
        repeated = np.unique(keys[1:][keys[1:] == keys[:-1]] // vocabulary_size)
        for segment in repeated.tolist():  # only segments with a repeat are walked
            used: set[int] = set()
            for position in range(int(ends[segment] - lengths[segment]), int(ends[segment])):
                token = int(tokens[position])
                while token in used:
                    token = rng.below(vocabulary_size)
                used.add(token)
                tokens[position] = token
        return tokens
    population = range(vocabulary_size)
    return np.array([token for length in lengths.tolist() for token in rng.sample(population, length)],
                    dtype=np.int64)


def sample_block(rng: RandomStream, op: str, vocabulary_size: int, length_min: int, length_max: int,
                 count: int, mode_ties: bool = False) -> list[Example]:
    """``count`` examples of ``op`` with input lengths uniform in ``length_min..length_max``
    (``mode``: with a unique mode unless ``mode_ties``).

    Lengths and tokens of the whole block come from a few array draws; inputs
    and targets are cut from block-wide strings, so there is no Python work per token.
    """
    if count <= 0:
        return []
    lengths = length_min + rng.index_array(length_max - length_min + 1, count).astype(np.int64)
    size = 2 if op == "parity" else vocabulary_size
    if op == "count":
        return _count_block(rng, size, lengths)
    if op == "copy_unique":
        tokens = distinct_token_block(rng, size, lengths)
    else:
        tokens = rng.index_array(size, int(lengths.sum())).astype(np.int64)
    if op == "mode" and not mode_ties:
        break_mode_ties(rng, tokens, lengths, size)
    inputs = token_lines(tokens, lengths, size)
    targets, output_lengths = apply_block(op, tokens, lengths, size, inputs)
    return _examples(op, inputs, targets, lengths, output_lengths)


#: Meta dicts shared by the examples of one operation and equal (length, output length), by the code
#: length << 32 | output length (see genforge/generators/shared_metas.py).
_METAS: dict[str, dict[int, dict]] = {}


def _examples(op: str, inputs: list[str], targets: list[str], lengths: np.ndarray,
              output_lengths: np.ndarray) -> list[Example]:
    codes = ((lengths.astype(np.int64) << 32) | output_lengths).tolist()
    found = shared_metas(_METAS, op, codes, lambda code: {
        "domain": op, "complexity": {"length": code >> 32, "output_length": code & 0xFFFFFFFF}})
    new = tuple.__new__  # builds each Example in C (its Python constructor costs more than the rest)
    return [new(Example, (op, text, target, meta, None, None)) for text, target, meta in zip(inputs, targets, found)]


def tied_segments(tokens: np.ndarray, lengths: np.ndarray, vocabulary_size: int) -> np.ndarray:
    """The indices of the segments whose top count is shared by two or more tokens."""
    keys = np.sort(segment_ids(lengths) * vocabulary_size + tokens)
    run_starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    run_lengths = np.diff(np.append(run_starts, len(keys)))
    run_segments = keys[run_starts] // vocabulary_size
    best = np.zeros(len(lengths), dtype=np.int64)
    np.maximum.at(best, run_segments, run_lengths)
    at_best = run_segments[run_lengths == best[run_segments]]
    return np.flatnonzero(np.bincount(at_best, minlength=len(lengths)) > 1)


def break_mode_ties(rng: RandomStream, tokens: np.ndarray, lengths: np.ndarray, vocabulary_size: int) -> None:
    """Give every segment a unique mode, in place: in a tied segment one tied token, drawn uniformly,
    replaces the token at one uniformly drawn position holding another token (its count becomes the
    top count plus one, every other count stays at most the old top). A segment that repeats no token
    is a tie of all its tokens, so it gets one repeated token. Untied segments are left as drawn, so
    the length law and the token law of positions are unchanged up to that one replacement."""
    starts = np.cumsum(lengths) - lengths
    for segment in tied_segments(tokens, lengths, vocabulary_size).tolist():
        start = int(starts[segment])
        values = tokens[start:start + int(lengths[segment])]
        distinct, counts = np.unique(values, return_counts=True)
        tied = distinct[counts == counts.max()]
        winner = tied[rng.below(len(tied))]
        others = np.flatnonzero(values != winner)
        values[others[rng.below(len(others))]] = winner


def _count_block(rng: RandomStream, size: int, lengths: np.ndarray) -> list[Example]:
    """``count`` examples: the length is the output's; the start is uniform where the run fits."""
    starts = rng.bounded_array(size - lengths + 1).astype(np.int64)
    targets = token_lines(count_runs(starts, lengths), lengths, size)
    inputs = [f"{start} {start + length - 1}" for start, length in zip(starts.tolist(), lengths.tolist())]
    return _examples("count", inputs, targets, lengths, lengths)
