"""`genforge snapshot verify`: checksums first, --regenerate compares bytes with a rebuild."""

import hashlib
import json
import shutil

import pytest
from snapshot_helpers import build_small, run_cli

from genforge.core.canonical import pretty_dumps
from genforge.core.errors import CheckFailed
from genforge.snapshot.verify import verify_snapshot


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verify") / "snap"
    build_small(folder)
    return folder


@pytest.fixture
def snapshot(pristine, tmp_path):
    copy = tmp_path / "snap"
    shutil.copytree(pristine, copy)
    return copy


def _flip_byte(path, line_number):
    """Change one letter of the input on line ``line_number`` (1-based)."""
    lines = path.read_bytes().split(b"\n")
    record = json.loads(lines[line_number - 1])
    text = record["input"]
    record["input"] = text[:-1] + ("b" if text[-1] != "b" else "c")
    lines[line_number - 1] = json.dumps(record, separators=(",", ":")).encode()
    path.write_bytes(b"\n".join(lines))


def test_a_fresh_build_verifies_and_regenerates_identically(snapshot):
    result = run_cli(["snapshot", "verify", snapshot, "--regenerate"])
    assert result.exit_code == 0, result.output
    assert "checksums: 22 files match the manifest (235 records)" in result.stdout
    assert result.stdout.strip().endswith("identical")


def test_one_changed_byte_is_reported_with_its_file_and_line(snapshot):
    _flip_byte(snapshot / "markov" / "test_id.jsonl", 7)
    result = run_cli(["snapshot", "verify", snapshot])
    assert result.exit_code == 1
    assert "markov/test_id.jsonl: checksum mismatch" in result.output
    assert "line 7: expected" in result.output


def test_a_missing_file_fails_verification(snapshot):
    (snapshot / "rewrite" / "validation.jsonl").unlink()
    with pytest.raises(CheckFailed, match="rewrite/validation.jsonl: listed in manifest.json but missing"):
        verify_snapshot(snapshot)


def test_an_unlisted_file_fails_verification(snapshot):
    (snapshot / "rewrite" / "notes.txt").write_text("mine")
    with pytest.raises(CheckFailed, match="rewrite/notes.txt: present but not listed"):
        verify_snapshot(snapshot)


def test_a_changed_card_is_located_by_rebuilding(snapshot):
    card = snapshot / "README.md"
    card.write_text(card.read_text().replace("# small-test-suite", "# renamed"))
    with pytest.raises(CheckFailed, match=r"README.md: checksum mismatch.*line \d+: expected '# small-test-suite'"):
        verify_snapshot(snapshot)


def test_regenerate_finds_a_change_that_the_checksums_were_updated_to_hide(snapshot):
    path = snapshot / "rewrite" / "train.jsonl"
    _flip_byte(path, 12)
    # Hide it all the way up: the task manifest, then the snapshot manifest (in its canonical form).
    task_manifest_path = snapshot / "rewrite" / "manifest.json"
    task_manifest = json.loads(task_manifest_path.read_text())
    for entry in task_manifest["files"]:
        if entry["name"] == "train.jsonl":
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    task_manifest_path.write_bytes(pretty_dumps(task_manifest))
    manifest_path = snapshot / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["path"] in ("rewrite/train.jsonl", "rewrite/manifest.json"):
            changed = snapshot / entry["path"]
            entry["sha256"] = hashlib.sha256(changed.read_bytes()).hexdigest()
            entry["bytes"] = changed.stat().st_size
    manifest_path.write_bytes(pretty_dumps(manifest))
    verify_snapshot(snapshot)  # checksums agree with the doctored manifests
    result = run_cli(["snapshot", "verify", snapshot, "--regenerate"])
    assert result.exit_code == 1
    assert "rewrite/train.jsonl: differs from a rebuild from the manifest at line 12" in result.output


def test_a_folder_without_a_manifest_is_refused(tmp_path):
    # Neither a snapshot nor a task folder: bad input (exit 2), named with the forms allowed.
    result = run_cli(["snapshot", "verify", tmp_path])
    assert result.exit_code == 2 and "holds no manifest.json and no task folders" in result.output
