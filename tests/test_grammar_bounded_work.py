"""Bounded work in the grammar family: work follows the size asked, or the request is refused up front.

Each case here once ran for minutes or gigabytes (issue 14) or would have; the
tests use small sizes and count the work done instead of timing it.
"""

from __future__ import annotations

import json

import pytest

import genforge
from genforge.core.errors import ParameterError
from genforge.core.registry import get_task
from genforge.generators import scan_sampler
from genforge.tasks.families.scan import StreamListing

SCAN_SCALED = get_task("scan_scaled")
BARE_VERBS = ("jump", "fry", "clap")  # the default held-out verb of each lexicon


def _addprim_train(params):
    plan = SCAN_SCALED.split_plans(params)["addprim"]
    return SCAN_SCALED.enumerate_split(params, plan, plan.split("train"), 0)


def test_a_stream_listing_lists_only_what_is_read():
    pulled = []

    def numbers():
        for n in range(10):
            pulled.append(n)
            yield n

    listing = StreamListing(numbers())
    assert listing[0:3] == [0, 1, 2] and pulled == [0, 1, 2]
    assert listing[8:20] == [8, 9] and listing[20:30] == []
    assert len(listing) == 10 and listing[-1] == 9


@pytest.mark.parametrize("grammar", [
    {"max_conjunctions": 2},  # the issue's first case: past 200 s and 2.4 GB for 200 records
    {"n_verbs": 10, "n_directions": 3, "n_repetitions": 4, "max_conjunctions": 3},  # 15.7 GB after 17 minutes
])
def test_the_addprim_train_stream_draws_about_what_is_read(monkeypatch, grammar):
    draws = []
    real_draw = scan_sampler.Sampler.draw
    monkeypatch.setattr(scan_sampler.Sampler, "draw",
                        lambda self, rng, count: draws.append(count) or real_draw(self, rng, count))
    listing = _addprim_train(SCAN_SCALED.Params.resolve(grammar))
    first = listing[0:256]
    assert len(first) == 256 and sum(draws) < 1_000  # the held-out verb is in a minority of commands
    assert sum(e.input in BARE_VERBS for e in first) == 25  # 10% of any prefix is the bare verb


def test_the_issue_request_finishes_with_the_size_asked(tmp_path):
    manifest = genforge.generate("scan_scaled", tmp_path, split_plan="addprim", sizes={
        "train": 200, "test_ood_primitive": 20}, params={"max_conjunctions": 2})
    assert [f["records"] for f in manifest["files"]] == [200, 20]


def test_a_listed_addprim_train_is_the_same_whatever_the_workers(tmp_path):
    """Each worker reads the stream from its start: the bytes must not depend on who wrote which block."""
    params = {"n_verbs": 10, "max_conjunctions": 3}
    sizes = {"train": 700, "test_ood_primitive": 10}
    one = genforge.generate("scan_scaled", tmp_path / "one", split_plan="addprim", sizes=sizes, params=params)
    two = genforge.generate("scan_scaled", tmp_path / "two", split_plan="addprim", sizes=sizes, params=params,
                            workers=2)
    assert [f["sha256"] for f in one["files"]] == [f["sha256"] for f in two["files"]]
    train = (tmp_path / "one" / "scan_scaled" / "train.jsonl").read_text("utf-8").splitlines()
    assert sum(json.loads(line)["input"] in BARE_VERBS for line in train) == 70
