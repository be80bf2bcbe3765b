"""The package's layers, as DESIGN.md draws them, checked by walking every import.

cli -> api -> evaluate / science / snapshot -> tasks -> generators -> core. A lower
layer never imports a higher one: core knows no task, no plan of science, no
snapshot; a generator knows no task, split or file. Imports inside functions count
too (they are the hidden loops this test exists to catch).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "genforge"

#: layer -> the genforge sub-packages and modules it must not import
FORBIDDEN = {
    "core": ("tasks", "generators", "science", "snapshot", "evaluate", "api", "cli", "loaders"),
    "generators": ("tasks", "science", "snapshot", "evaluate", "api", "cli", "loaders"),
    "tasks": ("science", "snapshot", "evaluate", "api", "cli", "loaders"),
}


def genforge_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``genforge.*`` import in a file, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("genforge")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("genforge"):
            if node.module == "genforge":  # `from genforge import x` reaches the package's API
                found += [(node.lineno, f"genforge.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(layer: str) -> list[str]:
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for line, module in genforge_imports(path):
            parts = module.split(".")
            target = parts[1] if len(parts) > 1 else "genforge"
            if target in FORBIDDEN[layer] or module == "genforge":
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    assert violations(layer) == []


def test_the_walker_sees_a_forbidden_import(tmp_path, monkeypatch):
    fake = tmp_path / "genforge"
    (fake / "core").mkdir(parents=True)
    (fake / "core" / "engine.py").write_text("def f():\n    from genforge.tasks.rewrite import RewriteTask\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert violations("core") == ["genforge/core/engine.py:2 imports genforge.tasks.rewrite"]
