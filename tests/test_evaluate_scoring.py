"""Scoring hand-made predictions with known answers: exact numbers per split, level, domain."""

import json
import shutil

import pytest

import genforge
from evaluate_snapshot_fixture import build_snapshot, scored_records, write_predictions
from genforge.evaluate import evaluate


@pytest.fixture
def snapshot(tmp_path):
    return build_snapshot(tmp_path)


def predict(tmp_path, snapshot, rule, task_rule=None):
    """Predictions for every scored record: the target where rule(record, index in split) holds, else ''."""
    pairs = []
    for task in ("rewrite", "markov"):
        for record in scored_records(snapshot, task):
            index = int(record["id"].rsplit("/", 1)[1])
            right = rule(record, index) if task == "rewrite" else True
            pairs.append((record["id"], record["target"] if right else ""))
    return write_predictions(tmp_path / "preds.jsonl", pairs)


def task_report(report, task="rewrite"):
    (found,) = [t for t in report["tasks"] if t["task"] == task]
    return found


def splits_of(report, task="rewrite"):
    return {s["split"]: s for s in task_report(report, task)["splits"]}


def levels(split, measure):
    return {level["value"]: (level["exact_match"], level["records"]) for level in split["by_complexity"][measure]}


def valley(report, measure):
    view = task_report(report)["valley"][measure]
    return {row["value"]: (row["id_exact_match"], row["ood_exact_match"], row["gap"]) for row in view["levels"]}, view["peak"]


def test_all_right_scores_one_everywhere(tmp_path, snapshot):
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: True), snapshot=snapshot)
    for task in ("rewrite", "markov"):
        for split in splits_of(report, task).values():
            assert (split["exact_match"], split["token_accuracy"], split["missing"]) == (1.0, 1.0, 0)
    headline = task_report(report)["headline"]
    assert headline["id_splits"] == ["validation", "test_id"]
    assert headline["id"]["exact_match"] == 1.0 and headline["id"]["records"] == 6
    assert headline["ood"] == [{"split": "test_ood_length", "shift": "length", "records": 4, "correct": 4,
                                "exact_match": 1.0, "interval": [1.0, 1.0], "gap": 0.0,
                                "gap_interval": [0.0, 0.0]}]
    assert report["missing"] == 0


def test_all_wrong_scores_zero_everywhere(tmp_path, snapshot):
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: False), snapshot=snapshot)
    for split in splits_of(report).values():
        assert (split["exact_match"], split["token_accuracy"], split["correct"]) == (0.0, 0.0, 0)
        assert all(level["exact_match"] == 0.0 for level in split["by_complexity"]["k"])
    assert task_report(report)["headline"]["ood"][0]["gap"] == 0.0


def test_half_right_gives_one_half_per_split_and_exact_levels(tmp_path, snapshot):
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: i % 2 == 0), snapshot=snapshot)
    splits = splits_of(report)
    assert {name: (s["correct"], s["records"], s["exact_match"]) for name, s in splits.items()} == {
        "validation": (1, 2, 0.5), "test_id": (2, 4, 0.5), "test_ood_length": (2, 4, 0.5)}
    # Even positions of test_id and test_ood_length hold k = 2, odd ones k = 3.
    assert levels(splits["test_id"], "k") == {2: (1.0, 2), 3: (0.0, 2)}
    assert levels(splits["test_ood_length"], "k") == {2: (1.0, 2), 3: (0.0, 2)}
    assert levels(splits["test_id"], "input_length") == {4: (0.5, 2), 6: (0.5, 2)}
    assert {d["domain"]: d["exact_match"] for d in splits["test_id"]["by_domain"]} == {"periodic": 0.0, "repeated": 1.0}
    headline = task_report(report)["headline"]
    assert (headline["id"]["correct"], headline["id"]["records"], headline["ood"][0]["gap"]) == (3, 6, 0.0)


