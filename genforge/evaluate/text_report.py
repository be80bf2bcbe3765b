"""The report as tables a person reads on a terminal."""

from __future__ import annotations

from typing import Optional, Sequence

from genforge.core.errors import UsageError, one_of


def _number(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def _signed(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _interval(values: Optional[list]) -> str:
    """'[0.910, 0.990]': a bootstrap 95% interval, '' when there is none."""
    return "" if not values else f"[{values[0]:.3f}, {values[1]:.3f}]"


def _signed_interval(values: Optional[list]) -> str:
    return "" if not values else f"[{values[0]:+.3f}, {values[1]:+.3f}]"


def _cell(group: Optional[dict]) -> str:
    """'0.950 (20)': exact match and record count of a group, '-' when empty."""
    if not group or not group["records"]:
        return "-"
    return f"{_number(group['exact_match'])} ({group['records']})"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1, indent: str = "  ") -> list[str]:
    """Columns padded to their widest cell; the first ``left`` columns (names) left-aligned, numbers right."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _summary(report: dict) -> list[str]:
    stats = report["predictions"]
    records = sum(s["records"] for t in report["tasks"] for s in t["splits"])
    splits = sum(len(t["splits"]) for t in report["tasks"])
    lines = [
        f"references: {report['source']} ({records:,} records in {splits} scored split(s))"
        + (" (checksums verified)" if report.get("verified") else ""),
        f"predictions: {stats['file']} ({stats['lines']:,} lines, {stats['matched']:,} matched)",
        f"missing predictions: {report['missing']:,} (counted as wrong)",
    ]
    skipped = stats["skipped"]
    if any(skipped.values()):
        lines.append("skipped lines (--lenient): " + ", ".join(f"{n} {kind}" for kind, n in skipped.items()))
    if stats.get("unbound"):
        lines.append(f"unchecked: {stats['unbound']:,} predictions carry no 'digest', so nothing shows they were made "
                     "for these records (write it as 'genforge prompts' does)")
    if stats["outside_scope"]:
        lines.append(f"ignored: {stats['outside_scope']:,} predictions for splits not scored (see --split)")
    return lines


def _headline(task: dict) -> list[str]:
    headline = task["headline"]
    rows = []
    if headline["id"] is not None:
        id_part = headline["id"]
        rows.append([f"ID ({', '.join(headline['id_splits'])})", _number(id_part["exact_match"]),
                     _interval(id_part.get("interval")), f"{id_part['correct']}/{id_part['records']}", "", ""])
    for ood in headline["ood"]:
        rows.append([f"OOD {ood['split']} [{ood['shift']}]", _number(ood["exact_match"]),
                     _interval(ood.get("interval")), f"{ood['correct']}/{ood['records']}",
                     "" if ood["gap"] is None else _signed(ood["gap"]), _signed_interval(ood.get("gap_interval"))])
    if not rows:
        return []
    return ["headline (exact match with bootstrap 95% interval; gap = ID - OOD)",
            *table(["", "accuracy", "95% interval", "correct", "gap", "gap 95% interval"], rows)]


def _splits(task: dict, threshold: float) -> list[str]:
    names = list(task["splits"][0]["baselines"]) if task["splits"] else []
    rows = []
    for split in task["splits"]:
        baseline_cells = [_number(split["baselines"][n]) + ("!" if n in split["trivial"] else "") for n in names]
        rows.append([split["split"], split["shift"], split["role"], f"{split['records']:,}", f"{split['missing']:,}",
                     _number(split["exact_match"]), _number(split["token_accuracy"]), *baseline_cells])
    lines = ["splits (exact match, token accuracy; trivial baselines' exact match)",
             *table(["split", "shift", "role", "records", "missing", "exact", "token", *names], rows, left=3)]
    for split in task["splits"]:
        for name in split["trivial"]:
            lines.append(f"  ! {split['split']}: trivial baseline {name} scores {_number(split['baselines'][name])} "
                         f">= {threshold:g}; accuracy on this split says little about learning")
    return lines


def _by_complexity(task: dict, measures: list[str]) -> list[str]:
    lines = []
    for measure in measures:
        cells = {(s["split"], level["value"]): level for s in task["splits"] for level in s["by_complexity"][measure]}
        rows = [[str(v), *(_cell(cells.get((s["split"], v))) for s in task["splits"])] for v in task["levels"][measure]]
        lines += ["", f"exact match by {measure} (records)",
                  *table([measure, *(s["split"] for s in task["splits"])], rows)]
    constant = [m for m in task["measures"] if m not in task["varying_measures"] and m not in measures]
    if constant and measures == task["varying_measures"]:
        lines.append(f"  (one value only, not tabled: {', '.join(constant)})")
    return lines


def _by_domain(task: dict) -> list[str]:
    domains = sorted({d["domain"] for s in task["splits"] for d in s["by_domain"]})
    cells = {(s["split"], d["domain"]): d for s in task["splits"] for d in s["by_domain"]}
    rows = [[domain, *(_cell(cells.get((s["split"], domain))) for s in task["splits"])] for domain in domains]
    return ["", "exact match by domain (records)", *table(["domain", *(s["split"] for s in task["splits"])], rows)]


def _valley(task: dict, measures: list[str]) -> list[str]:
    lines, without_overlap = [], []
    for measure in measures:
        view = task["valley"].get(measure)
        if not view:
            continue
        if view["peak"] is None:
            without_overlap.append(measure)
            continue
        rows = [[str(row["value"]),
                 _cell({"records": row["id_records"], "exact_match": row["id_exact_match"]}),
                 _cell({"records": row["ood_records"], "exact_match": row["ood_exact_match"]}),
                 _signed(row["gap"]), "<- peak" if row["value"] == view["peak"] and row["gap"] is not None else ""]
                for row in view["levels"]]
        lines += ["", f"generalization valley by {measure} (ID vs pooled OOD exact match; gap = ID - OOD)",
                  *table([measure, "ID", "OOD", "gap", ""], rows)]
    if without_overlap:
        lines += ["", f"no generalization valley by {', '.join(without_overlap)}: no level has both ID and OOD records"]
    return lines


def chosen_measures(task: dict, measures: Optional[Sequence[str]]) -> list[str]:
    """The measures to table or plot: those asked for that the task has, else every varying one."""
    if not measures:
        return list(task["varying_measures"])
    return [m for m in measures if m in task["measures"]]


def check_measures(report: dict, measures: Optional[Sequence[str]]) -> None:
    known = {m for task in report["tasks"] for m in task["measures"]}
    unknown = [m for m in measures or () if m not in known]
    if unknown:
        raise UsageError(f"--measure {unknown[0]!r} is not a complexity measure of the scored records; "
                         f"they have: {one_of(known)}")


def format_text(report: dict, measures: Optional[Sequence[str]] = None) -> str:
    """The report as tables; ``measures`` limits the complexity tables (default: every varying measure)."""
    check_measures(report, measures)
    lines = _summary(report)
    for task in report["tasks"]:
        shown = chosen_measures(task, measures)
        lines += ["", f"== {task['task']} ==", *_headline(task), "", *_splits(task, report["trivial_threshold"]),
                  *_by_complexity(task, shown), *_by_domain(task), *_valley(task, shown)]
    return "\n".join(lines) + "\n"
