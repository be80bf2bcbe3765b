"""genforge.score, genforge.evaluate (paths or dicts, a Report) and the bootstrap intervals."""

import json

import pytest

import genforge
from genforge.core.errors import UsageError
from genforge.evaluate.intervals import accuracy_interval, gap_interval


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("python_api") / "data"
    genforge.generate("rewrite", out, sizes={"train": 20, "validation": 10, "test_id": 30,
                                             "test_ood_instruction": 30},
                      params={"input_length": 12, "pattern_length": 3, "replacement_length": 3})
    return out / "rewrite"


def records(folder, split):
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines()]


def test_score_normalizes_and_gives_token_accuracy():
    record = {"task": "rewrite", "target": "abcd"}
    assert genforge.score(" abcd\n", record) == {"exact_match": 1.0, "token_accuracy": 1.0}
    assert genforge.score("abce", record) == {"exact_match": 0.0, "token_accuracy": 0.75}
    assert genforge.score(None, record)["exact_match"] == 0.0
    with pytest.raises(UsageError, match="genforge record"):
        genforge.score("x", {"target": "x"})


def test_evaluate_takes_dicts_and_returns_a_report(folder):
    references = [r for split in ("train", "test_id", "test_ood_instruction") for r in records(folder, split)]
    predictions = [{"id": r["id"], "prediction": r["target"] if r["split"] == "test_id" else r["input"]}
                   for r in references if r["split"] != "train"]
    report = genforge.evaluate(predictions, references)
    data = report.to_dict()
    (task,) = data["tasks"]
    assert task["headline"]["id"]["exact_match"] == 1.0
    assert task["headline"]["ood"][0]["gap"] == pytest.approx(1.0 - task["headline"]["ood"][0]["exact_match"])
    assert "headline (exact match with bootstrap 95% interval" in report.text() == str(report)


def test_evaluate_takes_paths_and_verifies_a_folder(folder, tmp_path):
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps({"id": r["id"], "prediction": r["target"]}) + "\n"
                                   for r in records(folder, "test_id")))
    report = genforge.evaluate(predictions, folder)
    assert report["verified"] is True and "(checksums verified)" in report.text()


def test_every_accuracy_and_gap_carries_an_interval_around_it(folder, tmp_path):
    predictions = [{"id": r["id"], "prediction": r["target"] if i % 3 else "no"}
                   for split in ("validation", "test_id", "test_ood_instruction")
                   for i, r in enumerate(records(folder, split))]
    report = genforge.evaluate(predictions, folder).to_dict()
    (task,) = report["tasks"]
    for split in task["splits"]:
        low, high = split["interval"]
        assert low <= split["exact_match"] <= high and high - low > 0
    ood = task["headline"]["ood"][0]
    low, high = task["headline"]["id"]["interval"]
    assert low < task["headline"]["id"]["exact_match"] < high
    assert ood["gap_interval"][0] <= ood["gap"] <= ood["gap_interval"][1]
    for split in task["splits"]:  # breakdowns too
        for level in [*split["by_domain"], *(v for levels in split["by_complexity"].values() for v in levels)]:
            assert level["interval"][0] <= level["exact_match"] <= level["interval"][1]
    for view in task["valley"].values():
        for row in view["levels"]:
            if row["gap"] is not None:
                assert row["gap_interval"][0] <= row["gap"] <= row["gap_interval"][1]
    assert genforge.evaluate(predictions, folder).to_dict() == report  # seeded: the same twice


def test_intervals_narrow_as_records_grow_and_are_empty_for_no_records():
    small, large = accuracy_interval(15, 20), accuracy_interval(750, 1000)
    assert large[1] - large[0] < small[1] - small[0]
    assert accuracy_interval(0, 0) is None and gap_interval((1, 2), (0, 0)) is None
    assert accuracy_interval(20, 20) == [1.0, 1.0]


def test_the_csv_report_carries_the_intervals(folder, tmp_path):
    import csv
    import io

    from snapshot_helpers import run_cli

    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps({"id": r["id"], "prediction": r["target"] if i % 2 else "?"}) + "\n"
                                   for i, r in enumerate(records(folder, "test_ood_instruction"))))
    result = run_cli(["evaluate", predictions, "--snapshot", folder, "--csv"])
    rows = [row for row in csv.DictReader(io.StringIO(result.stdout)) if row["breakdown"] == "split"]
    ood = next(row for row in rows if row["split"] == "test_ood_instruction")
    assert float(ood["low"]) < float(ood["exact_match"]) < float(ood["high"])
    assert float(ood["gap_low"]) <= float(ood["gap"]) <= float(ood["gap_high"])
