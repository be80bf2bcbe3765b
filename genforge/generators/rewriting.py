"""String rewriting: single rewrite rules (Only-IF) and Markov algorithms.

A rule ``x -> y`` rewrites the leftmost occurrence of ``x``. A Markov
algorithm is an ordered list of rules, some terminal (``x ->. y``): at each
step the first rule (in list order) whose pattern occurs fires at its leftmost
occurrence; the run stops after a terminal rule fires or when no rule applies.

Text form of an instruction (what records carry and ``solve`` parses):
rules are ``pattern -> replacement`` or ``pattern ->. replacement`` (terminal),
joined by ``"; "``; an empty replacement is written as nothing after the arrow.

The "semantic domains" of the Only-IF study (Zhang, Wang, Charton 2024,
arXiv 2410.04717) are constrained families of patterns, each with a size k:
``unconstrained`` (any string), ``repeated`` (runs of k equal symbols),
``periodic`` (a block of k symbols repeated), ``mirrored`` (a block of k
symbols followed by its reverse, repeated). A pattern is cut to its length.

Pure functions only: no files, splits or global state.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Optional

from genforge.core.rng import RandomStream

DOMAINS = ("unconstrained", "repeated", "periodic", "mirrored")
LETTERS = string.ascii_lowercase
_RULE = re.compile(r"^([a-z]+) ->(\.?) ?([a-z]*)$")


@dataclass(frozen=True)
class Rule:
    pattern: str
    replacement: str
    terminal: bool = False

    def text(self) -> str:
        arrow = "->." if self.terminal else "->"
        return f"{self.pattern} {arrow} {self.replacement}".rstrip()


class RuleSyntaxError(ValueError):
    pass


def format_rules(rules: list[Rule] | tuple[Rule, ...]) -> str:
    return "; ".join(rule.text() for rule in rules)


def parse_rules(text: str) -> list[Rule]:
    """Inverse of :func:`format_rules`."""
    rules = []
    for part in text.split(";"):
        match = _RULE.match(part.strip())
        if match is None:
            raise RuleSyntaxError(f"cannot read rule {part.strip()!r}: expected 'pattern -> replacement'")
        rules.append(Rule(match.group(1), match.group(3), match.group(2) == "."))
    return rules


def apply_leftmost(text: str, rule: Rule) -> Optional[str]:
    """``text`` with the leftmost occurrence of the pattern replaced, or None if absent."""
    position = text.find(rule.pattern)
    if position < 0:
        return None
    return text[:position] + rule.replacement + text[position + len(rule.pattern):]


def rewrite_once(text: str, rule: Rule) -> str:
    """The Only-IF task: one application, or the input unchanged when the pattern is absent."""
    result = apply_leftmost(text, rule)
    return text if result is None else result


@dataclass(frozen=True)
class MarkovRun:
    result: str
    steps: int
    halted_by_terminal: bool
    trace: tuple[str, ...]


def run_markov(rules: list[Rule] | tuple[Rule, ...], text: str, max_steps: int) -> Optional[MarkovRun]:
    """Run a Markov algorithm; None when it has not stopped after ``max_steps`` steps."""
    trace = []
    for step in range(max_steps + 1):
        for rule in rules:
            result = apply_leftmost(text, rule)
            if result is not None:
                break
        else:
            return MarkovRun(text, step, False, tuple(trace))
        if step == max_steps:
            return None
        text = result
        trace.append(text)
        if rule.terminal:
            return MarkovRun(text, step + 1, True, tuple(trace))
    return None


def solve_markov(rules: list[Rule] | tuple[Rule, ...], text: str, *, max_steps: int, max_length: int,
                 max_work: int) -> str:
    """The result of a Markov algorithm without its trace, in bounded memory and time.

    ValueError names the limit a run passes: more than ``max_steps`` steps, a
    text longer than ``max_length`` characters, or more than ``max_work``
    characters scanned and copied in all (each step costs about the text's length).
    """
    work = 0
    for step in range(max_steps + 1):
        for rule in rules:
            result = apply_leftmost(text, rule)
            if result is not None:
                break
        else:
            return text
        if step == max_steps:
            raise ValueError(f"the algorithm did not stop within {max_steps:,} steps (the oracle's step limit)")
        if len(result) > max_length:
            raise ValueError(f"the text grew longer than {max_length:,} characters (the oracle's length limit)")
        work += len(text) + len(result)
        if work > max_work:
            raise ValueError(f"the run passed {max_work:,} characters scanned and copied after {step + 1:,} steps "
                             "(the oracle's work limit)")
        text = result
        if rule.terminal:
            return text
    raise AssertionError("unreachable: the loop returns or raises at max_steps")


def domain_pattern(rng: RandomStream, domain: str, k: int, length: int, alphabet: str) -> str:
    """A pattern of ``length`` symbols from the constrained family ``domain`` with size ``k``."""
    if domain == "unconstrained":
        return rng.string(alphabet, length)
    if domain == "repeated":
        runs = rng.string(alphabet, -(-length // k))
        return "".join(symbol * k for symbol in runs)[:length]
    if domain == "periodic":
        block = rng.string(alphabet, k)
        return (block * (-(-length // k)))[:length]
    if domain == "mirrored":
        block = rng.string(alphabet, k)
        unit = block + block[::-1]
        return (unit * (-(-length // len(unit))))[:length]
    raise ValueError(f"unknown domain {domain!r}; allowed: {', '.join(DOMAINS)}")


def text_containing(rng: RandomStream, pattern: str, filler: str) -> str:
    """``pattern`` placed at a random position inside the random ``filler``."""
    position = rng.below(len(filler) + 1)
    return filler[:position] + pattern + filler[position:]


def random_text_without(rng: RandomStream, pattern: str, length: int, alphabet: str, tries: int = 64) -> Optional[str]:
    """A random string of ``length`` symbols in which ``pattern`` does not occur (None if not found)."""
    for _ in range(tries):
        text = rng.string(alphabet, length)
        if pattern not in text:
            return text
    return None


def near_miss(rng: RandomStream, pattern: str, alphabet: str) -> str:
    """``pattern`` with one symbol, at a uniform position, changed to another uniform symbol of ``alphabet``."""
    position = rng.below(len(pattern))
    others = alphabet.replace(pattern[position], "")
    return pattern[:position] + rng.choice(others) + pattern[position + 1:]


def near_miss_text(rng: RandomStream, pattern: str, length: int, alphabet: str, tries: int = 64) -> Optional[str]:
    """A random string of ``length`` symbols holding a near miss of ``pattern`` (one symbol changed) at a
    random place and ``pattern`` nowhere (None if not found)."""
    for _ in range(tries):
        text = text_containing(rng, near_miss(rng, pattern, alphabet), rng.string(alphabet, length - len(pattern)))
        if pattern not in text:
            return text
    return None


def closest_match(pattern: str, text: str, cap: int) -> int:
    """The fewest symbols in which ``pattern`` differs from a window of ``text``, at most ``cap``
    (0: it occurs; the count stops at ``cap``, which keeps it cheap)."""
    best = cap
    for start in range(len(text) - len(pattern) + 1):
        differ = 0
        for a, b in zip(pattern, text[start:start + len(pattern)]):
            differ += a != b
            if differ >= best:
                break
        best = min(best, differ)
        if best == 0:
            break
    return best
