"""Sampling for ``scan`` and ``scan_scaled``: a command is a few clause numbers joined by conjunctions.

A clause (verb phrase and repetition) is numbered in the order of
:func:`genforge.generators.scan_grammar.all_clauses`. Its words, its actions
and its parts of the complexity are worked out once per vocabulary
(:class:`ClauseTable`); an example is then a few index draws, a few string
joins and a shared meta dict. The draws of a whole block are made at once
with numpy and follow the law ``scan_scaled`` documents: a domain uniformly,
a conjunction count uniformly in the range, every clause and conjunction
word uniformly, and for a forced split one clause (at a uniform position)
given a uniformly drawn forced verb phrase with its repetition kept.

When the space a sampler draws from is small (the default one holds 62,730
commands), draws repeat often as a split fills up (dedup rejects most of
them near the end), so the sampler keeps every example it builds and hands
out the same object again.

Also here: :func:`make_example` (one parsed command to its example, the
reference the fast path is tested against), :func:`scan_examples` (the 20,910
commands of SCAN itself) and :func:`with_primitive_share` (the stream of an
addprim train split). Pure functions of a random stream and plain values: no
files, splits or engine.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from typing import Callable, Iterator, Optional

import numpy as np

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.scan_grammar import (
    LEXICONS, SCAN_VOCABULARY, Clause, Command, Vocabulary, clause_depth, clause_words, command_actions, command_depth,
    command_text, phrase_actions,
)

#: Built examples are kept only by samplers of at most this many commands (bounds the memory).
CACHE_COMMANDS = 1 << 16
#: Clause rows are listed up front only for vocabularies with at most this many clauses.
EAGER_CLAUSES = 1 << 14

#: Refused: splits whose examples take more work units than this each to draw. A unit is a clause
#: built from listed rows, six for a clause of a vocabulary too large to list (each built from its
#: parse): 5 to 10 us a unit, so at most about 30 ms an example. The defaults take 1 to 20.
MAX_WORK_PER_EXAMPLE = 3_000
#: A cost pilot keeps this many examples (or stops at its work budget) ...
PILOT_KEPT = 32
#: ... drawing blocks of this many.
PILOT_BLOCK = 64
#: An addprim train stream ends after this many draws in a row bring nothing new.
STALL_DRAWS = 20_000
#: An addprim share is counted in millionths, so that the primitive's positions are exact integers.
SHARE_SCALE = 1_000_000
#: The addprim train stream draws its examples this many at a time.
STREAM_BLOCK = 256

#: One clause: (text, actions, words, actions count, parse depth, 1 if repeated else 0).
Row = tuple[str, str, int, int, int, int]


def make_example(vocabulary: Vocabulary, command: Command) -> Example:
    """The example of one command, built from its parse (what :class:`ClauseTable` builds faster)."""
    text = command_text(vocabulary, command)
    actions = command_actions(vocabulary, command)
    complexity = {
        "command_length": len(text.split()),
        "output_length": len(actions),
        "conjunctions": len(command.conjunctions),
        "depth": command_depth(command),
        "repetitions": sum(1 for clause in command.clauses if clause.count > 1),
    }
    return Example(None, text, " ".join(actions), {"domain": vocabulary.lexicon.name, "complexity": complexity})


def _clause_row(vocabulary: Vocabulary, clause: Clause) -> Row:
    words = clause_words(vocabulary, clause)
    actions = phrase_actions(vocabulary, clause.phrase) * clause.count
    return " ".join(words), " ".join(actions), len(words), len(actions), clause_depth(clause), int(clause.count > 1)


class _LazyRows:
    """The rows of a vocabulary too large to list: each built when asked for (and not kept)."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.phrases = vocabulary.verb_phrases
        self.counts = len(vocabulary.repetition_counts)

    def __getitem__(self, index: int) -> Row:
        phrase, count = divmod(index, self.counts)
        return _clause_row(self.vocabulary, Clause(self.phrases[phrase], count + 1))


