"""The 'Load in Python' example of docs/sections/snapshots.md runs as written next to a snapshot."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import genforge
from snapshot_helpers import run_cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "sections" / "snapshots.md"


def test_the_load_in_python_example_runs_as_written(tmp_path):
    text = DOC.read_text("utf-8")
    section = text[text.index("### Load in Python"):]
    snippet = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0].replace("    ...\n", "    pass\n")
    # The snapshot the README's first command builds, with the two tasks the example reads.
    assert run_cli(["snapshot", "build", "default", "--tasks", "markov,rewrite", "--out", tmp_path / "snapshot",
                    "-q"]).exit_code == 0
    env = {**os.environ, "GENFORGE_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", snippet], cwd=tmp_path,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    first, last = result.stdout.splitlines()
    plan = genforge.describe("rewrite", params={"input_length": 30})["split_plans"]["unseen_instructions"]
    assert first.split()[0] == str(next(s["size"] for s in plan["splits"] if s["name"] == "test_ood_instruction"))
    built = json.loads((tmp_path / "snapshot" / "rewrite" / "manifest.json").read_text())
    markov = json.loads((tmp_path / "snapshot" / "markov" / "manifest.json").read_text())
    train_size = next(split["size"] for split in built["splits"] if split["name"] == "train")
    assert last == f"{train_size} 100 {sorted(split['name'] for split in markov['splits'])}"
