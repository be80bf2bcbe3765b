"""What ``scan`` and ``scan_scaled`` share: building examples, difficulty, structure, phrase tests.

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

from typing import Any, Mapping

from genforge.core.records import Example
from genforge.generators.scan_grammar import (
    Clause, Command, Vocabulary, clause_words, command_actions, command_depth, command_text, parse_command,
    phrase_words,
)


def make_example(vocabulary: Vocabulary, command: Command) -> Example:
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


def difficulty(example: Example) -> float:
    c = example.meta["complexity"]
    size = c["command_length"] + c["output_length"] + 4 * c["depth"] + 4 * c["conjunctions"]
    return size / (size + 60)


def _template(vocabulary: Vocabulary, clause: Clause) -> str:
    words = clause_words(vocabulary, clause)
    if clause.phrase.verb is not None:
        words[0] = "U"
    return " ".join(words)


def structure(record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
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
        compounds.append(f"{_template(vocabulary, left)} {vocabulary.conjunction_word(conjunction)} "
                         f"{_template(vocabulary, right)}")
    return atoms, compounds


def contains_phrase(words: list[str], phrase: list[str]) -> bool:
    """Whether ``phrase`` occurs in ``words`` as consecutive whole words."""
    width = len(phrase)
    return any(words[i:i + width] == phrase for i in range(len(words) - width + 1))
