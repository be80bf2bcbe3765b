"""Records per second, end to end and serialization alone, per task.

    python benchmarks/throughput.py                      # every task, 100k records, 1 and 2 workers, median of 3
    python benchmarks/throughput.py --tasks rewrite,markov --records 200000
    python benchmarks/throughput.py --memory 100000,1000000   # peak memory at several sizes
    python benchmarks/throughput.py --peer               # side by side with reasoning-gym (see PEERS)
    python benchmarks/throughput.py --dask --tasks two_hop  # also two Dask workers (--scheduler local)

End to end = sample + split predicate + dedup + validate + encode + write, the
training split of the task's default plan (at most two thirds of its space
when the task knows its size), measured in a fresh process (so
peak RSS belongs to that run alone: it is read right after generation), imports
excluded from the timing. The serialization
ceiling re-encodes the same records with the canonical encoder: what the
engine could reach if sampling and validation were free; "engine /
serialization" is the engine's time per record in units of that encoding's
(a figure that moves less than µs from one machine to another). Prints a
Markdown table for the README.

--peer prints the side-by-side table instead: for each pair in PEERS, the
whole `genforge generate TASK --size train=N` command (default plan, one
worker; start-up, sampling, validation, encoding and writing every split of
the plan, timed from outside the process; records/s counts every record
written) and reasoning-gym's closest dataset generating N items in memory
(its import excluded), each in a fresh process, median of --repeat runs;
"ratio per run" is the range of the ratios of the runs made back to back.
Without reasoning-gym installed the peer columns say so and are left empty.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata, util

CHILD = r"""
import json, resource, shutil, sys, tempfile, time
from pathlib import Path
import genforge
import genforge.api, genforge.core.engine  # imported before the clock starts: "imports excluded"
import genforge.core.spec
from genforge.core.canonical import dumps
from genforge.core.registry import get_task

