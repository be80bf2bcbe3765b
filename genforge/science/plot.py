"""``genforge audit --plot DIR``: difficulty and complexity histograms per split, overlaid.

One PNG per task (``DIR/<task>_splits.png``): a panel for difficulty and one
per complexity measure that varies, each split drawn as the share of its
records per value, so a reader sees where train and the OOD tests part.
matplotlib is the optional ``plot`` extra, imported here only when asked for.
"""

from __future__ import annotations

from pathlib import Path

from genforge.core.errors import UsageError

DIFFICULTY_BINS = 20


def require_matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError("--plot needs matplotlib, the optional 'plot' extra: pip install 'genforge[plot]'") from None
    return Figure, FigureCanvasAgg


def _numeric(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _panels(histograms: dict) -> list[str]:
    measures: dict[str, set] = {}
    for tables in histograms.values():
        for measure, counts in tables["complexity"].items():
            measures.setdefault(measure, set()).update(map(str, counts))
    return ["difficulty"] + sorted(m for m, values in measures.items() if len(values) > 1)


def plot_task(task_report: dict, folder: Path) -> Path:
    """Write ``folder/<task>_splits.png`` from an audit made with ``histograms=True``."""
    Figure, FigureCanvasAgg = require_matplotlib()
    histograms = task_report["histograms"]
    panels = _panels(histograms)
    figure = Figure(figsize=(7, 2.6 * len(panels)), layout="constrained")
    FigureCanvasAgg(figure)
    for index, panel in enumerate(panels, start=1):
        axes = figure.add_subplot(len(panels), 1, index)
        if panel == "difficulty":
            width = 1.0 / DIFFICULTY_BINS
            edges = [i * width for i in range(DIFFICULTY_BINS + 1)]
            for split, tables in histograms.items():
                counts = tables["difficulty"]
                total = sum(counts.values()) or 1
                shares = [0.0] * DIFFICULTY_BINS
                for value, number in counts.items():
                    shares[min(DIFFICULTY_BINS - 1, int(float(value) / width))] += number / total
                axes.stairs(shares, edges, label=split)
            axes.set_xlabel("difficulty")
        else:
            values = sorted({v for t in histograms.values() for v in t["complexity"].get(panel, {})},
                            key=lambda v: (not _numeric([v]), v if _numeric([v]) else str(v)))
            numeric = _numeric(values)
            position = {v: (v if numeric else i) for i, v in enumerate(values)}
            for split, tables in histograms.items():
                counts = tables["complexity"].get(panel, {})
                total = sum(counts.values()) or 1
                xs = [position[v] for v in values if v in counts]
                axes.plot(xs, [counts[v] / total for v in values if v in counts], marker="o", markersize=3,
                          label=split)
            if not numeric:
                axes.set_xticks(range(len(values)), [str(v) for v in values], rotation=45, fontsize=7)
            axes.set_xlabel(panel)
        axes.set_ylabel("share of split")
        axes.legend(fontsize=7)
    figure.suptitle(f"{task_report['task']} ({task_report['split_plan']})")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{task_report['task']}_splits.png"
    figure.savefig(path, dpi=110)
    return path


def plot_report(report: dict, folder: str | Path) -> list[Path]:
    require_matplotlib()
    return [plot_task(task, Path(folder)) for task in report["tasks"]]
