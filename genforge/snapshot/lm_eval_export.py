"""``lm_eval/``: lm-evaluation-harness tasks, one per task and test split, and their groups.

* **Data.** Each task YAML reads two JSONL splits with ``datasets``'
  ``json`` builder: ``train`` and the scored split. Their absolute paths come
  from ``genforge_lm_eval.py`` next to the YAMLs (a constant per task and
  split, computed from the helper's own location), so the snapshot can be
  moved, and ``datasets`` caches each snapshot's files apart (loading the
  snapshot folder by its card would key the cache on the folder's name, so
  two snapshots called ``snap`` would share it). ``test_split`` is the
  scored split, ``fewshot_split`` is ``train``: shots never come from the
  scored split.
* **Prompts.** The template of :mod:`genforge.evaluate.prompts`: the task's
  description, the shots, then ``Instruction:``/``Input:``/``Output:``. The
  shots are the first ``--num_fewshot`` train records in the order of
  :func:`genforge.evaluate.prompts.shot_order` (seed :data:`SHOT_SEED`;
  lm-eval's ``first_n`` sampler over that order), so lm-eval sends exactly the
  prompts ``genforge prompts --shots K`` writes.
* **Generation.** Greedy, stopped at a newline (two newlines for tasks whose
  targets span lines), so a model that answers and then keeps talking is
  scored on its answer.
* **Metrics.** ``exact_match`` after the task's ``normalize_answer`` (when
  genforge is installed; otherwise whitespace folding, genforge's default).
  ``id_exact_match``, ``ood_exact_match`` and ``id_minus_ood`` are per-record
  *contributions* scaled so that their size-weighted mean over a task's test
  splits, which is what an lm-eval group reports, is the task's pooled ID
  accuracy, pooled OOD accuracy and their gap. Read them on the groups, not
  on the single splits; they hold for full runs (``--limit`` changes the
  split sizes they were scaled by): for a partial run, or for intervals,
  score the samples lm-eval logs (``--log_samples``) with ``genforge
  evaluate``, which reads them as predictions.
* **Groups.** ``genforge_<task>`` (its test splits) and ``genforge`` (every
  task group; its ID/OOD/gap values are the tasks' values averaged with
  weights proportional to their scored records).
"""

from __future__ import annotations

import json

from genforge.evaluate.prompts import SHOT_SEED
from genforge.evaluate.task_descriptions import description_for

HELPER_NAME = "genforge_lm_eval.py"
SUITE_GROUP = "genforge"
METRICS = (("exact_match", True), ("id_exact_match", True), ("ood_exact_match", True), ("id_minus_ood", False))

HELPER_TEMPLATE = '''"""Prompts, shot order and scoring of the genforge lm-eval tasks in this folder (by genforge).

The template and the shot order are those of genforge.evaluate.prompts, kept
here so that the tasks run where genforge is not installed.
"""

import hashlib
import json
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent.parent
SHOT_SEED = {seed}
#: (task, split) -> (role, scale): see genforge.snapshot.lm_eval_export.
CONTRIBUTIONS = {contributions}


def _files(task, split):
    """A split's file, or its shards in order, as absolute paths."""
    single = SNAPSHOT / task / f"{{split}}.jsonl"
    paths = [single] if single.is_file() else sorted((SNAPSHOT / task).glob(f"{{split}}-*-of-*.jsonl"))
    return [str(path) for path in paths]


def _dataset_kwargs(task, split):
    return {{"data_files": {{"train": _files(task, "train"), split: _files(task, split)}}}}


# load_dataset("json", **DATASET_<task>__<split>) for each task YAML (its dataset_kwargs).
{dataset_constants}


def doc_to_text(doc):
    instruction = f"Instruction: {{doc['instruction']}}\\n" if doc["instruction"] else ""
    return f"{{instruction}}Input: {{doc['input']}}\\nOutput:"


def _digest(doc):
    content = json.dumps([doc["task"], doc["instruction"], doc["input"], doc["target"]],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]


def _rank(doc):
    return hashlib.sha256(f"genforge-shots/{{SHOT_SEED}}/{{_digest(doc)}}".encode()).hexdigest()


def shot_order(dataset):
    """The train split in genforge's seeded shot order (lm-eval's first_n sampler takes its head)."""
    order = sorted(range(len(dataset)), key=lambda index: (_rank(dataset[index]), index))
    return dataset.select(order)


def _normalizer(task):
    try:
        from genforge.core.registry import get_task

        return get_task(task).normalize_answer
    except Exception:  # genforge not installed here: fold whitespace, genforge's default
        return lambda text: " ".join(str(text).split())


def process_results(doc, results):
    normalize = _normalizer(doc["task"])
    try:
        correct = float(normalize(results[0]) == normalize(doc["target"]))
    except Exception:  # an answer the task's normalizer cannot read: compare folded text
        correct = float(" ".join(str(results[0]).split()) == " ".join(doc["target"].split()))
    role, scale = CONTRIBUTIONS.get((doc["task"], doc["split"]), ("unknown", 0.0))
    scores = {{"exact_match": correct}}
    if role == "id":
        scores.update(id_exact_match=correct * scale["id"], ood_exact_match=0.0,
                      id_minus_ood=correct * scale["id"])
    elif role == "ood":
        scores.update(id_exact_match=0.0, ood_exact_match=correct * scale["ood"],
                      id_minus_ood=-correct * scale["ood"])
    return scores
'''


