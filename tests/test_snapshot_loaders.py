"""genforge.load and genforge.load_snapshot: streaming records, TFDS-style slices, cache, checksums."""

import types

import pytest
from hypothesis import given
from hypothesis import strategies as st
from snapshot_helpers import build_small

import genforge
from genforge import loaders
from genforge.core.errors import CheckFailed, UsageError
from genforge.loaders import parse_split


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loaders") / "snap"
    build_small(folder)
    return folder


def _ids(records):
    return [int(record["id"].rsplit("/", 1)[1]) for record in records]


def test_load_snapshot_streams_records_lazily_and_list_materialises_them(snapshot):
    train = genforge.load_snapshot(snapshot, task="rewrite", split="train")
    assert len(train) == 60
    stream = iter(train)
    assert isinstance(stream, types.GeneratorType)
    assert next(stream)["id"] == "rewrite/train/000000"
    records = list(train)
    assert _ids(records) == list(range(60)) and all(record["split"] == "train" for record in records)


@pytest.mark.parametrize(
    "split, expected",
    [
        ("train[:10%]", list(range(6))),
        ("train[100:200]", []),
        ("train[10:13]", [10, 11, 12]),
        ("train[-3:]", [57, 58, 59]),
        ("train[25%:30%]", list(range(15, 18))),
        ("train[:-58]", [0, 1]),
    ],
)
def test_tfds_style_slices_select_the_expected_records(snapshot, split, expected):
    assert _ids(genforge.load_snapshot(snapshot, task="rewrite", split=split)) == expected


@given(st.integers(0, 300), st.integers(-120, 120), st.integers(-120, 120))
def test_absolute_slices_behave_like_python_slices(records, start, stop):
    (term,) = parse_split(f"train[{start}:{stop}]")
    low, high = term.bounds(records)
    assert list(range(low, max(low, high))) == list(range(records))[start:stop]


def test_splits_joined_with_plus_are_concatenated(snapshot):
    records = list(genforge.load_snapshot(snapshot, task="markov", split="test_id[:2]+test_ood_instruction[-1:]"))
    assert [record["id"] for record in records] == [
        "markov/test_id/000000", "markov/test_id/000001", "markov/test_ood_instruction/000019"]


def test_without_a_split_every_split_is_returned(snapshot):
    splits = genforge.load_snapshot(snapshot, task="markov")
    assert {name: len(records) for name, records in splits.items()} == {
        "train": 60, "validation": 20, "test_id": 15, "test_ood_instruction": 20}


@pytest.mark.parametrize(
    "task, split, message",
    [("rewrite", "tran", "did you mean 'train'"), ("scan", "train", "no task 'scan'"),
     ("rewrite", "train[::2]", "not understood"), (None, "train", "holds 2 tasks")],
)
def test_bad_requests_get_clear_messages(snapshot, task, split, message):
    with pytest.raises(UsageError, match=message):
        genforge.load_snapshot(snapshot, task=task, split=split)


def test_a_corrupted_file_is_refused_when_loaded(snapshot, tmp_path):
    import shutil

    copy = tmp_path / "snap"
    shutil.copytree(snapshot, copy)
    path = copy / "markov" / "validation.jsonl"
    path.write_bytes(path.read_bytes().replace(b"markov/validation/000003", b"markov/validation/000004"))
    with pytest.raises(CheckFailed, match="validation.jsonl: checksum mismatch"):
        genforge.load_snapshot(copy, task="markov", split="validation")


def test_load_generates_once_then_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE", str(tmp_path / "cache"))
    sizes = {"train": 30, "validation": 5, "test_id": 5, "test_ood_instruction": 5}
    first = list(genforge.load("markov", split="test_id", sizes=sizes, params={"max_steps": 15}))
    assert len(first) == 5 and len(list((tmp_path / "cache").iterdir())) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("regenerated although cached")

    monkeypatch.setattr(loaders, "generate_task", refuse)
    assert list(genforge.load("markov", split="test_id", sizes=sizes, params={"max_steps": 15})) == first
    with pytest.raises(AssertionError, match="regenerated"):
        genforge.load("markov", split="test_id", sizes=sizes, params={"max_steps": 16})


def test_load_gives_the_same_records_as_generate(tmp_path, read_records):
    sizes = {"train": 20, "validation": 5, "test_id": 5, "test_ood_instruction": 5}
    genforge.generate("rewrite", tmp_path / "out", sizes=sizes, seed=4)
    loaded = list(genforge.load("rewrite", split="train", sizes=sizes, seed=4, cache_dir=tmp_path / "cache"))
    assert loaded == read_records(tmp_path / "out" / "rewrite" / "train.jsonl")


def test_load_checks_parameters_like_generate(tmp_path):
    with pytest.raises(UsageError, match="input_length"):
        genforge.load("rewrite", split="train", params={"input_length": 0}, cache_dir=tmp_path)
