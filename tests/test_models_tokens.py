"""Reference models without PyTorch: tokenization, reading a folder, the prediction lines, the missing-extra error."""

import subprocess
import sys

import click
import orjson
import pytest
from click.testing import CliRunner

from genforge.cli import main
from genforge.evaluate import load_references
from genforge.evaluate.predictions import read_predictions
from genforge.models.data import load_tasks
from genforge.models.run import prediction_line
from genforge.models.tokens import CHARS, SYMBOLS, WORDS, Tokenizer, Vocabulary, choose


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main_command(ctx):
    main(list(ctx.args))


def record(text, target, instruction=None):
    return {"input": text, "target": target, "instruction": instruction}


@pytest.mark.parametrize("task, expected", [("scan", WORDS), ("cogs", WORDS), ("pcfg_set", WORDS),
                                            ("addition", CHARS), ("rewrite", CHARS), ("two_hop", SYMBOLS)])
def test_each_built_in_task_has_its_documented_tokenization(task, expected):
    assert choose(task, [record("a b", "c d")]) == expected


def test_a_plugin_task_is_read_as_words_when_most_strings_hold_spaces():
    assert choose("plugin", [record("jump twice", "JUMP JUMP")]) == WORDS
    assert choose("plugin", [record("12+7", "19")]) == CHARS
    assert choose("scan", [record("a b", "c")], asked=CHARS) == CHARS


@pytest.mark.parametrize("kind, text", [(WORDS, "I_JUMP I_WALK I_JUMP"), (CHARS, "12+7=19"),
                                        (SYMBOLS, "<e_12><r_3><e_4>")])
def test_decoding_an_encoded_target_gives_the_text_back(kind, text):
    vocabulary = Vocabulary.build([text], kind)
    assert vocabulary.decode(vocabulary.encode(text)) == text


def test_vocabulary_ids_do_not_depend_on_record_order():
    assert Vocabulary.build(["b a", "c"], WORDS).tokens == Vocabulary.build(["c", "b a"], WORDS).tokens


def test_decoding_stops_at_the_end_token_and_unknown_tokens_map_to_unk():
    tokenizer = Tokenizer.fit("scan", [record("jump twice", "I_JUMP I_JUMP")])
    ids = tokenizer.encode_target(record("", "I_JUMP"))
    assert tokenizer.target.decode(ids[1:] + [tokenizer.target.index["I_JUMP"]]) == "I_JUMP"
    assert tokenizer.encode_source(record("jump thrice", "")) == [tokenizer.source.index["jump"],
                                                                  tokenizer.source.index["<unk>"]]


def test_the_instruction_is_read_only_when_it_varies_between_training_records():
    constant = Tokenizer.fit("addition", [record("1+2", "3", "add"), record("2+2", "4", "add")])
    assert constant.encode_source(record("1+2", "", "add")) == constant.source.encode("1+2")
    varying = Tokenizer.fit("rewrite", [record("ab", "cb", "a -> c"), record("ab", "ad", "b -> d")])
    source = varying.encode_source(record("ab", "", "a -> c"))
    assert source == varying.source.encode("a -> c") + [varying.source.index["<sep>"]] + varying.source.encode("ab")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("models-data")
    result = CliRunner().invoke(_main_command, [
        "generate", "addition", "--out", str(out), "-q", "--size", "train=40", "--size", "validation=8",
        "--size", "test_id=8", "--size", "test_ood_length=8"])
    assert result.exit_code == 0, result.output
    return out / "addition"


def test_a_folder_is_read_as_train_plus_every_split_to_decode(folder):
    (data,) = load_tasks(folder)
    assert data.task == "addition" and len(data.train) == 40
    assert list(data.evaluated) == ["validation", "test_id", "test_ood_length"]
    assert len(data.validation) == 8


def test_prediction_lines_are_read_by_evaluate_and_bound_to_their_records(folder):
    (data,) = load_tasks(folder)
    path = folder.parent / "lines.jsonl"
    with open(path, "wb") as out:
        for records in data.evaluated.values():
            out.writelines(prediction_line(r, r["target"]) for r in records)
    references = load_references(snapshot=folder)
    predictions, stats = read_predictions(path, references)
    assert stats.matched == 24 and stats.unbound == 0
    assert orjson.loads(path.read_bytes().splitlines()[0])["prediction"] == data.evaluated["validation"][0]["target"]


def test_help_does_not_import_torch():
    code = "import sys; from genforge.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n" \
           "assert 'torch' not in sys.modules, 'torch imported'"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_without_the_extra_the_command_says_how_to_install_it(folder, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    result = CliRunner().invoke(_main_command, ["reference-model", str(folder), "--out", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 2
    assert "install the 'models' extra" in result.output and "Traceback" not in result.output
