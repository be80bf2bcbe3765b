"""`genforge evaluate` and `genforge baseline` as a user runs them: outputs, errors with line numbers, exit codes."""

import csv
import io
import json

import click
import pytest
from click.testing import CliRunner

from evaluate_snapshot_fixture import build_snapshot, scored_records, write_predictions
from genforge.cli import main


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main_command(ctx):
    main(list(ctx.args))


def run(*args):
    """`genforge ARGS` through main(): the exit code and messages a user sees."""
    return CliRunner().invoke(_main_command, [str(a) for a in args])


@pytest.fixture
def snapshot(tmp_path):
    return build_snapshot(tmp_path)


@pytest.fixture
def all_right(tmp_path, snapshot):
    records = scored_records(snapshot) + scored_records(snapshot, "markov")
    return write_predictions(tmp_path / "right.jsonl", [(r["id"], r["target"]) for r in records])


def test_text_report_shows_headline_gap_tables_and_flags(snapshot, all_right):
    result = run("evaluate", all_right, "--snapshot", snapshot)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "missing predictions: 0" in out
    assert "ID (validation, test_id)" in out and "OOD test_ood_length [length]" in out
    assert "+0.000  [+0.000, +0.000]" in out
    assert "exact match by k (records)" in out and "exact match by domain (records)" in out
    assert "generalization valley by k" in out
    assert "! test_ood_length: trivial baseline copy_input scores 0.750 >= 0.5" in out


def test_json_output_is_the_report(snapshot, all_right):
    result = run("evaluate", all_right, "--snapshot", snapshot, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [t["task"] for t in report["tasks"]] == ["rewrite", "markov"]
    assert report["tasks"][0]["headline"]["ood"][0]["gap"] == 0.0


def test_csv_output_has_a_row_per_split_and_level(snapshot, all_right):
    result = run("evaluate", all_right, "--snapshot", snapshot, "--csv", "--split", "rewrite/test_id")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    split_row = [r for r in rows if r["breakdown"] == "split"]
    assert split_row == [{"task": "rewrite", "split": "test_id", "shift": "iid", "breakdown": "split", "measure": "",
                          "value": "", "records": "4", "correct": "4", "missing": "0", "exact_match": "1.0",
                          "token_accuracy": "1.0", "gap": "", "low": "1.0", "high": "1.0",
                          "gap_low": "", "gap_high": ""}]
    k_rows = {r["value"]: r["records"] for r in rows if r["breakdown"] == "complexity" and r["measure"] == "k"}
    assert k_rows == {"2": "2", "3": "2"}


def test_bad_lines_are_listed_with_line_numbers_and_exit_2(tmp_path, snapshot):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "rewrite/test_id/000000", "prediction": "cab"}\n'
        'not json\n'
        '{"id": "rewrite/test_id/000000", "prediction": "cab"}\n'
        '{"id": "rewrite/test_id/999999", "prediction": "x"}\n'
        '{"id": "rewrite/test_id/000001", "prediction": ["x"]}\n'
        '{"prediction": "x"}\n'
    )
    result = run("evaluate", path, "--snapshot", snapshot)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for expected in ("5 bad line(s)", "line 2: not valid JSON", "line 3: duplicate id 'rewrite/test_id/000000' (first on line 1)",
                     "line 4: unknown id 'rewrite/test_id/999999'", "line 5: 'prediction' must be a string, got list",
                     "line 6: not an object with 'id' and 'prediction'", "--lenient"):
        assert expected in result.stderr


