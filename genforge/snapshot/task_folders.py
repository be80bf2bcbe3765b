"""``genforge snapshot verify`` of generated task folders (not snapshots): checksums, and a rebuild to compare.

A task folder's manifest records the request that wrote it (task, parameters,
seed, split plan, sizes, options), so, like a snapshot, it can be rebuilt and
compared byte for byte.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from genforge.core.version import __version__
from genforge.core.checking import file_digest, read_manifest
from genforge.core.errors import CheckFailed, UsageError
from genforge.snapshot.verify import first_difference

#: Options an engine run records; any other (plan_options, a difficulty range, a sweep) came from split science.
ENGINE_OPTIONS = {"trace", "allow_repeats", "shard_size"}


def verify_task_folder(folder: Path) -> dict:
    """Check a task folder's files against its manifest's checksums; CheckFailed names each problem."""
    manifest = read_manifest(folder)
    problems = []
    for entry in manifest["files"]:
        path = folder / entry["name"]
        if not path.is_file():
            problems.append(f"{path}: listed in the manifest but missing")
            continue
        sha256, size, lines = file_digest(path)
        if (sha256, size, lines) != (entry["sha256"], entry["bytes"], entry["records"]):
            problems.append(f"{path}: checksum mismatch (manifest: sha256 {entry['sha256'][:12]}..., "
                            f"{entry['bytes']} bytes; file: sha256 {sha256[:12]}..., {size} bytes)")
    if problems:
        raise CheckFailed(f"{folder} failed verification:\n  " + "\n  ".join(problems))
    return {"files": len(manifest["files"]), "records": sum(entry["records"] for entry in manifest["files"])}


def compare_task_folder_with_rebuild(folder: Path, workers: int = 1) -> None:
    """Regenerate the request a task folder's manifest records and compare every file; CheckFailed at a difference."""
    from genforge import api

    manifest = read_manifest(folder)
    options = manifest.get("options", {})
    if set(options) - ENGINE_OPTIONS:
        raise UsageError(f"{folder}: made by split science ({', '.join(sorted(set(options) - ENGINE_OPTIONS))}); "
                         "--regenerate rebuilds a task's own split plans only: run the same 'genforge generate' "
                         "into another folder and compare, or check the checksums without --regenerate")
    version_note = ""
    if manifest["genforge_version"] != __version__:
        version_note = (f" (written by genforge {manifest['genforge_version']}, regenerated with {__version__}; "
                        f"install genforge {manifest['genforge_version']} to reproduce it)")
    sizes = {split["name"]: split["size"] for split in manifest["splits"] if split["size"] is not None}
    task = manifest["task"]
    with tempfile.TemporaryDirectory(prefix="genforge-regenerate-") as scratch:
        api.generate(task, scratch, split_plan=manifest["split_plan"], sizes=sizes, params=manifest["params"],
                     seed=manifest["seed"], workers=workers, trace=options.get("trace", False),
                     allow_repeats=options.get("allow_repeats", False), shard_size=options.get("shard_size"))
        rebuilt = Path(scratch) / task
        for name in [entry["name"] for entry in manifest["files"]] + ["manifest.json"]:
            if not (rebuilt / name).is_file():
                raise CheckFailed(f"{folder / name}: not produced by a rebuild from the manifest{version_note}")
            difference = first_difference(rebuilt / name, folder / name)
            if difference:
                raise CheckFailed(f"{folder / name}: differs from a rebuild from the manifest at {difference}"
                                  f"{version_note}")
