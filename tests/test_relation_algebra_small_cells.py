"""relation_algebra: a training cell small enough to list is partitioned exactly, not by hash bucket.

At k = 2 and one branch, an RCC-8 cell holds a few dozen graphs: hash buckets left test_id empty (the run
failed) and validation with 3 of the 8 targets. Listed, every graph lands in exactly one of train,
validation and test_id, and train holds every target.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from itertools import product

import pytest

import genforge
from genforge.core.errors import InfeasibleError
from genforge.core.records import Example
from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.generators.relation_algebra_examples import (LISTING_LIMIT, listing_candidates,
                                                           stratified_partition)

TASK = get_task("relation_algebra")
SMALL_CELL = {"train_k_min": 2, "train_k_max": 2, "train_branches_min": 1, "train_branches_max": 1}
SPLITS = ("train", "validation", "test_id")


def single_relation_chains(algebra):
    """(r1, r2) -> r for every two-edge chain whose composition is one relation, read off the table file."""
    document = json.loads(resources.files("genforge").joinpath(f"data/relation_algebra/{algebra}.json")
                          .read_text("utf-8"))
    composition = document["composition"]
    return {(a, b): composition[a][b][0] for a, b in product(document["relations"], repeat=2)
            if len(composition[a][b]) == 1}


def chain_of(record):
    """(r1, r2) of a one-branch, two-edge graph, whatever its line order and node names."""
    edges = {int(u): (relation, int(v)) for u, relation, v in (line.split() for line in
                                                               record["input"].splitlines()[:-1])}
    first, middle = edges[0]
    return first, edges[middle][0]


def read(folder, split):
    with open(folder / "relation_algebra" / f"{split}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module", params=["rcc8", "interval"])
def small_run(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    # Default sizes everywhere: the listed splits hold their whole part, the OOD splits are sampled as before.
    manifest = genforge.generate("relation_algebra", folder, params={**SMALL_CELL, "algebra": request.param})
    return request.param, folder, manifest


def test_every_split_is_generated_and_the_listed_ones_partition_every_graph(small_run):
    algebra, folder, manifest = small_run
    assert [entry["name"] for entry in manifest["splits"]] == [*SPLITS, "test_ood_length", "test_ood_branches"]
    expected = single_relation_chains(algebra)
    where = {}
    for split in SPLITS:
        records = read(folder, split)
        assert records, f"{split} is empty"
        for record in records:
            chain = chain_of(record)
            assert chain not in where, f"{chain} is in {where.get(chain)} and {split}"
            where[chain] = split
            assert record["target"] == expected[chain]
    assert set(where) == set(expected)


def test_train_holds_every_target_and_the_shares_are_about_80_10_10(small_run):
    algebra, folder, _ = small_run
    targets = {split: Counter(record["target"] for record in read(folder, split)) for split in SPLITS}
    assert set(targets["train"]) == set(single_relation_chains(algebra).values())
    total = sum(sum(counts.values()) for counts in targets.values())
    for split, share in zip(SPLITS, (0.8, 0.1, 0.1)):
        assert abs(sum(targets[split].values()) / total - share) < 0.1


def test_a_larger_request_than_the_part_is_refused_with_the_largest_possible(tmp_path):
    with pytest.raises(InfeasibleError, match=r"only 24 distinct examples .* at most 24"):
        genforge.generate("relation_algebra", tmp_path, params=SMALL_CELL, sizes={"train": 1000}, split_plan="iid")


def test_listing_is_the_same_on_two_workers(tmp_path):
    one = genforge.generate("relation_algebra", tmp_path / "one", params={**SMALL_CELL, "algebra": "interval"},
                            split_plan="iid")
    two = genforge.generate("relation_algebra", tmp_path / "two", params={**SMALL_CELL, "algebra": "interval"},
                            split_plan="iid", workers=2)
    assert [f["sha256"] for f in one["files"]] == [f["sha256"] for f in two["files"]]


@pytest.mark.parametrize("params, listed", [
    ({}, False),  # the defaults: k 2..4, 1..3 branches, some 10^10 candidate graphs: sampled, bytes unchanged
    ({"train_k_max": 2, "train_branches_max": 3}, True),  # RCC-8, k = 2: 64 + 2,080 + 45,760 candidates
    ({"train_k_max": 2, "train_branches_max": 3, "algebra": "interval"}, False),  # 169 chains: 818,805 for b = 3
    ({"train_k_max": 2, "train_branches_max": 1, "algebra": "kinship"}, False),  # walks in a family: sampled
    ({"train_k_min": 5, "train_k_max": 5, "train_branches_max": 1, "test_k_max": 6}, False),  # may nest at k >= 5
    ({"train_k_min": 5, "train_k_max": 5, "train_branches_max": 1, "test_k_max": 6, "nest_share": 0.0},
     True),  # the same cell flat: 8^5 = 32,768 chains
])
def test_which_training_cells_are_listed(params, listed):
    plan = TASK.split_plans(TASK.Params.resolve(params))["iid"]
    assert all((split.source == "enumerate") == listed for split in plan.splits)


def test_candidate_count_is_multisets_of_chains_per_cell():
    # RCC-8 has 8 edge relations: 8^2 chains of k = 2; b = 2 branches choose a multiset of 2 of them.
    assert listing_candidates("rcc8", 2, 2, 1, 2) == 64 + 64 * 65 // 2
    assert listing_candidates("rcc8", 2, 3, 1, 1) == 64 + 512
    assert listing_candidates("interval", 2, 2, 3, 3) > LISTING_LIMIT


def test_stratified_partition_puts_one_of_each_target_in_train_and_loses_nothing():
    examples = [Example(None, f"input {i}", f"t{i % 7}", {}) for i in range(7)]
    examples += [Example(None, f"more {i}", "t0", {}) for i in range(40)]
    parts = stratified_partition(RandomStream.from_parts("partition"), examples, (8, 1, 1))
    assert sorted(e.input for part in parts for e in part) == sorted(e.input for e in examples)
    assert {e.target for e in parts[0]} == {f"t{i}" for i in range(7)}
    assert [len(part) for part in parts] == [39, 4, 4]
