"""Peak memory and rate of `genforge generate addition --size train=N` (issue 24).

Runs the CLI in a child process for each N given, under a memory budget, and
prints (and appends to --results, one JSON line each) the wall time, records
per second of the train split and the child's peak RSS (getrusage of the
waited child, which is what /usr/bin/time -v reports as "Maximum resident set
size"). The output folder is removed after each run unless --keep.

    python benchmarks/memory_scale.py 1000000 10000000 --out /tmp/scale
    python benchmarks/memory_scale.py 100000000 --out /tmp/scale --results benchmarks/memory_scale.jsonl

Timings depend on the machine and on what else runs on it: compare sizes
measured under similar conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def measure(size: int, out: Path, budget: str, params: list[str], keep: bool, workers: int = 1) -> dict:
    command = [sys.executable, "-c", "from genforge.cli import cli; cli()", "generate", "addition", "--size", f"train={size}",
               "--out", str(out), "--overwrite", "--quiet", "--memory-budget", budget,
               "--workers", str(workers)]
    for param in params:
        command += ["--param", param]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    stdout, stderr = child.communicate()
    if status != 0:
        raise SystemExit(f"generate failed ({status}): {stderr.decode()[-2000:]}")
    manifest = json.loads((out / "addition" / "manifest.json").read_text())
    train = next(f for f in manifest["files"] if f["split"] == "train")
    cpu = usage.ru_utime + usage.ru_stime  # the run and its workers (waited for by it)
    result = {"size": size, "budget": budget, "params": params, "workers": workers, "wall_s": round(wall, 1),
              "records_per_s": round(size / wall), "cpu_s": round(cpu, 1), "records_per_cpu_s": round(size / cpu),
              "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
              "train_sha256": train["sha256"], "train_bytes": train["bytes"],
              "load_avg_1min_at_end": os.getloadavg()[0], "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if not keep:
        shutil.rmtree(out / "addition", ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--budget", default="512M")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--param", action="append", default=[], help="task parameter K=V (repeatable)")
    parser.add_argument("--results", type=Path, default=None, help="append one JSON line per run here")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = parser.parse_args()
    for size in args.sizes:
        result = measure(size, args.out, args.budget, args.param, args.keep, args.workers)
        print(json.dumps(result), flush=True)
        if args.results is not None:
            with open(args.results, "a") as file:
                file.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
