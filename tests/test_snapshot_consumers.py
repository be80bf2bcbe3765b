"""A snapshot read by the real consumers: Hugging Face datasets, mlcroissant, lm-evaluation-harness.

Each test is skipped only when its package is not installed (`pip install -e '.[snapshot-tests]'`;
.ci/run installs them).
"""

import json
import shutil
import subprocess
import sys

import pytest
from snapshot_helpers import build_small


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("consumers") / "snap"
    build_small(folder)
    return folder


def test_datasets_loads_each_task_config_with_its_split_counts(snapshot):
    datasets = pytest.importorskip("datasets")
    markov = datasets.load_dataset(str(snapshot), "markov")
    assert {name: len(split) for name, split in markov.items()} == {
        "train": 60, "validation": 20, "test_id": 15, "test_ood_instruction": 20}
    rewrite = datasets.load_dataset(str(snapshot), "rewrite", split="test_ood_instruction")
    assert rewrite[0]["id"] == "rewrite/test_ood_instruction/000000"


def test_mlcroissant_validates_the_metadata_offline_and_reads_records(snapshot):
    mlcroissant = pytest.importorskip("mlcroissant")
    dataset = mlcroissant.Dataset(jsonld=str(snapshot / "croissant.json"))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors, issues.report()
    metadata = json.loads((snapshot / "croissant.json").read_text())
    assert metadata["license"] and metadata["creator"]["name"] and metadata["datePublished"]
    records = list(dataset.records("markov/test_id"))
    assert len(records) == 15
    assert records[0]["markov/test_id/id"] == b"markov/test_id/000000"


def test_lm_eval_runs_the_exported_tasks_with_its_dummy_model_from_anywhere(snapshot, tmp_path):
    pytest.importorskip("lm_eval")
    moved = tmp_path / "elsewhere" / "snap"
    shutil.copytree(snapshot, moved)  # relocatable: data found next to the YAMLs, not via the cwd
    # The CLI's task manager indexes the YAMLs; the tag genforge_markov selects both test splits.
    run = subprocess.run(
        [sys.executable, "-m", "lm_eval", "--model", "dummy", "--include_path", str(moved / "lm_eval"),
         "--tasks", "genforge_markov", "--limit", "5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = run.stdout
    assert "genforge_markov_test_id" in table and "genforge_markov_test_ood_instruction" in table
    assert "exact_match" in table
