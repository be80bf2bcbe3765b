"""``--max-bytes`` counts every byte of the output (manifests included) and a killed worker leaves a resumable run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import genforge
from genforge.core.errors import UsageError
from genforge.snapshot.build import build_snapshot
from genforge.snapshot.suite import load_suite

SIZES = {"train": 300, "validation": 30, "test_id": 30, "test_ood_instruction": 30}


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_max_bytes_counts_the_manifest_of_generate(tmp_path):
    genforge.generate("rewrite", tmp_path / "full", sizes=SIZES)
    total = folder_size(tmp_path / "full" / "rewrite")
    with pytest.raises(UsageError, match=r"max.bytes"):
        genforge.generate("rewrite", tmp_path / "out", sizes=SIZES, max_bytes=total - 1)
    assert list((tmp_path / "out").iterdir()) == [] if (tmp_path / "out").exists() else True
    genforge.generate("rewrite", tmp_path / "out", sizes=SIZES, max_bytes=total)  # exactly enough
    assert folder_size(tmp_path / "out" / "rewrite") == total


def test_max_bytes_counts_every_file_of_a_snapshot(tmp_path):
    suite = load_suite({"name": "s", "defaults": {"sizes": {"train": 30, "*": 5}}, "tasks": [{"task": "rewrite"}]})
    build_snapshot(suite, tmp_path / "full")
    total = folder_size(tmp_path / "full")
    with pytest.raises(UsageError, match=r"max.bytes"):
        build_snapshot(suite, tmp_path / "snap", max_bytes=total - 1)
    assert not (tmp_path / "snap").exists()
    build_snapshot(suite, tmp_path / "snap", max_bytes=total)


# The child runs 2 workers and SIGKILLs its forked worker once the train split is under way.
KILL_A_WORKER = r"""
import os, signal, sys, threading
from pathlib import Path
import genforge
from genforge.core import writer

out = Path(sys.argv[1])
sizes = {"train": 24000, "validation": 2000, "test_id": 2000, "test_ood_instruction": 2000}
main_pid = os.getpid()
counts = {"lines": 0}
original = writer.HashingWriter.write_block
def write_block(self, data, count):
    original(self, data, count)
    counts["lines"] += count
    if counts["lines"] >= 12000 and not counts.get("done"):
        counts["done"] = True
        import multiprocessing
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
writer.HashingWriter.write_block = write_block
genforge.generate("rewrite", out, sizes=sizes, workers=2)
"""


def test_a_killed_worker_leaves_a_run_that_resumes_to_the_same_bytes(tmp_path):
    sizes = {"train": 24000, "validation": 2000, "test_id": 2000, "test_ood_instruction": 2000}
    genforge.generate("rewrite", tmp_path / "reference", sizes=sizes)
    expected = {p.name: p.read_bytes() for p in (tmp_path / "reference" / "rewrite").iterdir()}
    process = subprocess.run([sys.executable, "-c", KILL_A_WORKER, str(tmp_path / "out")], capture_output=True,
                             timeout=300)
    stderr = process.stderr.decode()
    if process.returncode == 0:
        pytest.fail("the run went on without its worker: " + stderr)
    assert "Traceback" not in stderr or "worker" in stderr
    staging = [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".rewrite.partial-")]
    assert len(staging) == 1, "nothing kept to resume"
    notes: list[str] = []
    genforge.generate("rewrite", tmp_path / "out", sizes=sizes, resume=True, note=notes.append)
    assert {p.name: p.read_bytes() for p in (tmp_path / "out" / "rewrite").iterdir()} == expected
    assert any("resuming split 'train'" in note for note in notes), notes
