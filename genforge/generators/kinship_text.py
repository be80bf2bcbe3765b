"""Kinship stories as text: names, sentence templates, fact lists, and parsing them back.

An input is the story followed by one query line::

    Alice has a son named Bob. Bob's wife is Clara.
    Query: (Alice, Clara)

or, with ``story_format = "facts"``, one fact per line, ``(X, word, Y)``
meaning "Y is X's word"::

    (Alice, son, Bob)
    (Bob, wife, Clara)
    Query: (Alice, Clara)

The answer is the word w with "Clara is Alice's w" (here ``daughter-in-law``).
Name lists and templates are package data (``genforge/data/kinship/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional

from genforge.generators.kinship import GENDERS, load_data, load_rules

POSSESSIVE = {"male": "his", "female": "her"}
QUERY_PREFIX = "Query: "
_NAME = r"[A-Z][a-z]+"
_WORD = r"[a-z]+(?:-[a-z]+)*"
_QUERY = re.compile(rf"^Query: \(({_NAME}), ({_NAME})\)$")
_FACT = re.compile(rf"^\(({_NAME}), ({_WORD}), ({_NAME})\)$")
_SENTENCE_END = re.compile(r"(?<=\.)\s+")


@lru_cache(maxsize=1)
def load_templates() -> dict[str, tuple[str, ...]]:
    """Relation type -> sentence templates with {A}, {B}, {word} and {A_pos}."""
    data = load_data("templates.json")
    return {relation: tuple(templates) for relation, templates in data.items() if relation != "comment"}


@lru_cache(maxsize=1)
def load_names() -> dict[str, dict[str, tuple[str, ...]]]:
    """Name set -> gender -> names."""
    data = load_data("names.json")
    return {name_set: {g: tuple(people[g]) for g in GENDERS} for name_set, people in data.items() if name_set != "comment"}


@lru_cache(maxsize=1)
def name_genders() -> dict[str, str]:
    """Every bundled name -> its gender (each name has one gender across all sets)."""
    return {name: gender for people in load_names().values() for gender in GENDERS for name in people[gender]}


def render_sentence(template: str, a_name: str, a_gender: str, word: str, b_name: str) -> str:
    return template.format(A=a_name, B=b_name, word=word, A_pos=POSSESSIVE[a_gender])


def render_fact(a_name: str, word: str, b_name: str) -> str:
    return f"({a_name}, {word}, {b_name})"


#: A sentence template with its word and pronoun filled in: a %-format of the two names, and
#: whether A's name comes first in it.
SentenceForm = tuple[str, bool]


def _sentence_form(template: str, a_gender: str, word: str) -> SentenceForm:
    """``template`` as a %-format of (first name, second name); the same text as :func:`render_sentence`."""
    a_first = template.index("{A}") < template.index("{B}")
    form = template.replace("%", "%%").replace("{A_pos}", POSSESSIVE[a_gender]).replace("{word}", word)
    return form.replace("{A}", "%s").replace("{B}", "%s"), a_first


@lru_cache(maxsize=1)
def sentence_forms() -> dict[tuple[str, str, str], tuple[SentenceForm, ...]]:
    """(relation type, A's gender, B's gender) -> the forms of its templates, in template order.

    Filling the word and pronoun in once, ahead of time, leaves two names to
    place per sentence on the hot path.
    """
    words = load_rules().words
    return {
        (relation, a_gender, b_gender): tuple(_sentence_form(t, a_gender, words[relation][b_gender])
                                              for t in templates)
        for relation, templates in load_templates().items() for a_gender in GENDERS for b_gender in GENDERS
    }


@lru_cache(maxsize=1)
def fact_forms() -> dict[tuple[str, str], str]:
    """(relation type, B's gender) -> ``(%s, word, %s)``: :func:`render_fact` as a %-format."""
    words = load_rules().words
    return {(relation, gender): f"(%s, {words[relation][gender]}, %s)" for relation in words for gender in GENDERS}


def render_story(below, facts, names: Mapping[int, str], genders, story_format: str) -> str:
    """The story lines of ``facts`` (people as ids, named by ``names``), joined as the format wants.

    Sentences draw one template per fact with ``below`` (uniform in [0, n)).
    """
    if story_format != "sentences":
        forms = fact_forms()
        return "\n".join([forms[r, genders[b]] % (names[a], names[b]) for a, r, b in facts])
    forms = sentence_forms()
    lines = []
    for a, r, b in facts:
        options = forms[r, genders[a], genders[b]]
        form, a_first = options[below(len(options))]
        lines.append(form % ((names[a], names[b]) if a_first else (names[b], names[a])))
    return " ".join(lines)


def render_input(lines: list[str], story_format: str, first: str, last: str) -> str:
    """The whole input: sentences on one line (or facts one per line), then the query line."""
    story = " ".join(lines) if story_format == "sentences" else "\n".join(lines)
    return f"{story}\n{QUERY_PREFIX}({first}, {last})"


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{A\}|\{B\}|\{word\}|\{A_pos\})", template)
    groups = {"{A}": f"(?P<A>{_NAME})", "{B}": f"(?P<B>{_NAME})", "{word}": f"(?P<word>{_WORD})",
              "{A_pos}": "(?:his|her)"}
    return re.compile("".join(groups.get(part, re.escape(part)) for part in parts))


@lru_cache(maxsize=1)
def _sentence_patterns() -> tuple[tuple[re.Pattern, frozenset], ...]:
    """One regex per distinct template text, with the relation types that use it."""
    users: dict[str, set] = {}
    for relation, templates in load_templates().items():
        for template in templates:
            users.setdefault(template, set()).add(relation)
    return tuple((_template_regex(t), frozenset(users[t])) for t in sorted(users))


@dataclass(frozen=True)
class ParsedStory:
    #: (A, word, B): B is A's word
    facts: tuple[tuple[str, str, str], ...]
    query: tuple[str, str]


def parse_sentence(sentence: str, word_meaning: Mapping[str, tuple[str, str]]) -> Optional[tuple[str, str, str]]:
    """(A, word, B) for a sentence written from a template, or None."""
    for pattern, relations in _sentence_patterns():
        match = pattern.fullmatch(sentence)
        if match is None:
            continue
        word = match["word"]
        meaning = word_meaning.get(word)
        if meaning is not None and meaning[0] in relations:
            return match["A"], word, match["B"]
    return None


def parse_input(text: str, word_meaning: Mapping[str, tuple[str, str]]) -> Optional[ParsedStory]:
    """The facts and query of an input in either story format, or None if it is not one."""
    lines = text.strip().split("\n")
    query = _QUERY.match(lines[-1].strip()) if lines else None
    if query is None:
        return None
    facts = []
    for line in lines[:-1]:
        line = line.strip()
        if not line:
            continue
        fact = _FACT.match(line)
        if fact is not None and fact[2] in word_meaning:
            facts.append((fact[1], fact[2], fact[3]))
            continue
        for sentence in _SENTENCE_END.split(line):
            parsed = parse_sentence(sentence, word_meaning)
            if parsed is None:
                return None
            facts.append(parsed)
    return ParsedStory(tuple(facts), (query[1], query[2]))
