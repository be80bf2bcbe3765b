"""Every command that takes a folder accepts a task folder, a folder of task folders and a snapshot, and says which."""

import json

import pytest

from genforge import api
from genforge.folders import FOLDER_OF_TASK_FOLDERS, SNAPSHOT, TASK_FOLDER, locate
from snapshot_helpers import build_small, run_cli

SIZES = {"train": 60, "validation": 20, "test_id": 20, "test_ood_instruction": 20}


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    """The three forms, holding the same two tasks (rewrite and markov) where they can."""
    root = tmp_path_factory.mktemp("forms")
    data = root / "data"
    api.generate("rewrite", data, sizes=SIZES, seed=3)
    api.generate("markov", data, sizes=SIZES, seed=3)
    snapshot = root / "snapshot"
    build_small(snapshot)
    return {"task folder": data / "rewrite", "folder of task folders": data, "snapshot": snapshot}


FORMS = ["task folder", "folder of task folders", "snapshot"]


@pytest.mark.parametrize("form", FORMS)
def test_locate_names_the_form_and_its_task_folders(forms, form):
    location = locate(forms[form])
    assert location.kind == {"task folder": TASK_FOLDER, "folder of task folders": FOLDER_OF_TASK_FOLDERS,
                             "snapshot": SNAPSHOT}[form]
    expected = ["rewrite"] if form == "task folder" else ["markov", "rewrite"]
    assert sorted(location.tasks) == expected
    assert all((folder / "manifest.json").is_file() for folder in location.task_folders)


@pytest.mark.parametrize("form", FORMS)
def test_validate_accepts_each_form_and_says_which(forms, form):
    result = run_cli(["validate", forms[form]])
    assert result.exit_code == 0, result.output
    assert f"found {forms[form]}: a {form}" in result.output
    assert "valid: " in result.output


@pytest.mark.parametrize("form", FORMS)
def test_audit_accepts_each_form_and_audits_every_task(forms, form):
    result = run_cli(["audit", forms[form], "--json"])
    assert result.exit_code == 0, result.output
    assert f"found {forms[form]}: a {form}" in result.stderr
    report = json.loads(result.stdout)
    assert sorted(task["task"] for task in report["tasks"]) == sorted(locate(forms[form]).tasks)


@pytest.mark.parametrize("form", FORMS)
def test_snapshot_verify_accepts_each_form(forms, form):
    result = run_cli(["snapshot", "verify", forms[form]])
    assert result.exit_code == 0, result.output
    assert f"found {forms[form]}: a {form}" in result.output
    assert "match" in result.output


@pytest.mark.parametrize("form", FORMS)
def test_baseline_and_evaluate_accept_each_form(forms, form, tmp_path):
    predictions = tmp_path / "predictions.jsonl"
    result = run_cli(["baseline", "copy_input", "--snapshot", forms[form], "--out", predictions])
    assert result.exit_code == 0, result.output
    assert f"found {forms[form]}: a {form}" in result.output
    result = run_cli(["evaluate", predictions, "--snapshot", forms[form], "--json"])
    assert result.exit_code == 0, result.output
    assert f"found {forms[form]}: a {form}" in result.stderr
    scored = {task["task"] for task in json.loads(result.stdout)["tasks"]}
    assert scored == set(locate(forms[form]).tasks)


def test_verify_of_a_task_folder_names_a_changed_file(forms, tmp_path):
    import shutil

    copy = tmp_path / "rewrite"
    shutil.copytree(forms["task folder"], copy)
    with open(copy / "train.jsonl", "ab") as file:
        file.write(b"{}\n")
    result = run_cli(["snapshot", "verify", copy])
    assert result.exit_code == 1
    assert "train.jsonl: checksum mismatch" in result.output


@pytest.mark.parametrize("form", FORMS)
def test_verify_regenerate_rebuilds_each_form(forms, form):
    result = run_cli(["snapshot", "verify", forms[form], "--regenerate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "identical"


def test_regenerate_finds_a_change_whose_checksums_were_forged(forms, tmp_path):
    import shutil

    from genforge.core.checking import file_digest

    copy = tmp_path / "rewrite"
    shutil.copytree(forms["task folder"], copy)
    lines = (copy / "test_id.jsonl").read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"target":"', b'"target":"x')
    (copy / "test_id.jsonl").write_bytes(b"".join(lines))
    manifest = json.loads((copy / "manifest.json").read_text())
    entry = next(entry for entry in manifest["files"] if entry["name"] == "test_id.jsonl")
    entry["sha256"], entry["bytes"], _ = file_digest(copy / "test_id.jsonl")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert run_cli(["snapshot", "verify", copy]).exit_code == 0  # the checksums agree
    result = run_cli(["snapshot", "verify", copy, "--regenerate"])
    assert result.exit_code == 1
    assert "test_id.jsonl: differs from a rebuild from the manifest at line 3" in result.output


def test_regenerate_of_a_split_science_folder_says_how_to_check_it(tmp_path):
    api.generate("rewrite", tmp_path, split_plan="mcd", sizes={"train": 60, "test_id": 10, "test_ood_compound": 10},
                 plan_options={"pool_size": 300})  # rewrite 1.2: 200 candidates miss the atom bound (0.0202)
    result = run_cli(["snapshot", "verify", tmp_path / "rewrite", "--regenerate"])
    assert result.exit_code == 2 and "made by split science" in result.output
    assert run_cli(["snapshot", "verify", tmp_path / "rewrite"]).exit_code == 0


@pytest.mark.parametrize("command", [["validate"], ["audit"], ["snapshot", "verify"]])
def test_a_folder_of_none_of_the_forms_is_refused_with_what_is_allowed(tmp_path, command):
    (tmp_path / "empty").mkdir()
    result = run_cli([*command, tmp_path / "empty"])
    assert result.exit_code == 2
    assert "holds no manifest.json and no task folders" in result.output
    assert "a folder of task folders" in result.output and "Traceback" not in result.output


def test_a_manifest_of_another_kind_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"name": "something else"}')
    result = run_cli(["validate", tmp_path])
    assert result.exit_code == 2
    assert "neither a task manifest" in result.output
