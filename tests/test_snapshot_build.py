"""`genforge snapshot build`: layout, manifest, card, Croissant, GenBench card, lm-eval YAMLs, determinism."""

import importlib.util
import json
import re

import pytest
import yaml
from snapshot_helpers import SMALL_SUITE, build_small, files_of, run_cli

from genforge.core.checking import file_digest
from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.validation import explain_against
from genforge.snapshot.build import build_snapshot
from genforge.snapshot.lm_eval_export import HELPER_NAME
from genforge.snapshot.suite import DEFAULT_CANARY, load_suite
from genforge.core.registry import get_task


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build") / "snap"
    build_small(folder)
    return folder


@pytest.fixture(scope="module")
def manifest(snapshot):
    return json.loads((snapshot / "manifest.json").read_text())


def test_every_task_has_its_folder_of_splits_and_manifest(snapshot):
    for task, splits in (("rewrite", ["train", "validation", "test_id", "test_ood_instruction"]),
                         ("markov", ["train", "validation", "test_id", "test_ood_instruction"])):
        names = sorted(path.name for path in (snapshot / task).iterdir())
        assert names == sorted([f"{split}.jsonl" for split in splits] + ["manifest.json"])


def test_the_manifest_matches_its_schema_and_lists_every_file_with_its_checksum(snapshot, manifest):
    assert explain_against("snapshot_manifest.schema.json", manifest) is None
    on_disk = set(files_of(snapshot)) - {"manifest.json"}
    assert {entry["path"] for entry in manifest["files"]} == on_disk
    for entry in manifest["files"]:
        sha256, size, lines = file_digest(snapshot / entry["path"])
        assert (sha256, size) == (entry["sha256"], entry["bytes"])
        if entry["split"] is not None:
            assert lines == entry["records"]
    assert {"path": "rewrite/manifest.json", "task": None, "split": None} .items() <= next(
        e for e in manifest["files"] if e["path"] == "rewrite/manifest.json").items()


def test_sizes_follow_the_suite(manifest):
    counts = {(e["task"], e["split"]): e["records"] for e in manifest["files"] if e["split"]}
    assert counts[("rewrite", "train")] == 60 and counts[("rewrite", "test_ood_instruction")] == 20
    assert counts[("markov", "test_id")] == 15


def test_record_ids_are_unique_across_the_snapshot(snapshot, manifest, read_records):
    ids = [record["id"] for entry in manifest["files"] if entry["split"]
           for record in read_records(snapshot / entry["path"])]
    assert len(ids) == len(set(ids)) == 60 * 2 + 20 * 5 + 15
    assert all(re.fullmatch(r"(rewrite|markov)/[a-z_]+/\d{6}", record_id) for record_id in ids)


def test_the_canary_guid_is_in_the_manifest_card_and_croissant(snapshot, manifest):
    assert DEFAULT_CANARY in manifest["canary"]
    assert DEFAULT_CANARY in (snapshot / "README.md").read_text()
    assert DEFAULT_CANARY in (snapshot / "croissant.json").read_text()


def _card_header(snapshot):
    text = (snapshot / "README.md").read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1]), text


def test_the_card_header_names_configs_per_task_with_data_files_per_split(snapshot):
    header, _ = _card_header(snapshot)
    configs = {config["config_name"]: config["data_files"] for config in header["configs"]}
    assert set(configs) == {"rewrite", "markov"}
    assert {"split": "test_id", "path": "markov/test_id.jsonl"} in configs["markov"]
    assert header["license"] == "cc-by-4.0" and header["size_categories"] == ["n<1K"]
    assert header["task_categories"] == ["text-generation"]


def test_the_card_tabulates_splits_with_counts_complexity_and_genbench_labels(snapshot):
    _, text = _card_header(snapshot)
    rows = {tuple(line.split(" | ")[:2]): line for line in text.splitlines() if line.startswith("| ")}
    row = rows[("| markov " + get_task("markov").version, "test_id")]
    assert "| 15 |" in row and "rules " in row and "in-distribution" in row
    ood = rows[("| rewrite " + get_task("rewrite").version, "test_ood_instruction")]
    assert "across_task (covariate shift)" in ood
    assert "## Citation" in text and "genforge snapshot verify" in text


def test_the_genbench_card_labels_each_split(snapshot):
    card = json.loads((snapshot / "genbench_card.json").read_text())
    assert explain_against("genbench_card.schema.json", card) is None
    splits = {(task["task"], split["name"]): split for task in card["tasks"] for split in task["splits"]}
    ood = splits[("rewrite", "test_ood_instruction")]
    assert (ood["generalisation_type"], ood["shift_type"], ood["shift_source"], ood["shift_locus"]) == (
        "across_task", "covariate", "fully_generated_data", "train-test")
    assert splits[("markov", "test_id")]["in_distribution"] is True
    assert splits[("markov", "test_id")]["generalisation_type"] is None
    assert splits[("markov", "train")]["role"] == "train"


