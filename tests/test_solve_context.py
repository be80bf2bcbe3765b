"""`genforge solve` answers every task, including those whose answers depend on the run."""

import json
import shutil

from click.testing import CliRunner

import genforge
from genforge.cli import cli
from genforge.core.errors import UsageError

SIZES = {"test_id": 40, "test_ood": 40}


def run(args):
    return CliRunner().invoke(cli, args, standalone_mode=False)


def test_solve_reads_the_manifest_next_to_the_file_for_two_hop(tmp_path):
    genforge.generate("two_hop", tmp_path, params={"entities": 500}, sizes=SIZES)
    result = run(["solve", "two_hop", str(tmp_path / "two_hop" / "test_ood.jsonl"), "--check"])
    assert result.exception is None and "all 40 targets match the oracle" in result.output


def test_a_file_away_from_its_run_needs_the_manifest_named(tmp_path):
    genforge.generate("comparison", tmp_path, params={"entities": 200}, sizes=SIZES)
    lone = tmp_path / "lone.jsonl"
    shutil.copy(tmp_path / "comparison" / "test_id.jsonl", lone)
    result = run(["solve", "comparison", str(lone), "--check"])
    assert isinstance(result.exception, UsageError) and "--manifest" in str(result.exception)
    result = run(["solve", "comparison", str(lone), "--check", "--manifest",
                  str(tmp_path / "comparison" / "manifest.json")])
    assert result.exception is None and "all 40 targets match" in result.output


def test_the_python_oracle_takes_params_and_seed(tmp_path):
    manifest = genforge.generate("two_hop", tmp_path, params={"entities": 500}, sizes=SIZES, seed=3)
    record = json.loads((tmp_path / "two_hop" / "test_id.jsonl").read_text().splitlines()[0])
    answer = genforge.solve("two_hop", record["instruction"], record["input"],
                            params=manifest["params"], seed=manifest["seed"])
    assert answer == record["target"]


def test_a_manifest_of_another_task_is_refused(tmp_path):
    genforge.generate("two_hop", tmp_path, params={"entities": 500}, sizes=SIZES)
    result = run(["solve", "comparison", str(tmp_path / "two_hop" / "test_id.jsonl"), "--manifest",
                  str(tmp_path / "two_hop" / "manifest.json")])
    assert isinstance(result.exception, UsageError) and "not a manifest of a 'comparison' run" in str(result.exception)
