"""Shards and cluster runs write the same records as one process writing one file."""


import pytest
from click.testing import CliRunner

import genforge
from genforge.cli import cli
from genforge.core.checking import validate_path
from genforge.core.errors import UsageError

SIZES = {"train": 2500, "validation": 300, "test_id": 300, "test_ood_instruction": 300}


def test_shards_concatenate_to_the_unsharded_file(tmp_path):
    genforge.generate("rewrite", tmp_path / "one", sizes=SIZES)
    manifest = genforge.generate("rewrite", tmp_path / "sharded", sizes=SIZES, shard_size=1000)
    names = [entry["name"] for entry in manifest["files"] if entry["split"] == "train"]
    assert names == ["train-00000-of-00003.jsonl", "train-00001-of-00003.jsonl", "train-00002-of-00003.jsonl"]
    assert [e["records"] for e in manifest["files"] if e["split"] == "train"] == [1000, 1000, 500]
    joined = b"".join((tmp_path / "sharded" / "rewrite" / name).read_bytes() for name in names)
    assert joined == (tmp_path / "one" / "rewrite" / "train.jsonl").read_bytes()
    assert manifest["options"]["shard_size"] == 1000
    assert next(s for s in manifest["splits"] if s["name"] == "train")["size"] == 2500
    assert validate_path(tmp_path / "sharded" / "rewrite")["records"] == 3400


def test_loaders_read_shards_transparently_across_boundaries(tmp_path):
    from genforge.loaders import task_folder_records

    genforge.generate("rewrite", tmp_path, sizes=SIZES, shard_size=1000)
    records = list(task_folder_records(tmp_path / "rewrite", "train[990:1010]"))
    assert [r["id"] for r in records] == [f"rewrite/train/{i:06d}" for i in range(990, 1010)]
    assert len(task_folder_records(tmp_path / "rewrite", "train")) == 2500


def test_bad_shard_size_is_refused(tmp_path):
    with pytest.raises(UsageError, match="shard size = 0"):
        genforge.generate("rewrite", tmp_path, sizes=SIZES, shard_size=0)
    assert not any(tmp_path.iterdir())


def test_a_local_dask_cluster_writes_the_same_bytes(tmp_path):
    pytest.importorskip("dask.distributed")
    small = {"train": 1500, "validation": 100, "test_id": 100, "test_ood_instruction": 100}
    genforge.generate("markov", tmp_path / "single", sizes=small)
    genforge.generate("markov", tmp_path / "dask", sizes=small, scheduler="local", workers=2)
    for name in ("train.jsonl", "validation.jsonl", "test_id.jsonl", "test_ood_instruction.jsonl", "manifest.json"):
        assert (tmp_path / "dask" / "markov" / name).read_bytes() == (tmp_path / "single" / "markov" / name).read_bytes()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    pytest.importorskip("dask.distributed")
    result = CliRunner().invoke(cli, ["generate", "rewrite", "--out", str(tmp_path / "o"),
                                      "--scheduler", "tcp://127.0.0.1:9"], standalone_mode=False)
    assert isinstance(result.exception, UsageError)
    assert "cannot reach the Dask scheduler" in str(result.exception)
    assert not (tmp_path / "o").exists()