def test_right_only_on_short_inputs_opens_a_gap_that_peaks_at_k_3(tmp_path, snapshot):
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: r["meta"]["complexity"]["input_length"] <= 6),
                      snapshot=snapshot)
    splits = splits_of(report)
    assert splits["validation"]["exact_match"] == 1.0 and splits["test_id"]["exact_match"] == 1.0
    assert splits["test_ood_length"]["exact_match"] == 0.25
    assert levels(splits["test_ood_length"], "input_length") == {6: (1.0, 1), 8: (0.0, 2), 10: (0.0, 1)}
    headline = task_report(report)["headline"]
    assert headline["id"]["exact_match"] == 1.0 and headline["ood"][0]["gap"] == 0.75

    rows, peak = valley(report, "k")
    assert rows == {2: (1.0, 0.5, 0.5), 3: (1.0, 0.0, 1.0)} and peak == 3
    rows, peak = valley(report, "input_length")
    assert rows == {4: (1.0, None, None), 6: (1.0, 1.0, 0.0), 8: (None, 0.0, None), 10: (None, 0.0, None)}
    assert peak == 6


def test_token_accuracy_counts_matching_positions_over_the_longer_answer(tmp_path, snapshot):
    # test_id targets: cab, xcd, xcdef, xdefg
    answers = {"rewrite/test_id/000000": "cab", "rewrite/test_id/000001": "xc",       # 3/3, 2/3
               "rewrite/test_id/000002": "xcdeff", "rewrite/test_id/000003": "ydefg"}  # 5/6, 4/5
    path = write_predictions(tmp_path / "preds.jsonl", answers.items())
    report = evaluate(path, snapshot=snapshot, splits=["rewrite/test_id"])
    (split,) = task_report(report)["splits"]
    assert split["exact_match"] == 0.25
    assert split["token_accuracy"] == pytest.approx((1 + 2 / 3 + 5 / 6 + 4 / 5) / 4, abs=1e-6)


def test_answers_are_compared_after_the_tasks_normalization(tmp_path, snapshot):
    path = write_predictions(tmp_path / "preds.jsonl", [("rewrite/test_id/000000", "  cab \n")])
    report = evaluate(path, snapshot=snapshot, splits=["rewrite/test_id"])
    assert task_report(report)["splits"][0]["correct"] == 1


def test_missing_predictions_count_as_wrong_and_are_reported(tmp_path, snapshot):
    records = [r for r in scored_records(snapshot) if r["split"] == "test_id"]
    path = write_predictions(tmp_path / "preds.jsonl", [(r["id"], r["target"]) for r in records[:3]])
    report = evaluate(path, snapshot=snapshot)
    splits = splits_of(report)
    assert (splits["test_id"]["correct"], splits["test_id"]["missing"], splits["test_id"]["exact_match"]) == (3, 1, 0.75)
    assert splits["test_ood_length"]["missing"] == 4 and splits["test_ood_length"]["exact_match"] == 0.0
    assert report["missing"] == 1 + 4 + 2 + 2  # test_id, test_ood_length, validation, markov's test_id


def test_trivial_baselines_flag_splits_they_solve(tmp_path, snapshot):
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: True), snapshot=snapshot)
    splits = splits_of(report)
    assert splits["test_ood_length"]["baselines"] == {"copy_input": 0.75, "majority_target": 0.0}
    assert splits["test_ood_length"]["trivial"] == ["copy_input"]
    assert splits["validation"]["baselines"] == {"copy_input": 0.0, "majority_target": 1.0}
    assert splits["validation"]["trivial"] == ["majority_target"]
    assert splits["test_id"]["trivial"] == []
    strict = evaluate(predict(tmp_path, snapshot, lambda r, i: True), snapshot=snapshot, threshold=0.8)
    assert splits_of(strict)["test_ood_length"]["trivial"] == []


def test_split_option_restricts_scoring_and_counts_other_predictions(tmp_path, snapshot):
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: True), snapshot=snapshot, splits=["test_id"])
    assert [t["task"] for t in report["tasks"]] == ["rewrite", "markov"]
    assert list(splits_of(report)) == ["test_id"]
    assert report["predictions"]["outside_scope"] == 2 + 4  # validation and test_ood_length of rewrite


