"""The fast encoder writes exactly the canonical bytes inside the canonical domain."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from genforge.core.canonical import (
    FLOAT_HIGH, FLOAT_LOW, INT_MAX, INT_MIN, dumps, encode_record, in_canonical_domain, reference_dumps,
    reference_encode_record,
)

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
canonical_floats = st.one_of(
    st.just(0.0),
    st.floats(min_value=FLOAT_LOW, max_value=FLOAT_HIGH, exclude_max=True),
    st.floats(min_value=FLOAT_LOW, max_value=FLOAT_HIGH, exclude_max=True).map(lambda x: -x),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(INT_MIN, INT_MAX), canonical_floats, text)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(text, children, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_fast_encoder_matches_the_reference_in_the_canonical_domain(value):
    assert in_canonical_domain(value)
    assert dumps(value) == reference_dumps(value)


def test_encoders_disagree_outside_the_domain_which_is_why_it_is_defined():
    assert not in_canonical_domain(1e-5)
    assert dumps(1e-5) != reference_dumps(1e-5)
    assert not in_canonical_domain(2**64)


def test_non_ascii_is_written_as_utf8_and_control_characters_escaped():
    assert dumps({"a": "é\n\x01"}) == '{"a":"é\\n\\u0001"}'.encode("utf-8")
    assert json.loads(dumps({"a": "é\n\x01"})) == {"a": "é\n\x01"}


records = st.fixed_dictionaries({
    "id": text, "task": text, "task_version": text, "split": text,
    "instruction": st.one_of(st.none(), text), "input": text, "target": text,
}).flatmap(lambda head: st.dictionaries(text, values, max_size=6).map(lambda meta: {**head, "meta": meta}))


@settings(max_examples=300, deadline=None)
@given(records)
def test_record_encoder_matches_the_reference_with_meta_keys_sorted(record):
    before = dict(record)
    assert encode_record(record) == reference_encode_record(record)
    assert record == before and list(record) == list(before)
