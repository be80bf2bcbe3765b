"""``--plot``: exact match against complexity, one line per split.

One panel per (task, complexity measure that takes more than one value);
x is the measure's value (evenly spaced categories when the values are not
all numbers), y the exact-match accuracy. matplotlib is the optional
``plot`` extra, imported only here and only when a plot is asked for.
The figure is built without pyplot, so no global state or GUI backend is
touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from genforge.core.errors import UsageError
from genforge.evaluate.text_report import check_measures, chosen_measures

Y_LABEL = "exact-match accuracy"
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def require_matplotlib():
    """The Figure class and Agg canvas, or a UsageError saying how to install the extra."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError("--plot needs matplotlib, the optional 'plot' extra: pip install 'genforge[plot]'") from None
    return Figure, FigureCanvasAgg


def _panels(report: dict, measures: Optional[Sequence[str]]) -> list[tuple[dict, str]]:
    check_measures(report, measures)
    panels = [(task, m) for task in report["tasks"] for m in chosen_measures(task, measures)]
    if not panels:  # every measure constant: still show one point per split
        panels = [(task, task["measures"][0]) for task in report["tasks"] if task["measures"]]
    return panels


def plot_accuracy(report: dict, path: str | Path, measures: Optional[Sequence[str]] = None):
    """Draw the figure, save it as PNG at ``path`` and return it (a matplotlib Figure).

    ``measures`` picks the complexity measures to plot (default: every one
    that takes more than one value).
    """
    Figure, FigureCanvasAgg = require_matplotlib()
    from matplotlib.ticker import MaxNLocator
    panels = _panels(report, measures)
    if not panels:
        raise UsageError("--plot: the scored records carry no complexity measure to plot against")
    figure = Figure(figsize=(7, 3.2 * len(panels)), layout="constrained")
    FigureCanvasAgg(figure)
    for index, (task, measure) in enumerate(panels, start=1):
        axes = figure.add_subplot(len(panels), 1, index)
        values = task["levels"][measure]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        position = {v: (v if numeric else i) for i, v in enumerate(values)}
        for number, split in enumerate(task["splits"]):
            levels = [level for level in split["by_complexity"].get(measure, []) if level["records"]]
            # Distinct markers keep splits apart where their lines coincide (all right, all wrong).
            axes.plot([position[level["value"]] for level in levels], [level["exact_match"] for level in levels],
                      marker=MARKERS[number % len(MARKERS)], markersize=7 - number % 3, label=split["split"])
        if not numeric or len(values) == 1:
            axes.set_xticks(list(position.values()), [str(v) for v in values])
        elif all(isinstance(v, int) for v in values):
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(f"{measure} (complexity level)")
        axes.set_ylabel(Y_LABEL)
        axes.set_ylim(-0.05, 1.05)
        axes.set_title(f"{task['task']}: accuracy by {measure}")
        axes.grid(True, alpha=0.3)
        axes.legend(title="split", fontsize="small")
    path = Path(path)
    if not path.parent.is_dir():
        raise UsageError(f"--plot {str(path)!r}: folder {str(path.parent)!r} does not exist")
    figure.savefig(path, format="png", dpi=100)
    return figure
