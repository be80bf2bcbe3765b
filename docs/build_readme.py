"""Assemble README.md from pages of the documentation site (docs/).

    python docs/build_readme.py          # rewrite README.md
    python docs/build_readme.py --check  # exit 1 if README.md is out of date

The README is the site's home page, quick start and task table, a list of
links to the other pages, and how to cite. Each part has one source file,
shared with the site, so a test can run its examples as written and the
README cannot drift from them (tests/test_readme.py). Links between pages
are relative to docs/; in the README they get the docs/ prefix, so they work
on GitHub and on the site alike.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PARTS = ["index.md", "getting-started.md", "tasks.md", "readme_links.md", "citing.md"]
#: A markdown link whose target is a relative path (not a URL, an anchor or an absolute path).
_RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)")


def from_readme(text: str) -> str:
    """A page's links, as seen from the repository root."""
    return _RELATIVE_LINK.sub(lambda match: f"](docs/{match[1]})", text)


def build() -> str:
    parts = [from_readme((DOCS / name).read_text("utf-8")) for name in PARTS]
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def main() -> int:
    readme = DOCS.parent / "README.md"
    text = build()
    if "--check" in sys.argv:
        if not readme.is_file() or readme.read_text("utf-8") != text:
            print("README.md is out of date: run python docs/build_readme.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
