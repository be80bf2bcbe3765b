"""A folder written by `genforge generate` loads in Hugging Face datasets with its splits apart."""

import json

import pytest

import genforge
from genforge.core.checking import validate_path


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("hf") / "data"
    manifest = genforge.generate("rewrite", out, sizes={"train": 12, "validation": 3, "test_id": 4,
                                                        "test_ood_instruction": 5})
    return out / "rewrite", manifest


def test_datasets_keeps_id_and_ood_test_splits_apart(folder):
    datasets = pytest.importorskip("datasets")
    path, _ = folder
    loaded = datasets.load_dataset(str(path))
    assert {name: len(split) for name, split in loaded.items()} == {
        "train": 12, "validation": 3, "test_id": 4, "test_ood_instruction": 5}
    assert loaded["test_ood_instruction"][0]["id"] == "rewrite/test_ood_instruction/000000"


def test_the_card_is_outside_the_manifest_and_validate_accepts_it(folder):
    path, manifest = folder
    assert (path / "README.md").read_text().startswith("---\nconfigs:\n")
    assert "README.md" not in json.dumps(manifest["files"])
    assert validate_path(path)["files"] == 4


def test_another_folder_of_the_same_name_is_read_from_its_own_files(folder, tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.load_dataset(str(folder[0]))  # the first folder is now in datasets' cache
    genforge.generate("rewrite", tmp_path, seed=4, sizes={"train": 20, "validation": 3, "test_id": 4,
                                                          "test_ood_instruction": 5})
    loaded = datasets.load_dataset(str(tmp_path / "rewrite"))
    first = json.loads((tmp_path / "rewrite" / "train.jsonl").read_text().splitlines()[0])
    assert len(loaded["train"]) == 20 and loaded["train"][0]["input"] == first["input"]
