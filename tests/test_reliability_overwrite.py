"""``--overwrite`` never loses data, leftovers of killed runs are cleaned, and one lock guards an output folder.

Interrupt points here (4): SIGKILL between the two renames of ``--overwrite``
(moved aside, new one not yet in place: completed by the next run), the same
with the new output unfinished (rolled back), after both renames before the old
copy is removed, and SIGKILL during ``snapshot build`` (its ``.OUT.partial-*``
is removed by the next build). Failures: the rename into place refused (the old
folder comes back), and the output folder containing the current folder.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import genforge
from genforge.cli import main
from genforge.core.errors import UsageError
from genforge.core.writer import OutputLock

TASK = "rewrite"
OLD = {"train": 30, "validation": 5, "test_id": 5, "test_ood_instruction": 5}
NEW = {"train": 40, "validation": 5, "test_id": 5, "test_ood_instruction": 5}


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def run(args, cwd=None) -> tuple[int, str]:
    err = io.StringIO()
    previous = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                main([str(a) for a in args])
                code = 0
            except SystemExit as exit:
                code = exit.code
    finally:
        os.chdir(previous)
    return code, err.getvalue()


def test_overwriting_the_folder_that_holds_the_current_folder_is_refused_and_keeps_it(tmp_path):
    genforge.generate(TASK, tmp_path / "out", sizes=OLD)
    before = folder_bytes(tmp_path / "out" / TASK)
    sizes = [a for name, size in NEW.items() for a in ("--size", f"{name}={size}")]
    code, message = run(["generate", TASK, "--out", "..", "--overwrite", *sizes], cwd=tmp_path / "out" / TASK)
    assert code == 2 and message.startswith("genforge: error: ") and "current folder" in message, message
    assert folder_bytes(tmp_path / "out" / TASK) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [TASK]


def test_a_refused_rename_into_place_restores_the_old_folder(tmp_path, monkeypatch):
    genforge.generate(TASK, tmp_path / "out", sizes=OLD)
    before = folder_bytes(tmp_path / "out" / TASK)
    real_rename = os.rename

    def refuse_staging(source, target):
        if Path(source).name.startswith(f".{TASK}.partial-"):
            raise PermissionError(errno.EPERM, "Operation not permitted", str(source))
        return real_rename(source, target)

    monkeypatch.setattr("genforge.core.writer.os.rename", refuse_staging)
    with pytest.raises(OSError):
        genforge.generate(TASK, tmp_path / "out", sizes=NEW, overwrite=True)
    assert folder_bytes(tmp_path / "out" / TASK) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [TASK]


def test_an_old_folder_that_cannot_be_moved_is_one_message_and_leaves_no_leftovers(tmp_path, monkeypatch):
    genforge.generate(TASK, tmp_path / "out", sizes=OLD)
    before = folder_bytes(tmp_path / "out" / TASK)
    real_rename = os.rename

    def refuse_moving_aside(source, target):
        if Path(target).name == "content":
            raise PermissionError(errno.EACCES, "Permission denied", str(source))
        return real_rename(source, target)

    monkeypatch.setattr("genforge.core.writer.os.rename", refuse_moving_aside)
    sizes = [a for name, size in NEW.items() for a in ("--size", f"{name}={size}")]
    code, message = run(["generate", TASK, "--out", tmp_path / "out", "--overwrite", *sizes])
    assert code == 2 and message.startswith("genforge: error: ") and "Permission denied" in message, message
    assert folder_bytes(tmp_path / "out" / TASK) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [TASK]


# The child overwrites and SIGKILLs itself at a point of the replacement.
KILLER = r"""
import os, signal, sys
from pathlib import Path
import genforge
from genforge.core import writer

point, out = sys.argv[1], Path(sys.argv[2])
sizes = {"train": 40, "validation": 5, "test_id": 5, "test_ood_instruction": 5}
real_rename = os.rename
calls = []
def rename(source, target):
    calls.append(source)
    if point == "between-renames" and Path(source).parent.name.startswith(".rewrite.old-") is False \
            and Path(target).name == "content":
        real_rename(source, target)
        os.kill(os.getpid(), signal.SIGKILL)
    if point == "after-renames" and Path(source).name.startswith(".rewrite.partial-"):
        real_rename(source, target)
        os.kill(os.getpid(), signal.SIGKILL)
    return real_rename(source, target)
