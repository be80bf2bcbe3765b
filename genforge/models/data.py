"""A generated folder read for training: per task, its train, validation and decoded splits.

Any folder ``genforge evaluate`` takes works here (a task folder, a folder of
task folders, a snapshot). The model trains on ``train``, stops early on
``validation`` when the plan has one, and decodes every split but ``train``,
so that ``genforge evaluate`` can score all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from genforge.core.errors import UsageError
from genforge.evaluate.references import TRAIN_SPLIT, folder_files

VALIDATION_SPLIT = "validation"


@dataclass
class TaskData:
    task: str
    train: list[dict]
    #: Split name -> records, for every split but train, in manifest order.
    evaluated: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def validation(self) -> list[dict]:
        return self.evaluated.get(VALIDATION_SPLIT, [])


def read_records(path: Path) -> list[dict]:
    with open(path, "rb") as lines:
        return [orjson.loads(line) for line in lines if line.strip()]


def load_tasks(folder: str | Path, tasks: tuple[str, ...] = ()) -> list[TaskData]:
    """The tasks of ``folder`` (only ``tasks`` when given), each with its splits read into memory."""
    splits, files = folder_files(folder, label="FOLDER")
    found: dict[str, TaskData] = {}
    for split, path in files:
        if tasks and split.task not in tasks:
            continue
        data = found.setdefault(split.task, TaskData(split.task, []))
        if split.name == TRAIN_SPLIT:
            data.train = read_records(path)
        else:
            data.evaluated[split.name] = read_records(path)
    unknown = sorted(set(tasks) - {s.task for s in splits})
    if unknown:
        raise UsageError(f"--task {', '.join(unknown)}: not in {folder}; its tasks: "
                         f"{', '.join(sorted({s.task for s in splits}))}")
    for data in found.values():
        if not data.train:
            raise UsageError(f"{folder}: task {data.task} has no train split (or it is empty); a reference model "
                             "needs one to learn from")
    return list(found.values())
