"""Bounded work for addition and multiplication at the edges of their schemas.

Before these fixes a 999-digit multiplication block cost about a second (the
column sums were added place by place, work ~ width**2), so the ``longer`` plan at
999/1000 digits ran past a minute; and ``held_out_carry_pattern`` with a carry
limit that almost no draw meets searched for minutes before failing. Now wide
products go through an FFT and such carry splits are refused up front.
"""

import numpy as np
import pytest

import genforge
from genforge.cli import main
from genforge.core.errors import ParameterError
from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.generators import arithmetic

LONGEST = {"train_digits_min": 1, "train_digits_max": 999, "test_digits_min": 1000, "test_digits_max": 1000}
NOTHING = {"train": 0, "validation": 0, "test_id": 0}


def convolved_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Multiplication's column sums, row by row, by numpy's exact integer convolution."""
    width = a.shape[1]
    sums = np.zeros((a.shape[0], 2 * width), dtype=np.int64)
    for row, (x, y) in enumerate(zip(a.astype(np.int64), b.astype(np.int64))):
        sums[row, :2 * width - 1] = np.convolve(x, y)
    return sums


@pytest.mark.parametrize("width", [1, 64, 65, 300, 1000])
def test_product_column_sums_are_exact_at_every_width(width):
    digits = np.random.default_rng(width).integers(0, 10, (6, width)).astype(np.uint8)
    nines = np.full((2, width), 9, dtype=np.uint8)  # the largest column sums: 81 per digit pair
    a, b = np.vstack([digits[:3], nines]), np.vstack([digits[3:], nines])
    assert (arithmetic.column_sums("multiply", a, b) == convolved_columns(a, b)).all()


def test_thousand_digit_products_are_sampled_exactly():
    task = get_task("multiplication")
    params = task.Params.resolve(train_digits_min=999, train_digits_max=999, test_digits_min=1000,
                                 test_digits_max=1000)
    for example in task.sample_block(RandomStream.from_parts("thousand"), params, 4):
        a, b = (int(x) for x in example.input.split("*"))
        assert example.target == str(a * b)


@pytest.mark.parametrize("task, chain, split, remedy", [
    ("addition", 0, "train", "raise train_max_carry_chain"),       # 0.2% of draws have no carry at all
    ("multiplication", 0, "train", "raise train_max_carry_chain"),
    # (No long-chain refusal for multiplication: its carry plan draws only operand sizes where a chain
    # longer than train_max_carry_chain is possible, and such long products nearly always carry throughout.)
])
def test_carry_splits_too_rare_to_fill_are_refused_up_front(tmp_path, task, chain, split, remedy):
    with pytest.raises(ParameterError, match=rf"'train_max_carry_chain' = {chain}: .* split '{split}'.*{remedy}"):
        genforge.generate(task, tmp_path, split_plan="held_out_carry_pattern",
                          sizes={**NOTHING, "test_ood_carry": 0}, params={**LONGEST, "train_max_carry_chain": chain})


def test_a_rare_carry_split_is_refused_for_its_own_plan_only(tmp_path, read_records):
    params = {"train_digits_min": 9, "train_digits_max": 9, "test_digits_min": 10, "test_digits_max": 10,
              "train_max_carry_chain": 0}
    with pytest.raises(ParameterError, match="split 'train'"):
        genforge.generate("multiplication", tmp_path, split_plan="held_out_carry_pattern",
                          sizes={**NOTHING, "train": 10, "test_ood_carry": 10}, params=params)
    manifest = genforge.generate("multiplication", tmp_path, split_plan="longer",
                                 sizes={"train": 20, "validation": 2, "test_id": 2, "test_ood_length": 5},
                                 params=params, overwrite=True)
    assert [f["records"] for f in manifest["files"]] == [20, 2, 2, 5]


def test_the_refusal_exits_2_with_one_message_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["generate", "addition", "--out", str(tmp_path), "--split-plan", "held_out_carry_pattern",
              "--size", "train=1000", *[f"--param={k}={v}" for k, v in LONGEST.items()],
              "--param", "train_max_carry_chain=0"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "train_max_carry_chain" in error and "Traceback" not in error
