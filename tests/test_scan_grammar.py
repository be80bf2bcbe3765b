"""The SCAN grammar engine: closure, meaning on hand-checked commands, parsing, scaled vocabularies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genforge.generators.scan_grammar import (
    LEXICONS, SCAN_VOCABULARY, Clause, Command, ScanSyntaxError, Vocabulary, command_actions, command_depth,
    command_text, enumerate_commands, interpret, parse_command,
)

TURN = {"left": "I_TURN_LEFT", "right": "I_TURN_RIGHT"}
ACTION = {"walk": "I_WALK", "look": "I_LOOK", "run": "I_RUN", "jump": "I_JUMP", "turn": None}


def reference_scan(command: str) -> list[str]:
    """An independent reading of Lake & Baroni's interpretation function, on strings."""
    if " and " in command:
        left, right = command.split(" and ")
        return reference_scan(left) + reference_scan(right)
    if " after " in command:
        left, right = command.split(" after ")
        return reference_scan(right) + reference_scan(left)
    words = command.split()
    times = {"twice": 2, "thrice": 3}.get(words[-1], 1)
    if times > 1:
        words = words[:-1]
    verb = [ACTION[words[0]]] if ACTION[words[0]] else []
    if len(words) == 1:
        base = verb
    elif len(words) == 2:
        base = [TURN[words[1]]] + verb
    elif words[1] == "opposite":
        base = [TURN[words[2]]] * 2 + verb
    else:
        assert words[1] == "around"
        base = ([TURN[words[2]]] + verb) * 4
    return base * times


@pytest.fixture(scope="module")
def scan_commands():
    return [command_text(SCAN_VOCABULARY, c) for c in enumerate_commands(SCAN_VOCABULARY, 0, 1)]


def test_scan_grammar_has_exactly_20910_distinct_commands(scan_commands):
    assert len(scan_commands) == 20_910
    assert len(set(scan_commands)) == 20_910
    assert SCAN_VOCABULARY.command_count(0, 1) == 20_910


def test_every_scan_command_matches_the_reference_interpretation(scan_commands):
    for text in scan_commands:
        assert interpret(text, SCAN_VOCABULARY).split() == reference_scan(text), text


def test_longest_scan_output_has_48_actions(scan_commands):
    lengths = [len(interpret(text, SCAN_VOCABULARY).split()) for text in scan_commands]
    assert max(lengths) == 48
    assert lengths.count(23) == 0


@pytest.mark.parametrize("command, actions", [
    ("turn opposite left", "I_TURN_LEFT I_TURN_LEFT"),
    ("jump around right after run twice",
     "I_RUN I_RUN" + " I_TURN_RIGHT I_JUMP" * 4),
    ("turn left", "I_TURN_LEFT"),
    ("turn around right", "I_TURN_RIGHT I_TURN_RIGHT I_TURN_RIGHT I_TURN_RIGHT"),
    ("walk opposite left thrice", "I_TURN_LEFT I_TURN_LEFT I_WALK" * 1 + " I_TURN_LEFT I_TURN_LEFT I_WALK" * 2),
    ("look right and jump", "I_TURN_RIGHT I_LOOK I_JUMP"),
    ("jump twice after walk", "I_WALK I_JUMP I_JUMP"),
    ("walk", "I_WALK"),
])
def test_hand_checked_meanings(command, actions):
    assert interpret(command, SCAN_VOCABULARY) == actions


@pytest.mark.parametrize("command", [
    "", "turn", "walk around", "walk left left", "twice", "walk and", "walk1", "walk times4", "jump up",
    "walk twice twice", "and walk", "walk opposite",
])
def test_scan_rejects_commands_outside_its_grammar(command):
    with pytest.raises(ScanSyntaxError):
        interpret(command, SCAN_VOCABULARY)


