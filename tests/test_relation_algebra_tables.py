"""The composition tables shipped as package data."""

import json
from importlib import resources
from pathlib import Path

import pytest

from genforge.generators.relation_algebra import ALGEBRAS, interval_table_document, load_algebra

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "epignn"
REFERENCE_FILES = {"rcc8": "rcc8_composition.json", "interval": "interval_algebra_composition.json"}


def shipped(name):
    return json.loads(resources.files("genforge").joinpath(f"data/relation_algebra/{name}.json").read_text("utf-8"))


def test_interval_table_file_is_what_the_endpoint_enumeration_derives():
    assert shipped("interval") == interval_table_document()


def test_interval_table_has_the_textbook_entries():
    table = shipped("interval")["composition"]
    assert table["<"]["<"] == ["<"]
    assert table["m"]["m"] == ["<"]
    assert table["d"]["d"] == ["d"]
    assert set(table["<"][">"]) == set(shipped("interval")["relations"])
    assert set(table["o"]["o"]) == {"<", "m", "o"}


@pytest.mark.parametrize("name", ALGEBRAS)
def test_identity_is_neutral_and_converse_reverses_composition(name):
    algebra = load_algebra(name)
    size = len(algebra.relations)
    for first in range(size):
        assert algebra.compose_atoms[algebra.identity][first] == 1 << first
        assert algebra.compose_atoms[first][algebra.identity] == 1 << first
        for second in range(size):
            left = algebra.converse_set(algebra.compose_atoms[first][second])
            right = algebra.compose_atoms[algebra.converse[second]][algebra.converse[first]]
            assert left == right, (algebra.relations[first], algebra.relations[second])


@pytest.mark.parametrize("name", ALGEBRAS)
def test_set_composition_is_the_union_over_members(name):
    algebra = load_algebra(name)
    for mask in (0b101, 0b11010, algebra.universe):
        for atom in range(len(algebra.relations)):
            expected = 0
            for member in range(len(algebra.relations)):
                if mask >> member & 1:
                    expected |= algebra.compose_atoms[member][atom]
            assert algebra.set_compose[mask][atom] == expected


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference/epignn is not present")
@pytest.mark.parametrize("name", ["rcc8", "interval"])
def test_tables_agree_with_the_reference_copy(name):
    reference = json.loads((REFERENCE / REFERENCE_FILES[name]).read_text("utf-8"))["composition"]
    ours = shipped(name)["composition"]
    assert set(ours) == set(reference)
    for first in ours:
        for second in ours[first]:
            assert set(ours[first][second]) == set(reference[first][second]), (first, second)


def test_kinship_table_file_is_what_the_model_family_derives():
    from genforge.generators.kinship_algebra import kinship_table_document

    assert shipped("kinship") == kinship_table_document()


def test_kinship_table_contains_the_clutrr_compositions():
    # The rule book (CLUTRR): each rule's conclusion must be among the table's possibilities.
    rules = ("child.child=grand child.SO=in-law child.sibling=child child.inv-un=sibling "
             "child.inv-grand=inv-child inv-child.child=sibling inv-child.inv-child=inv-grand "
             "inv-child.sibling=inv-un SO.inv-child=inv-in-law SO.grand=grand SO.child=child "
             "sibling.sibling=sibling sibling.inv-grand=inv-grand sibling.child=un sibling.inv-child=inv-child "
             "grand.sibling=grand").split()
    table = shipped("kinship")["composition"]
    for rule in rules:
        premise, conclusion = rule.split("=")
        first, second = premise.split(".")
        assert conclusion in table[first][second], rule
    assert table["child"]["child"] == ["grand"]
    assert table["SO"]["SO"] == ["self"]


@pytest.mark.parametrize("name", ["rcc8", "interval"])
def test_spatial_and_temporal_composition_is_associative(name):
    # Left-to-right closure equals any other bracketing only because of this.
    algebra = load_algebra(name)
    size = len(algebra.relations)
    for a in range(size):
        for b in range(size):
            for c in range(size):
                left = algebra.compose(algebra.compose_atoms[a][b], 1 << c)
                right = algebra.compose(1 << a, algebra.compose_atoms[b][c])
                assert left == right
