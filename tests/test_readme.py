"""The README is assembled from docs/ and shows the commands that work."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_is_built_from_its_sections():
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "build_readme.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_test_command():
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = text.split("```sh\n")[1:3]
    commands = [block.split("```")[0].strip() for block in blocks]
    assert commands[0].endswith("genforge snapshot build default --out snapshot")
    test_command = commands[1].split("&&")[-1].strip()
    assert test_command.startswith("python3 -m pytest")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert test_command in ci


def test_the_quick_start_runs_as_written(tmp_path):
    import os
    import re

    text = (ROOT / "README.md").read_text("utf-8")
    quick = text[text.index("## Quick start"):text.index("## Records")]
    shell = re.findall(r"```sh\n(.*?)```", quick, flags=re.S)[0]
    python = re.findall(r"```python\n(.*?)```", quick, flags=re.S)[0]
    env = {**os.environ, "GENFORGE_CACHE": str(tmp_path / "cache"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(["bash", "-c", "set -e\n" + shell], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "all 3920 targets match the oracle" in result.stdout
    result = subprocess.run([sys.executable, "-c", python], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 100


def _documented_samples():
    import re

    for section in sorted((ROOT / "docs" / "sections").glob("*.md")):
        text = section.read_text("utf-8")
        for command, file, record in re.findall(
                r"Sample record \(`(genforge generate [^`]*)`, `([^`]+)`\):\s*```json\n(.*?)\n```", text, flags=re.S):
            yield section.stem, command, file, record


@pytest.mark.parametrize("section, command, file, record", list(_documented_samples()),
                         ids=lambda value: value if "/" not in str(value) and " " not in str(value) else "")
def test_every_documented_sample_record_is_what_its_command_writes(tmp_path, section, command, file, record):
    import json
    import shlex

    from click.testing import CliRunner

    from genforge.cli import cli

    arguments = shlex.split(command)[1:]
    arguments[arguments.index("--out") + 1] = str(tmp_path)
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    documented = json.loads(record)
    task = documented["task"]
    written = {json.loads(line)["id"]: line for line in (tmp_path / task / file).read_text("utf-8").splitlines()}
    assert written[documented["id"]] == record
