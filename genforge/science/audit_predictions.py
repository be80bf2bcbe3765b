"""``genforge audit --predictions``: is each OOD split harder than the ID split for a reference model?

A plan's OOD split should cost a model accuracy: if a reference model's exact
match on it is not lower than on ``test_id`` (by more than a margin), the
split does not measure the shift it names (or the model already generalizes;
either way the plan should say so). Predictions are read and scored exactly as
``genforge evaluate`` does (:mod:`genforge.evaluate`), without checksum
verification (the audit reads the same files); ids of other tasks' records
are skipped.
"""

from __future__ import annotations

from pathlib import Path

from genforge.core.errors import UsageError


def prediction_findings(folder: Path, predictions: str | Path, margin: float) -> dict[str, dict]:
    """task -> {"scores": split -> exact match, "flags": [...]} for the task folder(s) under ``folder``."""
    from genforge.evaluate import evaluate

    report = evaluate(predictions, snapshot=folder, lenient=True, verify=False)
    if not report["predictions"]["matched"]:
        return {}  # predictions of other tasks (a snapshot's other folders): see require_matches
    found = {}
    for task in report["tasks"]:
        scores = {split["split"]: split["exact_match"] for split in task["splits"]}
        reference_name = "test_id" if "test_id" in scores else None
        reference = scores.get("test_id") if reference_name else (task["headline"]["id"] or {}).get("exact_match")
        label = reference_name or "the pooled ID splits"
        flags = []
        for ood in task["headline"]["ood"]:
            value = ood["exact_match"]
            if reference is None or value is None or value < reference - margin:
                continue
            flags.append({"check": "predictions", "split": ood["split"], "name": "ood_not_harder", "value": value,
                          "message": f"the reference model scores {value:.3f} on {ood['split']}, not below "
                                     f"{reference:.3f} on {label} (margin {margin}): the split is not harder "
                                     "than in distribution"})
        found[task["task"]] = {"scores": scores, "flags": flags}
    return found


def require_matches(report: dict, predictions: str | Path) -> None:
    """Refuse a predictions file that answers no record of the audited folders (exit 2)."""
    if not any("model_exact_match" in task for task in report["tasks"]):
        raise UsageError(f"{predictions}: no prediction has the id of an audited record "
                         "(ids look like TASK/SPLIT/000000, as 'genforge prompts' writes them)")
