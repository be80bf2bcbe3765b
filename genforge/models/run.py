"""``genforge reference-model``: train per task, decode every evaluated split, write predictions."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

import orjson

from genforge.evaluate.prompts import record_digest
from genforge.models.data import load_tasks
from genforge.models.settings import Settings, set_up_torch
from genforge.models.tokens import Tokenizer


def prediction_line(record: dict, prediction: str) -> bytes:
    """One line ``genforge evaluate`` reads: id, the record's digest (binds it to this data) and the prediction."""
    return orjson.dumps({"id": record["id"], "digest": record_digest(record), "prediction": prediction}) + b"\n"


def run(folder: str | Path, out: str | Path, settings: Settings, tasks: tuple[str, ...] = (),
        progress_mode: str = "auto", say: Callable[[str], None] = lambda text: None) -> list:
    """Train and decode every task of ``folder``; write ``out`` (atomically); the training reports."""
    device = set_up_torch(settings)
    from genforge.models.progress import TrainingProgress
    from genforge.models.train import decode_limit, greedy_decode, train

    say(f"device {device}, {settings.threads} thread(s), {settings.arch}, seed {settings.seed}")
    out = Path(out)
    reports = []
    handle, staging = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent if str(out.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as lines:
            for data in load_tasks(folder, tasks):
                tokenizer = Tokenizer.fit(data.task, data.train, settings.tokens)
                model, report = train(data, tokenizer, settings, device, progress_mode)
                limit = decode_limit(tokenizer, data, settings)
                for split, records in data.evaluated.items():
                    batch_count = -(-len(records) // settings.batch_size)
                    progress = TrainingProgress(f"{data.task}/{split} decoding", batch_count, progress_mode,
                                                unit="batch")
                    predictions, report.cut_sources[split] = greedy_decode(
                        model, tokenizer, records, settings, limit, device, progress)
                    progress.close()
                    lines.writelines(prediction_line(r, p) for r, p in zip(records, predictions))
                    correct = sum(p == r["target"] for r, p in zip(records, predictions))
                    say(f"{data.task}/{split}: {correct}/{len(records)} exact")
                say(describe(report))
                reports.append(report)
        os.replace(staging, out)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
    return reports


def describe(report) -> str:
    validation = (f"best validation loss {report.best_validation_loss:.4f} at epoch {report.best_epoch}"
                  if report.best_validation_loss is not None else "no validation split")
    cut = sum(report.cut_sources.values())
    return (f"{report.task}: {report.tokens} tokens, {report.examples:,} training examples"
            f"{f' ({report.left_out_too_long} longer than --max-length left out)' if report.left_out_too_long else ''}, "
            f"{report.parameters:,} parameters, {report.epochs_run} epoch(s), {validation}, "
            f"{report.seconds:.0f} s{f'; {cut} test source(s) cut to --max-length' if cut else ''}")
