"""The Python API has one shape: parameters in params={...}, a dataset object back, errors in Python's words."""

import warnings

import pytest

import genforge
from genforge.core.errors import UsageError
from genforge.python_names import in_python_terms
from snapshot_helpers import build_small, run_cli

SIZES = {"train": 40, "validation": 5, "test_id": 10, "test_ood_instruction": 5}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def train(cache):
    return genforge.load("markov", split="train", sizes=SIZES, params={"max_steps": 15})


# --- parameters the same way everywhere ---

def test_generate_and_load_take_parameters_as_a_dict_and_agree(tmp_path, cache, read_records):
    manifest = genforge.generate("markov", tmp_path / "out", sizes=SIZES, params={"alphabet_size": 4})
    assert manifest["params"]["alphabet_size"] == 4
    loaded = genforge.load("markov", split="train", sizes=SIZES, params={"alphabet_size": 4})
    assert loaded.to_list() == read_records(tmp_path / "out" / "markov" / "train.jsonl")


def test_load_still_takes_keyword_parameters_with_a_deprecation_warning(cache):
    with pytest.warns(DeprecationWarning, match=r"params=\{'alphabet_size': 4\}") as caught:
        old = genforge.load("markov", split="train", sizes=SIZES, alphabet_size=4)
    assert caught[0].filename == __file__  # the warning points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = genforge.load("markov", split="train", sizes=SIZES, params={"alphabet_size": 4})
    assert old.to_list() == new.to_list()


def test_load_refuses_parameters_given_both_ways(cache):
    with pytest.raises(UsageError, match="give task parameters once"):
        genforge.load("markov", split="train", params={"alphabet_size": 4}, max_steps=15)


def test_generate_says_task_parameters_go_in_params(tmp_path):
    with pytest.raises(UsageError, match=r"pass params=\{'alphabet_size': 4\}"):
        genforge.generate("markov", tmp_path, alphabet_size=4)
    assert not any(tmp_path.iterdir())


def test_generate_names_a_mistyped_argument(tmp_path):
    with pytest.raises(UsageError, match=r"no argument 'overwite' \(did you mean 'overwrite'\?\)"):
        genforge.generate("markov", tmp_path, overwite=True)


# --- errors name Python arguments, the CLI keeps its flags ---

def test_an_existing_folder_is_refused_with_the_python_argument(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes=SIZES)
    with pytest.raises(UsageError) as caught:
        genforge.generate("rewrite", tmp_path, sizes=SIZES)
    assert "overwrite=True" in str(caught.value) and "--overwrite" not in str(caught.value)


def test_the_cli_keeps_naming_its_flag(tmp_path):
    arguments = ["generate", "rewrite", "--out", tmp_path] + [f"--size={k}={v}" for k, v in SIZES.items()]
    assert run_cli(arguments).exit_code == 0
    result = run_cli(arguments)
    assert result.exit_code == 2 and "pass --overwrite" in result.output


@pytest.mark.parametrize("cli_message, python_message", [
    ("pass --overwrite to replace it", "pass overwrite=True to replace it"),
    ("needs a size (--size test_id=N)", "needs a size (sizes={'test_id': N})"),
    ("Ask for at most 7 (--size train=7) or pass --allow-repeats",
     "Ask for at most 7 (sizes={'train': 7}) or pass allow_repeats=True"),
    ("more than --max-bytes 1,000; raise --max-bytes", "more than max_bytes 1,000; raise max_bytes"),
    ("a larger pool (--plan-option pool_size=N)", "a larger pool (plan_options={'pool_size': N})"),
    ("--resume, --max-bytes, --shard-size and --scheduler apply to",
     "resume=True, max_bytes, shard_size and scheduler apply to"),
    ("widen --difficulty-range", "widen difficulty_range"),
    ("a range -1..-3 stays", "a range -1..-3 stays"),
])
def test_cli_flags_become_python_arguments(cli_message, python_message):
    assert in_python_terms(cli_message) == python_message


# --- the dataset object ---

