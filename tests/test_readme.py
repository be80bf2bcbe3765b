"""The README is assembled from pages of the site (docs/), is short, and shows commands that work."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_is_built_from_its_sections():
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "build_readme.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


SETUP_COMMANDS = [
    "python3 -m pip install . && genforge snapshot build default --out snapshot",
    "python3 -m pip install -e '.[test]' && python3 -m pytest -q -p no:cacheprovider",
]


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_test_command():
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = text.split("```sh\n")[1:3]
    assert [block.split("```")[0].strip() for block in blocks] == SETUP_COMMANDS
    test_command = SETUP_COMMANDS[1].split("&&")[-1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text("utf-8")


def test_readme_is_short_and_its_links_lead_to_files():
    import re

    text = (ROOT / "README.md").read_text("utf-8")
    assert len(text.splitlines()) < 200
    links = [target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in target]
    assert links and all((ROOT / link).is_file() for link in links), [l for l in links if not (ROOT / l).is_file()]
    for page in ("sections/split_science.md", "sections/evaluate.md", "reference/cli.md", "reference/python.md",
                 "sections/changelog.md", "contributing.md"):
        assert f"docs/{page}" in links


def _blocks(page: str, language: str) -> list[str]:
    import re

    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "docs" / page).read_text("utf-8"), flags=re.S)


def test_the_quick_start_runs_as_written_and_its_python_twice_in_a_row(tmp_path):
    import os

    env = {**os.environ, "GENFORGE_CACHE": str(tmp_path / "cache"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    (shell,) = _blocks("getting-started.md", "sh")
    result = subprocess.run(["bash", "-c", "set -e\n" + shell], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "found data: a folder of task folders (scan)" in result.stderr
    assert "all 3920 targets match the oracle" in result.stdout
    (python,) = _blocks("getting-started.md", "python")
    outputs = []
    for _ in range(2):  # the second run meets the folder the first one wrote
        result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", python], cwd=tmp_path,
                                env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.splitlines())
    assert outputs[0] == outputs[1]
    splits, count, *shuffled = outputs[0]
    assert splits.startswith("[('train', 5000), ")
    assert count.startswith("3920 records; the first: ")
    assert len(shuffled) == 3 and all(" -> I_" in line for line in shuffled)


def test_every_section_is_a_page_of_the_site_and_every_page_exists():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text("utf-8"))

    def pages(entries):
        for entry in entries:
            value = entry if isinstance(entry, str) else next(iter(entry.values()))
            yield from pages(value) if isinstance(value, list) else [value]

    listed = list(pages(config["nav"]))
    assert all((ROOT / "docs" / page).is_file() for page in listed)
    sections = sorted(f"sections/{path.name}" for path in (ROOT / "docs" / "sections").glob("*.md"))
    assert [page for page in sections if page not in listed] == []


def test_the_task_table_lists_every_task_with_its_split_plans():
    import re

    import genforge

    rows = {}
    for name, plans in re.findall(r"^\| \[`(\w+)`\]\(sections/\w+\.md\) \|.*\| ([^|]+) \|$",
                                  (ROOT / "docs" / "tasks.md").read_text("utf-8"), flags=re.M):
        rows[name] = [plan.strip() for plan in plans.split(",")]
    assert sorted(rows) == sorted(task["name"] for task in genforge.list_tasks())
    for name, plans in rows.items():
        info = genforge.describe(name)
        assert plans == [plan + (" (default)" if plan == info["default_split_plan"] else "")
                         for plan in info["split_plans"]], name
        assert (ROOT / "docs" / "sections" / f"{name}.md").is_file()


def test_the_citation_names_this_version():
    import genforge

    assert f"version = {{{genforge.__version__}}}" in (ROOT / "docs" / "citing.md").read_text("utf-8")


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
