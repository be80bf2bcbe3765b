"""genforge runs where fork and fcntl are missing (Windows) or unsafe (macOS): same bytes everywhere.

Local workers started with ``spawn`` (the default on macOS and Windows)
receive the whole request with each job and rebuild their state from it; the
golden fingerprints of tests/test_reliability_golden.py must come out of two
spawned workers unchanged. Importing genforge needs no POSIX-only module.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_golden_plans import GENERIC_SIZES, PINS, fingerprint, head_digest
from test_reliability_golden import GOLDEN

import genforge
from genforge.core.errors import UsageError
from genforge.core.executors import START_METHOD_ENV, ProcessPool, start_method
from genforge.core.spec import resolve_spec


@pytest.fixture
def spawned(monkeypatch):
    monkeypatch.setenv(START_METHOD_ENV, "spawn")


@pytest.mark.parametrize("task", sorted(GOLDEN))
def test_two_spawned_workers_give_the_golden_bytes(tmp_path, spawned, task):
    plan = resolve_spec(task).plan()
    sizes = {split.name: 50 if index == 0 else 10 for index, split in enumerate(plan.splits)}
    manifest = genforge.generate(task, tmp_path, sizes=sizes, workers=2)
    assert fingerprint(manifest) == GOLDEN[task][1]


def test_a_generic_plan_on_spawned_workers_gives_its_pinned_bytes(tmp_path, spawned):
    manifest = genforge.generate("scan", tmp_path, split_plan="mcd", sizes=GENERIC_SIZES["mcd"], workers=2)
    assert f"{fingerprint(manifest)} {head_digest(manifest)}" == PINS["scan:mcd"]


def test_spawn_is_the_default_where_fork_is_not_linux_s(monkeypatch):
    monkeypatch.delenv(START_METHOD_ENV, raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert start_method() == "spawn"
    monkeypatch.setattr(sys, "platform", "linux")
    assert start_method() == "fork"


def test_an_unknown_start_method_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(START_METHOD_ENV, "teleport")
    with pytest.raises(UsageError, match="GENFORGE_START_METHOD = 'teleport'"):
        with ProcessPool(2):
            pass


IMPORT_WITHOUT_POSIX = r"""
import importlib, pkgutil, sys
for name in ("fcntl", "termios", "pwd", "grp", "resource"):
    sys.modules[name] = None  # as on Windows: importing it raises ImportError
import genforge
OPTIONAL = {"torch"}
failed = []
for module in pkgutil.walk_packages(genforge.__path__, "genforge."):
    try:
        importlib.import_module(module.name)
    except ImportError as error:
        if error.name in OPTIONAL:  # an optional extra that is not installed here (genforge[models])
            continue
        failed.append(f"{module.name}: {error}")
print("\n".join(failed) or "ok")
"""


def test_every_module_imports_without_posix_only_modules():
    result = subprocess.run([sys.executable, "-c", IMPORT_WITHOUT_POSIX], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_text_files_are_written_with_newline_line_ends_on_every_system():
    # Path.write_text and open(..., "w") turn "\n" into os.linesep unless told otherwise: on Windows a
    # dataset card or an export would get other bytes (and another sha256) than on Linux.
    import ast
    from pathlib import Path

    loose = []
    for path in sorted(Path(genforge.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            keywords = {keyword.arg for keyword in node.keywords}
            text_mode = any(isinstance(arg, ast.Constant) and arg.value in ("w", "a", "x") for arg in node.args[1:2])
            if (name == "write_text" or (name == "open" and text_mode)) and "newline" not in keywords:
                loose.append(f"{path.name}:{node.lineno}")
    assert loose == []
