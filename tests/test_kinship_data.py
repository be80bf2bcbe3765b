"""The kinship package data: rule table, words, names and sentence templates."""

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from genforge.generators.kinship_text import (
    fact_forms, parse_input, parse_sentence, render_fact, render_input, render_sentence, sentence_forms,
)

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "clutrr"


def data(name):
    return json.loads(resources.files("genforge").joinpath("data/kinship", name).read_text("utf-8"))


RULES = data("rules.json")
NAMES = data("names.json")
TEMPLATES = data("templates.json")
WORD_MEANING = {RULES["words"][r][g]: (r, g) for r in RULES["relations"] for g in ("male", "female")}


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/clutrr is not available")
def test_rule_table_matches_the_published_clutrr_store():
    store = json.loads((REFERENCE / "rules_store.json").read_text())
    assert RULES["compose"] == store["compositional"]["family"]
    assert RULES["inverse"] == store["inverse-equivalence"]["family"]
    assert sorted(RULES["symmetric"]) == sorted(store["symmetric"]["family"])


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/clutrr is not available")
def test_surface_words_match_the_published_store_apart_from_its_niece_typo():
    store = json.loads((REFERENCE / "relations_store.json").read_text())
    for relation in RULES["relations"]:
        for gender in ("male", "female"):
            published = store[relation][gender]["rel"]
            assert RULES["words"][relation][gender] == ("niece" if published == "neice" else published)


def test_every_relation_word_names_one_relation_and_gender():
    assert len(WORD_MEANING) == 2 * len(RULES["relations"])


def test_compositions_and_inverses_only_use_known_relations():
    known = set(RULES["relations"])
    for first, row in RULES["compose"].items():
        assert first in known and set(row) <= known and set(row.values()) <= known
    assert set(RULES["inverse"]) | set(RULES["inverse"].values()) | set(RULES["symmetric"]) <= known


def test_name_sets_are_large_and_each_name_has_one_gender():
    gender_of = {}
    sets = [s for s in NAMES if s != "comment"]
    assert len(sets) >= 3
    for name_set in sets:
        for gender in ("male", "female"):
            names = NAMES[name_set][gender]
            assert len(names) >= 40 and len(set(names)) == len(names)
            for name in names:
                assert re.fullmatch(r"[A-Z][a-z]+", name)
                assert gender_of.setdefault(name, gender) == gender, name


def test_every_relation_has_at_least_three_phrasings():
    for relation in RULES["relations"]:
        assert len(set(TEMPLATES[relation])) >= 3, relation


def test_every_sentence_parses_back_to_exactly_its_fact():
    for relation in RULES["relations"]:
        for template in TEMPLATES[relation]:
            for a_gender in ("male", "female"):
                for b_gender in ("male", "female"):
                    word = RULES["words"][relation][b_gender]
                    sentence = render_sentence(template, "Alice", a_gender, word, "Bob")
                    assert parse_sentence(sentence, WORD_MEANING) == ("Alice", word, "Bob"), sentence


def test_an_input_in_either_format_parses_to_its_facts_and_query():
    facts = [("Ann", "son", "Bob"), ("Bob", "wife", "Cara")]
    sentences = [render_sentence(TEMPLATES["child"][0], "Ann", "female", "son", "Bob"),
                 render_sentence(TEMPLATES["SO"][0], "Bob", "male", "wife", "Cara")]
    for lines, story_format in ((sentences, "sentences"), ([f"({a}, {w}, {b})" for a, w, b in facts], "facts")):
        parsed = parse_input(render_input(lines, story_format, "Ann", "Cara"), WORD_MEANING)
        assert list(parsed.facts) == facts and parsed.query == ("Ann", "Cara")


def test_text_that_is_not_a_story_is_not_parsed():
    assert parse_input("Ann likes tea.\nQuery: (Ann, Bob)", WORD_MEANING) is None
    assert parse_input("Bob is Ann's son.", WORD_MEANING) is None


def test_prefilled_forms_write_the_same_text_as_the_templates():
    # The sampler writes sentences from forms with the word and pronoun filled in ahead of time.
    forms = sentence_forms()
    for relation, templates in TEMPLATES.items():
        if relation == "comment":
            continue
        for a_gender in ("male", "female"):
            for b_gender in ("male", "female"):
                word = RULES["words"][relation][b_gender]
                options = forms[relation, a_gender, b_gender]
                assert len(options) == len(templates)
                for template, (form, a_first) in zip(templates, options):
                    names = ("Alice", "Bob") if a_first else ("Bob", "Alice")
                    assert form % names == render_sentence(template, "Alice", a_gender, word, "Bob")
                assert fact_forms()[relation, b_gender] % ("Alice", "Bob") == render_fact("Alice", word, "Bob")
