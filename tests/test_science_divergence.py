"""Atom and compound divergence against hand-computed values (Keysers et al. 2020 definitions)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genforge.science.divergence import (RunningChernoff, atom_divergence, chernoff_coefficient,
                                         compound_divergence)


def test_identical_distributions_have_no_divergence():
    same = {"jump": 2, "walk": 2}
    assert atom_divergence(same, {"jump": 5, "walk": 5}) == pytest.approx(0.0)
    assert compound_divergence(same, {"jump": 1, "walk": 1}) == pytest.approx(0.0)


def test_disjoint_distributions_diverge_fully():
    assert atom_divergence({"a": 3}, {"b": 1}) == 1.0
    assert compound_divergence({"a": 3}, {"b": 1}) == 1.0


def test_atom_divergence_by_hand():
    # p = (0.75, 0.25), q = (0.5, 0.5): C_0.5 = sqrt(0.375) + sqrt(0.125) = 0.612372 + 0.353553
    assert atom_divergence({"a": 3, "b": 1}, {"a": 1, "b": 1}) == pytest.approx(1 - 0.965926, abs=1e-6)


def test_compound_divergence_by_hand():
    # C_0.1 = 0.75**0.1 * 0.5**0.9 + 0.25**0.1 * 0.5**0.9 = 0.971642*0.535887 + 0.870551*0.535887
    assert compound_divergence({"a": 3, "b": 1}, {"a": 1, "b": 1}) == pytest.approx(1 - 0.987207, abs=1e-6)


def test_compound_divergence_weights_train_lightly():
    # Train covers half the test compounds: the test mass on the missing one counts almost fully.
    train_lacks_b = compound_divergence({"a": 1}, {"a": 1, "b": 1})
    test_lacks_b = compound_divergence({"a": 1, "b": 1}, {"a": 1})
    assert train_lacks_b == pytest.approx(1 - 0.5 ** 0.9, abs=1e-9)  # 0.464113
    assert test_lacks_b == pytest.approx(1 - 0.5 ** 0.1, abs=1e-9)  # 0.066967


def test_empty_side_has_coefficient_one():
    assert chernoff_coefficient({}, {"a": 1}, 0.5) == 1.0


counts = st.dictionaries(st.integers(0, 6), st.integers(1, 4), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(counts, st.booleans()), min_size=2, max_size=12), st.sampled_from([0.1, 0.5]))
def test_running_coefficient_matches_the_direct_formula(moves, alpha):
    running = RunningChernoff(alpha, 7)
    train, test = {}, {}
    for items, to_train in moves:
        running.apply(items, int(to_train), int(not to_train))
        side = train if to_train else test
        for item, multiplicity in items.items():
            side[item] = side.get(item, 0) + multiplicity
    assert running.value() == pytest.approx(chernoff_coefficient(train, test, alpha), abs=1e-9)
    assert not math.isnan(running.value())
