"""`genforge solve --keep-going` (issue 17 item 10): an error per unanswerable record and a count, never a stop."""

import json

from test_cli import invoke

GOOD = {"instruction": "a -> b", "input": "aab"}
BAD_RULE = {"instruction": "A -> b", "input": "aab"}


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_without_keep_going_solve_stops_at_the_first_unanswerable_record(tmp_path):
    path = write(tmp_path / "in.jsonl", [json.dumps(GOOD), json.dumps(BAD_RULE), json.dumps(GOOD)])
    result = invoke(["solve", "markov", str(path)])
    assert result.exit_code == 2 and "in.jsonl:2" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_keep_going_writes_every_record_an_error_for_each_failure_and_a_count(tmp_path):
    lines = [json.dumps(GOOD), json.dumps(BAD_RULE), "not json", json.dumps({"input": "ab"}), json.dumps(GOOD)]
    path = write(tmp_path / "in.jsonl", lines)
    result = invoke(["solve", "markov", str(path), "--keep-going"])
    assert result.exit_code == 1, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]  # every line whole JSON
    assert len(out) == 5
    assert out[0]["target"] == "bbb" and out[4]["target"] == "bbb" and "error" not in out[0]
    assert out[1]["target"] is None and "cannot read rule" in out[1]["error"] and out[1]["line"] == 2
    assert out[2] == {"line": 3, "target": None, "error": out[2]["error"]} and "JSON object" in out[2]["error"]
    assert out[3]["target"] is None and out[3]["line"] == 4  # no instruction: the oracle cannot read it
    assert "in.jsonl:2" in result.stderr and "in.jsonl:3" in result.stderr
    assert "3 of 5 record(s) could not be answered" in result.stderr
    assert "Traceback" not in result.output


def test_keep_going_with_every_record_answered_exits_0(tmp_path):
    path = write(tmp_path / "in.jsonl", [json.dumps(GOOD)] * 2)
    result = invoke(["solve", "markov", str(path), "--keep-going"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2 and "could not" not in result.stderr


def test_keep_going_with_check_counts_errors_and_mismatches(tmp_path):
    lines = [json.dumps({**GOOD, "target": "bbb"}), json.dumps({**GOOD, "target": "x"}), json.dumps(BAD_RULE)]
    path = write(tmp_path / "in.jsonl", lines)
    result = invoke(["solve", "markov", str(path), "--check", "--keep-going"])
    assert result.exit_code == 1
    assert "in.jsonl:2: target 'x'" in result.stdout and "in.jsonl:3:" in result.stdout
    assert "1 mismatching record(s)" in result.stderr and "1 of 3 record(s) could not be answered" in result.stderr
