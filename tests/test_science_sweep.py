"""genforge sweep: fixed budget, one shared test set, every run's parameters in the manifest."""

import json

import pytest
from click.testing import CliRunner

from genforge.cli import cli
from genforge.core.checking import validate_path
from genforge.core.errors import UsageError
from genforge.science.audit import audit_path

TEST_SIZES = ["--size", "validation=20", "--size", "test_id=20", "--size", "test_ood_instruction=20"]


def _sweep(tmp_path, task, vary, budget, *extra):
    result = CliRunner().invoke(cli, ["sweep", task, "--vary", vary, "--budget", str(budget),
                                      "--out", str(tmp_path / "sweep"), *extra])
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "sweep" / "manifest.json").read_text())


def test_instruction_sweep_holds_the_budget_and_shares_the_test(tmp_path):
    manifest = _sweep(tmp_path, "rewrite", "n_instructions=3,30", 150, *TEST_SIZES)
    assert [run["params"]["n_instructions"] for run in manifest["runs"]] == [3, 30]
    assert [run["train_records"] for run in manifest["runs"]] == [150, 150]
    root = tmp_path / "sweep"
    test_bytes = {(root / run["folder"] / "test_ood_instruction.jsonl").read_bytes() for run in manifest["runs"]}
    assert len(test_bytes) == 1
    for run in manifest["runs"]:
        validate_path(root / run["folder"])
        train = [json.loads(line) for line in (root / run["folder"] / "train.jsonl").read_bytes().splitlines()]
        assert len({r["instruction"] for r in train}) <= run["params"]["n_instructions"]
    assert audit_path(root)["ok"]


def test_domain_sweep_counts_the_first_domains(tmp_path):
    manifest = _sweep(tmp_path, "scan_scaled", "domains=1,3", 90, "--size", "test_id=20")
    assert [run["params"]["domains"] for run in manifest["runs"]] == [["navigation"], ["navigation", "kitchen", "music"]]
    first = tmp_path / "sweep" / manifest["runs"][0]["folder"] / "train.jsonl"
    assert {json.loads(line)["meta"]["domain"] for line in first.read_bytes().splitlines()} == {"navigation"}


def test_repetition_sweep_repeats_fewer_unique_examples(tmp_path):
    manifest = _sweep(tmp_path, "rewrite", "repetition=1,4", 120, *TEST_SIZES)
    assert [run["unique_train_records"] for run in manifest["runs"]] == [120, 30]
    report = audit_path(tmp_path / "sweep")
    repeated = report["tasks"][1]["splits"][0]
    assert repeated["records"] == 120 and repeated["unique_canonical_inputs"] == 30
    assert report["ok"]


def test_unknown_factor_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["sweep", "rewrite", "--vary", "n_instruction=1,2", "--budget", "10",
                                      "--out", str(tmp_path)])
    assert isinstance(result.exception, UsageError) and "n_instructions" in str(result.exception)


@pytest.mark.parametrize("vary", ["repetition=0,2", "n_instructions=5,5", "domains=9"])
def test_bad_values_are_rejected_before_writing(tmp_path, vary):
    result = CliRunner().invoke(cli, ["sweep", "rewrite", "--vary", vary, "--budget", "10", "--out",
                                      str(tmp_path / "s")])
    assert isinstance(result.exception, UsageError)
    assert not (tmp_path / "s").exists()


def test_domain_counts_keep_the_held_out_domain_valid(tmp_path):
    # rewrite holds out 'mirrored' by default; every count must include it or check_params would refuse.
    manifest = _sweep(tmp_path, "rewrite", "domains=1,2", 60, *TEST_SIZES)
    assert [run["params"]["domains"] for run in manifest["runs"]] == [["mirrored"], ["unconstrained", "mirrored"]]
