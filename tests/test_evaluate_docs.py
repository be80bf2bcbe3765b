"""The 'Evaluate a model' example runs as written, from an empty folder."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "sections" / "evaluate.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text("utf-8"), flags=re.S)


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

    assert "OOD test_ood_length [length]     0.170   17/100  gap +0.830" in result.stdout
    assert "2   1.000 (22)  0.000 (10)  +1.000  <- peak" in result.stdout
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
    assert "'gap': 0.83" in result.stdout and "exact match by k (records)" in result.stdout

