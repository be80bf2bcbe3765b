"""Peak memory and rate of `genforge generate addition --size train=N` (issue 24).

Runs the CLI in a child process for each N given, under a memory budget, and
prints (and appends to --results, one JSON line each) the wall time, records
per second of the train split and the child's peak RSS (getrusage of the
waited child, which is what /usr/bin/time -v reports as "Maximum resident set
size"). The output folder is removed after each run unless --keep.

    python benchmarks/memory_scale.py 1000000 10000000 --out /tmp/scale
    python benchmarks/memory_scale.py 100000000 --out /tmp/scale --results benchmarks/memory_scale.jsonl
    python benchmarks/memory_scale.py 100000000 --store-only --out /tmp/scale   # the dedup store alone

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


def measure_store(size: int, out: Path, budget: str) -> dict:
    """The dedup store alone: ``size`` random digests added in blocks of 256, each block checked first
    (as the engine does), timed in CPU seconds per million (steady on a shared machine); peak RSS of this
    process."""
    import numpy as np

    from genforge.core.digests import DigestStore, parse_budget

    store = DigestStore(out / ".spill-bench", parse_budget(budget), size)
    rng = np.random.default_rng(0)
    seconds_per_million, started, cpu_started = [], time.perf_counter(), time.process_time()
    lap = cpu_started
    for block in range(size // 256):
        raw = rng.bytes(256 * 16)
        digests = [raw[i:i + 16] for i in range(0, len(raw), 16)]
        if not store.isdisjoint(raw, digests):
            raise SystemExit("a random 16-byte digest repeated: impossible in practice")
        store.add(digests)
        if (block + 1) * 256 % 1_000_000 < 256:
            now = time.process_time()
            seconds_per_million.append(round(now - lap, 2))
            lap = now
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    result = {"store_only": True, "size": size, "budget": budget, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
              "digests_per_cpu_s": round(size / cpu), "runs": len(store.runs), "bloom_bits_per_digest": store.bloom_bits,
              "bloom_mb": round(sum(b.nbytes for b in store.blooms) / 2**20, 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "cpu_s_per_million_first_last": [seconds_per_million[:3], seconds_per_million[-3:]],
              "load_avg_1min_at_end": os.getloadavg()[0], "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    store.close()
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
    parser.add_argument("--store-only", action="store_true",
                        help="time the dedup store alone on random digests (no task, no files)")
    args = parser.parse_args()
    for size in args.sizes:
        if args.store_only:
            args.out.mkdir(parents=True, exist_ok=True)
            result = measure_store(size, args.out, args.budget)
        else:
            result = measure(size, args.out, args.budget, args.param, args.keep, args.workers)
        print(json.dumps(result), flush=True)
        if args.results is not None:
            with open(args.results, "a") as file:
                file.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
