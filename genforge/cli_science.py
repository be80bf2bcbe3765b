"""CLI commands of split science: ``genforge audit`` and ``genforge sweep``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from genforge.core.errors import UsageError
from genforge.progress import make_progress, progress_options


def _pairs(values, option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {value!r} is not KEY=VALUE")
        pairs[key.strip()] = text
    return pairs


@click.command("audit")
@click.argument("path", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option("--plot", "plot_dir", default=None, type=click.Path(file_okay=False),
              help="Write difficulty and complexity histograms per split as PNG into this folder (needs matplotlib).")
def audit_command(path, as_json, plot_dir):
    """Audit the splits of a task folder, a folder of task folders, a snapshot or a sweep.

    Prints per split: records, unique and duplicate inputs, instructions,
    domain / complexity histograms, difficulty quantiles, diversity, and against
    train: shared inputs and instructions, seen 4-grams, D_A and D_C. Exits 1
    when a promised property is broken (e.g. a test input that is also in train).
    """
    from genforge.folders import locate, say_found
    from genforge.science.audit import audit_path, render_text

    if plot_dir is not None:
        from genforge.science.plot import require_matplotlib

        require_matplotlib()  # fail before the audit's work, exit 2
    location = locate(path)
    parts = [audit_path(folder, histograms=plot_dir is not None) for folder in location.task_folders]
    say_found(location)
    report = {"path": str(location.path), "tasks": [task for part in parts for task in part["tasks"]],
              "ok": all(part["ok"] for part in parts)}
    if plot_dir is not None:
        from genforge.science.plot import plot_report

        written = plot_report(report, plot_dir)
        for task in report["tasks"]:
            task.pop("histograms", None)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report))
    if plot_dir is not None and not as_json:
        for chart in written:
            click.echo(f"chart: {chart}")
    if not report["ok"]:
        sys.exit(1)


@click.command("sweep")
@click.argument("task")
@click.option("--vary", required=True, metavar="NAME=V1,V2,...",
              help="Factor and its values: a task parameter (n_instructions=10,100,1000; domains=1,2,4 counts "
                   "the first domains) or repetition=1,2,4.")
@click.option("--budget", required=True, type=int, help="Training records of every run (held fixed).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder of the sweep.")
@click.option("--split-plan", default=None, help="Plan whose train split is swept and whose tests are shared.")
@click.option("--size", "sizes", multiple=True, metavar="SPLIT=N", help="Records in a shared test split (repeatable).")
@click.option("--param", "params", multiple=True, metavar="K=V", help="Base task parameter (repeatable).")
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of every run.")
@click.option("--overwrite", is_flag=True, help="Replace existing run folders.")
@progress_options
def sweep_command(task, vary, budget, out, split_plan, sizes, params, seed, overwrite, progress_mode, quiet):
    """One training set per value of a factor at a fixed budget, and one shared test set."""
    from genforge.core.params import parse_cli_value
    from genforge.science.sweep import parse_values, sweep
    from genforge.core.registry import get_task

    name, sep, text = vary.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--vary {vary!r} is not NAME=V1,V2,... (e.g. n_instructions=10,100,1000)")
    schema = get_task(task).parameters
    base = {key: parse_cli_value(key, value, schema[key]) if key in schema else value
            for key, value in _pairs(params, "--param").items()}
    values = parse_values(task, name.strip(), text, base)
    progress = make_progress(progress_mode, quiet)
    try:
        manifest = sweep(task, out, vary=name.strip(), values=values, budget=budget, params=base, seed=seed,
                         split_plan=split_plan, test_sizes={k: v for k, v in _pairs(sizes, "--size").items()},
                         overwrite=overwrite, progress=progress)
    finally:
        progress.done()
    folder = Path(out)
    click.echo(f"shared test: {folder / manifest['shared_test']['folder']} "
               f"({', '.join(manifest['shared_test']['splits'])})")
    for run in manifest["runs"]:
        click.echo(f"{folder / run['folder']}: {run['train_records']:,} train records "
                   f"({run['unique_train_records']:,} unique), {name.strip()} = {json.dumps(run['value'])}")
    click.echo(f"{folder / 'manifest.json'}")