@pytest.mark.parametrize("command, depth", [
    ("walk", 1), ("turn left", 2), ("walk around left", 3), ("walk twice", 2),
    ("walk around left thrice after run", 5), ("walk and run", 2),
])
def test_parse_tree_depth(command, depth):
    _, parsed = parse_command(command, SCAN_VOCABULARY)
    assert command_depth(parsed) == depth


def test_more_conjunctions_are_read_left_to_right():
    # (walk and run) after jump
    assert interpret("walk and run after jump") == "I_JUMP I_WALK I_RUN"
    # (walk after run) and jump
    assert interpret("walk after run and jump") == "I_RUN I_WALK I_JUMP"


def test_numbered_words_have_their_own_actions():
    assert interpret("walk1 left1 times4") == " ".join(["I_TURN_LEFT1 I_WALK1"] * 4)
    assert interpret("chop reversed counterclockwise then rotate clockwise") == \
        "K_ROTATE_COUNTERCLOCKWISE K_ROTATE_COUNTERCLOCKWISE K_CHOP K_ROTATE_CLOCKWISE"
    assert interpret("strum behind hum doubled") == "M_HUM M_HUM M_STRUM"


def test_lexicons_share_no_word_or_action():
    vocabularies = [Vocabulary(lex, 12, 6, 6) for lex in LEXICONS.values()]
    words = [set(v.words()) for v in vocabularies]
    actions = [set(v.actions()) for v in vocabularies]
    for i in range(len(vocabularies)):
        assert len(words[i]) == len(vocabularies[i].words())  # no word with two roles
        for j in range(i + 1, len(vocabularies)):
            assert not words[i] & words[j]
            assert not actions[i] & actions[j]
    assert len(LEXICONS) >= 3


@pytest.mark.parametrize("n_verbs, n_directions, n_repetitions, low, high", [
    (1, 1, 0, 0, 2), (5, 3, 3, 0, 1), (2, 1, 1, 2, 2),
])
def test_command_count_matches_enumeration(n_verbs, n_directions, n_repetitions, low, high):
    vocabulary = Vocabulary(LEXICONS["kitchen"], n_verbs, n_directions, n_repetitions)
    texts = [command_text(vocabulary, c) for c in enumerate_commands(vocabulary, low, high)]
    assert len(texts) == len(set(texts)) == vocabulary.command_count(low, high)


@st.composite
def scaled_commands(draw):
    lexicon = LEXICONS[draw(st.sampled_from(sorted(LEXICONS)))]
    vocabulary = Vocabulary(lexicon, draw(st.integers(1, 30)), draw(st.integers(1, 9)), draw(st.integers(0, 8)))
    phrases = vocabulary.verb_phrases
    clauses = draw(st.lists(st.tuples(st.integers(0, len(phrases) - 1), st.sampled_from(vocabulary.repetition_counts)),
                            min_size=1, max_size=5))
    joins = draw(st.lists(st.sampled_from(["sequence", "reverse"]), min_size=len(clauses) - 1, max_size=len(clauses) - 1))
    return vocabulary, Command(tuple(Clause(phrases[p], c) for p, c in clauses), tuple(joins))


@settings(max_examples=200, deadline=None)
@given(scaled_commands())
def test_text_parses_back_to_the_same_command_and_meaning(case):
    vocabulary, command = case
    text = command_text(vocabulary, command)
    assert parse_command(text, vocabulary)[1] == command
    assert parse_command(text)[1] == command  # lexicon recognised from the words alone
    assert interpret(text) == " ".join(command_actions(vocabulary, command))


@settings(max_examples=100, deadline=None)
@given(scaled_commands())
def test_output_length_is_the_sum_of_clause_lengths(case):
    vocabulary, command = case
    expected = 0
    for clause in command.clauses:
        phrase = clause.phrase
        own = 0 if phrase.verb is None else 1
        per = {"": own + (phrase.direction is not None), "opposite": own + 2, "around": 4 * (own + 1)}[phrase.modifier]
        expected += per * clause.count
    assert len(command_actions(vocabulary, command)) == expected
