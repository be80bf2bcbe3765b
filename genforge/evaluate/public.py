"""The Python entry points: ``genforge.score``, ``genforge.evaluate`` and ``genforge.render_prompt``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence, Union

from genforge.core.errors import UsageError
from genforge.evaluate.baselines import TRIVIAL_THRESHOLD
from genforge.evaluate.metrics import token_accuracy
from genforge.evaluate.normalize import normalizer_for
from genforge.evaluate.predictions import read_predictions
from genforge.evaluate.prompts import render_prompt
from genforge.evaluate.references import ReferenceSet, load_files, load_folder, load_records
from genforge.evaluate.scoring import score as score_report
from genforge.evaluate.text_report import format_text
from genforge.evaluate.verify_references import verify_folder
from genforge.python_names import speaks_python


class Report:
    """A scored evaluation: ``to_dict()`` for data, ``text()`` (and ``str()``) for the tables.

    ``report["tasks"]`` reads the dict directly.
    """

    def __init__(self, data: dict):
        self._data = data

    def to_dict(self) -> dict:
        return self._data

    def text(self, measures: Optional[Sequence[str]] = None) -> str:
        return format_text(self._data, measures)

    def __str__(self) -> str:
        return self.text()

    def __getitem__(self, key):
        return self._data[key]

    def __repr__(self) -> str:
        tasks = ", ".join(task["task"] for task in self._data["tasks"])
        return f"<genforge evaluation report: {tasks}>"


@speaks_python
def score(prediction: Optional[str], record: Mapping) -> dict:
    """The per-example metrics of one prediction for one genforge record.

    >>> record = {"task": "rewrite", "target": "xcd"}
    >>> score("  xcd ", record)
    {'exact_match': 1.0, 'token_accuracy': 1.0}
    >>> score("xce", record)["token_accuracy"]
    0.666667
    """
    if not isinstance(record, Mapping) or not isinstance(record.get("task"), str) \
            or not isinstance(record.get("target"), str):
        raise UsageError("score needs a genforge record: a dict with text 'task' and 'target'")
    if prediction is None:
        return {"exact_match": 0.0, "token_accuracy": 0.0}
    if not isinstance(prediction, str):
        raise UsageError(f"a prediction must be text, got {type(prediction).__name__}")
    normalize = normalizer_for(record["task"])
    predicted, target = normalize(prediction), normalize(record["target"])
    return {"exact_match": float(predicted == target),
            "token_accuracy": round(token_accuracy(predicted, target), 6)}


def _references(references, splits, verify: bool) -> tuple[ReferenceSet, bool]:
    if isinstance(references, (str, Path)):
        path = Path(references)
        if path.is_dir():
            if verify:
                verify_folder(path)
            return load_folder(path, splits), verify
        checked = verify and (path.parent / "manifest.json").is_file()
        if checked:
            verify_folder(path.parent)
        return load_files([path], splits), checked
    if isinstance(references, Iterable):
        return load_records(references, splits), False
    raise UsageError("references must be a folder, a JSONL file or an iterable of genforge records")


@speaks_python
def evaluate(predictions: Union[str, Path, Iterable[Mapping]], references, *,
             splits: Optional[Sequence[str]] = None, lenient: bool = False, verify: bool = True,
             threshold: float = TRIVIAL_THRESHOLD) -> Report:
    """Score predictions against references and return a :class:`Report`.

    ``predictions``: a JSONL file or dicts ``{"id", "prediction"[, "digest"]}``.
    ``references``: a snapshot or generated folder (checksums verified first
    unless ``verify=False``), a JSONL file, or genforge record dicts.

    >>> report = genforge.evaluate("preds.jsonl", "data/")      # doctest: +SKIP
    >>> report.to_dict()["tasks"][0]["headline"]["ood"][0]["gap_interval"]  # doctest: +SKIP
    [0.74, 0.86]
    >>> print(report)                                             # doctest: +SKIP
    """
    reference_set, verified = _references(references, splits, verify)
    predicted, stats = read_predictions(predictions if isinstance(predictions, (str, Path)) else list(predictions),
                                        reference_set, lenient)
    report = score_report(reference_set, predicted, stats, threshold)
    report["verified"] = verified
    return Report(report)


__all__ = ["Report", "evaluate", "render_prompt", "score"]
