"""The engine's invariants: determinism, split integrity, valid output, nothing partial."""

import hashlib
import json
from pathlib import Path

import pytest

import genforge
from genforge.core.checking import validate_path
from genforge.core.errors import InfeasibleError, UsageError
from genforge.core.registry import get_task

SMALL = {"train": 300, "validation": 50, "test_id": 50, "test_ood_instruction": 50}


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_same_request_twice_gives_identical_bytes(tmp_path):
    genforge.generate("rewrite", tmp_path / "a", sizes=SMALL)
    genforge.generate("rewrite", tmp_path / "b", sizes=SMALL)
    assert folder_bytes(tmp_path / "a" / "rewrite") == folder_bytes(tmp_path / "b" / "rewrite")


@pytest.mark.parametrize("task", ["rewrite", "markov"])
def test_worker_count_does_not_change_the_bytes(tmp_path, task):
    genforge.generate(task, tmp_path / "one", sizes=SMALL, workers=1)
    genforge.generate(task, tmp_path / "two", sizes=SMALL, workers=2)
    assert folder_bytes(tmp_path / "one" / task) == folder_bytes(tmp_path / "two" / task)


def test_seed_changes_the_output(tmp_path):
    genforge.generate("rewrite", tmp_path / "a", sizes=SMALL, seed=0)
    genforge.generate("rewrite", tmp_path / "b", sizes=SMALL, seed=1)
    assert (tmp_path / "a/rewrite/train.jsonl").read_bytes() != (tmp_path / "b/rewrite/train.jsonl").read_bytes()


def test_manifest_lists_every_file_with_its_checksum(tmp_path):
    manifest = genforge.generate("rewrite", tmp_path, sizes=SMALL)
    folder = tmp_path / "rewrite"
    assert json.loads((folder / "manifest.json").read_text()) == manifest
    assert sorted(f["name"] for f in manifest["files"]) == sorted(f"{s}.jsonl" for s in SMALL)
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["records"] == SMALL[entry["split"]] == data.count(b"\n")
        assert entry["bytes"] == len(data)
    assert validate_path(folder)["records"] == sum(SMALL.values())


def test_ids_are_sequential_per_split_and_records_carry_difficulty(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes=SMALL)
    records = lines(tmp_path / "rewrite" / "test_id.jsonl")
    assert [r["id"] for r in records] == [f"rewrite/test_id/{i:06d}" for i in range(50)]
    assert all(0 <= r["meta"]["difficulty"] <= 1 for r in records)


def test_no_input_repeats_within_or_across_splits(tmp_path):
    genforge.generate("markov", tmp_path, sizes=SMALL)
    seen = {}
    for split in SMALL:
        keys = [(r["instruction"], r["input"]) for r in lines(tmp_path / "markov" / f"{split}.jsonl")]
        assert len(keys) == len(set(keys)), split
        for key in keys:
            assert key not in seen, (key, seen.get(key), split)
            seen[key] = split


def test_allow_repeats_permits_duplicates_in_a_tiny_space(tmp_path):
    params = {"alphabet_size": 2, "input_length": 2, "pattern_length": 1, "replacement_length": 1,
              "n_instructions": 1, "domains": ["unconstrained"], "held_out_domains": []}
    sizes = {"train": 40, "validation": 0, "test_id": 0}
    with pytest.raises(InfeasibleError, match=r"only \d+ distinct examples"):
        genforge.generate("rewrite", tmp_path, split_plan="iid", sizes=sizes, params=params)
    assert not (tmp_path / "rewrite").exists()
    genforge.generate("rewrite", tmp_path, split_plan="iid", sizes=sizes, params=params, allow_repeats=True)
    assert len(lines(tmp_path / "rewrite" / "train.jsonl")) == 40


