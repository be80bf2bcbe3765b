"""Task parameters: declared as JSON Schema, resolved and checked here.

A task declares ``parameters``: a mapping from name to a JSON Schema property
(``type``, ``default``, ``minimum``, ``maximum``, ``enum``, ``items``,
``description``). :func:`resolve` merges the defaults with the user's values
and checks every value, so that a wrong one gets a message naming the
parameter, the value and what is allowed.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import jsonschema

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
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(parameters_schema(parameters)).iter_errors(resolved)
    )
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "parameters"
        raise ParameterError(f"parameter {where!r}: {error.message}")
    return resolved
