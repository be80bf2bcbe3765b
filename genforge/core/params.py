"""Task parameters: declared as JSON Schema, resolved and checked here.

A task declares ``parameters``: a mapping from name to a JSON Schema property
(``type``, ``default``, ``minimum``, ``maximum``, ``enum``, ``items``,
``description``). :func:`resolve` merges the defaults with the user's values
and checks every value, so that a wrong one gets a message naming the
parameter, the value and what is allowed.
"""

from __future__ import annotations

import json
import math
import typing
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

import jsonschema_rs

from genforge.core.errors import ParameterError, did_you_mean, one_of

_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


def parameters_schema(parameters: Mapping[str, dict]) -> dict:
    """The whole parameter object as one JSON Schema (draft 2020-12)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": dict(parameters),
        "additionalProperties": False,
    }


def parse_cli_value(name: str, text: str, schema: Mapping[str, Any]) -> Any:
    """Turn the text of ``--param name=text`` into a value of the declared type.

    Lists may be written as JSON (``[2,3]``) or comma-separated (``2,3``).
    """
    kind = schema.get("type")
    if kind == "array":
        stripped = text.strip()
        if stripped.startswith("["):
            return _json_or_text(stripped)
        item_schema = schema.get("items", {})
        return [parse_cli_value(name, part.strip(), item_schema) for part in stripped.split(",") if part.strip()]
    if kind == "string":
        return text
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        return text
    return _json_or_text(text.strip())


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _describe_allowed(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type")
    text = _TYPE_NAMES.get(kind, str(kind))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        text += f" from {low} to {high}"
    elif low is not None:
        text += f" >= {low}"
    elif high is not None:
        text += f" <= {high}"
    if kind == "array" and "items" in schema:
        text += " of " + _describe_allowed(schema["items"])
    return text


def _check_value(label: str, value: Any, schema: Mapping[str, Any]) -> None:
    """Raise ParameterError if ``value`` breaks the common keywords of ``schema``."""
    kind = schema.get("type")
    allowed = _describe_allowed(schema)
    type_ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
        None: True,
    }.get(kind, True)
    if not type_ok:
        raise ParameterError(f"parameter {label} = {json.dumps(value, default=str)} is not valid: expected {allowed}")
    # NaN slips through every range check (each comparison with it is false) and infinity through an
    # open one; neither has a JSON spelling, so a manifest could not record it. Finite numbers only.
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"parameter {label} = {value} is not allowed: expected a finite number "
                             f"({allowed}); NaN and infinity are refused")
    if "enum" in schema and value not in schema["enum"]:
        raise ParameterError(f"parameter {label} = {json.dumps(value)} is not allowed: expected {allowed}")
    if kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"] or "maximum" in schema and value > schema["maximum"]:
            raise ParameterError(f"parameter {label} = {value} is out of range: expected {allowed}")
    if kind == "array":
        if len(value) < schema.get("minItems", 0):
            raise ParameterError(f"parameter {label} needs at least {schema['minItems']} item(s), got {len(value)}")
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            raise ParameterError(f"parameter {label} = {json.dumps(value)} repeats an item; items must be distinct")
        for position, item in enumerate(value):
            _check_value(f"{label}[{position}]", item, schema.get("items", {}))


def resolve(parameters: Mapping[str, dict], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults merged with ``given``, every value checked, in declaration order."""
    given = dict(given or {})
    for name in given:
        if name not in parameters:
            raise ParameterError(
                f"unknown parameter {name!r}{did_you_mean(name, parameters)}; "
                f"allowed: {one_of(parameters) or '(this task has no parameters)'}"
            )
    resolved: dict[str, Any] = {}
    for name, schema in parameters.items():
        value = given[name] if name in given else schema.get("default")
        if isinstance(value, str) and name in given and schema.get("type") not in ("string", None):
            value = parse_cli_value(name, value, schema)
        _check_value(repr(name), value, schema)
        resolved[name] = value
    # The hand-written checks cover the common keywords with friendly text;
    # the full schema catches anything else a task declares.
    schema = parameters_schema(parameters)
    if jsonschema_rs.validator_for(schema).is_valid(resolved):
        return resolved
    # The readable validator decides and explains (its import costs ~0.1 s of start-up, so only here).
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(resolved))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "parameters"
        raise ParameterError(f"parameter {where!r}: {error.message}")
    return resolved


