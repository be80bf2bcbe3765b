"""The exported lm-eval tasks, run by lm-evaluation-harness with scripted models (not its dummy model).

A scripted model reads the query at the end of each prompt, looks its answer
up in the snapshot's records and continues the way a real model does (more
text on the next lines); like lm-eval's own models it then cuts its output at
the first of the request's ``until`` strings. So the stop sequences, the
few-shot source, the description and the group metrics are all observed the
way a user's model would meet them.
"""

import json
import logging
from pathlib import Path

import pytest
from snapshot_helpers import SMALL_SUITE, build_small

import genforge
from genforge.evaluate.prompts import render_prompt
from genforge.snapshot.build import build_snapshot
from genforge.snapshot.suite import load_suite

lm_eval = pytest.importorskip("lm_eval")
from lm_eval.api.model import LM  # noqa: E402
from lm_eval.api.registry import register_model  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm_eval_export") / "snap"
    build_small(folder)
    return folder


def records(snapshot: Path, task: str, split: str) -> list[dict]:
    return [json.loads(line) for line in (snapshot / task / f"{split}.jsonl").read_text().splitlines()]


def query_of(context: str) -> tuple:
    """(instruction, input) of the last example of a prompt."""
    last = context.rsplit("\n\n", 1)[-1]
    fields = dict(line.split(": ", 1) for line in last.splitlines() if ": " in line)
    return fields.get("Instruction"), fields["Input"]


def shots_of(context: str) -> list[tuple]:
    """(instruction, input) of every worked example before the query."""
    found = []
    for block in context.split("\n\n")[:-1]:
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "Input" in fields:
            found.append((fields.get("Instruction"), fields["Input"]))
    return found


class ScriptedModel(LM):
    """Answers from a table (instruction, input) -> answer, then keeps talking; honours ``until``."""

    answers: dict = {}
    contexts: list = []

    def generate_until(self, requests):
        outputs = []
        for request in requests:
            context, options = request.args
            type(self).contexts.append(context)
            text = type(self).answers.get(query_of(context), "no idea") + "\nInput: and more text after it"
            for stop in options.get("until", []):
                text = text.split(stop)[0]
            outputs.append(text)
        return outputs

    def loglikelihood(self, requests):
        raise NotImplementedError

    def loglikelihood_rolling(self, requests):
        raise NotImplementedError


register_model("genforge_scripted_test")(ScriptedModel)


def run(snapshot, answers, tasks, shots=0, samples=None):
    """lm-eval's results; with ``samples`` (a path), its logged samples are written there as JSON lines."""
    ScriptedModel.answers, ScriptedModel.contexts = answers, []
    manager = TaskManager(include_path=str(snapshot / "lm_eval"))
    result = lm_eval.simple_evaluate(model=ScriptedModel(), tasks=tasks, task_manager=manager, num_fewshot=shots,
                                     log_samples=samples is not None)
    if samples is not None:
        with open(samples, "w") as out:
            for rows in result["samples"].values():
                out.writelines(json.dumps(row, default=str) + "\n" for row in rows)
    return result["results"]


def answer_table(snapshot, splits, wrong=()):
    table = {}
    for split in splits:
        for record in records(snapshot, "markov", split):
            table[(record["instruction"], record["input"])] = "x" if split in wrong else record["target"]
    return table


MARKOV_TESTS = ("test_id", "test_ood_instruction")


def test_a_model_that_answers_right_and_keeps_talking_scores_one(snapshot):
    results = run(snapshot, answer_table(snapshot, MARKOV_TESTS), ["genforge_markov_test_id"])
    assert results["genforge_markov_test_id"]["exact_match,none"] == 1.0


def test_a_model_that_answers_wrongly_scores_zero(snapshot):
    results = run(snapshot, {}, ["genforge_markov_test_id"])
    assert results["genforge_markov_test_id"]["exact_match,none"] == 0.0


