"""Assemble README.md from docs/readme_head.md, docs/sections/*.md and docs/readme_tail.md.

    python docs/build_readme.py          # rewrite README.md
    python docs/build_readme.py --check  # exit 1 if README.md is out of date

Each section has one source file, so a test can run the examples of a section
as written and the README cannot drift from it (tests/test_readme.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ORDER = [
    "rewrite", "markov", "scan", "scan_scaled", "pcfg_set", "algorithmic", "addition", "multiplication",
    "hint", "symbolic", "kinship", "relation_algebra", "two_hop", "comparison", "cogs",
    "snapshots", "evaluate", "split_science", "scale", "benchmarks", "guarantees", "changelog",
]


def sections() -> list[Path]:
    available = {path.stem: path for path in (DOCS / "sections").glob("*.md")}
    ordered = [available.pop(name) for name in ORDER if name in available]
    return ordered + sorted(available.values())


def build() -> str:
    parts = [(DOCS / "readme_head.md").read_text("utf-8")]
    parts += [path.read_text("utf-8") for path in sections()]
    parts.append((DOCS / "readme_tail.md").read_text("utf-8"))
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def main() -> int:
    readme = DOCS.parent / "README.md"
    text = build()
    if "--check" in sys.argv:
        if readme.read_text("utf-8") != text:
            print("README.md is out of date: run python docs/build_readme.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
