"""Dedup within a memory budget (issue 24): spilled digests give the bytes of an unbounded run.

A budget of 1 MiB (the least allowed) holds about 6,800 recent digests, so a
train split of 20,000 records spills several sorted runs to the staging
folder and the later splits are checked against them.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import genforge
from genforge.core import digests as digests_module
from genforge.core import fill as fill_module
from genforge.core.digests import DigestStore, parse_budget
from genforge.core.errors import UsageError
from test_reliability_fuzz import refused

TASK = "addition"
SIZES = {"train": 20000, "validation": 1500, "test_id": 500, "test_ood_length": 500}
TINY = "1M"


def folder_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def unbounded(tmp_path_factory):
    out = tmp_path_factory.mktemp("unbounded")
    genforge.generate(TASK, out, sizes=SIZES, memory_budget="8G")
    return folder_bytes(out / TASK)


@pytest.fixture
def spills(monkeypatch):
    """Counts the runs spilled to disk."""
    counted = []
    original = DigestStore._spill

    def counting(store):
        counted.append(len(store.recent))
        original(store)

    monkeypatch.setattr(DigestStore, "_spill", counting)
    return counted


def test_a_tiny_budget_spills_and_gives_the_bytes_of_an_unbounded_run(tmp_path, unbounded, spills):
    genforge.generate(TASK, tmp_path, sizes=SIZES, memory_budget=TINY)
    assert len(spills) >= 2
    assert folder_bytes(tmp_path / TASK) == unbounded
    assert not any(p.name == ".spill" for p in (tmp_path / TASK).iterdir())


def test_repeats_allowed_with_a_tiny_budget_give_the_same_bytes(tmp_path, spills, monkeypatch):
    monkeypatch.setattr(digests_module, "RECENT_BYTES", 1400)  # about 680 recent digests: a few thousand spill
    sizes = {"train": 9000, "validation": 300, "test_id": 300, "test_ood_length": 300}
    params = {"train_digits_max": 2}  # 8,100 inputs at most: repeats in train, and later splits disjoint from it
    genforge.generate(TASK, tmp_path / "big", sizes=sizes, params=params, allow_repeats=True, memory_budget="8G")
    genforge.generate(TASK, tmp_path / "tiny", sizes=sizes, params=params, allow_repeats=True, memory_budget=TINY)
    assert spills
    assert folder_bytes(tmp_path / "tiny" / TASK) == folder_bytes(tmp_path / "big" / TASK)


class _Stop(Exception):
    keeps_staging = True  # as a killed worker: the staging folder stays for --resume


def test_a_run_stopped_after_spilling_resumes_to_the_unbounded_bytes(tmp_path, unbounded, spills, monkeypatch):
    original, calls = fill_module.SplitFill._take, []

    def stopping(fill, block):
        calls.append(fill.split.name)
        if calls.count("train") == 70:  # after the checkpoint at block 64 and two spills
            raise _Stop("stopped mid-split")
        original(fill, block)

    monkeypatch.setattr(fill_module.SplitFill, "_take", stopping)
    with pytest.raises(_Stop):
        genforge.generate(TASK, tmp_path, sizes=SIZES, memory_budget=TINY)
    monkeypatch.setattr(fill_module.SplitFill, "_take", original)
    (staging,) = [p for p in tmp_path.iterdir() if p.name.startswith(f".{TASK}.partial-")]
    assert spills
    # A SIGKILL leaves the spilled runs behind; the resumed run rebuilds them from the digest logs.
    (staging / ".spill").mkdir(exist_ok=True)
    (staging / ".spill" / "run-00000.bin").write_bytes(os.urandom(64))
    spilled_before = len(spills)
    notes = []
    genforge.generate(TASK, tmp_path, sizes=SIZES, memory_budget=TINY, resume=True, note=notes.append)
    assert any("resuming split 'train'" in note and "(block 64)" in note for note in notes), notes
    assert len(spills) > spilled_before
    assert folder_bytes(tmp_path / TASK) == unbounded


def test_the_store_answers_exactly_across_spills(tmp_path):
    rng = np.random.default_rng(0)
    store = DigestStore(tmp_path / "spill", budget=1 << 20, capacity=1000)
    added = [rng.bytes(16) for _ in range(20000)]
    for start in range(0, len(added), 256):
        store.add(added[start:start + 256])
    assert store.runs and len(store) == len(added)
    # Half known (some in runs, some recent), half new; also a digest sharing a known one's first 8 bytes.
    probes = added[::40] + [rng.bytes(16) for _ in range(500)] + [added[3][:8] + bytes(8)]
    expected = [p in set(added) for p in probes]
    assert store.held(probes) == expected
    assert store.isdisjoint(probes[-501:])
    assert not store.isdisjoint(probes[:1])
    store.close()
    assert not (tmp_path / "spill").exists() and len(store) == 0


@pytest.mark.parametrize("text", ["0", "10k", "lots", "-5G", "1.5T", "nanM", ""])
def test_a_bad_memory_budget_exits_2_naming_the_option(tmp_path, text):
    message = refused(["generate", TASK, "--out", tmp_path, "--size", "train=10", "--memory-budget", text])
    assert f"memory budget = {text!r} is not allowed" in message and "at least 1M" in message
    assert not (tmp_path / TASK).exists()


def test_budget_sizes_are_read_with_their_units():
    assert parse_budget("512M") == 512 << 20
    assert parse_budget("2G") == parse_budget("2GiB") == 2 << 30
    assert parse_budget(1 << 20) == 1 << 20
    with pytest.raises(UsageError):
        parse_budget(True)
    assert digests_module.DEFAULT_BUDGET == 512 << 20


def test_more_digests_than_expected_get_filters_that_still_rule_out_new_ones(tmp_path):
    rng = np.random.default_rng(1)
    store = DigestStore(tmp_path / "spill", budget=1 << 20, capacity=10)  # sized for the 65,536 minimum
    for _ in range(400):
        raw = rng.bytes(16 * 1024)
        store.add([raw[i:i + 16] for i in range(0, len(raw), 16)])
    assert len(store.runs) >= 50 and len(store.blooms) >= 5
    fresh = rng.bytes(16 * 10000)
    first, second = np.frombuffer(fresh, dtype="<u8").reshape(-1, 2).T
    maybe = np.zeros(10000, dtype=bool)
    for bloom in store.blooms:
        maybe |= bloom.may_hold(first.copy(), second.copy())
    assert maybe.mean() < 0.02  # each filter holds at most 1.25 times what it was sized for
    store.close()


def test_probe_splits_that_repeat_train_on_purpose_give_the_same_bytes_when_spilled(tmp_path, spills, monkeypatch):
    """A probe split is checked only against itself, in a store of its own (spilled here too)."""
    params = {"entities": 60, "relations": 12, "out_degree": 6, "ood_share": 0.2, "phi": 2.0}
    genforge.generate("two_hop", tmp_path / "big", sizes={"test_id": 20, "test_ood": 10}, params=params, seed=2)
    monkeypatch.setattr(digests_module, "RECENT_BYTES", 1 << 20)
    monkeypatch.setattr(digests_module, "MIN_RECENT", 16)  # 16 recent digests: every split spills
    genforge.generate("two_hop", tmp_path / "tiny", sizes={"test_id": 20, "test_ood": 10}, params=params, seed=2,
                      memory_budget=TINY)
    assert len(spills) >= 2
    manifest = (tmp_path / "tiny" / "two_hop" / "manifest.json").read_text()
    assert '"probe_of"' in manifest
    assert folder_bytes(tmp_path / "tiny" / "two_hop") == folder_bytes(tmp_path / "big" / "two_hop")


def test_a_small_space_is_refused_up_front_or_stops_with_the_count_reached_when_spilled(tmp_path, spills, monkeypatch):
    from genforge.core.errors import InfeasibleError

    monkeypatch.setattr(digests_module, "RECENT_BYTES", 1 << 20)
    monkeypatch.setattr(digests_module, "MIN_RECENT", 16)
    params = {"train_digits_max": 1}  # 100 inputs
    with pytest.raises(InfeasibleError, match="the space holds only 100"):
        genforge.generate(TASK, tmp_path, sizes={"train": 101}, params=params, memory_budget=TINY)
    # The split stops with the count reached, the same with or without spilled runs.
    messages = []
    for budget in ("8G", TINY):
        with pytest.raises(InfeasibleError, match=r"only \d+ distinct examples found") as caught:
            genforge.generate(TASK, tmp_path, sizes={"train": 100, "validation": 0, "test_id": 0}, params=params,
                              memory_budget=budget)
        messages.append(str(caught.value))
    assert spills and messages[0] == messages[1]
    assert not (tmp_path / TASK).exists()