def test_splits(splits: list[dict]) -> list[dict]:
    """Every split but train and the validation ones."""
    return [split for split in splits if split["name"] != "train" and not split["name"].startswith("valid")]


def _role(split: dict) -> str:
    return "id" if split["shift"] == "iid" else "ood"


def contributions(folder, tasks: list[dict]) -> dict:
    """(task, split) -> (role, scales) so that group means give pooled ID, OOD and their gap."""
    table = {}
    for entry in tasks:
        splits = test_splits(entry["splits"])
        sizes = {split["name"]: split["size"] for split in splits}
        total = sum(sizes.values())
        id_size = sum(sizes[s["name"]] for s in splits if _role(s) == "id")
        ood_size = total - id_size
        if not id_size or not ood_size:
            continue  # no gap without both sides
        scale = {"id": total / id_size, "ood": total / ood_size}
        for split in splits:
            table[(entry["task"], split["name"])] = (_role(split), scale)
    return table


def _metric_list(with_gap: bool) -> str:
    names = METRICS if with_gap else METRICS[:1]
    return "".join(f"  - metric: {name}\n    aggregation: mean\n    higher_is_better: {str(higher).lower()}\n"
                   for name, higher in names)


def task_yaml(task: str, split: str, longest_target: int, multiline: bool, with_gap: bool) -> str:
    """One lm-eval task config (hand-written text: YAML's ``!function`` tag)."""
    stop = "\n\n" if multiline else "\n"
    description = description_for(task) + "\n\n"  # lm-eval joins it to the first example as is
    return (
        f"# genforge task {task}, split {split}: exact match after the task's answer normalization.\n"
        f"task: genforge_{task}_{split}\n"
        f"dataset_path: json\n"
        f"dataset_kwargs: !function genforge_lm_eval.{dataset_constant(task, split)}\n"
        f"test_split: {split}\n"
        f"fewshot_split: train\n"
        f"fewshot_config:\n  sampler: first_n\n  process_docs: !function genforge_lm_eval.shot_order\n"
        f"output_type: generate_until\n"
        f"description: {json.dumps(description)}\n"
        f"doc_to_text: !function genforge_lm_eval.doc_to_text\n"
        f"doc_to_target: target\n"
        f"target_delimiter: \" \"\n"
        f"fewshot_delimiter: \"\\n\\n\"\n"
        f"process_results: !function genforge_lm_eval.process_results\n"
        f"generation_kwargs:\n  until:\n    - {json.dumps(stop)}\n  do_sample: false\n"
        f"  max_gen_toks: {max(16, longest_target + 16)}\n"
        f"metric_list:\n{_metric_list(with_gap)}"
        f"metadata:\n  version: 2.0\n"
    )


def group_yaml(name: str, members: list[str], with_gap: bool) -> str:
    metrics = METRICS if with_gap else METRICS[:1]
    aggregates = "".join(f"  - metric: {metric}\n    aggregation: mean\n    weight_by_size: true\n"
                         for metric, _ in metrics)
    return (
        f"group: {name}\n"
        f"task:\n" + "".join(f"  - {member}\n" for member in members)
        + f"aggregate_metric_list:\n{aggregates}"
        f"metadata:\n  version: 2.0\n"
    )


def dataset_constant(task: str, split: str) -> str:
    return f"DATASET_{task}__{split}"


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
    table = contributions(folder, tasks)
    constants = "\n".join(f"{dataset_constant(entry['task'], split['name'])} = "
                          f"_dataset_kwargs({entry['task']!r}, {split['name']!r})"
                          for entry in tasks for split in test_splits(entry["splits"]))
    (target / HELPER_NAME).write_text(
        HELPER_TEMPLATE.format(seed=SHOT_SEED, contributions=repr(dict(sorted(table.items()))),
                               dataset_constants=constants), encoding="utf-8", newline="\n")
    task_groups = []
    for entry in tasks:
        members = []
        with_gap = any(key[0] == entry["task"] for key in table)
        for split in test_splits(entry["splits"]):
            shards = sorted((folder / entry["task"]).glob(f"{split['name']}-*-of-*.jsonl"))
            paths = shards or [folder / entry["task"] / f"{split['name']}.jsonl"]
            shapes = [target_shape(path) for path in paths]
            longest, multiline = max(s[0] for s in shapes), any(s[1] for s in shapes)
            text = task_yaml(entry["task"], split["name"], longest, multiline, with_gap)
            name = f"genforge_{entry['task']}_{split['name']}"
            (target / f"{name}.yaml").write_text(text, encoding="utf-8", newline="\n")
            members.append(name)
        if members:
            group = f"genforge_{entry['task']}"
            (target / f"{group}.yaml").write_text(group_yaml(group, members, with_gap), encoding="utf-8", newline="\n")
            task_groups.append((group, with_gap))
    if task_groups:
        every_gap = all(with_gap for _, with_gap in task_groups)
        (target / f"{SUITE_GROUP}.yaml").write_text(
            group_yaml(SUITE_GROUP, [group for group, _ in task_groups], every_gap), encoding="utf-8", newline="\n")