# -- typed parameters -------------------------------------------------------------
#
# A task declares its parameters once, as a frozen dataclass deriving from Params:
#
#     @dataclass(frozen=True)
#     class RewriteParams(Params):
#         input_length: int = param(50, "symbols per input", minimum=2, maximum=10_000)
#         domains: tuple[str, ...] = param(("unconstrained",), "semantic domains", enum=[...])
#         input_length_min: int = split_setting(0, "shortest input a split draws")
#
# The JSON Schema properties (``describe``, checking, the CLI's value parsing), the
# defaults and the per-split values all derive from it; samplers read attributes.

_ROLE = "genforge.role"
_JSON_TYPES = {int: "integer", float: "number", str: "string", bool: "boolean"}


def param(default: Any, description: str, **schema: Any) -> Any:
    """A user parameter: its default, one line of description and JSON Schema keywords
    (``minimum``, ``maximum``, ``enum``, ``items``, ``minItems``, ``maxItems``, ``uniqueItems``)."""
    return field(default=_frozen(default), metadata={_ROLE: "user", "description": description, "schema": schema})


def split_setting(default: Any, description: str) -> Any:
    """A value a split plan sets for its own split (``SplitSpec.sample_params``), not a user parameter."""
    return field(default=_frozen(default), metadata={_ROLE: "split", "description": description})


def _frozen(value: Any) -> Any:
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value


def _thawed(value: Any) -> Any:
    return [_thawed(v) for v in value] if isinstance(value, tuple) else value


def _json_type(hint: Any) -> dict:
    if hint in _JSON_TYPES:
        return {"type": _JSON_TYPES[hint]}
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return {"type": "array", "items": _json_type(item)}
    raise TypeError(f"parameter type {hint!r} is not one of int, float, str, bool or tuple[X, ...]")


@dataclass(frozen=True)
class Params:
    """Base of a task's typed parameters (see :func:`param` and :func:`split_setting`)."""

    #: The run's seed, for the fixed pools a task derives from it (rule pools, knowledge graphs).
    seed: int = field(default=0, metadata={_ROLE: "run", "description": "the run's seed"})

    @classmethod
    def schema_properties(cls) -> dict[str, dict]:
        """User parameter name -> JSON Schema property (with ``default`` and ``description``), in order."""
        hints = typing.get_type_hints(cls)
        properties = {}
        for item in fields(cls):
            if item.metadata.get(_ROLE) != "user":
                continue
            declared = _json_type(hints[item.name])
            schema = dict(item.metadata["schema"])
            if "items" in declared:
                schema["items"] = {**declared["items"], **schema.get("items", {})}
            properties[item.name] = {"type": declared["type"], **schema, "default": _thawed(item.default),
                                     "description": item.metadata["description"]}
        return properties

    @classmethod
    def split_settings(cls) -> tuple[str, ...]:
        return tuple(item.name for item in fields(cls) if item.metadata.get(_ROLE) == "split")

    @classmethod
    def resolve(cls, given: Mapping[str, Any] | None = None, **values: Any) -> "Params":
        """The defaults with ``given`` (and keyword ``values``) applied, every value checked.

        >>> AlgorithmicParams.resolve(op="reverse").train_length_max  # doctest: +SKIP
        40
        """
        return cls.from_resolved(resolve(cls.schema_properties(), {**dict(given or {}), **values}))

    @classmethod
    def from_resolved(cls, resolved: Mapping[str, Any]) -> "Params":
        """The typed parameters of an already resolved and checked dict (see :func:`resolve`)."""
        return cls(**{name: _frozen(value) for name, value in resolved.items()})

    def for_split(self, settings: Mapping[str, Any], seed: int) -> "Params":
        """These parameters with a split's settings applied and the run's seed."""
        unknown = [name for name in settings if name not in self._names()]
        if unknown:
            raise TypeError(f"split settings {unknown} are not declared by {type(self).__name__}")
        return replace(self, seed=seed, **{name: _frozen(value) for name, value in settings.items()})

    def to_dict(self) -> dict[str, Any]:
        """The user parameters as JSON values, in declaration order (what a manifest records)."""
        return {item.name: _thawed(getattr(self, item.name)) for item in fields(self)
                if item.metadata.get(_ROLE) == "user"}

    @classmethod
    def _names(cls) -> frozenset:
        return frozenset(item.name for item in fields(cls))


def train_size(default: int = 10_000, description: str = "default size of train") -> Any:
    """The ``train_size`` parameter most tasks declare (the size of train when ``--size`` names none)."""
    return param(default, description, minimum=0, maximum=100_000_000)


def test_size(default: int = 1_000, description: str = "default size of validation and every test split") -> Any:
    """The ``test_size`` parameter most tasks declare."""
    return param(default, description, minimum=0, maximum=100_000_000)
