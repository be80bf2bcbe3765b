"""COGS grammar and oracle: the released examples parse to their released logical forms, bad input is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from genforge.core.rng import RandomStream
from genforge.generators.cogs.lexicon import cogs_lexicon, reduced_lexicon
from genforge.generators.cogs.logical_form import logical_form
from genforge.generators.cogs.parser import CogsParseError, parse, solve
from genforge.generators.cogs.sampler import SentenceSampler, default_grammar_options
from genforge.generators.cogs.syntax import render

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cogs"
needs_reference = pytest.mark.skipif(not (REFERENCE / "README.md").is_file(), reason="../shared/reference/cogs absent")


def reference_examples() -> list[tuple[str, str]]:
    """Every (sentence, logical form) pair quoted in the reference notes: train lines, constructed frame and
    category examples, the exposure lines and the one gen line, without repeats."""
    if not (REFERENCE / "README.md").is_file():
        return []
    text = (REFERENCE / "README.md").read_text("utf-8")
    pairs = []
    for block in re.findall(r"```\n(.*?)\n```", text, flags=re.S):
        lines = [line.strip() for line in block.splitlines()]
        if len(lines) == 2 and lines[0].endswith(" ."):
            pairs.append((lines[0], lines[1]))
    pairs += re.findall(r"`([^`]* \.)` → `([^`]*)`", text)
    pairs += re.findall(r"\| \d+ \| `exposure_example_\w+` \| ([^|]* \.) \| `([^`]*)` \|", text)
    data = json.loads((REFERENCE / "lexicon.json").read_text("utf-8"))
    pairs += [(example["sentence"], example["lf"]) for example in data["exposure_examples"]]
    return list(dict.fromkeys(pairs))


def reference_lexicon() -> dict:
    return json.loads((REFERENCE / "lexicon.json").read_text("utf-8"))


@needs_reference
def test_the_reference_notes_quote_enough_examples_to_check():
    # 10 train lines, 6 constructed frame examples, 21 category targets, 12 exposure lines, 1 gen line,
    # minus the ones quoted twice.
    assert len(reference_examples()) >= 40


@needs_reference
@pytest.mark.parametrize("sentence, expected", reference_examples(), ids=lambda value: value[:40])
def test_the_oracle_parses_every_reference_example_to_its_logical_form(sentence, expected):
    assert solve(sentence) == expected


@needs_reference
def test_primitive_lines_get_the_lambda_term_of_their_word_class():
    primitives = reference_lexicon()["primitives"]
    shapes = {
        "common_noun": "LAMBDA a . {w} ( a )",
        "proper_name": "{w}",
        "verb_transitive": "LAMBDA a . LAMBDA b . LAMBDA e . {w} . agent ( e , b ) AND {w} . theme ( e , a )",
        "verb_intrans_agent": "LAMBDA a . LAMBDA e . {w} . agent ( e , a )",
        "verb_intrans_theme": "LAMBDA a . LAMBDA e . {w} . theme ( e , a )",
    }
    assert sum(len(words) for words in primitives.values()) == 143
    for kind, words in primitives.items():
        for word in words:
            assert solve(word) == shapes[kind].format(w=word), (kind, word)


@needs_reference
def test_the_shipped_word_lists_are_the_releases_minus_the_held_out_words():
    reference, shipped = reference_lexicon(), cogs_lexicon()
    held_out = set(reference["gen_target_words"])
    assert shipped.held_out_words == held_out
    assert set(shipped.proper_names) == set(reference["proper_names"]) - held_out
    assert set(shipped.animate_nouns) == set(reference["common_nouns"]["animate"]) - held_out
    assert set(shipped.verbs) == set(reference["verbs"])
    assert shipped.exposure_examples == tuple((e["category"], e["sentence"]) for e in reference["exposure_examples"])
    assert {kind: list(words) for kind, words in shipped.primitives.items()} == reference["primitives"]
    for lemma, verb in shipped.verbs.items():
        assert verb.classes == set(reference["verbs"][lemma]["classes"]), lemma
        forms = reference["verbs"][lemma]["forms"]
        if "past" in forms:
            assert verb.past == forms["past"][0], lemma
        if "passive_participle" in forms:
            assert verb.participle == forms["passive_participle"][0], lemma


def _variables_name_their_head_words(sentence: str, form: str) -> None:
    words = sentence.split()
    lexicon = cogs_lexicon()
    for predicate, index in re.findall(r"(\w+) \( x _ (\d+) \)", form):
        assert lexicon.predicate(words[int(index)]) == predicate, (sentence, predicate, index)
    for verb, index in re.findall(r"(\w+) \. (?:agent|theme|recipient|xcomp|ccomp) \( x _ (\d+) ,", form):
        word = words[int(index)]
        assert verb in (word, lexicon.past_forms.get(word), lexicon.participles.get(word)), (sentence, verb, word)


def test_generated_logical_forms_index_the_head_word_of_every_variable():
    lexicon = cogs_lexicon()
    sampler = SentenceSampler(RandomStream.from_parts("cogs-test", 1), lexicon, default_grammar_options(lexicon))
    for _ in range(300):
        sentence, tree = render(sampler.sentence(), lambda lemma, form: getattr(lexicon.verbs[lemma], form))
        _variables_name_their_head_words(sentence, logical_form(tree, lexicon.predicate))


def test_a_parsed_sentence_renders_back_to_itself():
    sentence = "The girl on a mat said that Emma gave the cake beside a stage to a boy ."
    assert render(parse(sentence), lambda lemma, form: getattr(cogs_lexicon().verbs[lemma], form))[0] == sentence


@pytest.mark.parametrize("sentence, complaint", [
    ("Emma smiled the cake .", "cannot head a trans clause"),
    ("The cake was smiled .", "a passive participle"),
    ("Emma gave .", "cannot head a intrans_agent clause"),
    ("Emma zorbed .", "a verb in the past tense"),
    ("Emma ate the cake", "the final '.'"),
    ("the cake rolled . extra", "the final '.'"),
    ("Emma liked to cake .", "an intransitive verb after 'to'"),
    ("A on the table rolled .", "a noun after the determiner"),
    ("", "empty input"),
    ("that", "function word"),
    ("say", "no primitive for the verb"),
])
def test_sentences_outside_the_grammar_are_refused_with_the_reason(sentence, complaint):
    with pytest.raises(CogsParseError, match=re.escape(complaint)):
        solve(sentence)


def test_a_smaller_lexicon_keeps_every_verb_class_and_the_held_out_words():
    full = cogs_lexicon()
    small = reduced_lexicon(full, 0.1)
    assert len(small.animate_nouns) < len(full.animate_nouns) / 5
    for verb_class in ("unaccusative", "unergative", "transitive_object_omissible", "dative", "cp_taking",
                       "infinitival_taking", "infinitive_complement"):
        assert len(small.verbs_of(verb_class)) >= 2
    assert {"bless", "shatter", "crawl"} <= set(small.verbs)
