"""Scoring predictions against a snapshot, a generated task folder or JSONL files.

``genforge.evaluate(predictions, references)`` (calling this package) scores
and returns a :class:`genforge.evaluate.public.Report`; see
:func:`genforge.evaluate.public.evaluate`.

>>> from genforge.evaluate import evaluate
>>> report = evaluate("preds.jsonl", snapshot="snap/")  # doctest: +SKIP
>>> report["tasks"][0]["headline"]["ood"][0]["gap"]  # doctest: +SKIP
0.42

The report is a plain dict (see :mod:`genforge.evaluate.scoring`);
:func:`format_text` and :func:`format_csv` render it, :func:`plot_accuracy`
draws it.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Optional, Sequence

from genforge.core.errors import UsageError
from genforge.evaluate.baselines import BASELINES, TRIVIAL_THRESHOLD, check_baseline, write_baseline
from genforge.evaluate.csv_report import format_csv
from genforge.evaluate.plot import plot_accuracy
from genforge.evaluate.predictions import read_predictions
from genforge.evaluate.references import ReferenceSet, load_files, load_folder
from genforge.evaluate.scoring import score
from genforge.evaluate.text_report import format_text
from genforge.evaluate.verify_references import verify_folder
from genforge.python_names import speaks_python


@speaks_python
def load_references(snapshot: Optional[str | Path] = None, data: Sequence[str | Path] = (),
                    splits: Optional[Sequence[str]] = None, verify: bool = False) -> ReferenceSet:
    """The scored references: from ``snapshot`` (a folder) or ``data`` (JSONL files), not both.

    With ``verify``, the files are checked against their manifests first (see
    :mod:`genforge.evaluate.verify_references`).
    """
    if snapshot is not None and data:
        raise UsageError("give either --snapshot or --data, not both")
    if snapshot is not None:
        if verify and Path(snapshot).is_dir():
            verify_folder(Path(snapshot))
        return load_folder(snapshot, splits)
    if data and verify:
        for folder in dict.fromkeys(Path(path).parent for path in data):
            if (folder / "manifest.json").is_file():
                verify_folder(folder)
    if data:
        return load_files(list(data), splits)
    raise UsageError("say what to score against: --snapshot DIR (a snapshot or generated task folder) "
                     "or --data FILE.jsonl")


@speaks_python
def evaluate(predictions: str | Path, snapshot: Optional[str | Path] = None, data: Sequence[str | Path] = (),
             splits: Optional[Sequence[str]] = None, lenient: bool = False,
             threshold: float = TRIVIAL_THRESHOLD, verify: bool = True) -> dict:
    """Score a predictions JSONL file; return the report dict (checksums verified first unless ``verify=False``)."""
    references = load_references(snapshot, data, splits, verify)
    predicted, stats = read_predictions(predictions, references, lenient)
    report = score(references, predicted, stats, threshold)
    report["verified"] = verify
    return report


@speaks_python
def baseline(name: str, out: str | Path, snapshot: Optional[str | Path] = None, data: Sequence[str | Path] = (),
             splits: Optional[Sequence[str]] = None, value: Optional[str] = None) -> int:
    """Write a trivial baseline's predictions for the scored splits to ``out``; return the count."""
    check_baseline(name, value)
    return write_baseline(name, load_references(snapshot, data, splits), out, value)


__all__ = ["BASELINES", "TRIVIAL_THRESHOLD", "baseline", "evaluate", "format_csv", "format_text",
           "load_references", "plot_accuracy"]


class _CallablePackage(types.ModuleType):
    """``genforge.evaluate`` is this package and the function ``genforge.evaluate(predictions, references)``.

    A plain function named ``evaluate`` on ``genforge`` would hide the package
    from ``import genforge.evaluate as x`` and from dotted names such as
    ``genforge.evaluate.format_text``; a callable package serves both.
    """

    def __call__(self, predictions, references, **options):
        from genforge.evaluate.public import evaluate as evaluate_to_report

        return evaluate_to_report(predictions, references, **options)


sys.modules[__name__].__class__ = _CallablePackage
