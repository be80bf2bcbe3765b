"""The canonical JSON form of records and how it is produced fast.

Canonical form (the definition every output file follows):

* one JSON object per line, UTF-8 (non-ASCII characters written as is),
  separators ``,`` and ``:`` with no spaces, a single ``\\n`` after each line;
* top-level keys in the record order (``id, task, task_version, split,
  instruction, input, target, [trace,] meta``), keys of nested objects sorted
  by code point;
* control characters escaped as ``\\n``, ``\\t`` ... or ``\\u00XX``;
* integers in ``[-2**63, 2**63)``; larger numbers are written as strings;
* floats finite and either ``0.0`` or with ``1e-4 <= |x| < 1e16``, written in
  Python's shortest round-trip form (``repr``). Difficulties are rounded to
  four decimals so they always fall in this range.

The reference encoder is :func:`reference_dumps` (the standard library);
:func:`dumps` uses orjson, about ten times faster, which produces exactly the
same bytes inside the domain above (proved by a property test). Outside it the
two disagree (orjson writes ``1e-5`` as ``0.00001``; it rejects integers of
``2**64``), which is why the domain is part of the definition.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1
FLOAT_LOW = 1e-4
FLOAT_HIGH = 1e16


def sort_nested(value: Any) -> Any:
    """A copy of ``value`` whose dicts have keys in code-point order."""
    if isinstance(value, dict):
        return {key: sort_nested(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sort_nested(item) for item in value]
    return value


def encode_record(record: dict) -> bytes:
    """Canonical bytes of a record whose last key is ``meta`` (fast path).

    Top-level keys keep their order; ``meta`` is encoded with its nested keys
    sorted (orjson's OPT_SORT_KEYS sorts by code point, as the definition asks).
    """
    meta = record.pop("meta")
    try:
        head = orjson.dumps(record)
    finally:
        record["meta"] = meta
    return head[:-1] + b',"meta":' + orjson.dumps(meta, option=orjson.OPT_SORT_KEYS) + b"}"


def encode_constant_fields(fields: dict) -> bytes:
    """Canonical bytes of the leading fields shared by a split's records, ending in ``,``.

    With :func:`encode_varying_fields` it produces exactly :func:`encode_record`'s
    bytes: orjson writes a string the same alone as inside an object.
    """
    return b"".join(orjson.dumps(key) + b":" + orjson.dumps(value) + b"," for key, value in fields.items())


def encode_varying_fields(fields: dict, newline: bool = False) -> bytes:
    """Canonical bytes of a record's tail, ``fields`` (instruction, input, target[, trace], meta) and ``}``.

    ``meta`` goes in pre-encoded with its keys sorted; the other keys keep their order. The orjson
    result is dropped at once on purpose: kept (a block's worth in a list) each costs about 1 µs
    more in allocation than the slice that replaces it. With ``newline``, a ``\\n`` follows.
    """
    meta = orjson.Fragment(orjson.dumps(fields["meta"], option=orjson.OPT_SORT_KEYS))
    return orjson.dumps({**fields, "meta": meta}, option=orjson.OPT_APPEND_NEWLINE if newline else None)[1:]


def reference_encode_record(record: dict) -> bytes:
    """Canonical bytes of a record by the definition (standard library)."""
    return reference_dumps({**record, "meta": sort_nested(record["meta"])})


def dumps(value: Any) -> bytes:
    """Canonical bytes of ``value`` (no trailing newline), fast path."""
    return orjson.dumps(value)


def reference_dumps(value: Any) -> bytes:
    """Canonical bytes of ``value`` by the standard library (the definition)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def in_canonical_domain(value: Any) -> bool:
    """True when every number in ``value`` lies in the canonical domain."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int):
        return INT_MIN <= value <= INT_MAX
    if isinstance(value, float):
        return value == 0.0 or FLOAT_LOW <= abs(value) < FLOAT_HIGH
    if isinstance(value, dict):
        return all(isinstance(k, str) and in_canonical_domain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(in_canonical_domain(item) for item in value)
    return False


def pretty_dumps(value: Any) -> bytes:
    """Stable, human-readable JSON for manifests and metadata files."""
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")
