"""Text of the shortcut and confound part of a ``genforge audit`` report (one task folder)."""

from __future__ import annotations

from genforge.science.probes import LENGTH


def _table(title: str, rows: dict[str, dict], splits: list[str], mark=lambda row, split: "") -> list[str]:
    width = max([len(name) for name in rows] + [18])
    lines = [f"  {title}", "    " + " " * width + "".join(f" {split[:14]:>14}" for split in splits)]
    for name, values in rows.items():
        cells = "".join(f" {_cell(values.get(split)) + mark(name, split):>14}" for split in splits)
        lines.append(f"    {name:<{width}}{cells}")
    return lines


def _cell(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_checks(task: dict) -> list[str]:
    """Probe scores, nuisance TVs, then every flag and expected finding with its explanation."""
    if "probes" not in task:
        return []
    splits = [split["split"] for split in task["splits"]]
    flagged = {(f["check"], f["name"], f["split"]) for f in task["flags"]}
    expected = {(f["check"], f["name"], f["split"]) for f in task["expected"]}

    def mark(check):
        return lambda name, split: "!" if (check, name, split) in flagged else \
            "~" if (check, name, split) in expected else ""

    lines = []
    if task["probes"]:
        rows = dict(task["probes"])
        rows[LENGTH + " (length)"] = task.get(LENGTH, {})
        lines += _table("shortcut probes, exact match (fit on train; ! flagged, ~ declared expected; the length "
                        "probe scores a right length only and is never flagged):", rows, splits, mark("probe"))
    others = [split for split in splits if split != task["train_split"]]
    if task["nuisance"] and others:
        rows = {feature: {split: entry["tv"] for split, entry in by_split.items()}
                for feature, by_split in task["nuisance"].items()}
        moved = {(feature, split) for feature, by_split in task["nuisance"].items()
                 for split, entry in by_split.items() if entry.get("moved_by_shift")}
        flag_mark = mark("shift")
        lines += _table("nuisance shift, total variation from train (* moved by the split's shift, "
                        "! flagged, ~ declared expected):", rows, others,
                        lambda name, split: flag_mark(name, split) or ("*" if (name, split) in moved else ""))
    if task.get("model_exact_match"):
        lines.append("  reference model exact match: " + ", ".join(
            f"{split} {_cell(value)}" for split, value in task["model_exact_match"].items()))
    for finding in task["flags"]:
        lines.append(f"  FLAG {finding['split']} [{finding['check']}] {finding['message']}")
    for finding in task["expected"]:
        lines.append(f"  expected {finding['split']} [{finding['check']}] {finding['message']}; "
                     f"declared: {finding['reason']}")
    for note in task.get("notes", []):
        lines.append(f"  note: {note}")
    return lines
