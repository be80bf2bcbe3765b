"""The RASP-L algorithmic tasks of Zhou et al. (2023), as pure functions on token lists.

Zhou et al., "What Algorithms can Transformers Learn? A Study in Length
Generalization" (arXiv 2310.16028), predict that tasks with short RASP-L
programs (count, mode, copy with unique tokens, sort, reverse) generalize to
longer inputs, while copy with repeated tokens and parity do not. Tokens are
non-negative integers written in decimal, separated by single spaces.

* ``count``: input ``a b`` (a <= b), output ``a a+1 ... b``.
* ``mode``: the most frequent token; a tie goes to the *smallest* tied token.
* ``copy_unique`` / ``copy_repeat``: output = input; the input tokens are
  pairwise distinct for ``copy_unique`` and drawn with replacement for
  ``copy_repeat``.
* ``sort``: the tokens in ascending numeric order (repeats kept).
* ``reverse``: the tokens in reverse order.
* ``parity``: input bits (0/1), output ``1`` when the number of ones is odd, else ``0``.
"""

from __future__ import annotations

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
