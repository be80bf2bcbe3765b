"""The comparison of models as terminal tables, a long CSV table, or a chart."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from genforge.evaluate.text_report import table


def _number(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(values) -> str:
    return "" if not values else f"[{values[0]:.3f}, {values[1]:.3f}]"


def _signed_interval(values) -> str:
    return "" if not values else f"[{values[0]:+.3f}, {values[1]:+.3f}]"


def format_compare_text(report: dict) -> str:
    models = report["models"]
    lines = [f"references: {report['references']}; models: {', '.join(models)}", "",
             "exact match by model and split (bootstrap 95% interval)"]
    splits = list(dict.fromkeys((row["task"], row["split"], row["shift"]) for row in report["table"]))
    cells = {(row["model"], row["task"], row["split"]): row for row in report["table"]}
    rows = [[f"{task}/{split}", shift, *(f"{_number(cells[(m, task, split)]['exact_match'])} "
                                         f"{_interval(cells[(m, task, split)]['interval'])}" for m in models)]
            for task, split, shift in splits]
    lines += table(["split", "shift", *models], rows, left=2)
    lines += ["", "ID - OOD gap by model (bootstrap 95% interval)"]
    gap_rows = []
    for task in dict.fromkeys(task for task, _, _ in splits):
        for m in models:
            headline = report["headlines"][m].get(task)
            if not headline or headline["id"] is None:
                continue
            for ood in headline["ood"]:
                gap = "-" if ood["gap"] is None else f"{ood['gap']:+.3f}"
                gap_rows.append([task, ood["split"], m, _number(headline["id"]["exact_match"]),
                                 _number(ood["exact_match"]), f"{gap} {_signed_interval(ood['gap_interval'])}"])
    lines += table(["task", "OOD split", "model", "ID", "OOD", "gap"], gap_rows, left=3)
    lines += ["", "paired comparisons over every scored record (difference = first - second)"]
    pair_rows = [[p["first"], p["second"], f"{p['difference']:+.3f}" if p["difference"] is not None else "-",
                  _signed_interval(p["interval"]), f"{p['mcnemar']['only_first']}/{p['mcnemar']['only_second']}",
                  f"{p['mcnemar']['p_value']:.3g}"] for p in report["pairs"]]
    lines += table(["first", "second", "difference", "paired bootstrap 95%", "only first/second", "McNemar p"],
                   pair_rows, left=2)
    items = report["items"]
    rho = items["spearman_with_meta_difficulty"]
    lines += ["", f"item difficulty ({items['model']}; {items['distinct_difficulties']} distinct values): "
                  f"Spearman with meta.difficulty {'-' if rho is None else f'{rho:+.3f}'}"]
    for task, value in items["spearman_by_task"].items():
        lines.append(f"  {task}: {'-' if value is None else f'{value:+.3f}'}")
    concordance = report["concordance"]
    lines += ["", "ranking concordance (Kendall's tau-b between model rankings)",
              f"  across splits: mean {_number(concordance['mean_tau_splits'])} "
              f"({len(concordance['splits'])} pairs)",
              f"  across tasks: mean {_number(concordance['mean_tau_tasks'])} ({len(concordance['tasks'])} pairs)"]
    return "\n".join(lines) + "\n"


COLUMNS = ("kind", "model", "task", "split", "other", "value", "low", "high", "records", "p_value")


def format_compare_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()

    def write(**row):
        writer.writerow({key: "" if row.get(key) is None else row[key] for key in COLUMNS})

    for row in report["table"]:
        low, high = row["interval"] or (None, None)
        write(kind="exact_match", model=row["model"], task=row["task"], split=row["split"], value=row["exact_match"],
              low=low, high=high, records=row["records"])
    for model, tasks in report["headlines"].items():
        for task, headline in tasks.items():
            for ood in headline["ood"]:
                low, high = ood["gap_interval"] or (None, None)
                write(kind="gap", model=model, task=task, split=ood["split"], value=ood["gap"], low=low, high=high)
    for pair in report["pairs"]:
        low, high = pair["interval"] or (None, None)
        write(kind="paired_difference", model=pair["first"], other=pair["second"], value=pair["difference"],
              low=low, high=high, p_value=pair["mcnemar"]["p_value"])
    write(kind="spearman_irt_meta_difficulty", value=report["items"]["spearman_with_meta_difficulty"])
    for pair in report["concordance"]["splits"]:
        write(kind="kendall_tau_splits", split=pair["first"], other=pair["second"], value=pair["tau"])
    for pair in report["concordance"]["tasks"]:
        write(kind="kendall_tau_tasks", task=pair["first"], other=pair["second"], value=pair["tau"])
    return buffer.getvalue()


def plot_compare(report: dict, path: str | Path) -> None:
    """Bars: exact match per split, one bar per model, with the bootstrap intervals as error bars."""
    from genforge.evaluate.plot import require_matplotlib

    Figure, Canvas = require_matplotlib()
    splits = list(dict.fromkeys((row["task"], row["split"]) for row in report["table"]))
    cells = {(row["model"], row["task"], row["split"]): row for row in report["table"]}
    figure = Figure(figsize=(max(6, 1.2 * len(splits) * len(report["models"]) / 2), 4))
    axes = figure.add_subplot(1, 1, 1)
    width = 0.8 / len(report["models"])
    for index, model in enumerate(report["models"]):
        values = [cells[(model, *key)]["exact_match"] or 0 for key in splits]
        errors = [[max(0, v - (cells[(model, *k)]["interval"] or [v, v])[0]) for v, k in zip(values, splits)],
                  [max(0, (cells[(model, *k)]["interval"] or [v, v])[1] - v) for v, k in zip(values, splits)]]
        axes.bar([i + index * width for i in range(len(splits))], values, width, yerr=errors, label=model)
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(splits))])
    axes.set_xticklabels([f"{t}/{s}" for t, s in splits], rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("exact-match accuracy")
    axes.set_ylim(0, 1.05)
    axes.legend(fontsize=8)
    figure.tight_layout()
    Canvas(figure).print_png(str(path))
