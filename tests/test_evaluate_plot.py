"""--plot: a PNG with accuracy against complexity, one line per split, labelled axes."""

import sys

import click
import pytest
from click.testing import CliRunner

from evaluate_snapshot_fixture import build_snapshot, scored_records, write_predictions
from genforge.cli import main
from genforge.evaluate import evaluate, plot_accuracy

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main_command(ctx):
    main(list(ctx.args))


@pytest.fixture
def report(tmp_path):
    snapshot = build_snapshot(tmp_path)
    records = scored_records(snapshot)
    predictions = write_predictions(tmp_path / "p.jsonl", [(r["id"], r["target"]) for r in records])
    return evaluate(predictions, snapshot=snapshot, splits=["rewrite/validation", "rewrite/test_id",
                                                             "rewrite/test_ood_length"])


def test_plot_draws_one_line_per_split_for_each_varying_measure(tmp_path, report):
    pytest.importorskip("matplotlib")
    path = tmp_path / "accuracy.png"
    figure = plot_accuracy(report, path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    panels = {axes.get_xlabel(): axes for axes in figure.axes}
    assert set(panels) == {"input_length (complexity level)", "k (complexity level)"}  # 'rules' is constant
    for axes in panels.values():
        assert axes.get_ylabel() == "exact-match accuracy"
        assert [line.get_label() for line in axes.get_lines()] == ["validation", "test_id", "test_ood_length"]
    k_line = {line.get_label(): line for line in panels["k (complexity level)"].get_lines()}["test_ood_length"]
    assert list(k_line.get_xdata()) == [2, 3] and list(k_line.get_ydata()) == [1.0, 1.0]


def test_cli_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    snapshot = build_snapshot(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [])
    path = tmp_path / "plot.png"
    result = CliRunner().invoke(_main_command, ["evaluate", str(predictions), "--snapshot", str(snapshot),
                                                "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes()[:8] == PNG_SIGNATURE and f"plot: {path}" in result.stdout


def test_without_matplotlib_plot_is_a_clear_error(tmp_path, monkeypatch):
    snapshot = build_snapshot(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [])
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = CliRunner().invoke(_main_command, ["evaluate", str(predictions), "--snapshot", str(snapshot),
                                                "--plot", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert "pip install 'genforge[plot]'" in result.stderr and not (tmp_path / "x.png").exists()


def test_plot_can_be_limited_to_chosen_measures(tmp_path, report):
    pytest.importorskip("matplotlib")
    figure = plot_accuracy(report, tmp_path / "k.png", measures=["k"])
    assert [axes.get_xlabel() for axes in figure.axes] == ["k (complexity level)"]
    assert figure.axes[0].get_title() == "rewrite: accuracy by k"
