"""What ``scan`` and ``scan_scaled`` share: difficulty, structure, phrase tests and lazy listings.

Structure (for compound-divergence splits and audits), from the parse:

* atoms: the words of the command, in order;
* compounds: one per grammar rule that combines words, as text:
  every verb phrase with a direction (``walk left``, ``walk around left``,
  ``turn opposite right``); every clause with a repetition word
  (``walk around left twice``); every conjunction as a rule-typed template
  ``<left clause> <conjunction> <right clause>`` in which primitive verbs are
  replaced by ``U`` (``U around left twice after U``), so it names the rule
  and the shapes it joins rather than the words.

Difficulty = size / (size + 60) with size = command_length + output_length +
4 * depth + 4 * conjunctions: in [0, 1) and increasing in every complexity
measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from typing import Any, Iterator, Mapping

from genforge.core.records import Example
from genforge.core.task import Task
from genforge.generators.scan_grammar import Clause, Vocabulary, clause_words, parse_command, phrase_words


#: Words whose presence the audit tracks per split (the grammar's function words, not its verbs).
FUNCTION_WORDS = ("and", "after", "twice", "thrice", "around", "opposite", "left", "right", "turn")


class ScanFamilyTask(Task):
    """Difficulty, structure and audit features of a SCAN command, the same for every task of the family."""

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Command shape (length, conjunctions, repetitions, depth), output length in bins of 8 actions
        (capped at 48+), and whether each function word occurs."""
        c = record["meta"]["complexity"]
        words = set(record["input"].split())
        features: dict[str, Any] = {"command_length": c["command_length"], "output_length": min(c["output_length"] // 8, 6),
                                    "conjunctions": c["conjunctions"], "repetitions": c["repetitions"],
                                    "depth": c["depth"]}
        features.update({f"has_{word}": word in words for word in FUNCTION_WORDS})
        return features

    def difficulty(self, example: Example) -> float:
        c = example.meta["complexity"]
        size = c["command_length"] + c["output_length"] + 4 * c["depth"] + 4 * c["conjunctions"]
        return size / (size + 60)

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        vocabulary, command = parse_command(record["input"])
        atoms = record["input"].split()
        compounds: list[str] = []
        for clause in command.clauses:
            if clause.phrase.direction is not None:
                compounds.append(" ".join(phrase_words(vocabulary, clause.phrase)))
            if clause.count > 1:
                compounds.append(" ".join(clause_words(vocabulary, clause)))
        for position, conjunction in enumerate(command.conjunctions):
            left, right = command.clauses[position], command.clauses[position + 1]
            compounds.append(f"{_shape(vocabulary, left)} {vocabulary.conjunction_word(conjunction)} "
                             f"{_shape(vocabulary, right)}")
        return atoms, compounds


def _shape(vocabulary: Vocabulary, clause: Clause) -> str:
    """A clause with its primitive verb written ``U``: the rule's shape, not its words."""
    words = clause_words(vocabulary, clause)
    if clause.phrase.verb is not None:
        words[0] = "U"
    return " ".join(words)


def contains_phrase(words: list[str], phrase: list[str]) -> bool:
    """Whether ``phrase`` occurs in ``words`` as consecutive whole words."""
    width = len(phrase)
    return any(words[i:i + width] == phrase for i in range(len(words) - width + 1))


def template_hits(words: list[str], tail: list[str], verbs: frozenset, null_verb: str) -> tuple[bool, bool]:
    """(a primitive verb precedes ``tail``, the null verb precedes ``tail``), on whole words.

    The template splits of Loula et al. (2018) test commands with the first and
    put commands with the second (``turn around right``) on neither side.
    """
    width = len(tail)
    primitive = turn = False
    for position in range(len(words) - width):
        if words[position + 1:position + 1 + width] == tail:
            if words[position] in verbs:
                primitive = True
            elif words[position] == null_verb:
                turn = True
    return primitive, turn


class StreamListing(Sequence):
    """The examples of an endless or very long stream, listed only as far as they are read.

    The engine reads an enumerated split by slices, a block at a time, and stops
    at the size asked: so the work and memory follow the size asked, not the
    stream's length. ``len()`` is the one operation that lists the whole stream.
    """

    def __init__(self, stream: Iterator[Example]):
        self._stream = stream
        self._listed: list[Example] = []

    def _list_to(self, stop: int) -> None:
        missing = stop - len(self._listed)
        if missing > 0:
            self._listed.extend(islice(self._stream, missing))

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.stop is None or index.stop < 0 or (index.start or 0) < 0:
                self._list_to(1 << 62)  # counted from the end: everything
            else:
                self._list_to(index.stop)
            return self._listed[index]
        self._list_to(1 << 62 if index < 0 else index + 1)
        return self._listed[index]

    def __len__(self) -> int:
        self._list_to(1 << 62)
        return len(self._listed)
