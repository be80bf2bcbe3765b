"""Predictions bound to their data; references verified before scoring; manifests checked against their run."""

import json

import pytest
from snapshot_helpers import build_small, run_cli

import genforge
from genforge.core.checking import validate_path
from genforge.core.errors import CheckFailed

SIZES = {"train": 20, "validation": 5, "test_id": 10, "test_ood_instruction": 10}


def generate(out, seed):
    genforge.generate("rewrite", out, sizes=SIZES, seed=seed,
                      params={"input_length": 12, "pattern_length": 3, "replacement_length": 3})
    return out / "rewrite"


def oracle_predictions(prompts_path, out):
    """A model answering each prompt line right, carrying the digest as documented."""
    with open(out, "w") as file:
        for line in prompts_path.read_text().splitlines():
            row = json.loads(line)
            file.write(json.dumps({"id": row["id"], "digest": row["digest"], "prediction": row["target"]}) + "\n")
    return out


def test_predictions_made_for_another_seed_are_refused_with_counts_and_an_example(tmp_path):
    seed0, seed1 = generate(tmp_path / "zero", 0), generate(tmp_path / "one", 1)
    assert run_cli(["prompts", seed0, "--out", tmp_path / "prompts.jsonl"]).exit_code == 0
    predictions = oracle_predictions(tmp_path / "prompts.jsonl", tmp_path / "preds.jsonl")
    assert run_cli(["evaluate", predictions, "--snapshot", seed0]).exit_code == 0
    result = run_cli(["evaluate", predictions, "--snapshot", seed1])
    assert result.exit_code == 2, result.output
    assert "25 of 25 prediction(s) were made for other data" in result.output
    assert "line 1: id 'rewrite/validation/000000' carries digest" in result.output
    assert "Traceback" not in result.output


def test_baseline_predictions_carry_digests_and_unbound_ones_are_reported(tmp_path):
    folder = generate(tmp_path / "data", 0)
    assert run_cli(["baseline", "copy_input", "--snapshot", folder, "--out", tmp_path / "copy.jsonl"]).exit_code == 0
    rows = [json.loads(line) for line in (tmp_path / "copy.jsonl").read_text().splitlines()]
    assert all(len(row["digest"]) == 16 for row in rows)
    bare = tmp_path / "bare.jsonl"
    bare.write_text("".join(json.dumps({"id": r["id"], "prediction": r["prediction"]}) + "\n" for r in rows))
    result = run_cli(["evaluate", bare, "--snapshot", folder])
    assert result.exit_code == 0 and "unchecked: 25 predictions carry no 'digest'" in result.output


def test_evaluate_verifies_a_snapshots_checksums_first_and_no_verify_skips_it(tmp_path):
    snapshot = tmp_path / "snap"
    build_small(snapshot)
    path = snapshot / "markov" / "test_id.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("".join(json.dumps({"id": r["id"], "prediction": r["target"]}) + "\n" for r in records))
    records[0]["target"] = records[0]["target"] + "x"
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
    result = run_cli(["evaluate", predictions, "--snapshot", snapshot, "--split", "markov/test_id"])
    assert result.exit_code == 1 and "markov/test_id.jsonl: checksum mismatch" in result.output
    assert "--no-verify" in result.output
    result = run_cli(["evaluate", predictions, "--snapshot", snapshot, "--split", "markov/test_id", "--no-verify"])
    assert result.exit_code == 0 and "14/15" in result.output


def test_evaluate_verifies_a_generated_folder_and_data_files_with_a_manifest(tmp_path):
    folder = generate(tmp_path / "data", 0)
    path = folder / "test_id.jsonl"
    path.write_text(path.read_text().replace('"target":"', '"target":"q', 1))
    predictions = tmp_path / "empty.jsonl"
    predictions.write_text("")
    assert run_cli(["evaluate", predictions, "--snapshot", folder]).exit_code == 1
    result = run_cli(["evaluate", predictions, "--data", path])
    assert result.exit_code == 1 and "checksum mismatch" in result.output


def edit_manifest(folder, change):
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def test_validate_rejects_an_ood_split_relabelled_iid(tmp_path):
    folder = generate(tmp_path / "data", 0)
    assert validate_path(folder)["records"] == 45  # the dataset card next to it is accepted
    edit_manifest(folder, lambda m: m["splits"][3].update(shift="iid"))
    with pytest.raises(CheckFailed, match="split 'test_ood_instruction' declares shift 'iid'"):
        validate_path(folder)


def test_validate_rejects_params_that_are_not_the_runs(tmp_path):
    folder = generate(tmp_path / "data", 0)
    edit_manifest(folder, lambda m: m["params"].update(input_length=13))
    with pytest.raises(CheckFailed, match="record 1 of split .train. is not what the run"):
        validate_path(folder)


def test_validate_rejects_a_target_changed_with_its_checksum_updated(tmp_path):
    import hashlib

    folder = generate(tmp_path / "data", 0)
    path = folder / "test_id.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[2]["target"] = records[2]["input"][::-1]
    data = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
    path.write_bytes(data)

    def update(manifest):
        entry = next(e for e in manifest["files"] if e["split"] == "test_id")
        entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    edit_manifest(folder, update)
    with pytest.raises(CheckFailed, match="record 3 of split .test_id. is not what the run"):
        validate_path(folder)
