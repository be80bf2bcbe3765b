"""Candidate records from a task's own plans, and task folders written in the engine's format.

The science plans (``mcd``, ``easy_to_hard``) and the difficulty filter do not
sample on their own: they read the candidates the engine's block functions
produce for a split of an existing plan (the same seeded blocks, hence the same
determinism), then re-label and write them with the engine's writer, ids and
manifest schema, so every downstream tool reads the result unchanged.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Optional

import orjson

from genforge.core.version import __version__
from genforge.core.blocks import BLOCK_SIZE, BlockJob, Candidate, blocks_in_order, unpack
from genforge.core.canonical import encode_record, pretty_dumps
from genforge.core.records import record_id
from genforge.core.spec import TaskSpec
from genforge.core.writer import AtomicFolder, HashingWriter

#: A sampled split stops adding to a pool after this many blocks in a row bring nothing new.
STALL_BLOCKS = 64


def split_blocks(spec: TaskSpec, split_name: str) -> Iterator[list[Candidate]]:
    """The engine's candidate blocks for one split of ``spec``'s plan, in block order."""
    split = spec.plan().split(split_name)
    enumerated, repeats = split.source == "enumerate", spec.allow_repeats or split.repeats
    params_json = json.dumps(dict(spec.params), sort_keys=True)
    for block in blocks_in_order(lambda index: BlockJob(spec.task, spec.task_version, params_json, spec.split_plan,
                                                        split_name, spec.seed, index, spec.trace, enumerated,
                                                        repeats)):
        yield list(zip(*unpack(block)))


def sample_budget(spec: TaskSpec, size: int) -> int:
    """Blocks a sampled split may use for ``size`` records (the engine's rule)."""
    return math.ceil(size * spec.task_object().attempts_per_record / BLOCK_SIZE) + 4


def decode(body: bytes) -> dict:
    """The record dict of a candidate body (its id is empty until written)."""
    return orjson.loads(b'{"id":"",' + body)


def draw_pool(spec: TaskSpec, size: int, splits: Iterable[str]) -> list[dict]:
    """Up to ``size`` distinct records from ``splits`` of the plan, in order; fewer if the space runs dry."""
    pool: list[dict] = []
    seen: set = set()
    for split_name in splits:
        if len(pool) >= size:
            break
        split = spec.plan().split(split_name)
        budget = None if split.source == "enumerate" else sample_budget(spec, size - len(pool))
        stalled = used = 0
        blocks = split_blocks(spec, split_name)
        try:
            for block in blocks:
                used += 1
                before = len(pool)
                for digest, body in block:
                    if digest not in seen:
                        seen.add(digest)
                        pool.append(decode(body))
                        if len(pool) >= size:
                            break
                if len(pool) >= size:
                    break
                stalled = stalled + 1 if len(pool) == before else 0
                if budget is not None and (used >= budget or stalled >= STALL_BLOCKS):
                    break
        finally:
            blocks.close()
    return pool


def train_distribution_splits(spec: TaskSpec) -> list[str]:
    """The plan's splits drawn from the training distribution (shift ``iid``), train first."""
    return [split.name for split in spec.plan().splits if split.shift == "iid"]


def manifest_head(spec: TaskSpec, split_plan: str, splits: list[dict], options: Mapping[str, Any]) -> dict:
    return {
        "genforge_version": __version__,
        "task": spec.task,
        "task_version": spec.task_version,
        "seed": spec.seed,
        "split_plan": split_plan,
        "params": dict(spec.params),
        "options": {"trace": spec.trace, "allow_repeats": spec.allow_repeats, "shard_size": None, **options},
        "splits": splits,
    }


def write_records(writer: HashingWriter, task: str, split: str, records: Iterable[dict]) -> None:
    """Write records under ``split`` with fresh ids ``task/split/NNNNNN`` in canonical form."""
    for index, record in enumerate(records):
        record = dict(record)
        record["id"] = record_id(task, split, index)
        record["split"] = split
        writer.write_line(encode_record(record) + b"\n")


def write_task_folder(out: str | Path, head: dict, contents: Mapping[str, Iterable[dict]], overwrite: bool) -> dict:
    """Write ``out/<task>/`` with one file per split of ``head['splits']`` and return the manifest."""
    destination = Path(out) / head["task"]
    files = []
    with AtomicFolder(destination, overwrite) as staging:
        for entry in head["splits"]:
            name = f"{entry['name']}.jsonl"
            writer = HashingWriter(staging / name)
            try:
                write_records(writer, head["task"], entry["name"], contents[entry["name"]])
            finally:
                summary = writer.close()
            files.append({"name": name, "split": entry["name"], **summary})
        manifest = {**head, "files": files}
        for entry in manifest["splits"]:
            entry["size"] = next(f["records"] for f in files if f["split"] == entry["name"])
        (staging / "manifest.json").write_bytes(pretty_dumps(manifest))
    return manifest


def plan_option(options: Mapping[str, Any], name: str, default: Any, kind: type, low: Optional[float] = None,
                high: Optional[float] = None) -> Any:
    """One plan option, converted and range-checked, with a message naming it."""
    from genforge.core.errors import UsageError

    value = options.get(name, default)
    try:
        value = kind(value) if not isinstance(value, kind) or isinstance(value, bool) else value
    except (TypeError, ValueError):
        raise UsageError(f"plan option {name} = {value!r} is not a {kind.__name__}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise UsageError(f"plan option {name} = {value!r} is not allowed: expected {low} to {high}")
    return value
