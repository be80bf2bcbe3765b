"""``OUT/<task>/README.md``: a dataset card so that ``datasets.load_dataset("OUT/<task>")`` keeps the splits apart.

Without it, ``datasets`` guesses splits from file names and merges
``test_id`` and ``test_ood_*`` into one ``test`` split. The card's YAML header
names one config, ``default``, with ``data_files`` per split (a glob over a
sharded split's files), as snapshot cards do per task. The card is not listed
in the manifest's ``files`` (those are the data files and their checksums, which
the golden hashes pin); it is a pure function of the manifest, written after
the run under a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import yaml

CARD = "README.md"


def _pattern(entry: dict, sharded: bool) -> str:
    return f"{entry['split']}-*-of-*.jsonl" if sharded else entry["name"]


def content_digest(manifest: dict) -> str:
    """sha256 over the data files' names and sha256s: changes whenever any data byte does."""
    listing = "".join(f"{entry['name']} {entry['sha256']}\n" for entry in manifest["files"])
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


def folder_card(manifest: dict) -> str:
    sharded = bool(manifest.get("options", {}).get("shard_size"))
    splits = list(dict.fromkeys(entry["split"] for entry in manifest["files"]))
    by_split = {entry["split"]: entry for entry in manifest["files"]}
    header = {
        "configs": [{"config_name": "default",
                     "data_files": [{"split": split, "path": _pattern(by_split[split], sharded)} for split in splits]}],
        # datasets keys its cache of a local folder on the card's configs and dataset_info, not on the
        # files: without the files' digest here, another folder of the same name would be read from
        # the first one's cache.
        "dataset_info": {"config_name": "default",
                         "description": f"genforge data, files digest {content_digest(manifest)}"},
        "tags": ["synthetic", "generalization", "genforge"],
    }
    shifts = {entry["name"]: entry.get("shift", "") for entry in manifest.get("splits", [])}
    lines = ["---", yaml.safe_dump(header, sort_keys=False, width=1000).rstrip("\n"), "---", "",
             f"# genforge task `{manifest['task']}` {manifest['task_version']}", "",
             f"Split plan `{manifest['split_plan']}`, seed {manifest['seed']}, genforge "
             f"{manifest['genforge_version']}; parameters and checksums in `manifest.json`.", "",
             "| split | records | shift |", "| --- | ---: | --- |"]
    for split in splits:
        records = sum(entry["records"] for entry in manifest["files"] if entry["split"] == split)
        lines.append(f"| {split} | {records:,} | {shifts.get(split, '')} |")
    lines += ["", "```python", "import datasets", 'splits = datasets.load_dataset("path/to/this/folder")', "```", ""]
    return "\n".join(lines)


def write_folder_card(folder: str | Path, manifest: dict) -> None:
    folder = Path(folder)
    handle, temporary = tempfile.mkstemp(prefix=f".{CARD}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(folder_card(manifest))
        os.replace(temporary, folder / CARD)
    except BaseException:
        os.unlink(temporary)
        raise