def test_existing_output_needs_overwrite_and_is_left_untouched(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes=SMALL)
    before = folder_bytes(tmp_path / "rewrite")
    with pytest.raises(UsageError, match="already exists; pass overwrite=True"):
        genforge.generate("rewrite", tmp_path, sizes=SMALL, seed=5)
    assert folder_bytes(tmp_path / "rewrite") == before
    genforge.generate("rewrite", tmp_path, sizes=SMALL, seed=5, overwrite=True)
    assert folder_bytes(tmp_path / "rewrite") != before


def test_a_failure_midway_leaves_the_previous_output_and_no_staging(tmp_path, monkeypatch):
    genforge.generate("rewrite", tmp_path, sizes=SMALL)
    before = folder_bytes(tmp_path / "rewrite")
    task = get_task("rewrite")
    calls = {"n": 0}
    original = type(task).sample_block

    def failing_sample_block(self, rng, params, count):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt
        return original(self, rng, params, count)

    monkeypatch.setattr(type(task), "sample_block", failing_sample_block)
    with pytest.raises(KeyboardInterrupt):
        genforge.generate("rewrite", tmp_path, sizes=SMALL, seed=9, overwrite=True)
    assert folder_bytes(tmp_path / "rewrite") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rewrite"]


def test_unknown_split_in_sizes_is_refused(tmp_path):
    with pytest.raises(UsageError, match=r"split 'tets_id' is not in plan 'unseen_instructions'.*did you mean 'test_id'"):
        genforge.generate("rewrite", tmp_path, sizes={"tets_id": 5})
    assert not any(tmp_path.iterdir())


def test_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        genforge.generate("rewrite", tmp_path / "file" / "out", sizes=SMALL)
    assert (tmp_path / "file").read_text() == "x"


def test_golden_default_generation_is_pinned(tmp_path):
    # A change to these bytes changes published data: bump the task version.
    genforge.generate("rewrite", tmp_path, sizes={"train": 100, "validation": 10, "test_id": 10,
                                                   "test_ood_instruction": 10})
    genforge.generate("markov", tmp_path, sizes={"train": 100, "validation": 10, "test_id": 10,
                                                  "test_ood_instruction": 10})
    digests = {f"{t}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()[:16]
               for t in ("rewrite", "markov") for p in sorted((tmp_path / t).glob("*.jsonl"))}
    assert digests == GOLDEN


GOLDEN = {
    "rewrite/test_id.jsonl": "2513d8c18dc8cc35",
    "rewrite/test_ood_instruction.jsonl": "35fd0441b15bb237",
    "rewrite/train.jsonl": "551f93b50e893bb0",
    "rewrite/validation.jsonl": "757253662c67c00a",
    "markov/test_id.jsonl": "37f4884ee17e7604",
    "markov/test_ood_instruction.jsonl": "63022ae2573ea446",
    "markov/train.jsonl": "0c406b8e6337702f",
    "markov/validation.jsonl": "1407590e9169f905",
}


@pytest.mark.parametrize("task, plan, key, workers", [
    ("relation_algebra", "iid", lambda record: record["target"], 1),
    ("kinship", "iid", lambda record: record["meta"]["relation"], 2),
    ("comparison", "id_ood", lambda record: record["target"], 2),
])
def test_classification_tasks_report_label_balance_per_split(tmp_path, task, plan, key, workers):
    # Labels are counted as records are written (from the workers' examples): they must match the files.
    sizes = {"comparison": {"test_id": 40, "test_ood": 40}}.get(task, {"train": 300, "validation": 40, "test_id": 40})
    params = {"entities": 60} if task == "comparison" else {}
    manifest = genforge.generate(task, tmp_path, split_plan=plan, sizes=sizes, params=params, workers=workers)
    for entry in manifest["splits"]:
        counted = {}
        for line in (tmp_path / task / f"{entry['name']}.jsonl").read_text().splitlines():
            label = str(key(json.loads(line)))
            counted[label] = counted.get(label, 0) + 1
        assert entry["balance"] == dict(sorted(counted.items()))
        assert sum(entry["balance"].values()) == entry["size"]
    assert "balance" not in genforge.generate("rewrite", tmp_path / "r", sizes=SMALL)["splits"][0]
