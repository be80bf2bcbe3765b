"""Same bytes in every environment: build a suite under several Python / numpy / dependency versions.

    python benchmarks/reproducibility.py                      # the default suite, every environment found
    python benchmarks/reproducibility.py --tasks addition,scan --envs oldest,newest
    python benchmarks/reproducibility.py --keep /tmp/repro    # keep the venvs and snapshots

Each environment is a fresh virtual environment with genforge installed (without
its dependencies) from a copy of this checkout taken at start, plus a pinned
set of dependencies:

* ``oldest``: the oldest Python found (3.10, the floor of ``requires-python``)
  with every dependency at the floor ``pyproject.toml`` allows (numpy 1.24.0,
  sympy 1.12, networkx 3.0, ...);
* ``newest``: the newest Python found with the newest release of every
  dependency (pip's choice today);
* ``numpy-oldest`` / ``numpy-newest``: the Python running this script with
  numpy at its floor and newest, everything else newest, so a difference can
  be blamed on numpy rather than on Python.

Every environment builds the suite with ``genforge snapshot build`` and the
top-level ``manifest.json`` files (which hold the sha256 of every file) are
compared byte for byte. Exit status 0 when all are identical, 1 otherwise,
2 when an environment could not be set up (no network, no such Python).
Needs network access to PyPI; takes about a minute per environment on two
cores for the default suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The floors of pyproject.toml's dependencies (keep in step with it).
FLOORS = [
    "numpy==1.24.0", "sympy==1.12", "networkx==3.0", "jsonschema==4.18.0", "click==8.1.0",
    "jsonschema-rs==0.20.0", "orjson==3.9.0", "pyyaml==6.0.1",
]
NEWEST = ["numpy", "sympy", "networkx", "jsonschema", "click", "jsonschema-rs", "orjson", "pyyaml"]


def find_pythons() -> dict[str, str]:
    """'3.10' -> interpreter path for every CPython 3.10+ found on PATH or under ~/.pyenv."""
    found = {}
    candidates = [shutil.which(f"python3.{minor}") for minor in range(10, 20)]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3"))]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            version = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                     capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if version and tuple(map(int, version.split("."))) >= (3, 10):
            found.setdefault(version, candidate)
    return dict(sorted(found.items(), key=lambda item: tuple(map(int, item[0].split(".")))))


def environments(pythons: dict[str, str]) -> dict[str, tuple[str, list[str]]]:
    here = "%d.%d" % sys.version_info[:2]
    versions = list(pythons)
    envs = {}
    if versions:
        envs["oldest"] = (pythons[versions[0]], FLOORS)
        envs["newest"] = (pythons[versions[-1]], NEWEST)
    envs["numpy-oldest"] = (pythons.get(here, sys.executable), ["numpy==1.24.4"] + NEWEST[1:])
    envs["numpy-newest"] = (pythons.get(here, sys.executable), NEWEST)
    return envs


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def copy_source(target: Path) -> Path:
    """A frozen copy of the package, so edits made while the script runs do not leak into a build."""
    source = target / "source"
    source.mkdir(parents=True)
    shutil.copytree(ROOT / "genforge", source / "genforge", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", source / "pyproject.toml")
    readme = ROOT / "README.md"  # pyproject names it; a checkout in progress may lack it
    (source / "README.md").write_bytes(readme.read_bytes() if readme.is_file() else b"genforge\n")
    return source


def build_in(name: str, python: str, requirements: list[str], source: Path, work: Path, suite: str,
             tasks: str | None) -> dict:
    venv = work / f"venv-{name}"
    started = time.monotonic()
    steps = [
        [python, "-m", "venv", str(venv)],
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools>=70.1"],
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--only-binary=:all:", *requirements],
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         str(source)],
    ]
    for step in steps:
        result = run(step, cwd=work)
        if result.returncode != 0:
            return {"env": name, "error": f"{' '.join(step[:6])} ...: {result.stderr.strip()[-800:]}"}
    versions = run([str(venv / "bin/python"), "-c",
                    "import sys, numpy, sympy, networkx, jsonschema, orjson; "
                    "print(sys.version.split()[0], numpy.__version__, sympy.__version__, networkx.__version__, "
                    "jsonschema.__version__ if hasattr(jsonschema, '__version__') else '?', orjson.__version__)"])
    installed = dict(zip(["python", "numpy", "sympy", "networkx", "jsonschema", "orjson"], versions.stdout.split()))
    out = work / f"snapshot-{name}"
    command = [str(venv / "bin/genforge"), "snapshot", "build", suite, "--out", str(out)]
    if tasks:
        command += ["--tasks", tasks]
    build_started = time.monotonic()
    result = run(command, cwd=work)
    if result.returncode != 0:
        return {"env": name, "versions": installed, "error": f"build failed: {result.stderr.strip()[-800:]}"}
    manifest = (out / "manifest.json").read_bytes()
    return {"env": name, "versions": installed, "manifest": manifest, "folder": out,
            "setup_s": round(build_started - started, 1), "build_s": round(time.monotonic() - build_started, 1)}


def compare(results: list[dict]) -> list[str]:
    """Differences between each environment's manifest and the first one's, file by file."""
    base = results[0]
    base_files = {entry["path"]: entry["sha256"] for entry in json.loads(base["manifest"])["files"]}
    problems = []
    for other in results[1:]:
        if other["manifest"] == base["manifest"]:
            continue
        files = {entry["path"]: entry["sha256"] for entry in json.loads(other["manifest"])["files"]}
        differing = sorted(path for path in base_files.keys() | files.keys() if base_files.get(path) != files.get(path))
        problems.append(f"{other['env']} differs from {base['env']}: "
                        + (", ".join(differing) if differing else "manifest bytes only"))
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="default", help="Suite name or file (default: default).")
    parser.add_argument("--tasks", default=None, help="Only these tasks of the suite (A,B).")
    parser.add_argument("--envs", default=None, help="Comma-separated subset of: oldest,newest,numpy-oldest,numpy-newest.")
    parser.add_argument("--keep", default=None, help="Work in this folder and keep it (default: a temporary one).")
    args = parser.parse_args(argv)
    pythons = find_pythons()
    envs = environments(pythons)
    if args.envs:
        unknown = set(args.envs.split(",")) - set(envs)
        if unknown:
            print(f"unknown or unavailable environment(s): {', '.join(sorted(unknown))}; have {', '.join(envs)}")
            return 2
        envs = {name: envs[name] for name in args.envs.split(",")}
    print(f"Pythons found: {', '.join(f'{v} ({p})' for v, p in pythons.items()) or 'none besides this one'}")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="genforge-repro-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = copy_source(work)
        results = []
        for name, (python, requirements) in envs.items():
            result = build_in(name, python, requirements, source, work, args.suite, args.tasks)
            if "error" in result:
                print(f"{name}: could not build: {result['error']}")
                return 2
            versions = ", ".join(f"{k} {v}" for k, v in result["versions"].items())
            print(f"{name:<13} {versions}; setup {result['setup_s']} s, build {result['build_s']} s, "
                  f"manifest sha256 {__import__('hashlib').sha256(result['manifest']).hexdigest()[:16]}")
            results.append(result)
        problems = compare(results)
        files = len(json.loads(results[0]["manifest"])["files"])
        if problems:
            print("DIFFERENT:\n  " + "\n  ".join(problems))
            return 1
        print(f"identical: {len(results)} environments, {files} files each, byte-identical manifests")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
