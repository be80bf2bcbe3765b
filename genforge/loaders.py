"""Python loaders: records of a generated task or a snapshot, streamed from disk.

>>> import genforge
>>> test = genforge.load("rewrite", split="test_id[:10]", params={"input_length": 30})  # doctest: +SKIP
>>> len(test), test[0]["split"]                                                      # doctest: +SKIP
(10, 'test_id')
>>> train = genforge.load_snapshot("snap/", task="markov", split="train[:10%]")  # doctest: +SKIP
>>> rows = train.to_list()   # materialise; iterating alone reads one line at a time

Both return a `genforge.dataset.Dataset` (``len``, indexing, slicing,
``shuffle``, ``select``, ``map``, ``to_list``, ``to_hf``, ``to_pandas``).

Split strings follow TensorFlow Datasets: ``"train"``, ``"train[100:200]"``,
``"train[:10%]"``, ``"train[-50:]"``, and ``"+"`` to concatenate
(``"test_id+test_ood_length"``). Percent boundaries round half up.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
import warnings
from pathlib import Path
from typing import Any, Mapping, Optional

from genforge.core.version import __version__
from genforge.core.checking import file_digest, read_manifest
from genforge.core.engine import generate as generate_task
from genforge.core.errors import CheckFailed, UsageError, did_you_mean
from genforge.core.spec import resolve_spec
from genforge.dataset import Dataset
from genforge.python_names import speaks_python

CACHE_ENV = "GENFORGE_CACHE"
_SLICE = re.compile(r"^(?P<name>[A-Za-z0-9_]+)(\[(?P<start>-?\d+%?)?:(?P<stop>-?\d+%?)?\])?$")

#: Files whose checksum was already checked in this process: (path, size, mtime_ns, sha256).
_checked: set = set()


@dataclass(frozen=True)
class SplitSlice:
    """One term of a split string: a split name and a TFDS-style [start:stop]."""

    split: str
    start: Optional[str] = None
    stop: Optional[str] = None

    def bounds(self, records: int) -> tuple[int, int]:
        """Absolute [start, stop) within ``records`` (Python slice semantics)."""
        return slice(self._index(self.start, records), self._index(self.stop, records)).indices(records)[:2]

    @staticmethod
    def _index(text: Optional[str], records: int) -> Optional[int]:
        if text is None:
            return None
        if text.endswith("%"):
            percent = int(text[:-1])
            if not -100 <= percent <= 100:
                raise UsageError(f"split slice {text!r}: a percentage must be from -100% to 100%")
            sign = -1 if percent < 0 else 1
            return sign * ((abs(percent) * records * 2 + 100) // 200)  # round half up
        return int(text)


def parse_split(text: str) -> list[SplitSlice]:
    """``"train[:10%]+test_id"`` -> [SplitSlice('train', None, '10%'), SplitSlice('test_id')]."""
    terms = []
    for term in str(text).replace(" ", "").split("+"):
        match = _SLICE.match(term)
        if not match:
            raise UsageError(
                f"split {text!r} is not understood: write NAME, NAME[start:stop] or NAME[start%:stop%], "
                "joined with '+' (e.g. 'train[:10%]', 'train[100:200]')"
            )
        terms.append(SplitSlice(match["name"], match["start"], match["stop"]))
    return terms


def _checked_file(path: Path, sha256: str, size: int) -> None:
    """Check a file's checksum once per process (again only if it changes on disk)."""
    status = path.stat()
    key = (str(path.resolve()), status.st_size, status.st_mtime_ns, sha256)
    if key in _checked:
        return
    actual, actual_size, _ = file_digest(path)
    if actual != sha256 or actual_size != size:
        raise CheckFailed(f"{path}: checksum mismatch with its manifest (expected sha256 {sha256[:12]}..., "
                          f"{size} bytes; found {actual[:12]}..., {actual_size} bytes); "
                          "run 'genforge snapshot verify' to locate the change")
    _checked.add(key)


#: The name of the loaders' return type before it became a full dataset object.
Records = Dataset


def task_folder_records(folder: Path, split: Optional[str]):
    """Records of a generated task folder: a Dataset for one split string, or {split: Dataset} for all splits."""
    manifest = read_manifest(folder)
    # A split is one file or several shards, listed in order.
    files: dict[str, list[dict]] = {}
    for entry in manifest["files"]:
        files.setdefault(entry["split"], []).append(entry)
    if split is None:
        return {name: task_folder_records(folder, name) for name in files}
    parts = []
    for term in parse_split(split):
        if term.split not in files:
            raise UsageError(f"task {manifest['task']!r} has no split {term.split!r}{did_you_mean(term.split, files)}"
                             f"; its splits: {', '.join(files)}")
        shards = files[term.split]
        start, stop = term.bounds(sum(entry["records"] for entry in shards))
        offset = 0
        for entry in shards:
            path = folder / entry["name"]
            if not path.is_file():
                raise CheckFailed(f"{path}: listed in {folder / 'manifest.json'} but missing")
            low, high = max(start - offset, 0), min(stop - offset, entry["records"])
            if low < high:
                _checked_file(path, entry["sha256"], entry["bytes"])
                parts.append((path, low, high))
            offset += entry["records"]
    return Dataset(parts, f"{manifest['task']}/{split}")


