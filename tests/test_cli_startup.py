"""`genforge --help` and `genforge list` import no heavy module (numpy, jsonschema, orjson, the engine).

A behaviour test, not a timing test: it looks at sys.modules of a fresh process after the command.
The timings are in benchmarks/startup.py and docs/sections/benchmarks.md.
"""

import json
import os
import subprocess
import sys

from genforge import task_list

HEAVY = ("numpy", "jsonschema", "orjson", "genforge.core.engine", "genforge.api", "genforge.evaluate",
         "genforge.science", "genforge.snapshot.build")

# Runs the CLI on each argument list of argv[1] (JSON) in one process, then prints which heavy
# modules were imported and what the commands printed.
RUN = r"""
import contextlib, io, json, sys
from genforge.cli import cli
heavy, commands = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out = io.StringIO()
for args in commands:
    with contextlib.redirect_stdout(out):
        try:
            cli.main(args=args, prog_name="genforge", standalone_mode=False)
        except SystemExit:
            pass
print(json.dumps({"imported": [name for name in heavy if name in sys.modules], "stdout": out.getvalue()}))
"""


def _run(commands, cache_dir):
    env = dict(os.environ, GENFORGE_CACHE_DIR=str(cache_dir))
    result = subprocess.run([sys.executable, "-c", RUN, json.dumps(HEAVY), json.dumps(commands)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_help_imports_no_heavy_module(tmp_path):
    from genforge.cli import cli

    commands = [["--help"], ["--version"]] + [[name, "--help"] for name in sorted(cli.commands)]
    commands += [["snapshot", "build", "--help"], ["snapshot", "verify", "--help"]]
    result = _run(commands, tmp_path)
    assert result["imported"] == []
    assert "Usage: genforge" in result["stdout"]


def test_list_from_a_filled_cache_imports_no_heavy_module_and_prints_the_same(tmp_path):
    first = _run([["list"]], tmp_path)  # an empty cache: every task is loaded, as before
    assert "numpy" in first["imported"]
    second = _run([["list"]], tmp_path)
    assert second["imported"] == []
    assert second["stdout"] == first["stdout"]
    import genforge

    assert second["stdout"] == "".join(f"{t['name']:<18} {t['version']:<6} {t['summary']}\n"
                                       for t in genforge.list_tasks())


def test_a_cache_of_another_state_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE_DIR", str(tmp_path))
    names, digest = task_list.fingerprint()
    stale = [{"name": "stale", "version": "0", "summary": "from another install"}]
    task_list._cache_file().write_text(json.dumps({"fingerprint": "0" * 64, "tasks": stale}))
    assert [task["name"] for task in task_list.list_tasks()] == names
    assert task_list._read(task_list._cache_file(), digest) is not None  # the miss rewrote it


def test_the_fingerprint_changes_with_a_task_source(tmp_path):
    # An edited summary (any .py file of the package a task's entry point names) is a miss.
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "task.py").write_text("summary = 'a'\n")
    before = task_list._python_files(str(package))
    (package / "sub" / "task.py").write_text("summary = 'ab'\n")
    assert task_list._python_files(str(package)) != before


def test_a_damaged_cache_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE_DIR", str(tmp_path))
    names, digest = task_list.fingerprint()
    task_list._cache_file().write_text(json.dumps({"fingerprint": digest, "tasks": [1, {"name": 2}]}))
    assert [task["name"] for task in task_list.list_tasks()] == names
