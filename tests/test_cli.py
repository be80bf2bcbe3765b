"""The CLI as a user runs it: exit codes, one clear message, no traceback, nothing written."""

import json

import pytest
from click.testing import CliRunner

from genforge.cli import main

SMALL = ["--size", "train=60", "--size", "validation=10", "--size", "test_id=10", "--size", "test_ood_instruction=10"]


def invoke(args):
    """Run `genforge ARGS` through main() and return (exit code, stdout, stderr)."""
    runner = CliRunner()
    result = runner.invoke(_main_command, args)
    return result


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main_command(ctx):
    main(list(ctx.args))


def test_list_shows_the_rewriting_tasks():
    result = invoke(["list"])
    assert result.exit_code == 0
    assert "rewrite" in result.stdout and "markov" in result.stdout


def test_describe_shows_parameters_with_ranges_and_plans():
    result = invoke(["describe", "rewrite"])
    assert result.exit_code == 0
    assert "input_length = 50 (integer) [1..10000]" in result.stdout
    assert "unseen_instructions" in result.stdout and "test_ood_instruction" in result.stdout


def test_generate_then_validate(tmp_path):
    result = invoke(["generate", "rewrite", "--out", str(tmp_path), *SMALL, "--param", "input_length=30"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rewrite" / "manifest.json").is_file()
    result = invoke(["validate", str(tmp_path / "rewrite")])
    assert result.exit_code == 0 and "valid: 90 records" in result.stdout


def test_validate_names_file_and_line_of_a_corrupted_record(tmp_path):
    invoke(["generate", "rewrite", "--out", str(tmp_path), *SMALL])
    path = tmp_path / "rewrite" / "validation.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[6])
    record["meta"]["complexity"]["input_length"] = -3
    lines[6] = json.dumps(record, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    result = invoke(["validate", str(tmp_path / "rewrite")])
    assert result.exit_code == 1
    assert "validation.jsonl:7" in result.stderr and "input_length" in result.stderr
    assert "Traceback" not in result.output


def test_validate_detects_a_checksum_change_that_keeps_records_valid(tmp_path):
    invoke(["generate", "rewrite", "--out", str(tmp_path), *SMALL])
    path = tmp_path / "rewrite" / "test_id.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"input":"', b'"input":"a', 1))
    result = invoke(["validate", str(tmp_path / "rewrite")])
    assert result.exit_code == 1 and "checksum mismatch" in result.stderr


def test_solve_fills_and_checks_targets(tmp_path):
    invoke(["generate", "markov", "--out", str(tmp_path), *SMALL])
    source = tmp_path / "markov" / "test_id.jsonl"
    result = invoke(["solve", "markov", str(source), "--check"])
    assert result.exit_code == 0 and "all 10 targets match" in result.stdout
    blank = tmp_path / "blank.jsonl"
    records = [json.loads(line) for line in source.read_text().splitlines()]
    blank.write_text("".join(json.dumps({"instruction": r["instruction"], "input": r["input"]}) + "\n" for r in records))
    filled = invoke(["solve", "markov", str(blank)])
    assert [json.loads(line)["target"] for line in filled.stdout.splitlines()] == [r["target"] for r in records]
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({**records[0], "target": "zzz"}) + "\n")
    result = invoke(["solve", "markov", str(wrong), "--check"])
    assert result.exit_code == 1 and "wrong.jsonl:1" in result.stdout


BAD_INPUTS = [
    (["generate", "rewrit", "--out", "{out}"], "unknown task 'rewrit'"),
    (["generate", "rewrite", "--out", "{out}", "--param", "input_lenght=5"], "did you mean 'input_length'"),
    (["generate", "rewrite", "--out", "{out}", "--param", "input_length=0"], "'input_length' = 0 is out of range"),
    (["generate", "rewrite", "--out", "{out}", "--param", "pattern_length=60"], "must be <= input_length"),
    (["generate", "rewrite", "--out", "{out}", "--param", "domains=fancy"], "'domains'[0]"),
    (["generate", "rewrite", "--out", "{out}", "--size", "train=many"], "not a whole number"),
    (["generate", "rewrite", "--out", "{out}", "--size", "train=-4"], "expected a whole number >= 0"),
    (["generate", "rewrite", "--out", "{out}", "--split-plan", "lnger"], "did you mean 'longer'"),
    (["generate", "rewrite", "--out", "{out}", "--workers", "0"], "workers = 0"),
    (["generate", "rewrite", "--out", "{out}", "--seed", "-1"], "seed = -1"),
    (["generate", "rewrite", "--out", "{out}", "--param", "noparam"], "is not KEY=VALUE"),
    (["generate", "rewrite", "--out", "{out}", "--param", "alphabet_size=2", "--param", "input_length=2",
      "--param", "pattern_length=1", "--param", "replacement_length=1", "--param", "n_instructions=50"],
     "distinct training instructions"),
    (["validate", "{out}/missing"], "does not exist"),
    (["solve", "rewrite", "{out}/missing.jsonl"], "does not exist"),
    (["describe", "nothing"], "unknown task 'nothing'"),
]


@pytest.mark.parametrize("args, message", BAD_INPUTS)
def test_bad_input_exits_2_with_one_message_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    result = invoke([a.replace("{out}", str(out)) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.count("error") >= 1 and len(result.stderr.strip().splitlines()) <= 2
    assert not out.exists() or not any(out.iterdir())


def test_existing_output_without_overwrite_exits_2(tmp_path):
    assert invoke(["generate", "rewrite", "--out", str(tmp_path), *SMALL]).exit_code == 0
    result = invoke(["generate", "rewrite", "--out", str(tmp_path), *SMALL])
    assert result.exit_code == 2 and "--overwrite" in result.stderr