class ClauseTable:
    """Every clause of one vocabulary as strings and numbers; builds examples from clause numbers."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.domain = vocabulary.lexicon.name
        if vocabulary.clause_count() <= EAGER_CLAUSES:
            counts = vocabulary.repetition_counts
            self.rows = [_clause_row(vocabulary, Clause(p, c)) for p in vocabulary.verb_phrases for c in counts]
        else:
            self.rows = _LazyRows(vocabulary)
        # Index 0 joins in sequence (a and b = a b), 1 in reverse (a after b = b a).
        self.conjunctions = (vocabulary.lexicon.sequence, vocabulary.lexicon.reverse)
        # Examples with equal complexity share one meta dict (records copy it before adding to it).
        self._metas: dict[tuple, dict] = {}

    def build(self, clauses: list[int], joins: int) -> Example:
        """The example of ``clauses`` where bit i of ``joins`` is the conjunction after clause i."""
        rows = self.rows
        text, target, length, output, depth, repetitions = rows[clauses[0]]
        if len(clauses) == 2:  # the most common compound command, spelled out
            right = rows[clauses[1]]
            reverse = joins & 1
            text = f"{text} {self.conjunctions[reverse]} {right[0]}"
            target = f"{right[1]} {target}" if reverse else f"{target} {right[1]}"
            return Example(None, text, target, self._meta(
                length + right[2] + 1, output + right[3], 1, 1 + max(depth, right[4]), repetitions + right[5]))
        if len(clauses) > 2:
            words, before, after = [text], [], []
            for position in range(1, len(clauses)):
                reverse = joins >> (position - 1) & 1
                row = rows[clauses[position]]
                words.append(self.conjunctions[reverse])
                words.append(row[0])
                (before if reverse else after).append(row[1])
                length += row[2] + 1
                output += row[3]
                depth = 1 + max(depth, row[4])
                repetitions += row[5]
            # Read left to right: each reverse conjunction puts its clause before everything so far.
            before.reverse()
            before.append(target)
            target = " ".join(before + after)
            text = " ".join(words)
        return Example(None, text, target, self._meta(length, output, len(clauses) - 1, depth, repetitions))

    def every_example(self, min_conjunctions: int, max_conjunctions: int) -> Iterator[Example]:
        """Every command's example, in the order of :func:`~genforge.generators.scan_grammar.enumerate_commands`."""
        for count in range(min_conjunctions, max_conjunctions + 1):
            for conjunctions in product((0, 1), repeat=count):
                joins = sum(reverse << position for position, reverse in enumerate(conjunctions))
                for clauses in product(range(len(self.rows)), repeat=count + 1):
                    yield self.build(list(clauses), joins)

    def _meta(self, length: int, output: int, conjunctions: int, depth: int, repetitions: int) -> dict:
        key = (length, output, conjunctions, depth, repetitions)
        meta = self._metas.get(key)
        if meta is None:
            meta = self._metas[key] = {"domain": self.domain, "complexity": {
                "command_length": length, "output_length": output, "conjunctions": conjunctions,
                "depth": depth, "repetitions": repetitions}}
        return meta


@lru_cache(maxsize=8)
def clause_table(domain: str, n_verbs: int, n_directions: int, n_repetitions: int) -> ClauseTable:
    return ClauseTable(Vocabulary(LEXICONS[domain], n_verbs, n_directions, n_repetitions))


