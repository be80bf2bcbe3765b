"""``--resume`` re-verifies the staged bytes it keeps before appending to them.

A killed run's staging folder is damaged in place (as a failing disk or a
crash could do) and then resumed: the result must still be the bytes of an
uninterrupted run, and the run says what it restarted. Corruption kinds:
a flipped byte in the open shard, in a closed shard, in the dedup digests of
the split being written, in a finished split's file, and a truncated open shard
whose length still passes the size check of the checkpoint (5 in all).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

import genforge
from test_reliability_interrupts import KILLER, SHARDS, SIZES, TASK, folder_bytes


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify-references")
    genforge.generate(TASK, root / "plain", sizes=SIZES)
    genforge.generate(TASK, root / "sharded", sizes=SIZES, shard_size=SHARDS)
    return {name: folder_bytes(root / name / TASK) for name in ("plain", "sharded")}


def killed_run(out: Path, point: str, shards: bool) -> Path:
    process = subprocess.run([sys.executable, "-c", KILLER, point, str(out), "1" if shards else "0", "1"],
                             capture_output=True, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    (staging,) = [p for p in out.iterdir() if p.name.startswith(f".{TASK}.partial-")]
    return staging


def flip_byte(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    # A digit or letter of a target changes into another of its kind: still valid JSON, wrong data.
    data[position] = data[position] ^ 0x01
    path.write_bytes(bytes(data))


def resume(out: Path, shards: bool) -> list[str]:
    notes: list[str] = []
    genforge.generate(TASK, out, sizes=SIZES, shard_size=SHARDS if shards else None, resume=True, note=notes.append)
    return notes


def test_a_flipped_byte_in_the_open_shard_restarts_the_split_and_gives_the_uninterrupted_bytes(tmp_path, references):
    out = tmp_path / "out"
    staging = killed_run(out, "line-9000", shards=False)
    flip_byte(staging / ".train-00000.part", 1000)
    notes = resume(out, shards=False)
    assert folder_bytes(out / TASK) == references["plain"]
    assert any("split 'train'" in note and "not match" in note and "from the beginning" in note
               for note in notes), notes


def test_a_flipped_byte_in_a_closed_shard_restarts_the_split(tmp_path, references):
    out = tmp_path / "out"
    staging = killed_run(out, "line-13000", shards=True)
    flip_byte(staging / ".train-00000.part", 5000)
    notes = resume(out, shards=True)
    assert folder_bytes(out / TASK) == references["sharded"]
    assert any("split 'train'" in note and "not match" in note for note in notes), notes


def test_corrupted_dedup_digests_of_the_open_split_restart_it(tmp_path, references):
    out = tmp_path / "out"
    staging = killed_run(out, "line-9000", shards=False)
    flip_byte(staging / ".digests-train.bin", 40)
    notes = resume(out, shards=False)
    assert folder_bytes(out / TASK) == references["plain"]
    assert any("split 'train'" in note and "not match" in note for note in notes), notes


def test_a_flipped_byte_in_a_finished_split_is_not_kept(tmp_path, references):
    out = tmp_path / "out"
    staging = killed_run(out, "line-25000", shards=False)  # inside validation, train finished
    flip_byte(staging / "train.jsonl", 3000)
    notes = resume(out, shards=False)
    assert folder_bytes(out / TASK) == references["plain"]
    assert any("train.jsonl" in note and "not match" in note for note in notes), notes


def test_an_open_shard_cut_and_padded_back_to_its_length_is_not_trusted(tmp_path, references):
    out = tmp_path / "out"
    staging = killed_run(out, "line-9000", shards=False)
    part = staging / ".train-00000.part"
    data = part.read_bytes()
    part.write_bytes(data[:500] + b"\x00" * (len(data) - 500))  # a torn write the size check cannot see
    resume(out, shards=False)
    assert folder_bytes(out / TASK) == references["plain"]