def test_lenient_skips_and_counts_bad_lines(tmp_path, snapshot):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "rewrite/test_id/000000", "prediction": "cab"}\nnot json\n'
                    '{"id": "rewrite/test_id/000000", "prediction": "x"}\n{"id": "nope", "prediction": "x"}\n')
    result = run("evaluate", path, "--snapshot", snapshot, "--lenient", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["predictions"]["skipped"] == {"malformed": 1, "duplicate": 1, "unknown": 1}
    test_id = report["tasks"][0]["splits"][1]
    assert (test_id["split"], test_id["correct"], test_id["missing"]) == ("test_id", 1, 3)  # the first line wins


def test_numbers_are_accepted_as_predictions(tmp_path, snapshot):
    path = write_predictions(tmp_path / "p.jsonl", [("rewrite/test_id/000000", 42)])
    result = run("evaluate", path, "--snapshot", snapshot, "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, message", [
    ([], "--snapshot DIR"),
    (["--snapshot", "missing_dir"], "is not a folder"),
    (["--split", "test_nothing"], "--split 'test_nothing' matches no split; available:"),
    (["--json", "--csv"], "choose one of --json and --csv"),
])
def test_usage_errors_exit_2_with_a_message(tmp_path, snapshot, all_right, args, message):
    if args[:1] in (["--split"], ["--json"]):
        args = [*args, "--snapshot", snapshot]
    result = run("evaluate", all_right, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_a_missing_reference_file_is_named(tmp_path, snapshot, all_right):
    (snapshot / "rewrite" / "test_id.jsonl").unlink()
    result = run("evaluate", all_right, "--snapshot", snapshot)
    assert result.exit_code == 2 and "test_id.jsonl: listed in the manifest but missing" in result.stderr


def test_copy_input_baseline_predicts_inputs_of_every_scored_record(tmp_path, snapshot):
    out = tmp_path / "copy.jsonl"
    result = run("baseline", "copy_input", "--snapshot", snapshot, "--out", out)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    expected = {r["id"]: r["input"] for r in scored_records(snapshot) + scored_records(snapshot, "markov")}
    assert {line["id"]: line["prediction"] for line in lines} == expected
    report = json.loads(run("evaluate", out, "--snapshot", snapshot, "--json").stdout)
    ood = report["tasks"][0]["splits"][2]
    assert (ood["split"], ood["exact_match"]) == ("test_ood_length", 0.75)


def test_majority_baseline_predicts_the_most_frequent_train_target(tmp_path, snapshot):
    out = tmp_path / "majority.jsonl"
    assert run("baseline", "majority_target", "--snapshot", snapshot, "--out", out).exit_code == 0
    predictions = {json.loads(line)["id"]: json.loads(line)["prediction"] for line in out.read_text().splitlines()}
    assert predictions["rewrite/test_id/000000"] == "zz" and predictions["markov/test_id/000001"] == "b"
    report = json.loads(run("evaluate", out, "--snapshot", snapshot, "--json").stdout)
    assert report["tasks"][0]["splits"][0]["exact_match"] == 1.0  # validation: both targets are zz


def test_constant_baseline_needs_a_value(tmp_path, snapshot):
    out = tmp_path / "constant.jsonl"
    result = run("baseline", "constant", "--snapshot", snapshot, "--out", out)
    assert result.exit_code == 2 and "needs --value" in result.stderr and not out.exists()
    assert run("baseline", "constant", "--snapshot", snapshot, "--out", out, "--value", "zz").exit_code == 0
    assert {json.loads(line)["prediction"] for line in out.read_text().splitlines()} == {"zz"}


def test_majority_baseline_without_a_train_split_is_an_error(tmp_path, snapshot):
    result = run("baseline", "majority_target", "--data", snapshot / "rewrite" / "test_id.jsonl",
                 "--out", tmp_path / "m.jsonl")
    assert result.exit_code == 2 and "needs each task's train split" in result.stderr


def test_unknown_baseline_is_refused(tmp_path, snapshot):
    result = run("baseline", "oracle", "--snapshot", snapshot, "--out", tmp_path / "x.jsonl")
    assert result.exit_code == 2 and "oracle" in result.output


def test_measure_option_limits_the_complexity_tables(snapshot, all_right):
    result = run("evaluate", all_right, "--snapshot", snapshot, "--measure", "k")
    assert result.exit_code == 0, result.output
    assert "exact match by k (records)" in result.stdout and "by input_length" not in result.stdout
    result = run("evaluate", all_right, "--snapshot", snapshot, "--measure", "depth")
    assert result.exit_code == 2 and "--measure 'depth' is not a complexity measure" in result.stderr
