"""``validate`` and ``solve`` on deep or huge inputs: one refusal naming the limit, bounded memory.

Bad-input kinds here (7): a JSON line nested 100,000 deep (validate, solve), a
``hint`` expression of 1,000 ``+1`` terms, a ``symbolic`` input inside 300
parentheses, a ``pcfg_set`` input of 1,000 nested ``reverse`` calls, and a
``markov`` run that would take 200,000 steps on a 200,000-symbol input (its
trace alone would be 40 GB) or grow its text without bound.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import genforge
from genforge.cli import main
from genforge.core.errors import UsageError


def run(args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit:
            code = exit.code
    return code, out.getvalue(), err.getvalue()


def one_refusal(args, code: int = 2) -> str:
    found, _, message = run(args)
    assert found == code, (found, message)
    assert message.startswith("genforge: error: ") and message.count("\n") == 1, message
    return message


def test_validate_on_a_line_nested_100000_deep_names_the_limit(tmp_path):
    (tmp_path / "deep.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    message = one_refusal(["validate", tmp_path / "deep.jsonl"], code=1)
    assert "deep.jsonl:1" in message and "nested" in message


def test_solve_on_a_line_nested_100000_deep_names_the_line_and_the_limit(tmp_path):
    (tmp_path / "deep.jsonl").write_text('{"input": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    message = one_refusal(["solve", "hint", tmp_path / "deep.jsonl"])
    assert "deep.jsonl:1" in message and "nested" in message


def record_file(tmp_path: Path, instruction, text: str) -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"instruction": instruction, "input": text}) + "\n")
    return path


@pytest.mark.parametrize("task, instruction, text", [
    ("hint", None, "+".join(["1"] * 1000)),
    ("symbolic", "(a - 8)^2 -> a^2 - 16*a + 64", "(" * 300 + "x" + ")" * 300),
    ("pcfg_set", None, "reverse " * 1000 + "A1 B2"),
])
def test_solve_on_deeply_nested_inputs_gives_an_answer_or_one_refusal_naming_the_limit(tmp_path, task, instruction,
                                                                                        text):
    code, out, err = run(["solve", task, record_file(tmp_path, instruction, text)])
    if code == 0:
        assert json.loads(out)["target"]  # solved: a real answer
    else:
        assert code == 2 and err.startswith("genforge: error: ") and err.count("\n") == 1, err
        assert "records.jsonl:1" in err and "nested" in err and "limit" in err, err


def test_solve_markov_on_a_long_run_is_refused_with_the_limit_not_run_out_of_memory():
    with pytest.raises(UsageError, match=r"limit"):
        genforge.solve("markov", "a -> b", "a" * 200_000)


def test_solve_markov_on_a_growing_text_is_refused_with_the_length_limit():
    with pytest.raises(UsageError, match=r"longer than .* characters"):
        genforge.solve("markov", "a -> " + "a" * 1000, "a")


def test_solve_markov_still_solves_what_it_generates():
    assert genforge.solve("markov", "b ->. a; bb ->", "aaabcabbac") == "aaaacabbac"
    assert genforge.solve("markov", "a -> b", "a" * 1000) == "b" * 1000
