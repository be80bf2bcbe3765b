"""Parameter resolution: defaults, CLI text, and messages that say what is allowed."""

import pytest

from genforge.core.errors import ParameterError
from genforge.core.params import parse_cli_value, resolve

PARAMETERS = {
    "length": {"type": "integer", "default": 5, "minimum": 1, "maximum": 10},
    "share": {"type": "number", "default": 0.5, "minimum": 0.0, "maximum": 1.0},
    "domains": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "default": ["a"],
                "uniqueItems": True},
    "mode": {"type": "string", "enum": ["x", "y"], "default": "x"},
}


def test_defaults_fill_what_is_not_given():
    assert resolve(PARAMETERS, {"length": 7}) == {"length": 7, "share": 0.5, "domains": ["a"], "mode": "x"}


def test_misspelled_name_suggests_the_close_one():
    with pytest.raises(ParameterError, match=r"unknown parameter 'lenght'.*did you mean 'length'"):
        resolve(PARAMETERS, {"lenght": 3})


def test_out_of_range_names_parameter_value_and_range():
    with pytest.raises(ParameterError, match=r"'length' = 11 is out of range: expected an integer from 1 to 10"):
        resolve(PARAMETERS, {"length": 11})


def test_wrong_type_is_explained():
    with pytest.raises(ParameterError, match=r"'length' = \"many\" is not valid: expected an integer"):
        resolve(PARAMETERS, {"length": "many"})


def test_enum_lists_the_allowed_values():
    with pytest.raises(ParameterError, match=r'expected one of "x", "y"'):
        resolve(PARAMETERS, {"mode": "z"})


def test_list_items_are_checked_one_by_one():
    with pytest.raises(ParameterError, match=r"'domains'\[1\]"):
        resolve(PARAMETERS, {"domains": ["a", "c"]})
    with pytest.raises(ParameterError, match="repeats an item"):
        resolve(PARAMETERS, {"domains": ["a", "a"]})


def test_cli_text_is_parsed_by_declared_type():
    assert parse_cli_value("length", "7", PARAMETERS["length"]) == 7
    assert parse_cli_value("domains", "a,b", PARAMETERS["domains"]) == ["a", "b"]
    assert parse_cli_value("domains", '["b"]', PARAMETERS["domains"]) == ["b"]
    assert parse_cli_value("mode", "7", PARAMETERS["mode"]) == "7"


def test_booleans_are_not_integers():
    with pytest.raises(ParameterError):
        resolve(PARAMETERS, {"length": True})
