"""JSON Schema validation of records: compiled on the hot path, readable on failure.

``jsonschema-rs`` (compiled) decides whether a record is valid; only when it
is not does the reference ``jsonschema`` validator run, to produce a message
naming the field, the value and the rule.

The engine validates a record in two parts whose conjunction is exactly the
record schema: the fields that are the same in every record of a split
(``SPLIT_CONSTANT_FIELDS``: task, version, split and the id's form) once per
split, and the rest (instruction, input, target, trace, meta) for every
record. That halves the per-record cost (the constant fields carry regex
patterns) without accepting anything the whole schema would refuse; the
split is only made when the schema is a plain object schema whose top level
constrains each property on its own (checked in :func:`split_schema`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping, Optional

import jsonschema_rs

from genforge.core.errors import CheckFailed


def load_schema(name: str) -> dict:
    """A schema shipped in ``genforge/schemas`` (e.g. ``record.schema.json``)."""
    return json.loads(resources.files("genforge.schemas").joinpath(name).read_text("utf-8"))


def record_schema_for(meta_schema: dict) -> dict:
    """The record schema with ``meta`` also bound by a task's meta schema."""
    schema = load_schema("record.schema.json")
    schema["properties"]["meta"] = {"allOf": [schema["properties"]["meta"], meta_schema]}
    return schema


#: Record fields that are the same for every record of a split (the id's form is too: task/split/number).
SPLIT_CONSTANT_FIELDS = ("id", "task", "task_version", "split")
#: Top-level keywords under which an object schema is the conjunction of per-property constraints.
_SEPARABLE_KEYWORDS = {"$schema", "$id", "title", "description", "type", "required", "additionalProperties",
                       "properties"}


def split_schema(schema: dict, fields: tuple[str, ...]) -> Optional[tuple[dict, dict]]:
    """(schema of ``fields``, schema of the other fields), or None when the schema does not separate.

    An object is valid against ``schema`` exactly when its ``fields`` part is
    valid against the first and the rest against the second.
    """
    if set(schema) - _SEPARABLE_KEYWORDS or schema.get("type") != "object":
        return None
    properties = schema.get("properties", {})

    def part(names: set, closed: bool) -> dict:
        result = {"type": "object", "required": [n for n in schema.get("required", []) if n in names],
                  "properties": {n: properties[n] for n in properties if n in names}}
        if closed and "additionalProperties" in schema:
            result["additionalProperties"] = schema["additionalProperties"]
        return result

    constant = set(fields)
    if not constant <= set(properties):
        return None
    # The constant part's names are all declared properties, so additionalProperties binds only the rest.
    return part(constant, False), part(set(properties) - constant, True)


#: What the varying part's schema asks of the fields other than meta, for ``meta_alone``.
_VARYING_TYPES = {"instruction": {"type": ["string", "null"]}, "input": {"type": "string"},
                  "target": {"type": "string"}}


def _only_types(varying: dict) -> bool:
    """Whether ``varying`` (the varying part's schema) asks exactly: instruction, input, target and meta,
    nothing else, the first three of the types in ``_VARYING_TYPES``."""
    properties = varying.get("properties", {})
    return (all(properties.get(name) == rule for name, rule in _VARYING_TYPES.items())
            and set(varying.get("required", ())) == {*_VARYING_TYPES, "meta"}
            and varying.get("additionalProperties") is False and "meta" in properties
            and set(properties) <= {*_VARYING_TYPES, "meta", "trace"})


class RecordValidator:
    """Validates records of one task."""

    def __init__(self, schema: dict):
        self.schema = schema
        self._fast = jsonschema_rs.validator_for(schema)
        parts = split_schema(schema, SPLIT_CONSTANT_FIELDS)
        self._constant, self._varying = (None, None) if parts is None else (
            jsonschema_rs.validator_for(parts[0]), jsonschema_rs.validator_for(parts[1]))
        # The varying parts of a whole block in one call (an array whose every item is valid).
        self._varying_block = None if parts is None else jsonschema_rs.validator_for(
            {"type": "array", "items": parts[1]})
        # When the other varying fields ask only for their type (str, str or null), which the engine
        # checks itself, a block's metas alone are validated: the same verdict, without a dict per record.
        self.meta_alone = parts is not None and _only_types(parts[1])
        self._metas_block = jsonschema_rs.validator_for(
            {"type": "array", "items": parts[1]["properties"]["meta"]}) if self.meta_alone else None

    def is_valid(self, record: Any) -> bool:
        return self._fast.is_valid(record)

    @property
    def separable(self) -> bool:
        return self._varying is not None

    def constant_part_is_valid(self, constant: Mapping[str, Any]) -> bool:
        """The ``SPLIT_CONSTANT_FIELDS`` of a split's records (checked once per split)."""
        return self._constant.is_valid(dict(constant))

    def varying_part_is_valid(self, varying: Mapping[str, Any]) -> bool:
        """The other fields of one record (checked for every record)."""
        return self._varying.is_valid(varying)

    def varying_parts_are_valid(self, block: list) -> bool:
        """Whether every item of ``block`` passes ``varying_part_is_valid`` (one call for a block)."""
        return self._varying_block.is_valid(block)

    def metas_are_valid(self, metas: list) -> bool:
        """Whether every meta of a block is valid (``meta_alone``: the other fields are checked by type)."""
        return self._metas_block.is_valid(metas)

    def explain(self, record: Any) -> str:
        """The first problem found, as ``field.path: message``."""
        import jsonschema  # the readable validator, only to explain a failure (~0.1 s of import)

        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(self.schema).iter_errors(record))
        if error is None:
            return "valid"
        where = ".".join(str(part) for part in error.absolute_path) or "(record)"
        return f"{where}: {error.message}"

    def check(self, record: Any, where: str) -> None:
        if not self._fast.is_valid(record):
            raise CheckFailed(f"{where}: invalid record: {self.explain(record)}")


@lru_cache(maxsize=None)
def validator_for_task(task_name: str) -> RecordValidator:
    from genforge.core.registry import get_task

    return RecordValidator(record_schema_for(get_task(task_name).meta_schema()))


def schema_validator(name: str) -> "jsonschema.Draft202012Validator":
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(name))


def explain_against(name: str, instance: Any) -> str | None:
    """The first problem of ``instance`` against a shipped schema, or None."""
    import jsonschema

    error = jsonschema.exceptions.best_match(schema_validator(name).iter_errors(instance))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"{where}: {error.message}"
