"""One input policy and one error exit: each hostile input below ends in ``genforge: error: ...``, exit 2
(exit 1 where ``validate`` finds a bad file), no traceback, and nothing written.

Bad-input kinds here (29): a suite built in Python that contains itself; non-finite numbers (CLI ``NaN``, ``Infinity``, ``-Infinity``, a NaN plan option,
the Python API, a YAML suite's ``.nan``, a JSON suite's ``NaN``, a NaN difficulty in a validated file);
suite files that are not UTF-8, nested 5,000 deep (YAML) or 100,000 deep (JSON), holding a
self-referencing alias or a "billion laughs" of aliases; ``--out ""``, ``--split-plan ""``, a non-ASCII
digit in ``--size``, a 300-character ``--out`` name; click's own usage errors (``--seed 1.5``,
``--max-bytes abc``, ``evaluate --trivial-threshold 2``, a missing argument); the file system refusing
a rename (EPERM, EACCES, ENAMETOOLONG, EROFS, ENOSPC); a recursion limit reached inside a command; and
a really full disk (a 1 MB tmpfs, skipped where none can be mounted) during generate and snapshot build.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest
from test_reliability_fuzz import run  # the CLI run in-process: exit code and stderr

import genforge
from genforge.core.errors import GenforgeError

SMALL = ["--size", "train=20", "--size", "validation=5", "--size", "test_id=5", "--size", "test_ood_instruction=5"]


def refused(args: list[str], code: int = 2) -> str:
    found, message = run(args)
    assert found == code, (args, found, message)
    assert "Traceback" not in message
    assert message.startswith("genforge: error: "), message
    assert message.count("genforge: error: ") == 1
    return message


def empty(folder: Path) -> bool:
    return not folder.exists() or list(folder.iterdir()) == []


# --- finite numbers only --------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [("noop_share", "NaN"), ("imbalance_alpha", "Infinity"),
                                         ("noop_share", "-Infinity")])
def test_a_non_finite_parameter_is_refused_naming_it(tmp_path, name, value):
    message = refused(["generate", "rewrite", "--out", tmp_path / "o", "--param", f"{name}={value}", *SMALL])
    assert name in message and "finite" in message
    assert empty(tmp_path / "o")


def test_a_nan_plan_option_is_refused_naming_it(tmp_path):
    message = refused(["generate", "rewrite", "--out", tmp_path / "o", "--split-plan", "mcd",
                       "--plan-option", "max_atom_divergence=nan", "--size", "train=10"])
    assert "max_atom_divergence" in message and "finite" in message
    assert empty(tmp_path / "o")


def test_a_nan_parameter_is_refused_by_the_python_api(tmp_path):
    with pytest.raises(GenforgeError, match="noop_share.*finite"):
        genforge.generate("rewrite", tmp_path / "o", params={"noop_share": float("nan")})
    assert empty(tmp_path / "o")


def suite_text(params: str) -> str:
    return f"name: s\ntasks:\n  - task: rewrite\n    params: {params}\n    sizes: {{train: 20, validation: 5, test_id: 5, test_ood_instruction: 5}}\n"


def test_a_nan_in_a_yaml_suite_is_refused_naming_the_parameter(tmp_path):
    (tmp_path / "s.yaml").write_text(suite_text("{noop_share: .nan}"))
    message = refused(["snapshot", "build", tmp_path / "s.yaml", "--out", tmp_path / "snap"])
    assert "noop_share" in message and "finite" in message
    assert not (tmp_path / "snap").exists()


def test_a_nan_in_a_json_suite_is_refused(tmp_path):
    (tmp_path / "s.json").write_text('{"name": "s", "tasks": [{"task": "rewrite", "params": {"noop_share": NaN}}]}')
    message = refused(["snapshot", "build", tmp_path / "s.json", "--out", tmp_path / "snap"])
    assert "NaN" in message
    assert not (tmp_path / "snap").exists()


def test_validate_explains_a_nan_difficulty(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes={"train": 3, "validation": 0, "test_id": 0,
                                                  "test_ood_instruction": 0})
    lines = (tmp_path / "rewrite" / "train.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["meta"]["difficulty"] = float("nan")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record) + "\n")
    message = refused(["validate", bad], code=1)
    assert "NaN" in message and "valid" != message.split(": ")[-1].strip()
    assert "invalid record: valid" not in message


# --- suite files: encoding, depth, aliases --------------------------------------------------------

def test_a_suite_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "s.yaml").write_bytes(suite_text("{}").encode() + b"description: caf\xe9\n")
    message = refused(["snapshot", "build", tmp_path / "s.yaml", "--out", tmp_path / "snap"])
    assert "UTF-8" in message


def test_a_yaml_suite_nested_5000_deep_is_refused_naming_the_limit(tmp_path):
    (tmp_path / "s.yaml").write_text("name: s\ndescription: " + "[" * 5000 + "]" * 5000 + "\ntasks: []\n")
    message = refused(["snapshot", "build", tmp_path / "s.yaml", "--out", tmp_path / "snap"])
    assert "deep" in message and "100" in message


def test_a_json_suite_nested_100000_deep_is_refused_naming_the_limit(tmp_path):
    (tmp_path / "s.json").write_text('{"name": "s", "description": ' + "[" * 100_000 + "]" * 100_000 + ', "tasks": []}')
    message = refused(["snapshot", "build", tmp_path / "s.json", "--out", tmp_path / "snap"])
    assert "deep" in message and "100" in message


def test_a_self_referencing_alias_is_refused(tmp_path):
    (tmp_path / "s.yaml").write_text("name: s\ntasks: &a [{task: rewrite, params: {domains: *a}}]\n")
    message = refused(["snapshot", "build", tmp_path / "s.yaml", "--out", tmp_path / "snap"])
    assert "alias" in message and "itself" in message


def test_a_billion_laughs_suite_is_refused_naming_the_limit(tmp_path):
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        levels.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    (tmp_path / "s.yaml").write_text("x:\n  " + "\n  ".join(levels) + "\nname: s\ndescription: *a9\ntasks: []\n")
    message = refused(["snapshot", "build", tmp_path / "s.yaml", "--out", tmp_path / "snap"])
    assert "alias" in message and "1,000,000" in message


# --- strings and paths ------------------------------------------------------------------------------

def test_an_empty_out_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = refused(["generate", "rewrite", "--out", "", *SMALL])
    assert "--out" in message and "empty" in message
    assert list(tmp_path.iterdir()) == []


def test_an_empty_split_plan_is_refused(tmp_path):
    message = refused(["generate", "rewrite", "--out", tmp_path / "o", "--split-plan", "", *SMALL])
    assert "split plan" in message and "empty" in message


def test_a_size_in_non_ascii_digits_is_refused(tmp_path):
    message = refused(["generate", "rewrite", "--out", tmp_path / "o", "--size", "train=٥"])
    assert "train" in message and "0-9" in message
    assert empty(tmp_path / "o")


def test_an_out_name_too_long_for_the_file_system_is_refused(tmp_path):
    message = refused(["generate", "rewrite", "--out", tmp_path / ("x" * 300), *SMALL])
    assert "too long" in message and "255" in message
    assert list(tmp_path.iterdir()) == []


# --- one error exit -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["generate", "rewrite", "--out", "OUT", "--seed", "1.5"],
    ["generate", "rewrite", "--out", "OUT", "--max-bytes", "abc"],
    ["evaluate", "preds.jsonl", "--trivial-threshold", "2"],
    ["generate"],
])
def test_click_usage_errors_leave_through_the_one_handler(tmp_path, args):
    message = refused([str(tmp_path / "o") if a == "OUT" else a for a in args])
    assert "Usage:" not in message
    assert empty(tmp_path / "o")


@pytest.mark.parametrize("code", [errno.EPERM, errno.EACCES, errno.ENAMETOOLONG, errno.EROFS, errno.ENOSPC])
def test_an_os_error_while_writing_is_one_message_and_the_staging_is_removed(tmp_path, monkeypatch, code):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[0]))

    monkeypatch.setattr("genforge.core.writer.os.rename", refuse)
    message = refused(["generate", "rewrite", "--out", tmp_path / "o", *SMALL])
    assert os.strerror(code) in message
    assert [p.name for p in (tmp_path / "o").iterdir()] == [] if (tmp_path / "o").exists() else True


def test_a_recursion_limit_is_one_message(tmp_path, monkeypatch):
    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("genforge.api.generate", too_deep)
    message = refused(["generate", "rewrite", "--out", tmp_path / "o", *SMALL])
    assert "too deeply nested" in message


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_during_generate_is_one_message_and_leaves_nothing(tiny_disk):
    message = refused(["generate", "rewrite", "--out", tiny_disk / "o", "--size", "train=200000"])
    assert "No space left on device" in message
    assert not (tiny_disk / "o").exists() or list((tiny_disk / "o").iterdir()) == []


def test_a_full_disk_during_snapshot_build_is_one_message_and_leaves_nothing(tiny_disk, tmp_path):
    (tmp_path / "s.yaml").write_text("name: s\ntasks:\n  - task: rewrite\n    sizes: {train: 200000}\n")
    message = refused(["snapshot", "build", tmp_path / "s.yaml", "--out", tiny_disk / "snap"])
    assert "No space left on device" in message
    assert list(tiny_disk.iterdir()) == []


def test_a_python_suite_that_contains_itself_is_refused():
    from genforge.snapshot.suite import load_suite

    tasks: list = [{"task": "rewrite", "params": {}}]
    tasks[0]["params"]["domains"] = tasks
    with pytest.raises(GenforgeError, match="itself|nested"):
        load_suite({"name": "s", "tasks": tasks})