writer.os.rename = rename
genforge.generate("rewrite", out, sizes=sizes, overwrite=True)
"""


@pytest.mark.parametrize("point", ["between-renames", "after-renames"])
def test_an_overwrite_killed_during_the_replacement_is_completed_by_the_next_run(tmp_path, point):
    genforge.generate(TASK, tmp_path / "reference", sizes=NEW)
    expected = folder_bytes(tmp_path / "reference" / TASK)
    genforge.generate(TASK, tmp_path / "out", sizes=OLD)
    process = subprocess.run([sys.executable, "-c", KILLER, point, str(tmp_path / "out")], capture_output=True,
                             timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    notes: list[str] = []
    genforge.generate(TASK, tmp_path / "out", sizes=NEW, overwrite=True, note=notes.append)
    assert folder_bytes(tmp_path / "out" / TASK) == expected
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [TASK]
    assert any("interrupted --overwrite" in note for note in notes), notes


def test_an_interrupted_overwrite_whose_new_output_was_unfinished_is_rolled_back(tmp_path):
    genforge.generate(TASK, tmp_path / "out", sizes=OLD)
    before = folder_bytes(tmp_path / "out" / TASK)
    # What a kill between the renames leaves when the staging folder is not a finished output.
    aside = tmp_path / "out" / f".{TASK}.old-abc123"
    aside.mkdir()
    (aside / "staging").write_text(f".{TASK}.partial-0000")
    os.rename(tmp_path / "out" / TASK, aside / "content")
    (tmp_path / "out" / f".{TASK}.partial-0000").mkdir()
    notes: list[str] = []
    with pytest.raises(UsageError, match="already exists"):  # restored, so a plain run finds it
        genforge.generate(TASK, tmp_path / "out", sizes=NEW, note=notes.append)
    assert folder_bytes(tmp_path / "out" / TASK) == before
    assert any("restored" in note and "interrupted --overwrite" in note for note in notes), notes
    assert not aside.exists()


SNAPSHOT_KILLER = r"""
import os, signal, sys
from pathlib import Path
from genforge.snapshot import build
from genforge.snapshot.suite import load_suite
real = build.generate_task
def generate_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
build.generate_task = generate_then_die
build.build_snapshot(load_suite(sys.argv[1]), sys.argv[2])
"""


def test_a_killed_snapshot_build_leaves_a_staging_folder_that_the_next_build_removes(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("name: s\ntasks:\n  - task: rewrite\n    sizes: {train: 20, validation: 5, test_id: 5, "
                     "test_ood_instruction: 5}\n")
    process = subprocess.run([sys.executable, "-c", SNAPSHOT_KILLER, str(suite), str(tmp_path / "snap")],
                             capture_output=True, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    assert any(p.name.startswith(".snap.partial-") for p in tmp_path.iterdir())
    code, message = run(["snapshot", "build", suite, "--out", tmp_path / "snap"])
    assert code == 0, message
    assert "snap.partial-" in message  # it says what it removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml", "snap"]


def test_generate_and_snapshot_build_share_the_lock_of_an_output_folder(tmp_path):
    (tmp_path / "s.yaml").write_text("name: s\ntasks:\n  - task: rewrite\n    sizes: {train: 20, validation: 5, "
                                     "test_id: 5, test_ood_instruction: 5}\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from genforge.cli import main; main(sys.argv[1:])", "generate", TASK,
         "--out", str(tmp_path / "x"), "--size", "train=3000000"], stderr=subprocess.PIPE)
    try:
        while not (tmp_path / "x" / f".{TASK}.lock").exists():  # generate is under way
            assert holder.poll() is None, holder.stderr.read().decode()
            time.sleep(0.05)
        code, message = run(["snapshot", "build", tmp_path / "s.yaml", "--out", tmp_path / "x", "--overwrite"])
        assert code == 2 and "another genforge process" in message, message
    finally:
        holder.send_signal(signal.SIGINT)
        holder.wait(timeout=60)


def test_snapshot_build_holding_a_folder_stops_generate_into_it(tmp_path):
    (tmp_path / "x").mkdir()
    with OutputLock(tmp_path / "x"):  # as a snapshot build of x holds it
        code, message = run(["generate", TASK, "--out", tmp_path / "x", "--size", "train=5"])
    assert code == 2 and "another genforge process" in message, message
    assert list((tmp_path / "x").iterdir()) == []


def test_a_refused_lock_on_a_dotted_out_path_leaves_no_folder_behind(tmp_path):
    (tmp_path / "e2").mkdir()
    with OutputLock(tmp_path / "e2" / TASK):  # another process generates there
        code, message = run(["generate", TASK, "--out", f"{tmp_path}/x/../e2", "--size", "train=5"])
    assert code == 2 and "another genforge process" in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e2"]


def test_a_failed_run_into_a_dotted_out_path_removes_the_folders_it_made(tmp_path, monkeypatch):
    def disk_full(self, blocks):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("genforge.core.fill.SplitFill.run", disk_full)
    code, message = run(["generate", TASK, "--out", f"{tmp_path}/x/../new/deeper", "--size", "train=5"])
    assert code == 2 and "No space left" in message, message
    assert list(tmp_path.iterdir()) == []
