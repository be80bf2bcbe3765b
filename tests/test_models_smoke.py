"""The reference-model path end to end on a tiny split: train a few steps, decode, and score with evaluate.

Runs only where PyTorch (the 'models' extra) is installed.
"""

import json

import pytest

from test_evaluate_cli import run  # `genforge ARGS` in process: the exit code and messages a user sees

pytest.importorskip("torch")


TINY = ["--epochs", "2", "--width", "16", "--heads", "2", "--layers", "1", "--batch-size", "16", "--progress", "none"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    result = run("generate", "addition", "--out", out, "-q", "--size", "train=48", "--size", "validation=8",
                 "--size", "test_id=8", "--size", "test_ood_length=8")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("arch", ["transformer", "lstm"])
def test_predictions_cover_every_scored_split_and_evaluate_reads_them(folder, tmp_path, arch):
    predictions = tmp_path / "pred.jsonl"
    result = run("reference-model", folder, "--arch", arch, "--out", predictions, *TINY)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(lines) == 24 and all(set(line) == {"id", "digest", "prediction"} for line in lines)
    scored = run("evaluate", predictions, "--snapshot", folder, "--json")
    assert scored.exit_code == 0, scored.output
    report = json.loads(scored.stdout)
    assert report["predictions"]["matched"] == 24 and report["missing"] == 0
    assert [s["split"] for s in report["tasks"][0]["splits"]] == ["validation", "test_id", "test_ood_length"]


def test_the_same_seed_gives_the_same_predictions_on_cpu(folder, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (first, second):
        assert run("reference-model", folder, "--out", out, "--seed", 1, "--device", "cpu", *TINY).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_bad_model_sizes_are_usage_errors(folder, tmp_path):
    result = run("reference-model", folder, "--out", tmp_path / "p.jsonl", "--width", "30", "--heads", "4")
    assert result.exit_code == 2 and "not a multiple of --heads" in result.output
    result = run("reference-model", folder, "--out", tmp_path / "p.jsonl", "--task", "scan")
    assert result.exit_code == 2 and "not in" in result.output
    result = run("reference-model", folder, "--out", tmp_path / "p.jsonl", "--max-length", "1")
    assert result.exit_code == 2 and "raise --max-length" in result.output


@pytest.mark.parametrize("arch", ["transformer", "lstm"])
def test_step_by_step_decoding_gives_the_logits_of_decoding_the_whole_prefix(arch):
    import torch

    from genforge.models.lstm import LstmSeq2Seq
    from genforge.models.transformer import TransformerSeq2Seq

    torch.manual_seed(0)
    model = (TransformerSeq2Seq if arch == "transformer" else LstmSeq2Seq)(12, 9, width=16, heads=2).eval()
    source, target = torch.randint(1, 12, (3, 6)), torch.randint(1, 9, (3, 7))
    source[0, 4:] = 0  # padding
    with torch.no_grad():
        encoded = model.encode(source)
        whole = model.decode(encoded, target)
        cache = model.start(encoded)
        steps = torch.stack([model.step(encoded, cache, target[:, t], t) for t in range(7)], dim=1)
    assert torch.allclose(whole, steps, atol=1e-5)
