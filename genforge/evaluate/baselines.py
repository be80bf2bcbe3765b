"""Trivial predictors: what 'no learning' scores on each split.

* ``copy_input``: predicts the record's input unchanged. High on a split
  where most targets equal their input (for example ``rewrite`` with a large
  ``noop_share``).
* ``majority_target``: predicts, for every record of a task, the most
  frequent target of that task's **train** split (normalized answers
  counted; ties go to the one seen first), as a model that learnt only the
  label prior would. Unavailable when no train split is found.
* ``constant``: predicts one fixed answer (``--value``) everywhere.

``genforge evaluate`` runs the first two on every scored split and flags a
split where one of them reaches :data:`TRIVIAL_THRESHOLD` exact match: its
accuracy says little about learning.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

import orjson

from genforge.core.errors import UsageError, did_you_mean, one_of
from genforge.evaluate.references import Reference, ReferenceSet

from genforge.choices import BASELINES, TRIVIAL_THRESHOLD  # noqa: E402  (light, for the CLI's --help)

#: The baselines evaluate runs by itself (constant needs a value from the user).
FLAGGING_BASELINES = ("copy_input", "majority_target")


def check_baseline(name: str, value: Optional[str]) -> None:
    if name not in BASELINES:
        raise UsageError(f"unknown baseline {name!r}{did_you_mean(name, BASELINES)}; choose one of {one_of(BASELINES)}")
    if name == "constant" and value is None:
        raise UsageError("baseline 'constant' needs --value TEXT (the answer it always gives)")
    if name != "constant" and value is not None:
        raise UsageError(f"--value is only for baseline 'constant', not {name!r}")


def baseline_answer(name: str, reference: Reference, references: ReferenceSet,
                    value: Optional[str] = None) -> Optional[str]:
    """The baseline's prediction for one record, or None when it has none (no train split)."""
    if name == "copy_input":
        return reference.input
    if name == "majority_target":
        return references.majority_target.get(reference.task)
    return value


def write_baseline(name: str, references: ReferenceSet, out: str | Path, value: Optional[str] = None) -> int:
    """Write the baseline's predictions for every scored record to ``out``; return the count.

    The file is written under a temporary name and renamed, so a failed run
    leaves no partial predictions file.
    """
    check_baseline(name, value)
    if name == "majority_target":
        lacking = sorted({r.task for r in references.records.values()} - set(references.majority_target))
        if lacking:
            raise UsageError(f"baseline 'majority_target' needs each task's train split; none found for "
                             f"{', '.join(lacking)} (add the train file with --data)")
    out = Path(out)
    if out.is_dir():
        raise UsageError(f"--out {str(out)!r} is a folder; give a file name such as preds.jsonl")
    if not out.parent.is_dir():
        raise UsageError(f"--out {str(out)!r}: folder {str(out.parent)!r} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    except OSError as error:  # e.g. a read-only or virtual file system such as /proc
        raise UsageError(f"--out {str(out)!r}: cannot write in {str(out.parent)!r}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            for reference in references.records.values():
                answer = baseline_answer(name, reference, references, value)
                file.write(orjson.dumps({"id": reference.id, "digest": reference.digest, "prediction": answer}) + b"\n")
        os.replace(temporary, out)
    except BaseException:
        os.unlink(temporary)
        raise
    return len(references.records)
