"""``genforge evaluate`` and ``genforge baseline``: parse, call genforge.evaluate, print."""

from __future__ import annotations

import contextlib
import json

import click

from genforge.core.errors import GenforgeError, UsageError
from genforge.choices import BASELINES, TRIVIAL_THRESHOLD
from genforge.folders import locate, say_found

# genforge.evaluate (numpy, orjson) is imported inside the commands: registering them costs
# `genforge --help` nothing.

_snapshot_option = click.option(
    "--snapshot", type=click.Path(), default=None, metavar="DIR",
    help="A snapshot folder, a generated task folder OUT/TASK/, or a folder of task folders.")
_data_option = click.option(
    "--data", multiple=True, type=click.Path(), metavar="FILE.jsonl",
    help="Reference records in a JSONL file instead of --snapshot (repeatable).")


def _say_what_was_found(snapshot) -> None:
    """Name the folder form found, once the work succeeded (a failure is one message alone)."""
    if snapshot is not None:
        with contextlib.suppress(GenforgeError):
            say_found(locate(snapshot))


_verify_option = click.option(
    "--verify/--no-verify", default=True, show_default=True,
    help="Check the references' checksums against their manifests before scoring.")


def _split_option(verb: str):
    return click.option(
        "--split", "splits", multiple=True, metavar="NAME",
        help=f"{verb} only this split, as NAME or TASK/NAME (repeatable). Default: every split except train.")


@click.command("evaluate")
@click.argument("predictions", type=click.Path())
@_snapshot_option
@_data_option
@_split_option("Score")
@click.option("--lenient", is_flag=True, help="Skip (and count) malformed, duplicate and unknown lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report as one long CSV table.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Also draw accuracy against complexity, one line per split (needs the 'plot' extra).")
@click.option("--measure", "measures", multiple=True, metavar="NAME",
              help="Complexity measure for the tables and the plot (repeatable). Default: every measure that varies.")
@click.option("--trivial-threshold", type=click.FloatRange(0, 1), default=TRIVIAL_THRESHOLD, show_default=True,
              help="Flag a split where a trivial baseline reaches this exact match.")
@_verify_option
def evaluate_command(predictions, snapshot, data, splits, lenient, as_json, as_csv, plot, measures,
                     trivial_threshold, verify):
    """Score PREDICTIONS (JSONL lines {"id": ..., "prediction": ...}) against the references.

    Prints exact match and token accuracy per split, by complexity level and
    by domain, the ID accuracy, each OOD split's accuracy and the gap, and
    the generalization valley (gap by complexity level). Missing
    predictions count as wrong.
    """
    from genforge.evaluate import evaluate, format_csv, format_text
    from genforge.evaluate.plot import plot_accuracy, require_matplotlib

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    if plot is not None:
        require_matplotlib()  # fail before the scoring work, not after it
    report = evaluate(predictions, snapshot=snapshot, data=data, splits=splits or None, lenient=lenient,
                      threshold=trivial_threshold, verify=verify)
    _say_what_was_found(snapshot)
    if plot is not None:
        plot_accuracy(report, plot, measures)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(format_csv(report), nl=False)
    else:
        click.echo(format_text(report, measures), nl=False)
        if plot is not None:
            click.echo(f"plot: {plot}")


@click.command("baseline")
@click.argument("name", type=click.Choice(list(BASELINES)), metavar="NAME")
@_snapshot_option
@_data_option
@_split_option("Predict")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Predictions file to write (JSONL).")
@click.option("--value", default=None, help="The answer baseline 'constant' always gives.")
def baseline_command(name, snapshot, data, splits, out, value):
    """Write the predictions of a trivial baseline NAME for every scored record.

    \b
    copy_input       the record's input, unchanged
    majority_target  the most frequent target of the task's train split
    constant         one fixed answer (--value)

    Score them with 'genforge evaluate OUT --snapshot ...' to see what 'no
    learning' gets on each split.
    """
    from genforge.evaluate import baseline

    count = baseline(name, out, snapshot=snapshot, data=data, splits=splits or None, value=value)
    _say_what_was_found(snapshot)
    click.echo(f"{out}: {count:,} predictions of baseline {name}")


@click.command("compare")
@click.argument("predictions", nargs=-1, required=True, type=click.Path())
@click.option("--name", "names", multiple=True, metavar="NAME",
              help="A model's name, one per predictions file in order (default: the file names).")
@_snapshot_option
@_data_option
@_split_option("Compare on")
@click.option("--lenient", is_flag=True, help="Skip (and count) malformed, duplicate and unknown lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the comparison as one long CSV table.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Also draw accuracy per split and model with intervals (needs the 'plot' extra).")
@_verify_option
def compare_command(predictions, names, snapshot, data, splits, lenient, as_json, as_csv, plot, verify):
    """Compare models: one PREDICTIONS file per model, scored on the same references.

    Prints a model x split table with bootstrap 95% intervals, each model's
    ID - OOD gaps, paired tests between every two models (paired bootstrap,
    McNemar), item difficulty from a Rasch model fitted to all models' answers
    with its Spearman correlation to meta.difficulty, and Kendall's tau
    between the model rankings of the splits and of the tasks.
    """
    from genforge.evaluate import load_references
    from genforge.evaluate.compare import compare
    from genforge.evaluate.compare_report import format_compare_csv, format_compare_text, plot_compare
    from genforge.evaluate.plot import require_matplotlib

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    if plot is not None:
        require_matplotlib()
    references = load_references(snapshot, data, splits or None, verify=verify)
    report = compare(predictions, references, names, lenient)
    if plot is not None:
        plot_compare(report, plot)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(format_compare_csv(report), nl=False)
    else:
        click.echo(format_compare_text(report), nl=False)
        if plot is not None:
            click.echo(f"plot: {plot}")
