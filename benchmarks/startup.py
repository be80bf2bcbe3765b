"""Start-up time of the CLI: `import genforge.cli`, `genforge --help`, `genforge list`, and a
`genforge generate addition --size train=10` (what a generate process costs besides its train records:
start-up, imports and the plan's three other splits at their default sizes).

    python benchmarks/startup.py                         # this checkout, median of 10 runs
    python benchmarks/startup.py --source /tmp/old-checkout --runs 10   # another checkout (before/after)

Each figure is the median wall time of fresh processes (`python -c` running the CLI's `main`, the same
code the `genforge` script runs). `import genforge.cli` is also given as Python's own `-X importtime`
total. `genforge list` is measured twice: with its task-list cache filled (every run after the first,
see genforge/task_list.py) and with an empty cache folder each run (what the first run after an
install or an edit pays: every task module is imported). On a shared machine the spread is large;
the script prints the lowest and highest run too.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

RUN_CLI = "import sys; sys.path.insert(0, {source!r}); from genforge.cli import main; main(sys.argv[1:])"
IMPORT = "import sys; sys.path.insert(0, {source!r}); import genforge.cli"


def wall(code: str, args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_time(code: str, env: dict) -> float:
    """Seconds `-X importtime` reports for genforge.cli, all it imports included."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, check=True,
                            capture_output=True, text=True)
    line = [line for line in result.stderr.splitlines() if re.search(r"\|\s*genforge\.cli$", line)][-1]
    return int(line.split("|")[1]) / 1e6


def summary(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.3f} s (min {min(seconds):.3f}, max {max(seconds):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the checkout whose genforge package is measured (default: this one)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    source = os.path.abspath(args.source)
    cli, imports = RUN_CLI.format(source=source), IMPORT.format(source=source)
    with tempfile.TemporaryDirectory() as warm:
        env = dict(os.environ, GENFORGE_CACHE_DIR=warm)
        wall(cli, ["list"], env)  # fills the cache (a checkout without one ignores the variable)
        rows = {
            "python -c pass (interpreter alone)": [wall("pass", [], env) for _ in range(args.runs)],
            "import genforge.cli (-X importtime)": [import_time(imports, env) for _ in range(args.runs)],
            "import genforge.cli (wall)": [wall(imports, [], env) for _ in range(args.runs)],
            "genforge --help": [wall(cli, ["--help"], env) for _ in range(args.runs)],
            "genforge list (cache filled)": [wall(cli, ["list"], env) for _ in range(args.runs)],
        }
        with tempfile.TemporaryDirectory() as out:
            small = ["generate", "addition", "--size", "train=10", "--out", out, "--overwrite", "--quiet"]
            rows["genforge generate addition --size train=10"] = [wall(cli, small, env) for _ in range(args.runs)]
        cold = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(wall(cli, ["list"], dict(os.environ, GENFORGE_CACHE_DIR=empty)))
        rows["genforge list (empty cache)"] = cold
    print(f"source: {source}; median of {args.runs} runs")
    print("| what | median wall time |")
    print("|---|---:|")
    for name, seconds in rows.items():
        print(f"| {name} | {summary(seconds)} |")


if __name__ == "__main__":
    main()