@speaks_python
def load_snapshot(path: str | Path, task: Optional[str] = None, split: Optional[str] = None):
    """Records of a snapshot folder, checked against its checksums once per process.

    ``task`` may be omitted for a one-task snapshot; ``split`` omitted gives
    ``{split: Dataset}`` for every split of the task.

    Examples:
        >>> import genforge
        >>> train = genforge.load_snapshot("snapshot", task="scan", split="train[:10%]")  # doctest: +SKIP
        >>> train.to_pandas().head()                                                    # doctest: +SKIP
    """
    from genforge.snapshot.verify import read_snapshot_manifest

    if not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"snapshot path = {path!r} is not allowed: expected a path")
    folder = Path(path)
    manifest = read_snapshot_manifest(folder)
    tasks = [entry["task"] for entry in manifest["tasks"]]
    if task is None:
        if len(tasks) != 1:
            raise UsageError(f"snapshot {str(folder)!r} holds {len(tasks)} tasks; pass task= one of {', '.join(tasks)}")
        task = tasks[0]
    if task not in tasks:
        raise UsageError(f"snapshot {str(folder)!r} has no task {task!r}{did_you_mean(task, tasks)}; "
                         f"its tasks: {', '.join(tasks)}")
    # The snapshot manifest pins the task manifest, which pins the split files.
    task_manifest = next(entry for entry in manifest["files"] if entry["path"] == f"{task}/manifest.json")
    manifest_path = folder / task_manifest["path"]
    if not manifest_path.is_file():
        raise CheckFailed(f"{manifest_path}: listed in {folder / 'manifest.json'} but missing")
    _checked_file(manifest_path, task_manifest["sha256"], task_manifest["bytes"])
    return task_folder_records(folder / task, split)


def cache_root(cache_dir: str | Path | None = None) -> Path:
    if cache_dir is not None:
        if not isinstance(cache_dir, (str, os.PathLike)):
            raise UsageError(f"cache_dir = {cache_dir!r} is not allowed: expected a path")
        return Path(cache_dir)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path.home() / ".cache" / "genforge"


def spec_key(spec) -> str:
    """A digest of everything that determines the generated bytes."""
    identity = {
        "genforge_version": __version__, "task": spec.task, "task_version": spec.task_version,
        "params": dict(spec.params), "seed": spec.seed, "split_plan": spec.split_plan,
        "sizes": dict(spec.sizes), "trace": spec.trace, "allow_repeats": spec.allow_repeats,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()[:24]


@speaks_python
def load(
    task: str,
    split: Optional[str] = None,
    *,
    params: Mapping[str, Any] | None = None,
    split_plan: Optional[str] = None,
    sizes: Mapping[str, int] | None = None,
    seed: int = 0,
    trace: bool = False,
    allow_repeats: bool = False,
    workers: int = 1,
    cache_dir: str | Path | None = None,
    **keyword_params: Any,
):
    """Records of ``task`` generated with ``params``, from the cache when present.

    Parameters are a dict, as in `genforge.generate`:
    ``load("rewrite", "test_id", params={"input_length": 30})``. The older
    keyword form (``input_length=30``) still works and warns
    (DeprecationWarning).

    Generated folders are kept under ``cache_dir`` (default: ``$GENFORGE_CACHE``
    or ``~/.cache/genforge``) in a folder named by a digest of the resolved
    spec, so the same request is generated once. ``split`` is a split string
    (``"test_id"``, ``"train[:10%]"``) and gives a `genforge.dataset.Dataset`;
    omitted, a dict of every split.

    Examples:
        >>> import genforge
        >>> test = genforge.load("scan", split="test_ood_length[:100]", split_plan="length")  # doctest: +SKIP
        >>> len(test), test[0]["target"][:6]                                                # doctest: +SKIP
    (100, 'I_TURN')
    """
    if keyword_params:
        if params is not None:
            raise UsageError(f"give task parameters once, in params={{...}}; also got {', '.join(keyword_params)} "
                             "as keywords")
        shown = ", ".join(f"{name!r}: {value!r}" for name, value in keyword_params.items())
        warnings.warn(f"task parameters as keywords are deprecated in genforge.load; pass params={{{shown}}} "
                      "as genforge.generate does", DeprecationWarning, stacklevel=3)
        params = keyword_params
    spec = resolve_spec(task, params=params, seed=seed, split_plan=split_plan, sizes=sizes, trace=trace,
                        allow_repeats=allow_repeats)
    root = cache_root(cache_dir) / f"{task}-{spec_key(spec)}"
    folder = root / task
    if not (folder / "manifest.json").is_file():
        try:
            # wait: a process generating the same request holds the lock; its folder is then used.
            generate_task(spec, root, workers=workers, overwrite=folder.exists(), wait=True)
        except UsageError:
            # Another process finished the same folder first: use it.
            if not (folder / "manifest.json").is_file():
                raise
    return task_folder_records(folder, split)
