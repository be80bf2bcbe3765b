"""Reading a predictions file: JSONL lines ``{"id": ..., "prediction": ...}``.

**Binding to the data.** Ids are positions (``task/split/index``), so the
same id names different records in another seed's or another parameter
set's data. A line may carry ``"digest"``: the record digest of the record it
answers (:func:`genforge.evaluate.prompts.record_digest`, written by
``genforge prompts`` and ``genforge baseline``). Predictions whose digest
differs from their record's belong to other data: they are refused, with
their count and one example, whatever ``lenient`` says. Lines without a
digest are scored and counted as ``unbound``.

**lm-eval samples.** A line written by lm-evaluation-harness with
``--log_samples`` for the exported genforge tasks (an object with ``doc`` and
``filtered_resps``) is read as the prediction ``filtered_resps[0]`` for
``doc["id"]``, bound by the digest of ``doc``: concatenate the
``samples_genforge_*.jsonl`` files of a run and score them like any
predictions.

Other keys on a line are ignored (a model's raw output, a score); blank lines
are skipped. A prediction is a string; a JSON number is accepted and read as
its text (``42`` -> ``"42"``). Malformed lines, ids that occur twice and ids
that no reference record has are errors listing their line numbers, unless
``lenient`` (then they are skipped and counted). An id of an existing split
that is not being scored (train, or one left out with ``--split``) is counted
and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

import orjson

from genforge.core.errors import UsageError
from genforge.evaluate.references import ReferenceSet

#: Problems listed in an error message before "... and N more".
MAX_LISTED_PROBLEMS = 10


@dataclass
class PredictionStats:
    path: str
    lines: int = 0
    matched: int = 0
    outside_scope: int = 0
    unbound: int = 0
    skipped: dict = field(default_factory=lambda: {"malformed": 0, "duplicate": 0, "unknown": 0})

    def as_dict(self) -> dict:
        return {"file": self.path, "lines": self.lines, "matched": self.matched,
                "outside_scope": self.outside_scope, "unbound": self.unbound, "skipped": dict(self.skipped)}


def _prediction_text(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return orjson.dumps(value).decode()
    return None


def _items(path: Path):
    """(line number, parsed object or None when not JSON) of each non-blank line."""
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError:
                yield number, _NOT_JSON


_NOT_JSON = object()


def _from_lm_eval_sample(item: dict) -> dict:
    """An lm-eval logged sample as a prediction line (see the module docstring)."""
    from genforge.evaluate.prompts import record_digest

    doc, answer = item["doc"], item["filtered_resps"]
    while isinstance(answer, list) and answer:
        answer = answer[0]
    if not isinstance(doc, dict) or "id" not in doc:
        return {"id": None, "prediction": answer}
    return {"id": doc["id"], "digest": record_digest(doc), "prediction": answer}


def read_predictions(source: Union[str, Path, Iterable[dict]], references: ReferenceSet, lenient: bool = False
                     ) -> tuple[dict[str, str], PredictionStats]:
    """Predictions by id for the scored records, and what was read, matched and skipped.

    ``source`` is a JSONL file or an iterable of ``{"id", "prediction"[, "digest"]}`` dicts.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"predictions file {str(path)!r} does not exist or is not a file")
        items, stats = _items(path), PredictionStats(str(path))
    else:
        items, stats = enumerate(source, start=1), PredictionStats("predictions given in Python")
        path = stats.path
    predictions: dict[str, str] = {}
    first_line: dict[str, int] = {}
    problems: list[tuple[str, str]] = []  # (kind, message)
    foreign: list[str] = []  # predictions whose digest is not their record's

    for number, item in items:
        stats.lines += 1
        if item is _NOT_JSON:
            problems.append(("malformed", f"line {number}: not valid JSON"))
            continue
        if isinstance(item, dict) and "doc" in item and "filtered_resps" in item:
            item = _from_lm_eval_sample(item)
        if not isinstance(item, dict) or "id" not in item or "prediction" not in item:
            problems.append(("malformed", f"line {number}: not an object with 'id' and 'prediction'"))
            continue
        record_id, text = item["id"], _prediction_text(item["prediction"])
        if not isinstance(record_id, str):
            problems.append(("malformed", f"line {number}: 'id' must be a string, got {record_id!r}"))
            continue
        if text is None:
            kind = type(item["prediction"]).__name__ if item["prediction"] is not None else "null"
            problems.append(("malformed", f"line {number}: 'prediction' must be a string, got {kind}"))
            continue
        if record_id in first_line:
            problems.append(("duplicate", f"line {number}: duplicate id {record_id!r} "
                                          f"(first on line {first_line[record_id]})"))
            continue
        if record_id in references.records:
            first_line[record_id] = number
            predictions[record_id] = text
            digest = item.get("digest")
            if digest is None:
                stats.unbound += 1
            elif digest != references.records[record_id].digest:
                reference = references.records[record_id]
                foreign.append(f"line {number}: id {record_id!r} carries digest {digest!r}, but the record "
                               f"with that id has digest {reference.digest!r} (input {reference.input[:60]!r})")
        elif references.knows_outside_scope(record_id):
            first_line[record_id] = number
            stats.outside_scope += 1
        else:
            problems.append(("unknown", f"line {number}: unknown id {record_id!r}: no record of "
                                        f"{references.source} has it"))

    if foreign:
        raise UsageError(
            f"{path}: {len(foreign)} of {stats.lines} prediction(s) were made for other data than "
            f"{references.source} (their digests do not match the records with their ids: another seed, "
            f"other parameters or another version?). First: {foreign[0]}. Score them against the data they "
            "were made for, or make new predictions from 'genforge prompts' of this data")
    for kind, _ in problems:
        stats.skipped[kind] += 1
    if problems and not lenient:
        listed = "\n  ".join(message for _, message in problems[:MAX_LISTED_PROBLEMS])
        more = len(problems) - MAX_LISTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise UsageError(f"{path}: {len(problems)} bad line(s):\n  {listed}{tail}\n"
                         "fix them, or pass --lenient to skip them (they are then counted in the report)")
    stats.matched = len(predictions)
    return predictions, stats
