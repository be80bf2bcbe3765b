"""Killed runs: never a partial file presented as complete, and ``--resume`` gives the uninterrupted bytes.

Interrupt points tested: 20 random moments (seeded fractions of the time an
uninterrupted ``genforge generate`` subprocess takes on the machine, about 1 s
idle, from start-up to the final rename; even points SIGINT, odd points SIGKILL;
some with a previous complete output being replaced, some written as shards)
plus 9 exact points (SIGKILL sent by the process itself: after the first
record, mid-split, right after a checkpoint, in the middle of writing a
checkpoint, between a split's close and its checkpoint, just before the final
rename, with shards mid-split, with shards in the second split, mid-split
with a pool of 2 workers), 29 in all.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import genforge
from genforge.core.checking import file_digest

TASK = "rewrite"
SIZES = {"train": 24000, "validation": 2000, "test_id": 2000, "test_ood_instruction": 2000}
PREVIOUS = {"train": 300, "validation": 50, "test_id": 50, "test_ood_instruction": 50}
SHARDS = 5000
RANDOM_POINTS = 20


def cli_args(out: Path, *, shards: bool, extra=()) -> list[str]:
    args = [sys.executable, "-c", "from genforge.cli import main; main()", "generate", TASK, "--out", str(out)]
    for name, size in SIZES.items():
        args += ["--size", f"{name}={size}"]
    if shards:
        args += ["--shard-size", str(SHARDS)]
    return args + list(extra)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    root = tmp_path_factory.mktemp("references")
    # The uninterrupted run through the CLI; its duration on this machine spreads the kill moments over a run.
    started = time.monotonic()
    subprocess.run(cli_args(root / "plain", shards=False), check=True, capture_output=True, timeout=120)
    duration = time.monotonic() - started
    genforge.generate(TASK, root / "sharded", sizes=SIZES, shard_size=SHARDS)
    genforge.generate(TASK, root / "previous", sizes=PREVIOUS, seed=1)
    return {"duration": duration, **{name: folder_bytes(root / name / TASK) for name in ("plain", "sharded", "previous")}}


def assert_complete_or_absent(out: Path, allowed: list[dict]) -> None:
    """OUT/TASK is absent or byte-identical to one complete output; nothing else visible in OUT."""
    if out.exists():
        visible = [p.name for p in out.iterdir() if not p.name.startswith(".")]
        assert visible in ([], [TASK])
        hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
        assert all(name == f".{TASK}.lock" or name.startswith((f".{TASK}.partial-", f".{TASK}.old-"))
                   for name in hidden), hidden
    folder = out / TASK
    if not folder.exists():
        return
    found = folder_bytes(folder)
    assert found in allowed, "a folder presented as complete matches no complete output"
    manifest = json.loads(found["manifest.json"])
    for entry in manifest["files"]:
        assert file_digest(folder / entry["name"])[0] == entry["sha256"]


@pytest.mark.parametrize("point", range(RANDOM_POINTS))
def test_a_run_killed_at_a_random_moment_leaves_complete_output_or_none_and_resumes(tmp_path, references, point):
    chooser = random.Random(8000 + point)
    kill = signal.SIGINT if point % 2 == 0 else signal.SIGKILL
    shards = point % 4 in (2, 3)
    replacing = point % 3 == 0
    out = tmp_path / "out"
    expected = references["sharded" if shards else "plain"]
    allowed = [expected]
    if replacing:
        genforge.generate(TASK, out, sizes=PREVIOUS, seed=1)
        allowed.append(references["previous"])
    process = subprocess.Popen(cli_args(out, shards=shards, extra=["--overwrite"] if replacing else []),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(chooser.uniform(0.05, 1.0) * references["duration"])
    process.send_signal(kill)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, 130, -signal.SIGINT, -signal.SIGKILL), stderr.decode()
    assert_complete_or_absent(out, allowed)
    # A signal that lands after the final rename (while the interpreter exits) finds the run finished.
    finished = (out / TASK).exists() and folder_bytes(out / TASK) == expected
    if kill == signal.SIGINT and process.returncode != 0 and not finished:
        # Ctrl-C cleans up: no staging folder, no lock file, the previous output untouched.
        assert sorted(p.name for p in out.iterdir()) == ([TASK] if replacing else []) if out.exists() else True
    if process.returncode == 0 or finished:
        assert folder_bytes(out / TASK) == expected  # finished (perhaps killed between the rename and exit)
        return
    genforge.generate(TASK, out, sizes=SIZES, shard_size=SHARDS if shards else None, resume=True, overwrite=replacing)
    assert folder_bytes(out / TASK) == expected
    assert sorted(p.name for p in out.iterdir()) == [TASK]


# Each child generates in-process and SIGKILLs itself at an exact point.
KILLER = r"""
import os, signal, sys
from pathlib import Path
import genforge
from genforge.core import checkpoints, engine, writer