def test_croissant_describes_every_jsonl_file_with_license_creator_and_date(snapshot, manifest):
    croissant = json.loads((snapshot / "croissant.json").read_text())
    assert croissant["license"].startswith("https://creativecommons.org/licenses/by/4.0")
    assert croissant["creator"]["name"] == "genforge developers" and croissant["datePublished"] == "2026-11-28"
    by_path = {item["contentUrl"]: item for item in croissant["distribution"]}
    for entry in (e for e in manifest["files"] if e["split"]):
        assert by_path[entry["path"]]["sha256"] == entry["sha256"]
    assert {record_set["name"] for record_set in croissant["recordSet"]} >= {"rewrite/train", "markov/test_id"}


class _FunctionLoader(yaml.SafeLoader):
    pass


_FunctionLoader.add_constructor("!function", lambda loader, node: ("function", loader.construct_scalar(node)))


def test_lm_eval_yamls_exist_per_task_and_test_split_and_load_data_through_a_function(snapshot):
    folder = snapshot / "lm_eval"
    names = sorted(path.name for path in folder.glob("*.yaml"))
    assert names == ["genforge.yaml", *(f"genforge_{task}{split}.yaml" for task in ("markov", "rewrite")
                                        for split in ("", "_test_id", "_test_ood_instruction"))]
    config = yaml.load((folder / "genforge_rewrite_test_id.yaml").read_text(), Loader=_FunctionLoader)
    assert config["task"] == "genforge_rewrite_test_id" and config["output_type"] == "generate_until"
    assert config["dataset_path"] == "json"
    assert config["dataset_kwargs"] == ("function", "genforge_lm_eval.DATASET_rewrite__test_id")
    assert (config["test_split"], config["fewshot_split"]) == ("test_id", "train")
    assert config["generation_kwargs"]["until"] == ["\n"]
    assert config["metric_list"][0]["metric"] == "exact_match"
    assert (folder / HELPER_NAME).is_file()


def test_the_lm_eval_helper_scores_with_the_tasks_normalization(snapshot):
    spec = importlib.util.spec_from_file_location("genforge_lm_eval_helper", snapshot / "lm_eval" / HELPER_NAME)
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    namespace = vars(helper)
    doc = {"task": "rewrite", "split": "test_id", "instruction": "ab -> c", "input": "xaby", "target": "xcy"}
    assert namespace["doc_to_text"](doc) == "Instruction: ab -> c\nInput: xaby\nOutput:"
    assert namespace["process_results"](doc, ["  xcy "])["exact_match"] == 1.0
    assert namespace["process_results"](doc, ["xc y"])["exact_match"] == 0.0


def test_a_snapshot_built_twice_is_byte_identical_whatever_the_worker_count(snapshot, tmp_path):
    build_small(tmp_path / "again", workers=2)
    assert files_of(tmp_path / "again") == files_of(snapshot)


def test_a_failed_build_leaves_nothing_behind(tmp_path):
    impossible = {"name": "impossible", "tasks": [
        {"task": "markov", "sizes": {"train": 10}},
        {"task": "rewrite", "params": {"alphabet_size": 2, "input_length": 1, "pattern_length": 1,
                                       "replacement_length": 0, "n_instructions": 1},
         "sizes": {"train": 50, "validation": 1, "test_id": 1, "test_ood_instruction": 1}},
    ]}
    with pytest.raises(InfeasibleError):
        build_snapshot(load_suite(impossible), tmp_path / "snap")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_snapshot_is_replaced_only_with_overwrite(snapshot, tmp_path):
    (tmp_path / "snap").mkdir()
    with pytest.raises(UsageError, match="overwrite=True"):
        build_small(tmp_path / "snap")
    build_small(tmp_path / "snap", overwrite=True)
    assert files_of(tmp_path / "snap") == files_of(snapshot)


def test_the_cli_builds_a_restricted_suite(tmp_path):
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps(SMALL_SUITE))
    result = run_cli(["snapshot", "build", suite, "--out", tmp_path / "snap", "--tasks", "markov", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "markov: train 60, validation 20, test_id 15, test_ood_instruction 20" in result.stdout
    assert not (tmp_path / "snap" / "rewrite").exists()
    assert json.loads((tmp_path / "snap" / "suite.json").read_text())["tasks"][0]["task"] == "markov"
