"""``genforge sweep``: one training set per value of a data factor, the budget held fixed, one shared test set.

As in Only-IF (Zhang et al. 2024, "Only-IF: Revealing the Decisive Effect of
Instruction Diversity on Generalization", figure 2): the number of training
records stays the same while a factor changes, e.g. the number of distinct
instructions (``n_instructions``), of semantic domains (``domains``), or how
often each example repeats (``repetition``). Every run is scored on the same
test records, generated once from the base parameters.

Layout of ``OUT/``::

    manifest.json                 the sweep: factor, values, budget, each run's parameters and files
    shared_test/<task>/           the shared test splits (train empty), a normal task folder
    <factor>_<value>/<task>/      one run: train (budget records) + copies of the shared test files

Each run folder is a normal task folder (manifest schema, ids, checksums), so
``validate``, ``audit`` and ``evaluate`` read it as is. A run's train never
contains a canonical input of the shared test splits (checked here, since the
run's parameters differ from the test's).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from genforge.core.version import __version__
from genforge.core.canonical import pretty_dumps
from genforge.core.engine import generate as generate_task
from genforge.core.errors import InfeasibleError, UsageError, did_you_mean
from genforge.core.params import parse_cli_value
from genforge.core.records import key_digest, record_id
from genforge.core.spec import resolve_spec
from genforge.core.writer import AtomicFolder, HashingWriter, OutputLock, atomic_write_bytes, check_destination
from genforge.science.audit import read_records
from genforge.science.pool import STALL_BLOCKS, manifest_head, sample_budget, split_blocks
from genforge.core.registry import get_task

#: The factor that is not a task parameter: each unique training example appears this many times.
REPETITION = "repetition"


def parse_values(task: str, name: str, text: str, base_params: Mapping[str, Any] | None = None) -> list[Any]:
    """Values of ``--vary NAME=V1,V2`` (``;`` separates values that contain commas).

    For a list parameter with allowed items (``domains``), a whole number ``k``
    stands for the first ``k`` items of its default, where items that another
    list parameter over the same items names (``held_out_domains``) come first,
    so that every count keeps the task's parameters consistent: ``domains=1,2,4``.
    """
    parameters = get_task(task).parameters
    if name != REPETITION and name not in parameters:
        raise UsageError(f"--vary {name!r} is not a parameter of task {task!r}{did_you_mean(name, parameters)}; "
                         f"allowed: {', '.join(sorted(parameters))} or {REPETITION}")
    pieces = [piece.strip() for piece in text.split(";" if ";" in text else ",") if piece.strip()]
    if not pieces:
        raise UsageError(f"--vary {name}= lists no values (e.g. --vary {name}=10,100,1000)")
    values = []
    for piece in pieces:
        if name == REPETITION:
            if not piece.isdigit() or int(piece) < 1:
                raise UsageError(f"--vary {REPETITION}: {piece!r} is not a whole number >= 1")
            values.append(int(piece))
            continue
        schema = parameters[name]
        if schema.get("type") == "array" and piece.isdigit():
            order = _count_order(parameters, name, dict(base_params or {}))
            count = int(piece)
            if not 1 <= count <= len(order):
                raise UsageError(f"--vary {name}={piece}: a count of {name} must be from 1 to {len(order)}")
            chosen = order[:count]
            values.append([item for item in schema.get("default") or [] if item in chosen])  # in default order
        else:
            values.append(parse_cli_value(name, piece, schema))
    if len({repr(v) for v in values}) != len(values):
        raise UsageError(f"--vary {name}: a value is listed twice")
    return values


def _count_order(parameters: Mapping[str, dict], name: str, base_params: Mapping[str, Any]) -> list:
    """The default items of list parameter ``name``, those named by a sibling list parameter first."""
    schema = parameters[name]
    default = list(schema.get("default") or [])
    named: list = []
    for other, other_schema in sorted(parameters.items()):
        if other != name and other_schema.get("type") == "array" and other_schema.get("items") == schema.get("items"):
            named += [item for item in base_params.get(other, other_schema.get("default") or []) if item not in named]
    return [item for item in named if item in default] + [item for item in default if item not in named]


def run_label(name: str, value: Any) -> str:
    """A folder name for one run: ``n_instructions_100``, ``domains_2`` (list values by length)."""
    shown = len(value) if isinstance(value, list) else value
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}_{shown}")


def sweep(task: str, out: str | Path, *, vary: str, values: Sequence[Any], budget: int,
          params: Mapping[str, Any] | None = None, seed: int = 0, split_plan: Optional[str] = None,
          test_sizes: Mapping[str, int] | None = None, overwrite: bool = False, progress=None) -> dict:
    """Generate the sweep into ``out`` and return its manifest (also written as ``out/manifest.json``).

    ``progress(split, written, size)`` hears about the shared test splits and each run's train split.
    """
    if budget < 1:
        raise UsageError(f"--budget {budget} is not allowed: expected a whole number >= 1")
    base_params = dict(params or {})
    if vary in base_params:
        raise UsageError(f"--vary {vary} and --param {vary} both set {vary}; vary it or fix it, not both")
    out = Path(out)
    base = resolve_spec(task, params=base_params, seed=seed, split_plan=split_plan,
                        sizes={"train": 0, **dict(test_sizes or {})})
    if base.plan().splits[0].name != "train":
        raise UsageError(f"plan {base.split_plan!r} has no 'train' split to sweep")
    labels = [run_label(vary, value) for value in values]
    if len(set(labels)) != len(labels):
        raise UsageError(f"--vary {vary}: two values give the same run folder ({', '.join(labels)})")
    specs = []
    for value in values:
        run_params = base_params if vary == REPETITION else {**base_params, vary: value}
        repetition = value if vary == REPETITION else 1
        if budget % repetition:
            raise UsageError(f"--budget {budget} is not a multiple of {REPETITION} {repetition}")
        specs.append(resolve_spec(task, params=run_params, seed=seed, split_plan=base.split_plan,
                                  sizes={"train": budget // repetition}))
    for folder in ["shared_test", *labels]:
        check_destination(out / folder / task, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    # The output folder's one lock (as snapshot build takes it): no generate or build writes it meanwhile.
    with OutputLock(out):
        return _sweep(task, out, vary, values, budget, base, labels, specs, seed, overwrite, progress)


def _sweep(task, out, vary, values, budget, base, labels, specs, seed, overwrite, progress) -> dict:
    shared = generate_task(base, out / "shared_test", overwrite=overwrite, progress=progress)
    test_files = [entry for entry in shared["files"] if entry["split"] != "train"]
    test_keys = set()
    for entry in test_files:
        for record in read_records(out / "shared_test" / task / entry["name"]):
            instruction = record.get("instruction")
            test_keys.add(key_digest(record["input"] if instruction is None else instruction + "\x1f" + record["input"]))
    runs = []
    for value, label, spec in zip(values, labels, specs):
        repetition = value if vary == REPETITION else 1
        manifest = _write_run(spec, out / label, shared, out / "shared_test" / task, test_keys, repetition,
                              {"vary": vary, "value": value, "budget": budget, "repetition": repetition,
                               "shared_test": f"shared_test/{task}", "shared_test_params": dict(base.params)},
                              overwrite, progress)
        train = manifest["files"][0]
        runs.append({"label": label, "value": value, "params": dict(spec.params), "repetition": repetition,
                     "folder": f"{label}/{task}", "train_records": train["records"],
                     "unique_train_records": budget // repetition, "train_sha256": train["sha256"]})
    manifest = {
        "genforge_version": __version__, "kind": "sweep", "task": task, "task_version": base.task_version,
        "seed": seed, "split_plan": base.split_plan, "vary": vary, "values": list(values), "budget": budget,
        "base_params": dict(base.params),
        "shared_test": {"folder": f"shared_test/{task}", "splits": [e["split"] for e in test_files],
                        "files": test_files},
        "runs": runs,
    }
    atomic_write_bytes(out / "manifest.json", pretty_dumps(manifest))
    return manifest


def _write_run(spec, folder: Path, shared: dict, shared_folder: Path, test_keys: set, repetition: int,
               sweep_options: dict, overwrite: bool, progress=None) -> dict:
    unique = spec.sizes["train"]
    train_spec = spec.plan().split("train")
    splits = [{"name": "train", "size": unique * repetition, "shift": train_spec.shift,
               "description": train_spec.description + (f" (each example {repetition} times)" if repetition > 1 else "")}]
    splits += [dict(entry) for entry in shared["splits"] if entry["name"] != "train"]
    head = manifest_head(spec, spec.split_plan, splits, {"sweep": sweep_options})
    head["options"]["allow_repeats"] = repetition > 1
    with AtomicFolder(folder / spec.task, overwrite) as staging:
        unique_path = staging / "train.unique.tmp"
        report = None if progress is None else lambda written: progress(f"{folder.name}/train", written, unique)
        _write_unique_train(spec, unique_path, test_keys, unique, report)
        writer = HashingWriter(staging / "train.jsonl")
        try:
            index = 0
            # Repetition writes the unique set ``repetition`` times in a row (epochs); trainers shuffle.
            for _ in range(repetition):
                with open(unique_path, "rb") as lines:
                    for body in lines:
                        writer.write_line(b'{"id":"' + record_id(spec.task, "train", index).encode() + b'",' + body)
                        index += 1
        finally:
            summary = writer.close()
        unique_path.unlink()
        files = [{"name": "train.jsonl", "split": "train", **summary}]
        for entry in shared["files"]:
            if entry["split"] != "train":
                shutil.copyfile(shared_folder / entry["name"], staging / entry["name"])
                files.append(dict(entry))
        manifest = {**head, "files": files}
        (staging / "manifest.json").write_bytes(pretty_dumps(manifest))
    return manifest


def _write_unique_train(spec, path: Path, test_keys: set, size: int, report=None) -> None:
    """``size`` distinct training record bodies (no id), none of whose inputs is a shared test input."""
    seen: set = set()
    split = spec.plan().split("train")
    budget = None if split.source == "enumerate" else sample_budget(spec, size)
    used = stalled = 0
    blocks = split_blocks(spec, "train")
    try:
        with open(path, "wb") as file:
            for block in blocks:
                used += 1
                before = len(seen)
                for digest, body in block:
                    if digest in seen or digest in test_keys:
                        continue
                    seen.add(digest)
                    file.write(body + b"\n")
                    if len(seen) == size:
                        if report is not None:
                            report(size)
                        return
                if report is not None:
                    report(len(seen))
                stalled = stalled + 1 if len(seen) == before else 0
                if budget is not None and (used >= budget or stalled >= STALL_BLOCKS):
                    break
    finally:
        blocks.close()
    raise InfeasibleError(
        f"sweep run {dict(spec.params)!r}: only {len(seen)} distinct training examples found, {size} requested; "
        f"lower --budget, raise the repetition, or widen the task parameters")
