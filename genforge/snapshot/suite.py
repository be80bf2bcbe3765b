"""Suite files: which tasks a snapshot holds, with plan, sizes, parameters and seed.

A suite is YAML or JSON checked against ``schemas/suite.schema.json``.
:func:`resolve_suite` turns it into a :class:`Suite` whose entries are fully
resolved :class:`~genforge.core.spec.TaskSpec` objects; :meth:`Suite.as_dict`
writes that resolution back as a suite file, so a snapshot's manifest holds
everything needed to rebuild it byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from genforge.core import structured
from genforge.core.version import __version__
from genforge.core.errors import UsageError, did_you_mean, one_of
from genforge.core.plans import split_outline
from genforge.core.spec import TaskSpec, resolve_spec
from genforge.core.validation import explain_against
from genforge.core.registry import get_task

#: genforge's own canary GUID (BIG-bench style): search a training corpus for it to detect leakage.
DEFAULT_CANARY = "932b005b-9ede-4fec-aa80-62c669860a49"

#: Release date of each genforge version: Croissant's datePublished when a suite sets no date.
#: A constant, not the clock, so that a rebuild is byte-identical.
RELEASE_DATES = {"0.1.0": "2026-11-28", "0.2.0": "2026-11-28"}

DEFAULT_LICENSE = "cc-by-4.0"
DEFAULT_CREATOR = {"name": "genforge developers"}
BUILT_IN = ("default",)


def canary_string(guid: str) -> str:
    """The line published in cards and manifests."""
    return f"genforge benchmark data: do not train on it. canary GUID {guid}"


def release_date(version: str = __version__) -> str:
    return RELEASE_DATES.get(version, max(RELEASE_DATES.values()))


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    license: str
    creator: Mapping[str, str]
    date: str
    canary: str
    seed: int
    entries: tuple[TaskSpec, ...]

    def as_dict(self) -> dict:
        """The resolved suite as a suite file (every parameter and size explicit)."""
        return {
            "name": self.name,
            "description": self.description,
            "license": self.license,
            "creator": dict(self.creator),
            "date": self.date,
            "canary": self.canary,
            "seed": self.seed,
            "tasks": [
                {
                    "task": spec.task,
                    "task_version": spec.task_version,
                    "split_plan": spec.split_plan,
                    "seed": spec.seed,
                    "params": dict(spec.params),
                    # None for a sampled split means "not built"; re-resolving gives it back.
                    "sizes": {name: size for name, size in spec.sizes.items()
                              if size is not None or spec.plan().split(name).source == "enumerate"},
                    "trace": spec.trace,
                    "allow_repeats": spec.allow_repeats,
                    **({"shard_size": spec.shard_size} if spec.shard_size is not None else {}),
                }
                for spec in self.entries
            ],
        }

    @property
    def task_names(self) -> list[str]:
        return [spec.task for spec in self.entries]


def read_suite_file(source: str | Path) -> dict:
    """A suite as a mapping: ``"default"`` (built in) or the path of a YAML/JSON file."""
    text_source = str(source)
    if text_source in BUILT_IN and not Path(text_source).exists():
        data = resources.files("genforge.suites").joinpath(f"{text_source}.yaml").read_bytes()
        where = f"built-in suite {text_source!r}"
    else:
        path = Path(source)
        if not path.is_file():
            raise UsageError(
                f"suite {text_source!r} is neither a file nor a built-in suite; built-in suites: {one_of(BUILT_IN)}"
            )
        where = f"suite file {text_source!r}"
        if path.stat().st_size > structured.MAX_BYTES:
            raise UsageError(f"{where} is {path.stat().st_size:,} bytes; the limit is {structured.MAX_BYTES:,} bytes")
        data = path.read_bytes()
    # Depth, alias expansion and finite numbers are checked before any value is built (see core.structured).
    text = structured.decode(data, where)
    raw = structured.load_json(text, where) if text_source.endswith(".json") else structured.load_yaml(text, where)
    check_suite(raw, where)
    return raw


def check_suite(raw: Any, where: str = "suite") -> None:
    problem = explain_against("suite.schema.json", raw)
    if problem:
        raise UsageError(f"{where} does not match the suite schema: {problem}")


def _entry_sizes(spec: TaskSpec, defaults: Mapping[str, Any], explicit: Mapping[str, Any], where: str) -> dict:
    """Sizes for resolve_spec: suite defaults touch sampled splits only; ``*`` means every other one."""
    outline = dict(split_outline(spec))  # a generic plan is not built (searched) just to name its splits
    names = list(outline)
    sizes: dict[str, Optional[int]] = {}
    for name, source in outline.items():
        for layer, sampled_only in ((defaults, True), (explicit, False)):
            if sampled_only and source != "sample":
                continue
            if name in layer:
                sizes[name] = layer[name]
            elif "*" in layer and source == "sample":
                sizes[name] = layer["*"]
    for name in explicit:
        if name != "*" and name not in outline:
            raise UsageError(
                f"{where}: split {name!r} is not in plan {spec.split_plan!r} of task {spec.task!r}"
                f"{did_you_mean(name, names)}; its splits: {', '.join(names)}"
            )
    resolved = {}
    for name, size in sizes.items():
        if size is None:
            if outline[name] == "sample":
                raise UsageError(f"{where}: size null is only allowed for enumerated splits; {name!r} is sampled")
            continue  # None is already the enumerated split's default: everything
        resolved[name] = size
    return resolved


def resolve_suite(raw: Mapping[str, Any], tasks: Optional[Sequence[str]] = None) -> Suite:
    """Resolve every entry (parameters, plan, sizes, seed); keep only ``tasks`` when given."""
    check_suite(raw)
    entries_raw = list(raw["tasks"])
    names = [entry["task"] for entry in entries_raw]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"suite {raw['name']!r} lists task(s) {', '.join(duplicates)} more than once; "
                         "a snapshot holds one folder per task")
    if tasks is not None:
        unknown = [name for name in tasks if name not in names]
        if unknown:
            raise UsageError(f"--tasks names {', '.join(map(repr, unknown))}, not in suite {raw['name']!r}; "
                             f"its tasks: {', '.join(names)}")
        entries_raw = [entry for entry in entries_raw if entry["task"] in tasks]
    suite_seed = raw.get("seed", 0)
    defaults = raw.get("defaults", {}).get("sizes", {})
    specs = []
    for entry in entries_raw:
        where = f"suite {raw['name']!r}, task {entry['task']!r}"
        installed = get_task(entry["task"]).version
        if "task_version" in entry and entry["task_version"] != installed:
            raise UsageError(f"{where}: the suite was resolved with version {entry['task_version']} "
                             f"but version {installed} is installed; install the genforge release that has it")
        options = dict(params=entry.get("params"), seed=entry.get("seed", suite_seed),
                       split_plan=entry.get("split_plan"), trace=entry.get("trace", False),
                       allow_repeats=entry.get("allow_repeats", False),
                       shard_size=entry.get("shard_size", raw.get("shard_size")),
                       plan_options=entry.get("plan_options"), difficulty_range=entry.get("difficulty_range"))
        first = resolve_spec(entry["task"], **options)
        sizes = _entry_sizes(first, defaults, entry.get("sizes", {}), where)
        specs.append(resolve_spec(entry["task"], sizes=sizes, **options))
    return Suite(
        name=raw["name"],
        description=raw.get("description", ""),
        license=raw.get("license", DEFAULT_LICENSE),
        creator=dict(raw.get("creator", DEFAULT_CREATOR)),
        date=raw.get("date", release_date()),
        canary=raw.get("canary", DEFAULT_CANARY),
        seed=suite_seed,
        entries=tuple(specs),
    )


def load_suite(source: str | Path | Mapping, tasks: Optional[Sequence[str]] = None) -> Suite:
    """Read (a path, ``"default"``) or take (a mapping) a suite and resolve it."""
    if isinstance(source, Mapping):
        structured.check_value(source, "suite")  # what a file's parser checks, for a suite built in Python
        raw = dict(source)
    else:
        raw = read_suite_file(source)
    return resolve_suite(raw, tasks)