def test_a_loaded_split_has_a_length_and_is_indexed_like_its_file(train, read_records):
    rows = list(train)
    assert len(train) == len(rows) == 40
    assert train[0] == rows[0] and train[-1] == rows[-1] and train[17] == rows[17]
    with pytest.raises(IndexError):
        train[40]


def test_slicing_gives_a_dataset_of_those_records(train):
    rows = train.to_list()
    part = train[5:15:2]
    assert isinstance(part, genforge.Dataset)
    assert part.to_list() == rows[5:15:2] and len(part) == 5
    assert part[1] == rows[7]
    assert train[-3:].to_list() == rows[-3:]


def test_shuffle_is_a_permutation_fixed_by_its_seed(train):
    rows = train.to_list()
    shuffled = train.shuffle(seed=1).to_list()
    assert shuffled != rows and sorted(r["id"] for r in shuffled) == sorted(r["id"] for r in rows)
    assert train.shuffle(seed=1).to_list() == shuffled
    assert train.shuffle(seed=2).to_list() != shuffled


def test_select_and_map_compose(train):
    rows = train.to_list()
    inputs = train.select([3, 1, 3]).map(lambda record: record["input"])
    assert inputs.to_list() == [rows[3]["input"], rows[1]["input"], rows[3]["input"]]
    assert inputs[1] == rows[1]["input"] and len(inputs) == 3
    assert train.to_list() == rows  # the source is unchanged


def test_select_refuses_an_index_out_of_range(train):
    with pytest.raises(UsageError, match="index 40 is out of range for a dataset of 40 records"):
        train.select([40])


def test_a_sharded_split_and_a_joined_split_index_across_files(tmp_path, read_records):
    build_small(tmp_path / "snap")
    joined = genforge.load_snapshot(tmp_path / "snap", task="markov", split="test_id[:3]+validation[-2:]")
    expected = (read_records(tmp_path / "snap" / "markov" / "test_id.jsonl")[:3]
                + read_records(tmp_path / "snap" / "markov" / "validation.jsonl")[-2:])
    assert [joined[i] for i in range(len(joined))] == expected
    assert joined.shuffle(seed=0).select(range(5)).to_list() != expected


def test_a_sharded_split_indexes_across_its_shards(tmp_path, read_records):
    from genforge.loaders import task_folder_records

    genforge.generate("rewrite", tmp_path, sizes=SIZES, shard_size=7)
    rows = [record for shard in sorted(tmp_path.glob("rewrite/train-*.jsonl")) for record in read_records(shard)]
    train = task_folder_records(tmp_path / "rewrite", "train")
    assert len(rows) == len(train) == 40
    assert [train[i] for i in (0, 6, 7, 39, -8)] == [rows[i] for i in (0, 6, 7, 39, -8)]
    assert train[10:20].to_list() == rows[10:20]


def test_to_pandas_and_to_hf_hold_every_record(train):
    rows = train.to_list()
    pandas = pytest.importorskip("pandas")
    frame = train.to_pandas()
    assert isinstance(frame, pandas.DataFrame) and list(frame["id"]) == [r["id"] for r in rows]
    pytest.importorskip("datasets")
    hf = train.to_hf()
    assert hf.num_rows == 40 and hf[0]["id"] == rows[0]["id"]


def test_snapshot_and_evaluation_errors_in_python_name_python_arguments(tmp_path):
    from genforge.snapshot.build import build_snapshot
    from genforge.snapshot.suite import load_suite

    (tmp_path / "snap").mkdir()
    suite = load_suite({"name": "s", "tasks": [{"task": "scan", "sizes": {"train": 5, "test_id": 5}}]})
    with pytest.raises(genforge.GenforgeError) as built:
        build_snapshot(suite, tmp_path / "snap")
    assert "overwrite=True" in str(built.value) and "--overwrite" not in str(built.value)
    with pytest.raises(genforge.GenforgeError) as scored:
        genforge.evaluate.evaluate(tmp_path / "missing.jsonl", snapshot=tmp_path / "snap", splits=["nope"])
    assert "--" not in str(scored.value)
