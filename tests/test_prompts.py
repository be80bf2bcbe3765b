"""`genforge prompts` and genforge.render_prompt: descriptions, shots from train only, text and chat."""

import json

import pytest
from snapshot_helpers import run_cli

import genforge
from genforge.core.errors import UsageError
from genforge.evaluate.prompts import choose_shots, record_digest
from genforge.evaluate.task_descriptions import DESCRIPTIONS, description_for
from genforge.core.registry import get_task


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("prompts") / "data"
    genforge.generate("rewrite", out, sizes={"train": 30, "validation": 5, "test_id": 5, "test_ood_instruction": 6},
                      params={"input_length": 12, "pattern_length": 3, "replacement_length": 3})
    return out


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_built_in_task_has_a_description_and_others_get_one_from_their_summary(monkeypatch):
    assert set(DESCRIPTIONS) == {task["name"] for task in genforge.list_tasks()} - {"reverse_fixture"}
    monkeypatch.delitem(DESCRIPTIONS, "markov")
    assert get_task("markov").summary in description_for("markov")


def test_k_shot_prompts_take_their_shots_from_train_and_never_the_query(data, tmp_path):
    out = tmp_path / "prompts.jsonl"
    result = run_cli(["prompts", data / "rewrite", "--shots", "3", "--out", out])
    assert result.exit_code == 0, result.output
    train = {r["id"]: r for r in lines(data / "rewrite" / "train.jsonl")}
    rows = lines(out)
    assert {row["split"] for row in rows} == {"validation", "test_id", "test_ood_instruction"}
    assert len(rows) == 16
    for row in rows:
        assert len(row["shots"]) == 3 and set(row["shots"]) <= set(train)
        for shot in row["shots"]:
            assert f"Input: {train[shot]['input']}\nOutput: {train[shot]['target']}" in row["prompt"]
        assert row["prompt"].startswith(DESCRIPTIONS["rewrite"])
        assert row["prompt"].endswith("Output:")


def test_prompts_carry_the_digest_of_their_record(data, tmp_path):
    out = tmp_path / "prompts.jsonl"
    assert run_cli(["prompts", data / "rewrite", "--split", "test_id", "--out", out]).exit_code == 0
    records = {r["id"]: r for r in lines(data / "rewrite" / "test_id.jsonl")}
    assert [row["digest"] for row in lines(out)] == [record_digest(records[row["id"]]) for row in lines(out)]


def test_a_train_record_as_query_never_sees_itself_as_a_shot(data):
    train = lines(data / "rewrite" / "train.jsonl")
    for record in train:
        assert record not in choose_shots(record, train, 5)


def test_another_seed_draws_other_shots_and_the_same_seed_the_same(data):
    train = lines(data / "rewrite" / "train.jsonl")
    query = lines(data / "rewrite" / "test_id.jsonl")[0]
    assert choose_shots(query, train, 4, seed=1) == choose_shots(query, train, 4, seed=1)
    assert choose_shots(query, train, 4, seed=1) != choose_shots(query, train, 4, seed=2)


def test_chat_format_gives_system_user_assistant_turns(data, tmp_path):
    out = tmp_path / "chat.jsonl"
    assert run_cli(["prompts", data / "rewrite", "--shots", "2", "--format", "chat", "--out", out]).exit_code == 0
    messages = lines(out)[0]["prompt"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[0]["content"] == DESCRIPTIONS["rewrite"]
    assert messages[-1]["content"].startswith("Instruction: ")


def test_render_prompt_zero_shot_is_description_then_the_query():
    record = {"task": "scan", "instruction": None, "input": "jump twice", "target": "I_JUMP I_JUMP"}
    assert genforge.render_prompt(record) == f"{DESCRIPTIONS['scan']}\n\nInput: jump twice\nOutput:"


def test_render_prompt_needs_train_records_for_shots_and_a_known_format():
    record = {"task": "scan", "instruction": None, "input": "jump", "target": "I_JUMP"}
    with pytest.raises(UsageError, match="train"):
        genforge.render_prompt(record, shots=2)
    with pytest.raises(UsageError, match="text, chat"):
        genforge.render_prompt(record, format="html")


def test_too_many_shots_and_bad_paths_are_refused_and_nothing_is_written(data, tmp_path):
    out = tmp_path / "p.jsonl"
    result = run_cli(["prompts", data / "rewrite", "--shots", "31", "--out", out])
    assert result.exit_code == 2 and "train split of 'rewrite' has only 30" in result.output
    assert not out.exists()
    result = run_cli(["prompts", tmp_path / "nowhere", "--out", out])
    assert result.exit_code == 2 and "PATH" in result.output and "is not a folder" in result.output
    result = run_cli(["prompts", data / "rewrite", "--format", "xml", "--out", out])
    assert result.exit_code == 2
