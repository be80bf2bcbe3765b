"""Suite files: the built-in default suite, resolution of sizes and seeds, clear errors."""

from importlib.metadata import distribution

import pytest
from snapshot_helpers import SMALL_SUITE, run_cli

from genforge.core.errors import UsageError
from genforge.snapshot.suite import DEFAULT_CANARY, load_suite, read_suite_file


def test_the_default_suite_lists_exactly_the_registered_built_in_tasks():
    registered = {entry.name for entry in distribution("genforge").entry_points if entry.group == "genforge.tasks"}
    listed = [entry["task"] for entry in read_suite_file("default")["tasks"]]
    assert sorted(listed) == sorted(registered)


def test_the_default_suite_resolves_with_every_task_installed():
    suite = load_suite("default")
    assert len(suite.entries) == len(read_suite_file("default")["tasks"])


def test_suite_defaults_size_sampled_splits_and_entries_override_them():
    suite = load_suite(SMALL_SUITE)
    rewrite, markov = suite.entries
    assert rewrite.sizes == {"train": 60, "validation": 20, "test_id": 20, "test_ood_instruction": 20}
    assert markov.sizes["test_id"] == 15 and markov.sizes["train"] == 60
    assert rewrite.seed == 3 and rewrite.split_plan == "unseen_instructions"
    assert suite.canary == DEFAULT_CANARY


def test_a_resolved_suite_resolves_to_itself():
    suite = load_suite(SMALL_SUITE)
    assert load_suite(suite.as_dict()) == suite


def test_a_suite_can_be_restricted_to_some_tasks():
    assert load_suite(SMALL_SUITE, tasks=["markov"]).task_names == ["markov"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tasks": [{"task": "rewrite"}, {"task": "rewrite"}]}, "more than once"),
        ({"tasks": [{"task": "rewrite", "sizes": {"tran": 5}}]}, "did you mean 'train'"),
        ({"tasks": [{"task": "rewrite", "colour": 1}]}, "does not match the suite schema"),
        ({"tasks": [{"task": "rewrite", "params": {"input_length": 0}}]}, "input_length"),
        ({"tasks": [{"task": "rewrite", "task_version": "9.9"}]}, "version 9.9"),
    ],
)
def test_a_bad_suite_is_refused_with_a_message_naming_the_problem(change, message):
    with pytest.raises(UsageError, match=message):
        load_suite({**SMALL_SUITE, **change})


def test_tasks_outside_the_suite_are_refused():
    with pytest.raises(UsageError, match="'scan', not in suite"):
        load_suite(SMALL_SUITE, tasks=["rewrite", "scan"])


def test_the_cli_explains_a_missing_suite_file_without_a_traceback(tmp_path):
    result = run_cli(["snapshot", "build", tmp_path / "nope.yaml", "--out", tmp_path / "snap"])
    assert result.exit_code == 2
    assert "neither a file nor a built-in suite" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "snap").exists()
