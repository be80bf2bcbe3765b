"""genforge audit: every default plan passes, a contaminated split fails, snapshots and charts."""

import json
import sys

import pytest
from click.testing import CliRunner

import genforge
from genforge import api
from genforge.cli import cli
from genforge.science.audit import audit_path
from genforge.core.registry import task_names
from snapshot_helpers import build_small

#: Tasks whose enumerated training split is large by default, made small here.
SMALL_PARAMS = {"two_hop": {"entities": 100, "relations": 10, "out_degree": 4, "ood_share": 0.2, "phi": 2.0},
                "comparison": {"entities": 100, "attributes": 3, "values": 10, "ood_share": 0.2},
                "cogs": {"train_size": 200, "validation_size": 50, "test_size": 50, "generalization_size": 20}}


def _small_default(task, folder):
    plan = api.describe(task, SMALL_PARAMS.get(task))
    splits = plan["split_plans"][plan["default_split_plan"]]["splits"]
    sizes = {s["name"]: 30 for s in splits if s["source"] == "sample"}
    genforge.generate(task, folder, sizes=sizes, params=SMALL_PARAMS.get(task))
    return folder / task


@pytest.mark.parametrize("task", task_names())
def test_default_plan_of_every_task_passes_the_audit(tmp_path, task):
    report = audit_path(_small_default(task, tmp_path))
    assert report["ok"], report["tasks"][0]["violations"]
    splits = report["tasks"][0]["splits"]
    assert splits[0]["split"] == "train" and "against_train" not in splits[0]
    for split in splits[1:]:
        # A probe of train (shift "seen", e.g. two_hop's train_atomic_id) repeats train on purpose.
        expected = split["unique_canonical_inputs"] if split["shift"] == "seen" else 0
        assert split["against_train"]["canonical_input_overlap"] == expected
        assert 0.0 <= split["against_train"]["compound_divergence"] <= 1.0
    assert all("structure_error" not in split for split in splits)


@pytest.fixture
def rewrite_folder(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes={"train": 80, "validation": 20, "test_id": 20,
                                                   "test_ood_instruction": 20})
    return tmp_path / "rewrite"


def _lines(path):
    return path.read_bytes().splitlines(keepends=True)


def test_audit_reports_counts_and_diversity(rewrite_folder):
    result = CliRunner().invoke(cli, ["audit", str(rewrite_folder), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    train, *tests = report["tasks"][0]["splits"]
    assert train["records"] == 80 and train["duplicates"] == 0
    assert train["unique_instructions"] >= 1 and train["instruction_entropy_bits"] > 0
    assert set(train["difficulty_quantiles"]) >= {"q00", "q50", "q100"}
    assert sum(train["domains"].values()) == 80
    ood = next(s for s in tests if s["split"] == "test_ood_instruction")
    assert ood["shift"] == "instruction" and ood["against_train"]["instruction_overlap"] == 0


def test_audit_fails_when_a_test_split_holds_a_train_input(rewrite_folder):
    train_line = _lines(rewrite_folder / "train.jsonl")[5]
    leaked = json.loads(train_line)
    leaked["split"] = "test_id"
    with open(rewrite_folder / "test_id.jsonl", "ab") as file:
        file.write(json.dumps(leaked).encode() + b"\n")
    result = CliRunner().invoke(cli, ["audit", str(rewrite_folder)])
    assert result.exit_code == 1
    assert "BROKEN: test_id: 1 input(s) also in train" in result.output


def test_audit_fails_when_an_unseen_instruction_split_reuses_a_train_rule(rewrite_folder):
    train_rule = json.loads(_lines(rewrite_folder / "train.jsonl")[0])["instruction"]
    path = rewrite_folder / "test_ood_instruction.jsonl"
    lines = _lines(path)
    record = json.loads(lines[0])
    record["instruction"] = train_rule
    path.write_bytes(json.dumps(record).encode() + b"\n" + b"".join(lines[1:]))
    report = audit_path(rewrite_folder)
    assert not report["ok"]
    assert any("instruction(s) also in train" in problem for problem in report["tasks"][0]["violations"])


def test_audit_of_a_snapshot_covers_every_task(tmp_path):
    build_small(tmp_path / "snap")
    report = audit_path(tmp_path / "snap")
    assert [task["task"] for task in report["tasks"]] == ["rewrite", "markov"]
    assert report["ok"]


def test_audit_of_a_missing_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["audit", str(tmp_path / "nothing")])
    assert "is not a folder" in str(result.exception)


def test_plot_writes_one_chart_per_task(rewrite_folder, tmp_path):
    pytest.importorskip("matplotlib")
    result = CliRunner().invoke(cli, ["audit", str(rewrite_folder), "--plot", str(tmp_path / "charts")])
    assert result.exit_code == 0, result.output
    chart = tmp_path / "charts" / "rewrite_splits.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_install(rewrite_folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = CliRunner().invoke(cli, ["audit", str(rewrite_folder), "--plot", str(tmp_path / "charts")])
    assert "genforge[plot]" in str(result.exception) and result.exception.exit_code == 2
    assert not (tmp_path / "charts").exists()


def test_audit_reads_every_shard_of_a_split(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes={"train": 90, "validation": 10, "test_id": 10,
                                                   "test_ood_instruction": 10}, shard_size=40)
    report = audit_path(tmp_path / "rewrite")
    assert [s["records"] for s in report["tasks"][0]["splits"]] == [90, 10, 10, 10]
    assert report["ok"]
