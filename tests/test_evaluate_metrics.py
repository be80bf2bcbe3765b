"""Token accuracy: position-wise matches over the longer answer, in words or characters."""

from hypothesis import given
from hypothesis import strategies as st

from genforge.evaluate.metrics import token_accuracy


def test_single_token_targets_are_scored_by_character():
    assert token_accuracy("abcd", "abcd") == 1.0
    assert token_accuracy("abxd", "abcd") == 0.75
    assert token_accuracy("abc", "abcd") == 0.75     # a missing character is wrong
    assert token_accuracy("abcde", "abcd") == 0.8    # an extra one too
    assert token_accuracy("", "abcd") == 0.0


def test_multi_token_targets_are_scored_by_word():
    assert token_accuracy("I_WALK I_JUMP I_JUMP", "I_WALK I_JUMP I_JUMP") == 1.0
    assert token_accuracy("I_WALK I_JUMP", "I_WALK I_JUMP I_JUMP") == 2 / 3
    assert token_accuracy("I_JUMP I_WALK I_JUMP", "I_WALK I_JUMP I_JUMP") == 1 / 3


def test_two_empty_answers_agree():
    assert token_accuracy("", "") == 1.0


@given(st.text(alphabet="ab c", max_size=12), st.text(alphabet="ab c", max_size=12))
def test_token_accuracy_is_one_exactly_for_equal_answers(prediction, target):
    target = " ".join(target.split())
    prediction = " ".join(prediction.split())
    score = token_accuracy(prediction, target)
    assert 0.0 <= score <= 1.0
    assert (score == 1.0) == (prediction == target)
