"""The 'Evaluate a model' example runs as written, from an empty folder."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "sections" / "evaluate.md"


WALKTHROUGH = "### Language models"


def blocks(language: str, part: str = "example") -> list[str]:
    """The code blocks of the first example (before the language-model walkthrough) or of the walkthrough."""
    text = DOC.read_text("utf-8")
    text = text[:text.index(WALKTHROUGH)] if part == "example" else text[text.index(WALKTHROUGH):]
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def shown() -> list[str]:
    """The output blocks (fences without a language) the walkthrough shows."""
    text = DOC.read_text("utf-8")
    found, current, language = [], None, None
    for line in text[text.index(WALKTHROUGH):].splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, language = [], line[3:].strip()
            else:
                if not language:
                    found.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_the_example_and_the_python_snippet_run_and_report_what_the_doc_shows(tmp_path):
    script = "set -e\n" + "\n".join(blocks("sh"))
    try:
        import matplotlib  # noqa: F401
    except ImportError:  # the optional extra is missing: run everything but the plot
        script = "\n".join(line for line in script.splitlines() if "--plot" not in line)
    # The interpreter running the tests, and its genforge script, come first on PATH.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]

    assert "OOD test_ood_length [length]     0.200  [0.130, 0.280]   20/100  +0.800  [+0.720, +0.880]" in result.stdout
    assert "(checksums verified)" in result.stdout and "unchecked" not in result.stdout
    assert "8   1.000 (18)   0.000 (9)  +1.000  <- peak" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    headlines = {task["task"]: task["headline"] for task in report["tasks"]}
    assert headlines["rewrite"]["id"]["exact_match"] == 1.0
    assert [ood["split"] for ood in headlines["markov"]["ood"]] == ["test_ood_domain", "test_ood_rules"]
    with open(tmp_path / "report.csv", newline="") as file:
        assert next(csv.reader(file))[:3] == ["task", "split", "shift"]
    for name in ("copy_input", "majority_target", "constant"):
        assert len((tmp_path / f"{name}.jsonl").read_text().splitlines()) == 700

    (snippet,) = blocks("python")
    result = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'gap': 0.8," in result.stdout and "exact match by k (records)" in result.stdout
    assert "{'exact_match': 1.0, 'token_accuracy': 1.0}" in result.stdout


def test_the_language_model_walkthrough_runs_and_prints_what_it_shows(tmp_path):
    script = blocks("sh", "walkthrough")
    try:
        import lm_eval  # noqa: F401
    except ImportError:  # the optional extra is missing: run everything but the lm-eval step
        script = [block for block in script if "# needs lm-eval" not in block]
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(["bash", "-c", "set -e\n" + "\n".join(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    prompt, lm_eval_tables, comparison = shown()
    assert prompt in result.stdout
    if len(script) == 5:
        assert lm_eval_tables in result.stdout
    assert comparison in result.stdout
    report = json.loads((tmp_path / "compare.json").read_text())
    assert report["models"] == ["oracle", "copy", "noisy"]
    with open(tmp_path / "compare.csv", newline="") as file:
        assert next(csv.reader(file))[:2] == ["kind", "model"]

