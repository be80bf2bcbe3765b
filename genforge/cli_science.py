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
@click.option("--probe-margin", default=0.3, show_default=True, type=click.FloatRange(0, 1),
              help="Flag a shortcut probe that beats the majority-target probe by more than this on a split.")
@click.option("--probe-level", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Flag a shortcut probe whose exact match reaches this (raised to chance + margin for few classes).")
@click.option("--max-tv", default=0.3, show_default=True, type=click.FloatRange(0, 1),
              help="Flag a nuisance feature whose total-variation distance from train exceeds this, unless the "
                   "split's shift moves it.")
@click.option("--min-records", default=100, show_default=True, type=click.IntRange(1),
              help="Splits with fewer records are reported but not flagged.")
@click.option("--predictions", "predictions", default=None, type=click.Path(),
              help="A reference model's predictions (JSONL, as 'genforge evaluate' reads them): flag an OOD split "
                   "whose exact match is not below test_id's.")
@click.option("--ood-margin", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="With --predictions: flag an OOD split scoring at least test_id minus this margin.")
def audit_command(path, as_json, plot_dir, probe_margin, probe_level, max_tv, min_records, predictions, ood_margin):
    """Audit the splits of a task folder, a folder of task folders, a snapshot or a sweep.

    Prints per split: records, unique and duplicate inputs, instructions,
    domain / complexity histograms, difficulty quantiles, diversity, and against
    train: shared inputs and instructions, seen 4-grams, D_A and D_C. Then the
    shortcut probes' exact match per split, each nuisance feature's total
    variation from train, and every flag with its explanation. Exits 1 when
    something is flagged or a promised property is broken (e.g. a test input
    that is also in train), 2 on bad input.
    """
    from genforge.folders import locate, say_found
    from genforge.science.audit import audit_path, render_text
    from genforge.science.shortcuts import Thresholds

    if plot_dir is not None:
        from genforge.science.plot import require_matplotlib

        require_matplotlib()  # fail before the audit's work, exit 2
    location = locate(path)
    limits = Thresholds(probe_margin=probe_margin, probe_level=probe_level, max_tv=max_tv, min_records=min_records)
    parts = [audit_path(folder, histograms=plot_dir is not None, limits=limits, predictions=predictions,
                        ood_margin=ood_margin) for folder in location.task_folders]
    say_found(location)
    report = {"path": str(location.path), "tasks": [task for part in parts for task in part["tasks"]],
              "ok": all(part["ok"] for part in parts)}
    if predictions is not None:
        from genforge.science.audit_predictions import require_matches

        require_matches(report, predictions)
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