task_name, records, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scheduler = sys.argv[4] if len(sys.argv) > 4 else None  # "local": a Dask LocalCluster of `workers` processes
task = get_task(task_name)
typed = genforge.core.spec.resolve_spec(task_name).typed()  # the task contract takes typed Params
plan = task.split_plans(typed)[task.default_split_plan]
sizes = {}
for split in plan.splits:
    if split.source == "enumerate":
        sizes[split.name] = None if split is plan.splits[0] else 0
    else:
        # A small space is asked for at most two thirds of itself (past that, dedup makes any sampler crawl).
        space = task.space_size(typed, split)
        wanted = records if space is None else min(records, space * 2 // 3)
        sizes[split.name] = wanted if split is plan.splits[0] else 0
# Time spent in the task's own code: its sampling (sample_block, or the slices of an enumerated split) and the hooks the
# engine calls per record (difficulty, and the canonical key when the task defines its own);
# the rest is the engine's. With workers the task runs in other processes too, so it is only
# counted with one worker.
in_task, in_hooks = [0.0], [0.0]
def timed(method, into):
    def wrapper(*args, **kwargs):
        begin = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            into[0] += time.perf_counter() - begin
    return wrapper
if workers == 1 and scheduler is None:
    from genforge.core.blocks import RecordEncoder, _SplitContext
    from genforge.core.task import Task
    task.sample_block = timed(task.sample_block, in_task)
    # An enumerated split: enumerate_split runs inside the first slice, and a lazy listing builds
    # its examples when sliced.
    _SplitContext.enumerated_block = timed(_SplitContext.enumerated_block, in_task)
    RecordEncoder.difficulties = timed(RecordEncoder.difficulties, in_hooks)  # a block at a time: no per-record timer
    if type(task).canonical_key is not Task.canonical_key:
        RecordEncoder.keys = staticmethod(timed(RecordEncoder.keys, in_hooks))
out = Path(tempfile.mkdtemp())
start = time.perf_counter()
# With Dask the cluster's start (about 1-2 s for two local workers) is inside the timing.
manifest = genforge.generate(task_name, out, sizes=sizes, workers=workers, scheduler=scheduler)
elapsed = time.perf_counter() - start
# Peak memory of the generation itself, before the ceiling below reads the split back.
peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
train = plan.splits[0].name
count = next(f["records"] for f in manifest["files"] if f["split"] == train)
# The ceiling re-encodes a sample of at most 200,000 records (memory stays small).
lines = (out / task_name / f"{train}.jsonl").read_bytes().splitlines()[:200_000]
parsed = [json.loads(line) for line in lines]
start = time.perf_counter()
for record in parsed:
    dumps(record)
encode = time.perf_counter() - start
shutil.rmtree(out)  # a benchmark should not fill the disk (or the page cache) it measures
print(json.dumps({"records": count, "seconds": elapsed, "encoded": len(parsed), "encode_seconds": encode,
                  "peak_rss_mb": peak_rss_mb, "in_task_seconds": in_task[0], "in_hooks_seconds": in_hooks[0]}))
"""


def measure(task: str, records: int, workers: int, scheduler: str = "") -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, task, str(records), str(workers)] + ([scheduler] if scheduler else []),
                            capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_run(results: list[dict]) -> dict:
    """The run with the median time (an error if any run failed)."""
    failed = [result for result in results if "error" in result]
    if failed:
        return failed[0]
    return sorted(results, key=lambda result: result["seconds"])[len(results) // 2]


# genforge task (with --param settings) -> reasoning-gym's closest dataset.
PEERS = [
    ("rewrite", (), "string_manipulation"),
    ("kinship", (), "family_relationships"),
    ("addition", (), "chain_sum"),
    ("multiplication", (), "products"),
    ("algorithmic", ("op=sort",), "number_sorting"),
]

PEER_CHILD = r"""
import json, sys, time
import reasoning_gym
name, items = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
dataset = reasoning_gym.create_dataset(name, size=items, seed=0)
generated = [dataset[index] for index in range(items)]  # in memory, as a training loop would read them
print(json.dumps({"items": len(generated), "seconds": time.perf_counter() - start}))
"""


def genforge_command() -> list[str]:
    """The installed `genforge` script next to this interpreter (else the same entry point through -c)."""
    script = os.path.join(os.path.dirname(sys.executable), "genforge")
    if os.path.isfile(script):
        return [script]
    return [sys.executable, "-c", "from genforge.cli import main; main()"]


def measure_genforge_command(task: str, params: tuple[str, ...], records: int) -> dict:
    """Wall time of the whole `genforge generate` process and the records it wrote (every split)."""
    out = tempfile.mkdtemp()
    try:
        command = genforge_command() + ["generate", task, "--out", out, "--size", f"train={records}"]
        for setting in params:
            command += ["--param", setting]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
        manifest = json.loads((__import__("pathlib").Path(out) / task / "manifest.json").read_text())
        return {"records": sum(entry["records"] for entry in manifest["files"]), "seconds": seconds}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure_peer(name: str, items: int) -> dict:
    result = subprocess.run([sys.executable, "-c", PEER_CHILD, name, str(items)], capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_ratios(ours: list[dict], theirs: list[dict]) -> str:
    """The lowest and highest ratio of the runs made back to back (one of ours, then one of theirs):
    how far the machine's noise moves the figure."""
    ratios = [(mine["records"] / mine["seconds"]) / (other["items"] / other["seconds"])
              for mine, other in zip(ours, theirs) if "error" not in mine and "error" not in other]
    return f"{min(ratios):.2f}-{max(ratios):.2f}x" if ratios else "-"


def peer_table(records: int, repeat: int) -> None:
    installed = util.find_spec("reasoning_gym") is not None
    version = metadata.version("reasoning_gym") if installed else None
    print(f"reasoning-gym {version}" if installed else
          "reasoning-gym is not installed (pip install reasoning-gym): its columns are left empty")
    header = ["genforge task", "records", "records/s", "reasoning-gym task", "items/s", "ratio", "ratio per run"]
    print("| " + " | ".join(header) + " |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for task, params, peer in PEERS:
        ours, theirs = [], []
        for _ in range(repeat):  # the two sides take turns, so the machine's noise falls on both
            ours.append(measure_genforge_command(task, params, records))
            if installed:
                theirs.append(measure_peer(peer, records))
        label = " ".join((task,) + params)
        mine = median_run(ours)
        if "error" in mine:
            row = [label, "-", mine["error"][:60]]
        else:
            rate = mine["records"] / mine["seconds"]
            row = [label, f"{mine['records']:,}", f"{rate:,.0f}"]
        if not installed:
            row += [peer, "not installed", "-", "-"]
        else:
            other = median_run(theirs)
            if "error" in other:
                row += [peer, other["error"][:60], "-", "-"]
            else:
                other_rate = other["items"] / other["seconds"]
                ratio = f"{rate / other_rate:.2f}x" if "error" not in mine else "-"
                row += [peer, f"{other_rate:,.0f}", ratio, run_ratios(ours, theirs)]
        print("| " + " | ".join(row) + " |", flush=True)


SPIN = "import time\nstart = time.perf_counter()\nx = 0\nfor i in range(10_000_000): x += i\nprint(time.perf_counter() - start)"


def parallel_ceiling(repeat: int) -> float:
    """How much faster two independent CPU-bound processes get through their work than one: the most
    any two-process run can gain on this machine now (2.00 on two free cores; less when the cores are
    hyperthreads of one, or shared with other jobs). Median of ``repeat`` tries."""
    ratios = []
    for _ in range(repeat):
        alone = float(subprocess.run([sys.executable, "-c", SPIN], capture_output=True, text=True).stdout)
        pair = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True) for _ in range(2)]
        slowest = max(float(child.communicate()[0]) for child in pair)
        ratios.append(2 * alone / slowest)
    return sorted(ratios)[len(ratios) // 2]


def main() -> None:
    from genforge.core.registry import task_names

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default=",".join(task_names()))
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure")
    parser.add_argument("--memory", default="", help="record counts at which to report peak RSS (1 worker)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median run is reported")
    parser.add_argument("--peer", action="store_true", help="the side-by-side table with reasoning-gym (PEERS)")
    parser.add_argument("--dask", action="store_true",
                        help="also two Dask workers (--scheduler local; needs the dask extra), cluster start included")
    args = parser.parse_args()
    if args.peer:
        peer_table(args.records, args.repeat)
        return
    worker_counts = [int(w) for w in args.workers.split(",") if w]
    memory_sizes = [int(m) for m in args.memory.split(",") if m]
    if len(worker_counts) > 1 or args.dask:
        print(f"Two independent CPU-bound processes run {parallel_ceiling(args.repeat):.2f}x one on this machine now "
              "(the ceiling of any two-worker ratio below).\n")
    header = ["task", "records"] + [f"{w} worker{'s' if w > 1 else ''} rec/s" for w in worker_counts]
    header += ["2 / 1 workers"] if len(worker_counts) == 2 else []
    header += ["Dask local 2 rec/s", "Dask / 1 worker"] if args.dask else []
    header += ["µs/record in task (hooks) / in engine", "serialization rec/s", "engine / serialization",
               "end-to-end / ceiling"]
    header += [f"peak MB @ {m:,}" for m in memory_sizes]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for task in args.tasks.split(","):
        row, ceiling, single, rates, split_times, engine_share = [task], None, None, [], "-", "-"
        # Worker counts take turns, and each figure is the median run: a shared machine's noise
        # then falls on every column alike.
        runs: dict[int, list[dict]] = {workers: [] for workers in worker_counts}
        dask_runs: list[dict] = []
        for _ in range(args.repeat):
            for workers in worker_counts:
                runs[workers].append(measure(task, args.records, workers))
            if args.dask:
                dask_runs.append(measure(task, args.records, 2, "local"))
        for workers in worker_counts:
            result = median_run(runs[workers])
            if "error" in result:
                row.append(result["error"][:60])
                continue
            if len(row) == 1:
                row.append(f"{result['records']:,}")
            rate = result["records"] / result["seconds"]
            rates.append(rate)
            row.append(f"{rate:,.0f}")
            if workers == 1:
                single = rate
                hooks_us = result["in_hooks_seconds"] / result["records"] * 1e6
                task_us = result["in_task_seconds"] / result["records"] * 1e6 + hooks_us
                engine_us = result["seconds"] / result["records"] * 1e6 - task_us
                split_times = f"{task_us:.1f} ({hooks_us:.1f}) / {engine_us:.1f}"
                ceiling = result["encoded"] / result["encode_seconds"]
                # The engine's time per record in units of one canonical encoding of a record: a figure that
                # moves less than µs when the machine under the benchmark changes speed.
                engine_share = f"{engine_us * ceiling / 1e6:.1f}x"
        if len(row) == 1:
            row.append("-")
        if len(worker_counts) == 2:
            row.append(f"{rates[1] / rates[0]:.2f}x" if len(rates) == 2 else "-")
        if args.dask:
            result = median_run(dask_runs)
            if "error" in result:
                row += [result["error"][:60], "-"]
            else:
                rate = result["records"] / result["seconds"]
                row += [f"{rate:,.0f}", f"{rate / single:.2f}x" if single else "-"]
        row.append(split_times)
        row.append(f"{ceiling:,.0f}" if ceiling else "-")
        row.append(engine_share)
        row.append(f"{single / ceiling:.0%}" if ceiling and single else "-")
        for size in memory_sizes:
            result = measure(task, size, 1)
            row.append(f"{result['peak_rss_mb']:,.0f}" if "peak_rss_mb" in result else result["error"][:40])
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