point, out, shards, workers = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
sizes = {"train": 24000, "validation": 2000, "test_id": 2000, "test_ood_instruction": 2000}
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
counts = {"lines": 0, "saves": 0, "closes": 0}

def after(name, limit, original):
    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        counts[name] += 1
        if counts[name] == limit:
            die()
        return result
    return wrapper

def after_lines(limit, original):
    # The engine writes a block of lines at a time: die right after the write that reaches line `limit`.
    def wrapper(self, data, count):
        result = original(self, data, count)
        counts["lines"] += count
        if counts["lines"] >= limit:
            die()
        return result
    return wrapper

if point.startswith("line-"):
    writer.HashingWriter.write_block = after_lines(int(point[5:]), writer.HashingWriter.write_block)
elif point.startswith("checkpoint-"):
    engine.Checkpoints.save = after("saves", int(point[11:]), engine.Checkpoints.save)
elif point == "inside-checkpoint":
    original_atomic = checkpoints.atomic_write_bytes
    def torn(path, data):
        Path(str(path) + ".tmp-torn").write_bytes(data[: len(data) // 2])
        die()
    checkpoints.atomic_write_bytes = lambda path, data: (counts.__setitem__("saves", counts["saves"] + 1),
                                                    torn(path, data) if counts["saves"] == 3 else original_atomic(path, data))
elif point == "split-closed":
    writer.SplitWriter.close = after("closes", 1, writer.SplitWriter.close)
elif point == "before-rename":
    writer._replace_folder = lambda staging, destination: die()
genforge.generate("rewrite", out, sizes=sizes, shard_size=5000 if shards else None, workers=workers)
"""

EXACT_POINTS = [
    ("line-1", False, 1), ("line-9000", False, 1), ("checkpoint-2", False, 1), ("inside-checkpoint", False, 1),
    ("split-closed", False, 1), ("before-rename", False, 1), ("line-13000", True, 1), ("line-25000", True, 1),
    ("line-9000", False, 2),  # a process pool: its workers neither hold the lock nor outlive the run
]


@pytest.mark.parametrize("point, shards, workers", EXACT_POINTS)
def test_a_run_killed_at_an_exact_point_resumes_to_the_same_bytes(tmp_path, references, point, shards, workers):
    out = tmp_path / "out"
    process = subprocess.run([sys.executable, "-c", KILLER, point, str(out), "1" if shards else "0", str(workers)],
                             capture_output=True, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    assert not (out / TASK).exists()
    staging = [p for p in out.iterdir() if p.name.startswith(f".{TASK}.partial-")]
    assert len(staging) == 1
    expected = references["sharded" if shards else "plain"]
    notes: list[str] = []
    genforge.generate(TASK, out, sizes=SIZES, shard_size=SHARDS if shards else None, resume=True, note=notes.append)
    assert folder_bytes(out / TASK) == expected
    assert sorted(p.name for p in out.iterdir()) == [TASK]
    if point in ("line-9000", "checkpoint-2", "line-13000"):
        assert any("resuming split 'train' at record" in note for note in notes), notes


def test_without_resume_a_leftover_staging_folder_is_removed_with_a_note(tmp_path, references):
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", KILLER, "line-9000", str(out), "0", "1"], capture_output=True, timeout=120)
    notes: list[str] = []
    genforge.generate(TASK, out, sizes=SIZES, note=notes.append)
    assert any("left by an interrupted run" in note and "--resume" in note for note in notes), notes
    assert folder_bytes(out / TASK) == references["plain"]
    assert sorted(p.name for p in out.iterdir()) == [TASK]