def test_few_shot_examples_come_from_train_only_and_follow_genforge_prompts(snapshot):
    train = records(snapshot, "markov", "train")
    train_queries = {(r["instruction"], r["input"]) for r in train}
    run(snapshot, answer_table(snapshot, MARKOV_TESTS), ["genforge_markov_test_ood_instruction"], shots=3)
    contexts = ScriptedModel.contexts
    assert len(contexts) == 20
    for context in contexts:
        shots = shots_of(context)
        assert len(shots) == 3 and set(shots) <= train_queries, context
    # The prompt lm-eval sends is the one `genforge prompts` / render_prompt writes.
    by_query = {(r["instruction"], r["input"]): r for r in records(snapshot, "markov", "test_ood_instruction")}
    for context in contexts:
        assert context == render_prompt(by_query[query_of(context)], shots=3, train=train)


def test_the_prompt_starts_with_the_task_description(snapshot):
    run(snapshot, {}, ["genforge_markov_test_id"])
    assert all(context.startswith("Run the Markov algorithm") for context in ScriptedModel.contexts)


def test_the_task_group_reports_id_and_ood_accuracy_and_their_gap_as_genforge_evaluate_does(snapshot, tmp_path):
    answers = answer_table(snapshot, MARKOV_TESTS, wrong=("test_ood_instruction",))
    results = run(snapshot, answers, ["genforge_markov"], samples=tmp_path / "samples.jsonl")
    group = results["genforge_markov"]
    assert group["id_exact_match,none"] == pytest.approx(1.0)
    assert group["ood_exact_match,none"] == pytest.approx(0.0)
    assert group["id_minus_ood,none"] == pytest.approx(1.0)
    # The logged samples are predictions genforge evaluate reads (bound to their records by digest).
    report = genforge.evaluate(tmp_path / "samples.jsonl", snapshot, splits=["markov/test_id",
                                                                            "markov/test_ood_instruction"])
    (task,) = report.to_dict()["tasks"]
    assert task["headline"]["id"]["exact_match"] == 1.0 and task["headline"]["ood"][0]["gap"] == 1.0
    assert report.to_dict()["predictions"]["unbound"] == 0


def test_the_suite_group_runs_every_task(snapshot):
    tables = {}
    for task in ("markov", "rewrite"):
        for split in ("test_id", "test_ood_instruction"):
            for record in records(snapshot, task, split):
                tables[(record["instruction"], record["input"])] = record["target"]
    results = run(snapshot, tables, ["genforge"])
    suite = results["genforge"]
    assert suite["exact_match,none"] == pytest.approx(1.0)
    assert suite["id_minus_ood,none"] == pytest.approx(0.0)
    assert {"genforge_markov", "genforge_rewrite"} <= set(results)


def test_loading_the_tasks_logs_no_warning_about_their_configuration(snapshot, caplog):
    with caplog.at_level(logging.WARNING):
        run(snapshot, {}, ["genforge_markov_test_id"], shots=2)
    # lm-eval always notes that --num_fewshot overrides the task's default; that is the user's choice.
    ours = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
            and ("genforge" in r.getMessage() or "argument" in r.getMessage().lower())
            and not r.getMessage().startswith("Overwriting default num_fewshot")]
    assert not ours, ours


def test_another_snapshot_with_the_same_folder_name_is_read_from_its_own_files(snapshot, tmp_path):
    run(snapshot, {}, ["genforge_markov_test_id"])  # the first snapshot is now in datasets' cache
    other = tmp_path / "snap"
    build_snapshot(load_suite({**SMALL_SUITE, "seed": 11, "defaults": {"sizes": {"train": 30, "*": 9}}}), other)
    run(other, {}, ["genforge_markov_test_id"])
    queries = {(r["instruction"], r["input"]) for r in records(other, "markov", "test_id")}
    assert len(ScriptedModel.contexts) == 15
    assert {query_of(context) for context in ScriptedModel.contexts} == queries
