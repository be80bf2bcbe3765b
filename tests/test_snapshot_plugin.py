"""A third-party task joins genforge through the genforge.tasks entry-point group alone."""

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from snapshot_helpers import run_cli

import genforge
from genforge.core import registry

FIXTURE = Path(__file__).parent / "plugin_fixture"


def _pip(*args):
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True)


@pytest.fixture
def installed_plugin(tmp_path):
    source = tmp_path / "plugin"
    shutil.copytree(FIXTURE, source)  # pip builds in place: keep the repository clean
    result = _pip("install", "--no-deps", "--no-build-isolation", str(source))
    if result.returncode != 0 and "wheel" in result.stderr:
        # setuptools < 70.1 without the 'wheel' package cannot build here; let pip provide a build backend.
        result = _pip("install", "--no-deps", str(source))
    assert result.returncode == 0, result.stderr
    importlib.invalidate_caches()
    registry.refresh()
    try:
        yield
    finally:
        _pip("uninstall", "-y", "genforge-plugin-fixture")
        sys.modules.pop("genforge_plugin_fixture", None)
        importlib.invalidate_caches()
        registry.refresh()


def test_an_installed_plugin_task_is_listed_and_generates(installed_plugin, tmp_path, read_records):
    listed = run_cli(["list"])
    assert listed.exit_code == 0
    assert "reverse_fixture" in listed.stdout and "plugin test fixture" in listed.stdout

    manifest = genforge.generate("reverse_fixture", tmp_path / "out", sizes={"train": 30, "validation": 5, "test_id": 5})
    records = read_records(tmp_path / "out" / "reverse_fixture" / "train.jsonl")
    assert len(records) == 30 and manifest["task"] == "reverse_fixture"
    assert all(record["target"] == record["input"][::-1] for record in records)
    assert run_cli(["validate", tmp_path / "out" / "reverse_fixture"]).exit_code == 0


def test_the_plugin_is_a_complete_task_in_one_short_module(installed_plugin, tmp_path, read_records):
    # The "Write a task" docs show this module whole: it must stay under 100 lines and use the typed contract.
    assert len((FIXTURE / "genforge_plugin_fixture.py").read_text("utf-8").splitlines()) < 100
    described = genforge.describe("reverse_fixture")
    assert described["parameters"]["max_length"]["maximum"] == 64
    genforge.generate("reverse_fixture", tmp_path, split_plan="longer", params={"max_length": 5},
                      sizes={"train": 30, "validation": 5, "test_id": 5, "test_ood_length": 10})
    longer = read_records(tmp_path / "reverse_fixture" / "test_ood_length.jsonl")
    train = read_records(tmp_path / "reverse_fixture" / "train.jsonl")
    assert min(len(r["input"]) for r in longer) > 5 >= max(len(r["input"]) for r in train)
    result = run_cli(["generate", "reverse_fixture", "--out", tmp_path / "bad", "--param", "longer_max_length=3"])
    assert result.exit_code == 2 and "longer_max_length" in result.output


def test_a_plugin_task_builds_into_a_snapshot(installed_plugin, tmp_path):
    suite = tmp_path / "suite.yaml"
    suite.write_text("name: plugin-suite\ntasks:\n  - task: reverse_fixture\n    sizes: {train: 20, '*': 5}\n")
    assert run_cli(["snapshot", "build", suite, "--out", tmp_path / "snap"]).exit_code == 0
    assert len(list(genforge.load_snapshot(tmp_path / "snap", split="test_id"))) == 5
