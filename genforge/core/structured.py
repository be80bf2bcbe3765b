"""Reading YAML and JSON that a user hands in (suite files), within stated limits.

A parser given hostile text can recurse until Python gives up (a list nested
100,000 deep), never finish (a "billion laughs" of YAML aliases expands to
10^9 nodes from a few hundred bytes) or build a value that contains itself
(an alias inside its own anchor). These are checked on the text or the
parser's event stream, which are flat, before any value is built; what
passes is small and acyclic. Numbers must be finite (JSON has no NaN).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from genforge.core.errors import UsageError

#: Bytes of a suite file; the default suite is about 2 KB.
MAX_BYTES = 10_000_000
#: Levels of nested lists and mappings; a suite needs about 6.
MAX_DEPTH = 100
#: Nodes (scalars, lists, mappings) after every alias is expanded.
MAX_NODES = 1_000_000

_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def decode(data: bytes, where: str) -> str:
    """UTF-8 text of a file that must not exceed MAX_BYTES."""
    if len(data) > MAX_BYTES:
        raise UsageError(f"{where} is {len(data):,} bytes; the limit is {MAX_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{where} is not UTF-8 text (byte {error.start:,} is {data[error.start]:#04x}); "
                         "save it as UTF-8") from None


def _too_deep(where: str) -> UsageError:
    return UsageError(f"{where} is nested more than {MAX_DEPTH} levels deep (the limit for lists and mappings)")


def load_json(text: str, where: str) -> Any:
    """A JSON value: at most MAX_DEPTH deep, finite numbers only (UsageError names what is wrong)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(text.encode("utf-8")):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(where)
        elif mark in (b"]", b"}"):
            depth -= 1

    def refuse_constant(name: str) -> Any:
        raise UsageError(f"{where} holds {name}; only finite numbers are allowed")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except ValueError as error:
        raise UsageError(f"{where} is not valid JSON: {error}") from None


def load_yaml(text: str, where: str) -> Any:
    """A YAML value (safe types), checked for depth, alias expansion and self-reference first."""
    try:
        _check_yaml_events(text, where)
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageError(f"{where} is not valid YAML/JSON: {error}") from None


def _check_yaml_events(text: str, where: str) -> None:
    """Walk the parser's events (no value is built): depth, expanded size and cycles of aliases.

    Each open list or mapping counts the nodes it holds, an alias counting the
    full size of its anchor, so the expanded size is known without expanding.
    """
    open_counts: list[int] = []
    open_anchors: list[str | None] = []
    anchor_sizes: dict[str, int] = {}
    total = 0

    def add(count: int) -> None:
        nonlocal total
        if open_counts:
            open_counts[-1] += count
        else:
            total += count
        if (open_counts[-1] if open_counts else total) > MAX_NODES:
            raise UsageError(f"{where}: its aliases expand to more than {MAX_NODES:,} nodes (the limit); "
                             "write the values out or use fewer aliases")

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(open_counts) >= MAX_DEPTH:
                raise _too_deep(where)
            open_counts.append(1)
            open_anchors.append(event.anchor)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            size, anchor = open_counts.pop(), open_anchors.pop()
            if anchor is not None:
                anchor_sizes[anchor] = size
            add(size)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                anchor_sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise UsageError(f"{where}: the alias *{event.anchor} refers to itself (it is used inside "
                                 f"&{event.anchor}); a suite cannot contain itself")
            add(anchor_sizes.get(event.anchor, 1))


def check_value(value: Any, where: str) -> None:
    """A value handed in from Python (a suite as a dict): at most MAX_DEPTH deep, MAX_NODES values with
    shared ones counted each time, and never containing itself.

    Walked without recursion, keeping the containers on the current path, so a
    cycle is found where it closes.
    """
    stack: list[tuple[Any, int, bool]] = [(value, 1, False)]
    on_path: set[int] = set()
    visited = 0
    while stack:
        item, depth, leaving = stack.pop()
        visited += 1
        if visited > 2 * MAX_NODES:  # (each container is met twice: entering and leaving)
            raise UsageError(f"{where} holds more than {MAX_NODES:,} values counting shared ones each time "
                             "(the limit)")
        if leaving:
            on_path.discard(id(item))
            continue
        if not isinstance(item, (dict, list, tuple)):
            continue
        if id(item) in on_path:
            raise UsageError(f"{where} contains itself (a list or mapping inside its own items)")
        if depth > MAX_DEPTH:
            raise _too_deep(where)
        on_path.add(id(item))
        stack.append((item, depth, True))
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1, False) for child in children)
