"""Records as prompts for a language model: zero-shot or k-shot, as text or chat messages.

**Template.** A record becomes ``Instruction: <instruction>`` (only when the
record has one), ``Input: <input>`` and ``Output:``, one per line; a worked
example (a *shot*) adds a space and its target after ``Output:``. The text
prompt is the task's description (:mod:`genforge.evaluate.task_descriptions`),
a blank line, the shots separated by blank lines, a blank line and the query::

    Apply the rewrite rule 'x -> y' given by the instruction once: ...

    Instruction: ab -> c
    Input: xxabyy
    Output: xxcyy

    Instruction: zz -> q
    Input: abzzb
    Output:

The chat form holds the same parts as messages: the description as the
``system`` message, each shot as a ``user`` message (without ``Output:``)
answered by an ``assistant`` message holding its target, and the query as
the last ``user`` message. The lm-eval export uses this template too (see
:mod:`genforge.snapshot.lm_eval_export`).

**Which shots.** Shots come only from the task's ``train`` split, never from
the split being scored. The train records are put in a fixed order, by the
hex sha256 of ``genforge-shots/<seed>/<record digest>`` (ties: file order),
and a query's ``k`` shots are the first ``k`` records of that order whose
instruction and input differ from the query's. The order depends only on
the records' content and the seed (default :data:`SHOT_SEED`), so every query
of a run sees the same shots (the protocol of fixed k-shot benchmarks),
another seed draws others, and lm-eval's ``first_n`` sampler over the
exported train split in this order gives the same prompts. Shots are shown
in that order.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Mapping, Optional, Sequence

import json

from genforge.core.errors import UsageError
from genforge.evaluate.task_descriptions import description_for

from genforge.choices import PROMPT_FORMATS as FORMATS  # noqa: E402  (light, for the CLI's --help)
#: The seed of the shot order unless one is given (the lm-eval export uses it).
from genforge.choices import SHOT_SEED  # noqa: E402
#: Characters of the hex sha256 kept in a record digest: 64 bits, enough to tell records apart.
DIGEST_LENGTH = 16


def record_digest(record: Mapping) -> str:
    """A short digest of what a record asks and answers: its task, instruction, input and target.

    Predictions carry it (``"digest"``) so that ``evaluate`` can tell
    predictions made for other data (another seed, other parameters) from
    predictions for these records, whose ids are only positions.

    >>> record_digest({"task": "rewrite", "instruction": "ab -> c", "input": "xab", "target": "xc"})
    '283fde9ad36d3bbc'
    """
    content = json.dumps([record.get("task"), record.get("instruction"), record.get("input"), record.get("target")],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def query_text(record: Mapping, answer_cue: bool = True) -> str:
    """``Instruction: ...`` (when present), ``Input: ...`` and, with ``answer_cue``, ``Output:``."""
    lines = []
    if record.get("instruction"):
        lines.append(f"Instruction: {record['instruction']}")
    lines.append(f"Input: {record['input']}")
    if answer_cue:
        lines.append("Output:")
    return "\n".join(lines)


def shot_text(record: Mapping) -> str:
    """A worked example: the query text followed by a space and the target."""
    return f"{query_text(record)} {record['target']}"


def shot_order(train: Sequence[Mapping], seed: int = SHOT_SEED) -> list[Mapping]:
    """The train records in the seeded order shots are taken from (see the module docstring)."""
    def rank(index: int) -> tuple:
        key = f"genforge-shots/{seed}/{record_digest(train[index])}".encode()
        return hashlib.sha256(key).hexdigest(), index

    return [train[i] for i in sorted(range(len(train)), key=rank)]


def _first_shots(record: Mapping, ordered: Sequence[Mapping], shots: int) -> list[Mapping]:
    same_as_query = (record.get("instruction"), record.get("input"))
    chosen = []
    for candidate in ordered:
        if len(chosen) == shots:
            break
        if (candidate.get("instruction"), candidate.get("input")) != same_as_query:
            chosen.append(candidate)
    if len(chosen) < shots:
        raise UsageError(f"{shots} shot(s) asked for, but the train split of {record.get('task')!r} has only "
                         f"{len(chosen)} record(s) other than the query; ask for fewer shots (--shots)")
    return chosen


def choose_shots(record: Mapping, train: Sequence[Mapping], shots: int, seed: int = SHOT_SEED) -> list[Mapping]:
    """The ``shots`` train records shown before ``record`` (rule in the module docstring)."""
    if shots == 0:
        return []
    return _first_shots(record, shot_order(train, seed), shots)


def render_prompt(record: Mapping, shots: int = 0, *, train: Optional[Sequence[Mapping]] = None,
                  format: str = "text", seed: int = SHOT_SEED, description: Optional[str] = None):
    """The prompt for ``record``: a string (``format="text"``) or a list of chat messages (``"chat"``).

    ``shots`` worked examples are drawn from ``train`` (the task's train
    records, required when ``shots > 0``) by the seeded rule of this module.

    >>> record = {"task": "rewrite", "instruction": "ab -> c", "input": "xxab", "target": "xxc"}
    >>> print(render_prompt(record))  # doctest: +ELLIPSIS
    Apply the rewrite rule ...
    <BLANKLINE>
    Instruction: ab -> c
    Input: xxab
    Output:
    >>> render_prompt(record, format="chat")[-1]
    {'role': 'user', 'content': 'Instruction: ab -> c\\nInput: xxab'}
    """
    if format not in FORMATS:
        raise UsageError(f"prompt format {format!r} is not allowed; choose one of {', '.join(FORMATS)}")
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 0:
        raise UsageError(f"shots = {shots!r} is not allowed: expected a whole number >= 0")
    if shots and train is None:
        raise UsageError("few-shot prompts need the task's train records (train=...) to draw the shots from")
    examples = choose_shots(record, list(train or ()), shots, seed)
    return _render(record, examples, format, description)


def _render(record: Mapping, examples: Sequence[Mapping], format: str, description: Optional[str] = None):
    text = description if description is not None else description_for(record["task"])
    if format == "chat":
        messages = [{"role": "system", "content": text}]
        for example in examples:
            messages.append({"role": "user", "content": query_text(example, answer_cue=False)})
            messages.append({"role": "assistant", "content": example["target"]})
        messages.append({"role": "user", "content": query_text(record, answer_cue=False)})
        return messages
    return "\n\n".join([text, *(shot_text(example) for example in examples), query_text(record)])


def prompt_lines(records: Iterable[Mapping], train_by_task: Mapping[str, Sequence[Mapping]], shots: int,
                 format: str = "text", seed: int = SHOT_SEED) -> Iterable[dict]:
    """One ``{"id", "digest", "task", "split", "prompt", "target", "shots"}`` object per record, in order."""
    if format not in FORMATS:
        raise UsageError(f"prompt format {format!r} is not allowed; choose one of {', '.join(FORMATS)}")
    ordered: dict[str, list] = {}  # each task's train records in shot order, sorted once
    for record in records:
        train = train_by_task.get(record["task"])
        if shots and not train:
            raise UsageError(f"task {record['task']!r} has no train split here to draw {shots} shot(s) from; "
                             "use --shots 0 or give the folder holding its train.jsonl")
        if shots and record["task"] not in ordered:
            ordered[record["task"]] = shot_order(train, seed)
        examples = _first_shots(record, ordered[record["task"]], shots) if shots else []
        yield {
            "id": record["id"],
            "digest": record_digest(record),
            "task": record["task"],
            "split": record["split"],
            "prompt": _render(record, examples, format),
            "target": record["target"],
            "shots": [example["id"] for example in examples],
        }
