"""``lm_eval/``: lm-evaluation-harness task YAMLs, one per task and test split.

The YAMLs load their data through ``genforge_lm_eval.py`` (written beside
them), which finds the JSONL files relative to its own location, so the
snapshot can be moved anywhere and run with
``lm_eval --include_path SNAP/lm_eval --tasks genforge_<task>_<split>``.
Scoring is exact match after the task's ``normalize_answer`` (when genforge
is installed; otherwise whitespace is folded, the default normalization).
"""

from __future__ import annotations

import json

HELPER_NAME = "genforge_lm_eval.py"

HELPER_SOURCE = '''"""Data loading and scoring for the genforge lm-eval tasks in this folder (written by genforge)."""

import json
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent.parent
COLUMNS = ("id", "task", "split", "instruction", "input", "target")


def load_split(task, split, **_metadata):
    """The split as a datasets.DatasetDict with one 'test' split, read next to this file."""
    import datasets

    # One file, or the split's shards in order.
    paths = [SNAPSHOT / task / f"{split}.jsonl"]
    if not paths[0].is_file():
        paths = sorted((SNAPSHOT / task).glob(f"{split}-*-of-*.jsonl"))
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            rows.extend(json.loads(line) for line in lines)
    columns = {name: [row.get(name) or "" for row in rows] for name in COLUMNS}
    return datasets.DatasetDict({"test": datasets.Dataset.from_dict(columns)})


def doc_to_text(doc):
    instruction = f"Instruction: {doc['instruction']}\\n" if doc["instruction"] else ""
    return f"{instruction}Input: {doc['input']}\\nOutput:"


def _normalizer(task):
    try:
        from genforge.core.registry import get_task

        return get_task(task).normalize_answer
    except Exception:  # genforge not installed here: fold whitespace, genforge's default
        return lambda text: " ".join(str(text).split())


def process_results(doc, results):
    normalize = _normalizer(doc["task"])
    return {"exact_match": float(normalize(results[0]) == normalize(doc["target"]))}
'''


def test_splits(splits: list[dict]) -> list[dict]:
    """Every split but the first (train) and validation ones."""
    return [split for index, split in enumerate(splits) if index > 0 and not split["name"].startswith("valid")]


def task_yaml(task: str, split: str, longest_target: int, multiline: bool) -> str:
    """One lm-eval task config (hand-written text: YAML's ``!function`` tag)."""
    stop = "\\n\\n" if multiline else "\\n"
    return (
        f"# genforge task {task}, split {split}: exact match after the task's answer normalization.\n"
        f"task: genforge_{task}_{split}\n"
        f"tag:\n  - genforge\n  - genforge_{task}\n"
        f"custom_dataset: !function genforge_lm_eval.load_split\n"
        f"dataset_kwargs:\n  task: {task}\n  split: {split}\n"
        f"test_split: test\n"
        f"output_type: generate_until\n"
        f"doc_to_text: !function genforge_lm_eval.doc_to_text\n"
        f"doc_to_target: target\n"
        f"process_results: !function genforge_lm_eval.process_results\n"
        f"generation_kwargs:\n  until:\n    - {json.dumps(stop)}\n  do_sample: false\n"
        f"  max_gen_toks: {max(16, longest_target + 16)}\n"
        f"metric_list:\n  - metric: exact_match\n    aggregation: mean\n    higher_is_better: true\n"
        f"metadata:\n  version: 1.0\n"
    )


def target_shape(path) -> tuple[int, bool]:
    """(longest target in characters, whether any target spans lines) of a JSONL split."""
    longest, multiline = 0, False
    with open(path, "rb") as lines:
        for line in lines:
            target = json.loads(line)["target"]
            longest = max(longest, len(target))
            multiline = multiline or "\n" in target
    return longest, multiline


def write_lm_eval(folder, tasks: list[dict]) -> None:
    """Write ``folder/lm_eval/``; ``tasks`` are the snapshot manifest's task entries."""
    target = folder / "lm_eval"
    target.mkdir()
    (target / HELPER_NAME).write_text(HELPER_SOURCE, encoding="utf-8", newline="\n")
    for entry in tasks:
        for split in test_splits(entry["splits"]):
            shards = sorted((folder / entry["task"]).glob(f"{split['name']}-*-of-*.jsonl"))
            paths = shards or [folder / entry["task"] / f"{split['name']}.jsonl"]
            shapes = [target_shape(path) for path in paths]
            longest, multiline = max(s[0] for s in shapes), any(s[1] for s in shapes)
            text = task_yaml(entry["task"], split["name"], longest, multiline)
            (target / f"genforge_{entry['task']}_{split['name']}.yaml").write_text(text, encoding="utf-8", newline="\n")
