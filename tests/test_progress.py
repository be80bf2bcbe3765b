"""Progress people can read: a bar with rate and time left, a line every few seconds off a terminal, or nothing."""

import io
import os
from unittest import mock

import pytest

from genforge.progress import BarProgress, LineProgress, NoProgress, make_progress
from snapshot_helpers import run_cli


class Clock:
    """A clock the test moves by hand (no real waiting)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_lines_come_every_interval_with_rate_and_time_left():
    clock, stream = Clock(), io.StringIO()
    progress = LineProgress(stream, interval=5, clock=clock)
    for second in range(1, 21):
        clock.now = 100 + second
        progress("train", second * 1000, 40_000)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4  # at 5, 10, 15 and 20 seconds, not twice a second
    assert lines[0] == "  train: 5,000/40,000 records (12%), 1,000/s, about 35 s left"
    assert lines[-1] == "  train: 20,000/40,000 records (50%), 1,000/s, about 20 s left"


def test_a_finished_split_gets_a_closing_line_and_the_next_split_its_own_rate():
    clock, stream = Clock(), io.StringIO()
    progress = LineProgress(stream, interval=5, clock=clock)
    clock.now = 110
    progress("train", 20_000, 20_000)
    clock.now = 114
    progress("test_id", 400, None)  # a split without a size
    clock.now = 120
    progress("test_id", 1_000, None)
    progress.done()
    assert stream.getvalue().splitlines() == [
        "  train: 20,000 records in 10 s (2,000/s)",
        "  test_id: 1,000 records, 100/s",
        "  test_id: 1,000 records in 10 s (100/s)",
    ]


def test_a_run_shorter_than_the_interval_prints_nothing():
    clock, stream = Clock(), io.StringIO()
    progress = LineProgress(stream, interval=5, clock=clock)
    clock.now = 101
    progress("train", 100, 100)
    progress("test_id", 10, 10)
    progress.done()
    assert stream.getvalue() == ""


def test_the_bar_shows_count_rate_and_total():
    stream = io.StringIO()
    progress = BarProgress(stream)
    progress("train", 0, 1000)
    progress.bar.delay = 0  # draw now rather than after BAR_DELAY
    progress("train", 500, 1000)
    progress("train", 1000, 1000)
    progress.done()
    text = stream.getvalue()
    assert "train" in text and "1.00k/1.00k" in text and "records/s" in text


def test_auto_is_a_bar_on_a_terminal_and_lines_elsewhere():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    sized = os.terminal_size((80, 24))
    with mock.patch("os.get_terminal_size", return_value=sized), mock.patch.object(Terminal, "fileno", lambda self: 2):
        assert isinstance(make_progress("auto", stream=Terminal()), BarProgress)
    # A pseudo-terminal that reports 0 x 0 gets lines: tqdm would draw nothing on it.
    with mock.patch("os.get_terminal_size", return_value=os.terminal_size((0, 0))), \
            mock.patch.object(Terminal, "fileno", lambda self: 2):
        assert isinstance(make_progress("auto", stream=Terminal()), LineProgress)
    assert isinstance(make_progress("auto", stream=io.StringIO()), LineProgress)
    assert isinstance(make_progress("bar", quiet=True), NoProgress)


@pytest.mark.parametrize("command", [["generate", "rewrite"], ["snapshot", "build", "default", "--tasks", "rewrite"]])
def test_quiet_and_progress_none_print_nothing_on_stderr(tmp_path, command):
    sizes = [] if command[0] == "snapshot" else ["--size", "train=50", "--size", "test_id=5",
                                                 "--size", "validation=5", "--size", "test_ood_instruction=5"]
    for index, flags in enumerate((["-q"], ["--progress", "none"])):
        result = run_cli([*command, "--out", tmp_path / str(index), *sizes, *flags])
        assert result.exit_code == 0, result.output
        assert result.stderr == ""


def test_an_unknown_progress_mode_names_the_allowed_ones(tmp_path):
    result = run_cli(["generate", "rewrite", "--out", tmp_path, "--progress", "fancy"])
    assert result.exit_code == 2
    assert "'fancy' is not one of 'auto', 'bar', 'lines', 'none'" in result.output
    assert not any(tmp_path.iterdir())


def test_a_sweep_reports_the_shared_tests_and_each_run_train_split(tmp_path):
    from genforge.science.sweep import sweep

    calls = []
    manifest = sweep("rewrite", tmp_path, vary="n_instructions", values=[5, 10], budget=40, seed=1,
                     test_sizes={"validation": 5, "test_id": 5, "test_ood_instruction": 5},
                     progress=lambda split, written, size: calls.append((split, written, size)))
    finished = {split for split, written, size in calls if written == size}
    assert {f"{run['label']}/train" for run in manifest["runs"]} <= finished
    assert {"validation", "test_id", "test_ood_instruction"} <= finished


def test_a_quiet_sweep_prints_only_its_result(tmp_path):
    result = run_cli(["sweep", "rewrite", "--vary", "n_instructions=5,10", "--budget", "40", "--out", tmp_path,
                      "--size", "validation=5", "--size", "test_id=5", "--size", "test_ood_instruction=5", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and "manifest.json" in result.stdout