def test_task_folder_data_files_and_snapshot_give_the_same_numbers(tmp_path, snapshot):
    predictions = predict(tmp_path, snapshot, lambda r, i: i % 2 == 0)
    from_snapshot = splits_of(evaluate(predictions, snapshot=snapshot))
    # Predictions for markov are ids no longer known once only rewrite is given: skip them.
    from_folder = splits_of(evaluate(predictions, snapshot=snapshot / "rewrite", lenient=True))
    files = [snapshot / "rewrite" / f"{name}.jsonl" for name in ("train", "validation", "test_id", "test_ood_length")]
    from_files = splits_of(evaluate(predictions, data=files, lenient=True))
    assert from_snapshot == from_folder == from_files


def test_data_files_without_a_manifest_take_the_shift_from_the_split_name(tmp_path, snapshot):
    loose = tmp_path / "loose"
    loose.mkdir()
    for name in ("validation", "test_ood_length"):
        shutil.copy(snapshot / "rewrite" / f"{name}.jsonl", loose)
    records = scored_records(snapshot)
    predictions = write_predictions(tmp_path / "p.jsonl", [(r["id"], r["target"]) for r in records
                                                           if r["split"] != "test_id"])
    report = evaluate(predictions, data=[loose / "validation.jsonl", loose / "test_ood_length.jsonl"])
    headline = task_report(report)["headline"]
    assert headline["id_splits"] == ["validation"]
    assert headline["ood"][0]["shift"] == "length"
    # No train split given: the majority baseline has nothing to predict.
    assert splits_of(report)["validation"]["baselines"]["majority_target"] is None


def test_a_folder_of_generated_task_folders_is_accepted(tmp_path, snapshot):
    (snapshot / "manifest.json").unlink()
    report = evaluate(predict(tmp_path, snapshot, lambda r, i: True), snapshot=snapshot)
    assert sorted(t["task"] for t in report["tasks"]) == ["markov", "rewrite"]


def test_generated_rewrite_folder_scores_short_only_model(tmp_path):
    genforge.generate("rewrite", tmp_path / "out", split_plan="longer", seed=0,
                      sizes={"train": 20, "validation": 6, "test_id": 6, "test_ood_length": 6},
                      params={"input_length": 8, "pattern_length": 3, "replacement_length": 2,
                              "longer_input_length": 12})
    folder = tmp_path / "out" / "rewrite"
    records = scored_records(tmp_path / "out")
    predictions = write_predictions(tmp_path / "p.jsonl", [
        (r["id"], r["target"] if r["meta"]["complexity"]["input_length"] <= 8 else r["input"]) for r in records])
    report = evaluate(predictions, snapshot=folder)
    (task,) = report["tasks"]
    assert task["headline"]["id"] == {"records": 12, "correct": 12, "missing": 0, "exact_match": 1.0,
                                      "token_accuracy": 1.0, "interval": [1.0, 1.0]}
    assert task["headline"]["ood"][0]["exact_match"] == 0.0 and task["headline"]["ood"][0]["gap"] == 1.0
    ood = splits_of(report)["test_ood_length"]
    assert all(level["exact_match"] == 0.0 for level in ood["by_complexity"]["input_length"])
    assert {level["value"] for level in ood["by_complexity"]["input_length"]} <= set(range(9, 13))
    assert json.loads(json.dumps(report)) == report  # the report is plain JSON


def test_data_files_take_the_shift_from_the_manifest_next_to_them(tmp_path, snapshot):
    manifest_path = snapshot / "rewrite" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["splits"][3]["shift"] = "complexity"  # test_ood_length; its name alone would say 'length'
    manifest_path.write_text(json.dumps(manifest))
    predictions = write_predictions(tmp_path / "p.jsonl", [])
    report = evaluate(predictions, data=[snapshot / "rewrite" / "test_ood_length.jsonl"])
    assert task_report(report)["headline"]["ood"][0]["shift"] == "complexity"
