"""`snapshot verify` catches every corruption of a snapshot (hypothesis over random corruptions).

Corruption kinds detected (each a property over every file of a small
two-task snapshot, the top-level manifest.json included): a single changed
byte, a truncation, an added line, two lines swapped, a missing file and an
extra file (in the root, in a task folder or in a new folder): 6 kinds.
Hidden files (names starting with '.') are ignored by design, so an extra
file here always has a visible name.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genforge.core.errors import CheckFailed
from genforge.snapshot.build import build_snapshot
from genforge.snapshot.suite import load_suite
from genforge.snapshot.verify import verify_snapshot

SUITE = {
    "name": "corruption-test-suite",
    "seed": 5,
    "defaults": {"sizes": {"train": 12, "*": 4}},
    "tasks": [{"task": "addition"}, {"task": "rewrite"}],
}
PROPERTY = settings(max_examples=int(os.environ.get("GENFORGE_CORRUPTION_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corruption") / "snap"
    build_snapshot(load_suite(SUITE), folder)
    verify_snapshot(folder)  # the uncorrupted snapshot passes
    return folder


def snapshot_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def assert_detected(pristine: Path, corrupt) -> None:
    """Corrupt a fresh copy with ``corrupt(folder)`` and check that verify fails with exit code 1."""
    with tempfile.TemporaryDirectory(prefix="corrupt-") as scratch:
        folder = Path(scratch) / "snap"
        shutil.copytree(pristine, folder)
        if corrupt(folder) is False:
            return  # the corruption was a no-op (e.g. swapping equal lines)
        with pytest.raises(CheckFailed) as error:
            verify_snapshot(folder)
        assert error.value.exit_code == 1


@PROPERTY
@given(data=st.data())
def test_a_single_changed_byte_is_detected(pristine, data):
    path = data.draw(st.sampled_from(snapshot_files(pristine)))
    content = (pristine / path).read_bytes()
    position = data.draw(st.integers(0, len(content) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != content[position]))

    def corrupt(folder):
        changed = bytearray(content)
        changed[position] = new
        (folder / path).write_bytes(bytes(changed))

    assert_detected(pristine, corrupt)


@PROPERTY
@given(data=st.data())
def test_a_truncated_file_is_detected(pristine, data):
    path = data.draw(st.sampled_from(snapshot_files(pristine)))
    content = (pristine / path).read_bytes()
    length = data.draw(st.integers(0, len(content) - 1))
    assert_detected(pristine, lambda folder: (folder / path).write_bytes(content[:length]))


@PROPERTY
@given(data=st.data())
def test_an_added_line_is_detected(pristine, data):
    path = data.draw(st.sampled_from(snapshot_files(pristine)))
    lines = (pristine / path).read_bytes().splitlines(keepends=True)
    at = data.draw(st.integers(0, len(lines)))
    line = data.draw(st.one_of(st.sampled_from(lines or [b"\n"]), st.binary(max_size=40).map(lambda b: b + b"\n")))
    assert_detected(pristine, lambda folder: (folder / path).write_bytes(b"".join(lines[:at] + [line] + lines[at:])))


@PROPERTY
@given(data=st.data())
def test_reordered_lines_are_detected(pristine, data):
    candidates = [p for p in snapshot_files(pristine) if len(set((pristine / p).read_bytes().splitlines())) > 1]
    path = data.draw(st.sampled_from(candidates))
    lines = (pristine / path).read_bytes().splitlines(keepends=True)
    i, j = data.draw(st.tuples(st.integers(0, len(lines) - 1), st.integers(0, len(lines) - 1)))

    def corrupt(folder):
        if lines[i].rstrip(b"\n") == lines[j].rstrip(b"\n"):
            return False
        swapped = list(lines)
        swapped[i], swapped[j] = lines[j], lines[i]
        if not swapped[-1].endswith(b"\n") or any(not line.endswith(b"\n") for line in swapped[:-1]):
            # keep the line structure: move the missing final newline to the last line
            swapped = [line.rstrip(b"\n") + b"\n" for line in swapped]
            swapped[-1] = swapped[-1].rstrip(b"\n") if not lines[-1].endswith(b"\n") else swapped[-1]
        (folder / path).write_bytes(b"".join(swapped))

    assert_detected(pristine, corrupt)


@PROPERTY
@given(data=st.data())
def test_a_missing_file_is_detected(pristine, data):
    path = data.draw(st.sampled_from(snapshot_files(pristine)))
    assert_detected(pristine, lambda folder: (folder / path).unlink())


@PROPERTY
@given(where=st.sampled_from(["", "addition/", "rewrite/", "lm_eval/", "new_folder/"]),
       name=st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=12),
       extension=st.sampled_from(["", ".jsonl", ".json", ".md"]), content=st.binary(max_size=60))
def test_an_extra_file_is_detected(pristine, where, name, extension, content):
    def corrupt(folder):
        path = folder / f"{where}{name}{extension}"
        if path.exists():
            return False
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)

    assert_detected(pristine, corrupt)