class Sampler:
    """Draws blocks of examples for one set of sampling parameters.

    Two ways to draw, with the same law. A small space without a forced
    phrase (the default) draws one uniform number per example over all its
    choices (:meth:`_draw_kept`), and keeps every example built; otherwise each
    choice is drawn as its own array and every example is built
    (:meth:`_draw_built`).
    """

    def __init__(self, domains: tuple[str, ...], sizes: tuple[int, int, int], low: int, high: int,
                 force: Optional[tuple]):
        self.domains, self.sizes = domains, sizes
        vocabulary = clause_table(domains[0], *sizes).vocabulary
        self.low, self.high = low, high
        self.clauses = vocabulary.clause_count()
        self.repetitions = len(vocabulary.repetition_counts)
        self.forced = None if force is None else np.array(_forced_phrase_indices(*sizes[:2], force), dtype=np.uint64)
        space = len(domains) * vocabulary.command_count(low, high)
        #: built examples by choice key (see _draw_kept), or None when they are not kept
        self.kept: Optional[dict[int, Example]] = {} if force is None and space <= CACHE_COMMANDS else None
        if self.kept is not None:
            # Digits of a choice number, lowest first: conjunctions - low, domain, clause 0, then
            # (conjunction bit, next clause) pairs. With k conjunctions the choices that matter are
            # the number modulo moduli[k - low]; the higher digits are drawn but unused.
            head = (high - low + 1) * len(domains) * self.clauses
            self.moduli = np.array([head * (2 * self.clauses) ** k for k in range(low, high + 1)], dtype=np.uint64)
            self.choices = head * (2 * self.clauses) ** high

    def draw(self, rng: RandomStream, count: int) -> list[Example]:
        return self._draw_built(rng, count) if self.kept is None else self._draw_kept(rng, count)

    def _draw_kept(self, rng: RandomStream, count: int) -> list[Example]:
        """One uniform choice number per example: its mixed-radix digits are independent uniform choices."""
        numbers = rng.index_array(self.choices, count)
        keys = (numbers % self.moduli[numbers % np.uint64(len(self.moduli))]).tolist()
        kept = self.kept
        examples = list(map(kept.get, keys))
        missing = [i for i, example in enumerate(examples) if example is None]
        if missing:
            for i, example in zip(missing, self._build(*self._digits(numbers[missing]))):
                # A key drawn twice in this block is built twice; both get the first one built.
                examples[i] = kept.setdefault(keys[i], example)
        return examples

    def _digits(self, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(domains, conjunctions, clauses, joins) of choice numbers, digits read lowest first."""
        numbers, conjunctions = np.divmod(numbers, np.uint64(self.high - self.low + 1))
        numbers, domains = np.divmod(numbers, np.uint64(len(self.domains)))
        clauses = np.empty((len(numbers), self.high + 1), dtype=np.uint64)
        joins = np.zeros(len(numbers), dtype=np.uint64)
        numbers, clauses[:, 0] = np.divmod(numbers, np.uint64(self.clauses))
        for position in range(self.high):
            numbers, bits = np.divmod(numbers, np.uint64(2))
            numbers, clauses[:, position + 1] = np.divmod(numbers, np.uint64(self.clauses))
            joins |= bits << np.uint64(position)
        return domains, conjunctions.astype(np.int64) + self.low, clauses, joins

    def _draw_built(self, rng: RandomStream, count: int) -> list[Example]:
        """Each choice as its own array of draws; every example built."""
        domains = rng.index_array(len(self.domains), count)
        conjunctions = self.low + rng.index_array(self.high - self.low + 1, count).astype(np.int64)
        clauses = rng.index_array(self.clauses, count * (self.high + 1)).reshape(count, self.high + 1)
        # Bit i of a row's word is the conjunction after clause i (uniform, independent bits).
        joins = rng.words(count) if self.high else np.zeros(count, dtype=np.uint64)
        if self.forced is not None:
            self._force(rng, clauses, conjunctions)
        return self._build(domains, conjunctions, clauses, joins)

    def _build(self, domains: np.ndarray, conjunctions: np.ndarray, clauses: np.ndarray,
               joins: np.ndarray) -> list[Example]:
        # Tables are looked up here, not held, so that their LRU cache bounds the memory.
        tables = [clause_table(domain, *self.sizes) for domain in self.domains]
        rows, lengths = clauses.tolist(), (conjunctions + 1).tolist()
        return [tables[d].build(row[:n], j) for d, row, n, j in zip(domains.tolist(), rows, lengths, joins.tolist())]

    def _force(self, rng: RandomStream, clauses: np.ndarray, conjunctions: np.ndarray) -> None:
        """Give one clause of every row (at a uniform position) a forced verb phrase, keeping its repetition."""
        count = len(conjunctions)
        positions = rng.bounded_array(conjunctions + 1).astype(np.int64)
        phrases = self.forced[rng.index_array(len(self.forced), count)]
        rows = np.arange(count)
        repetition = clauses[rows, positions] % np.uint64(self.repetitions)
        clauses[rows, positions] = phrases * np.uint64(self.repetitions) + repetition


@lru_cache(maxsize=256)
def _forced_phrase_indices(n_verbs: int, n_directions: int, force: tuple) -> tuple[int, ...]:
    """Positions in the vocabulary's verb phrases of those a test sampler puts into one clause."""
    phrases = Vocabulary(LEXICONS["navigation"], n_verbs, n_directions, 0).verb_phrases
    if force[0] == "verb":
        return tuple(i for i, p in enumerate(phrases) if p.verb == force[1])
    _, modifier, verb, direction = force
    return tuple(i for i, p in enumerate(phrases) if p.verb is not None and (verb < 0 or p.verb == verb)
                 and p.modifier == modifier and p.direction == direction)


@lru_cache(maxsize=2)
def sampler(domains: tuple[str, ...], n_verbs: int, n_directions: int, n_repetitions: int, low: int, high: int,
            force: Optional[tuple]) -> Sampler:
    return Sampler(domains, (n_verbs, n_directions, n_repetitions), low, high, force)



@lru_cache(maxsize=1)
def scan_examples() -> tuple[Example, ...]:
    """The 20,910 SCAN examples in the grammar's fixed order, built from the clause table.

    (Five times faster than interpreting each command; a test checks every
    example against :func:`make_example` of its parsed command.)
    """
    return tuple(clause_table(SCAN_VOCABULARY.lexicon.name, SCAN_VOCABULARY.n_verbs, SCAN_VOCABULARY.n_directions,
                              SCAN_VOCABULARY.n_repetitions).every_example(0, 1))


def with_primitive_share(rng: RandomStream, draw: Callable[[RandomStream, int], list[Example]],
                         primitives: tuple[Example, ...], keep: Callable[[Example], bool],
                         share_millionths: int, listed_rows: bool = True) -> Iterator[Example]:
    """An addprim train stream: distinct drawn examples that ``keep`` accepts, and a bare primitive
    (one of ``primitives``, uniformly) at every position where ``floor(position * share)`` steps up.

    So exactly that share of any prefix is the primitive. Draws come ``STREAM_BLOCK`` at a time
    from ``draw``; the stream ends after ``STALL_DRAWS`` draws in a row bring nothing new, or once
    its work (as in :func:`work_per_example`) passes ``MAX_WORK_PER_EXAMPLE`` per example yielded
    (with ``PILOT_KEPT`` examples of slack for the start): when new examples only trickle in, it
    ends rather than running for minutes. It is lazy: a consumer that stops after n examples pays
    for about n draws (more where ``keep`` rejects), whatever the size of the space.
    """
    weight = 1 if listed_rows else 6
    work = 0
    bare = {example.input for example in primitives}
    seen: set[str] = set()
    draws: list[Example] = []
    position = stalled = 0
    while stalled < STALL_DRAWS and work <= MAX_WORK_PER_EXAMPLE * (position + PILOT_KEPT):
        if (position + 1) * share_millionths // SHARE_SCALE > position * share_millionths // SHARE_SCALE:
            yield primitives[rng.below(len(primitives))]
            position += 1
            continue
        if not draws:  # the next draws, a block at a time (reversed: taken from the end)
            draws = draw(rng, STREAM_BLOCK)[::-1]
        example = draws.pop()
        work += weight * (example.meta["complexity"]["conjunctions"] + 1)
        if example.input in seen or not keep(example) or example.input in bare:
            stalled += 1
            continue
        seen.add(example.input)
        stalled = 0
        position += 1
        yield example


def work_per_example(rng: RandomStream, draw: Callable[[RandomStream, int], list[Example]],
                     keeps: Callable[[Example], bool], listed_rows: bool) -> Optional[float]:
    """The work ``draw`` does per example that ``keeps`` accepts, measured on a pilot.

    Units: one per clause drawn (six where the vocabulary's rows are built each
    time, ``listed_rows`` False). The pilot draws blocks of ``PILOT_BLOCK`` until
    ``PILOT_KEPT`` examples are kept; None when it spent ``PILOT_KEPT *
    MAX_WORK_PER_EXAMPLE`` units first.
    """
    weight = 1 if listed_rows else 6
    budget, units, kept = PILOT_KEPT * MAX_WORK_PER_EXAMPLE, 0, 0
    while kept < PILOT_KEPT:
        if units > budget:
            return None
        for example in draw(rng, PILOT_BLOCK):
            units += weight * (example.meta["complexity"]["conjunctions"] + 1)
            kept += keeps(example)
    return units / kept
