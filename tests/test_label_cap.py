"""Issue 15 item 10: an exact cap on the share of any one label in a split (``SplitSpec.label_cap``).

HINT caps the share of any single result at 5% of a split; before, a pilot-based keep probability
held it only on average (SS's most common result had 5.2%). The engine now counts the labels of
the records it writes, in block order, and skips a record whose label already fills its cap, so
the cap is exact, the bytes do not depend on the worker count, and a resumed split recounts the
labels it wrote before the interruption.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import genforge
from genforge.core import engine
from genforge.core.blocks import pack
from genforge.core.digests import DigestStore
from genforge.core.fill import SplitFill, label_limit
from genforge.core.splits import SplitSpec
from genforge.core.writer import SplitWriter

SIZES = {"train": 400, "validation": 40, "SS": 100, "LS": 100, "SL": 100, "LL": 100}


def top_shares(folder: Path) -> dict[str, tuple[int, int]]:
    """split -> (records of its most common result, records)."""
    shares = {}
    for split in SIZES:
        targets = Counter(json.loads(line)["target"] for line in open(folder / f"{split}.jsonl"))
        shares[split] = (targets.most_common(1)[0][1], sum(targets.values()))
    return shares


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_no_result_exceeds_the_cap_exactly_in_any_split(tmp_path, seed):
    genforge.generate("hint", tmp_path, sizes=SIZES, seed=seed)
    for split, (top, size) in top_shares(tmp_path / "hint").items():
        assert size == SIZES[split]
        assert top / size <= 0.05, (seed, split, top, size)


def test_a_tighter_cap_is_held_exactly(tmp_path):
    genforge.generate("hint", tmp_path, sizes=SIZES, seed=4, params={"result_share_cap": 0.03})
    for split, (top, size) in top_shares(tmp_path / "hint").items():
        assert top <= max(1, int(0.03 * size)), (split, top, size)


def test_the_capped_bytes_are_the_same_with_one_and_two_workers(tmp_path):
    genforge.generate("hint", tmp_path / "one", sizes=SIZES, seed=1, workers=1)
    genforge.generate("hint", tmp_path / "two", sizes=SIZES, seed=1, workers=2)
    assert folder_bytes(tmp_path / "one" / "hint") == folder_bytes(tmp_path / "two" / "hint")


class Interrupted(Exception):
    keeps_staging = True  # stops the run as a kill would: the staging folder stays for --resume


@pytest.mark.parametrize("split, at", [("SS", 6), ("train", 2)])
def test_a_resumed_capped_split_recounts_its_labels(tmp_path, monkeypatch, split, at):
    sizes = {**SIZES, "SS": 300, "train": 400}
    # A tight cap, so that it binds after the resume point (without the recount the bytes differ).
    params = {"result_share_cap": 0.02}
    genforge.generate("hint", tmp_path / "plain", sizes=sizes, seed=2, params=params)
    # Checkpoint after every block, and stop the run inside the split after its block number `at`.
    monkeypatch.setattr(engine, "checkpoint_due", lambda blocks: True)
    original, calls = SplitFill._take, []

    def take_then_stop(self, block):
        original(self, block)
        calls.append(self.split.name)
        if calls.count(split) == at:
            raise Interrupted

    monkeypatch.setattr(SplitFill, "_take", take_then_stop)
    with pytest.raises(Interrupted):
        genforge.generate("hint", tmp_path / "resumed", sizes=sizes, seed=2, params=params)
    monkeypatch.setattr(SplitFill, "_take", original)
    notes: list[str] = []
    genforge.generate("hint", tmp_path / "resumed", sizes=sizes, seed=2, params=params, resume=True, note=notes.append)
    assert any(f"resuming split '{split}' at record" in note for note in notes), notes
    assert folder_bytes(tmp_path / "resumed" / "hint") == folder_bytes(tmp_path / "plain" / "hint")
    targets = Counter(json.loads(line)["target"] for line in open(tmp_path / "resumed" / "hint" / f"{split}.jsonl"))
    assert targets.most_common(1)[0][1] <= 0.02 * sizes[split]


# -- the engine rule on its own ---------------------------------------------------------------------


def test_label_limit_is_the_floor_of_cap_times_size_and_at_least_one():
    assert label_limit(0.05, 2000) == 100
    assert label_limit(0.29, 100) == 29  # 0.29 * 100 is 28.999... in floating point
    assert label_limit(0.05, 10) == 1  # a split smaller than 1 / cap holds each label once
    assert label_limit(0.05, None) is None and label_limit(None, 100) is None


def test_a_capped_split_skips_records_whose_label_is_full(tmp_path):
    labels = ["a", "a", "b", "a", "c", "a", "b", "b"]
    block = pack([(bytes([i]) * 16, b'"n":%d}' % i) for i in range(len(labels))], labels)
    split = SplitSpec("x", 4, "capped", label_cap=0.5)
    writer = SplitWriter(tmp_path, "x", None)
    fill = SplitFill(task="t", split=split, size=4, writer=writer, seen=DigestStore(tmp_path / "spill"),
                     allow_repeats=False, labels=Counter())
    fill.run(iter([block]))
    (entry,) = writer.close()
    kept = [json.loads(line)["n"] for line in open(tmp_path / entry["name"])]
    assert kept == [0, 1, 2, 4]  # the third "a" is skipped: 2 = 0.5 * 4 already written
    assert fill.labels == Counter({"a": 2, "b": 1, "c": 1})
