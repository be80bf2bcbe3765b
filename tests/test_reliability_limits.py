"""Locks, size limits, exhausted spaces and the notes about leftovers of interrupted runs."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

import genforge
from genforge.core import engine
from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.writer import OutputLock
from genforge.snapshot.build import build_snapshot
from genforge.snapshot.suite import load_suite
from snapshot_helpers import run_cli

SIZES = {"train": 200, "validation": 20, "test_id": 20, "test_ood_instruction": 20}
SIZE_ARGS = [arg for name, size in SIZES.items() for arg in ("--size", f"{name}={size}")]


def test_a_second_process_writing_the_same_folder_is_refused_with_a_clear_message(tmp_path):
    with OutputLock(tmp_path / "rewrite"):  # as another genforge process would hold it
        result = run_cli(["generate", "rewrite", "--out", tmp_path, *SIZE_ARGS])
        assert result.exit_code == 2
        assert "another genforge process" in result.output and ".rewrite.lock" in result.output
        assert not (tmp_path / "rewrite").exists()
    # A different task in the same folder is not blocked, and the lock file goes away after the run.
    with OutputLock(tmp_path / "markov"):
        genforge.generate("rewrite", tmp_path, sizes=SIZES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rewrite"]


def test_the_lock_of_a_killed_process_does_not_block_the_next_run(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from genforge.core.writer import OutputLock\n"
        "with OutputLock(Path(sys.argv[1]) / 'rewrite'):\n    print('locked', flush=True); time.sleep(60)"),
        str(tmp_path)], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    with pytest.raises(UsageError, match="another genforge process"):
        genforge.generate("rewrite", tmp_path, sizes=SIZES)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    genforge.generate("rewrite", tmp_path, sizes=SIZES)  # flock died with its process
    assert (tmp_path / "rewrite" / "manifest.json").is_file()


def test_a_snapshot_build_of_the_same_folder_is_locked_too(tmp_path):
    with OutputLock(tmp_path / "snap"):
        result = run_cli(["snapshot", "build", "default", "--tasks", "addition", "--out", tmp_path / "snap"])
    assert result.exit_code == 2 and "another genforge process" in result.output
    assert not (tmp_path / "snap").exists()


def test_max_bytes_refuses_before_writing_with_the_estimate(tmp_path):
    genforge.generate("rewrite", tmp_path / "full", sizes=SIZES)
    actual = sum(f.stat().st_size for f in (tmp_path / "full" / "rewrite").glob("*.jsonl"))
    estimate, unknown = engine.estimate_bytes(genforge.api.resolve_spec("rewrite", sizes=SIZES))
    assert unknown == [] and 0.8 * actual < estimate < 1.25 * actual
    result = run_cli(["generate", "rewrite", "--out", tmp_path / "out", *SIZE_ARGS, "--max-bytes", actual // 2])
    assert result.exit_code == 2
    assert f"about {estimate:,} bytes" in result.output and "nothing was written" in result.output
    assert not (tmp_path / "out").exists()
    genforge.generate("rewrite", tmp_path / "out", sizes=SIZES, max_bytes=2 * actual)  # a limit it keeps


def test_max_bytes_is_enforced_while_writing_when_the_estimate_was_too_low(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "estimate_bytes", lambda spec: (1000, []))
    with pytest.raises(UsageError, match=r"passed max_bytes 20,000 while writing split 'train'.*nothing was kept"):
        genforge.generate("rewrite", tmp_path, sizes=SIZES, max_bytes=20_000)
    assert list(tmp_path.iterdir()) == []


def test_snapshot_build_max_bytes(tmp_path):
    result = run_cli(["snapshot", "build", "default", "--tasks", "addition,rewrite", "--out", tmp_path / "snap",
                      "--max-bytes", 100_000])
    assert result.exit_code == 2 and "the snapshot would be about" in result.output
    assert list(tmp_path.iterdir()) == []
    suite = load_suite({"name": "s", "defaults": {"sizes": {"train": 30, "*": 5}},
                        "tasks": [{"task": "addition"}, {"task": "rewrite"}]})
    build_snapshot(suite, tmp_path / "snap", max_bytes=1_000_000)
    assert (tmp_path / "snap" / "manifest.json").is_file()


def test_a_nearly_exhausted_space_reports_the_achieved_count_instead_of_looping(tmp_path):
    params = {"alphabet_size": 2, "input_length": 3, "pattern_length": 1, "replacement_length": 1,
              "n_instructions": 1, "domains": ["unconstrained"], "held_out_domains": []}
    with pytest.raises(InfeasibleError, match=r"only (\d+) distinct examples found in [\d,]+ attempts, 500 "
                                              r"requested\. Ask for at most \1"):
        genforge.generate("rewrite", tmp_path, split_plan="iid", params=params,
                          sizes={"train": 500, "validation": 0, "test_id": 0})
    assert list(tmp_path.iterdir()) == []


def test_resume_without_an_interrupted_run_says_so_and_generates(tmp_path):
    notes: list[str] = []
    genforge.generate("rewrite", tmp_path, sizes=SIZES, resume=True, note=notes.append)
    assert any("no interrupted run of this request to resume" in note for note in notes)
    reference = tmp_path / "ref"
    genforge.generate("rewrite", reference, sizes=SIZES)
    for path in sorted((reference / "rewrite").iterdir()):
        assert (tmp_path / "rewrite" / path.name).read_bytes() == path.read_bytes()


def test_a_partial_folder_of_another_request_is_left_alone(tmp_path):
    other = tmp_path / ".rewrite.partial-0123456789abcdef"
    other.mkdir()
    (other / ".checkpoint.json").write_text("{}")
    genforge.generate("rewrite", tmp_path, sizes=SIZES)
    assert other.is_dir() and (tmp_path / "rewrite" / "manifest.json").is_file()
