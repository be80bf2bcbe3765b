"""relation_algebra's audit declarations: the label shortcut probe, its declared expectation on the faithful
plans, the balanced option that removes it, and the nuisance features (issue 15, item 7)."""

import json

import pytest

import genforge
from genforge.core.registry import get_task

TASK = get_task("relation_algebra")
SIZES = {"train": 400, "validation": 20, "test_id": 150, "test_ood_length": 150, "test_ood_branches": 150}
SMALL = {"test_k_max": 7, "test_branches_max": 5}


def generate(tmp_path, **params):
    genforge.generate("relation_algebra", tmp_path, params={**SMALL, **params}, sizes=SIZES)
    folder = tmp_path / "relation_algebra"
    return {split: [json.loads(line) for line in (folder / f"{split}.jsonl").open(encoding="utf-8")]
            for split in SIZES}


@pytest.fixture(scope="module")
def faithful(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("faithful"))


def probe_scores(records, params):
    probe = next(p for p in TASK.shortcut_probes(TASK.Params.resolve(params)) if p.name == "most_frequent_edge_label")
    predict = probe.fit(records["train"])
    return {split: sum(predict(r) == r["target"] for r in rs) / len(rs) for split, rs in records.items()}


def test_most_frequent_edge_label_probe_finds_the_published_shortcut(faithful):
    scores = probe_scores(faithful, SMALL)
    # Issue 15: 0.60 on train and 0.63 on the more-branches test (majority class 0.08-0.14).
    assert scores["train"] > 0.5 and scores["test_ood_branches"] > 0.5


def test_faithful_plans_declare_the_probe_expected_with_the_reason():
    plans = TASK.split_plans(TASK.Params.resolve({}))
    for plan in plans.values():
        assert "EpiGNN" in plan.expected_probes["most_frequent_edge_label"]
    balanced = TASK.split_plans(TASK.Params.resolve({"label_shortcut": "balanced"}))
    assert all("most_frequent_edge_label" not in plan.expected_probes for plan in balanced.values())


def test_balanced_option_brings_the_probe_to_chance(tmp_path):
    records = generate(tmp_path, label_shortcut="balanced")
    scores = probe_scores(records, {**SMALL, "label_shortcut": "balanced"})
    # Chance: one of 8 RCC-8 relations (0.125); 150 records leave some noise.
    assert max(scores.values()) < 0.25
    for split, rows in records.items():
        if len(rows) >= 100:
            assert len({r["target"] for r in rows}) == 8, split  # still every relation as a target
        for r in rows[:40]:
            assert TASK.solve(r["instruction"], r["input"]) == r["target"]


def test_nuisance_features_describe_the_graph():
    record = {"input": "0 EQ 1\n1 DC 3\n0 DC 2\n2 EC 3\nquery: 0 ? 3", "target": "DC",
              "meta": {"complexity": {"k": 2, "branches": 2, "edges": 4, "nodes": 4, "nested": 0}}}
    features = TASK.nuisance_features(record)
    assert features["k"] == 2 and features["branches"] == 2 and features["edges"] == "3-4"
    assert features["nested"] == 0 and features["answer"] == "DC"
    assert features["identity_share"] == 0.2  # one EQ edge of four, rounded to tenths
    assert features["target_is_top_label"] is True and features["target_on_source_edge"] is True


def test_splits_name_the_features_their_shift_moves():
    plan = TASK.split_plans(TASK.Params.resolve({}))["systematic"]
    assert {"k", "edges", "nested", "identity_share"} <= set(plan.split("test_ood_length").moves)
    assert {"branches", "edges"} <= set(plan.split("test_ood_branches").moves)
    assert plan.split("test_id").moves == ()


def test_canonical_key_equates_renamed_and_reordered_graphs():
    instruction = "i"
    one = "0 EQ 1\n1 DC 3\n0 PO 2\n2 EC 3\nquery: 0 ? 3"
    renamed = "0 PO 1\n0 EQ 2\n1 EC 3\n2 DC 3\nquery: 0 ? 3"
    other = "0 EQ 1\n1 EC 3\n0 PO 2\n2 DC 3\nquery: 0 ? 3"  # the labels paired differently: another graph
    assert TASK.canonical_key(instruction, one) == TASK.canonical_key(instruction, renamed)
    assert TASK.canonical_key(instruction, one) != TASK.canonical_key(instruction, other)
    nested = "0 EQ 1\n1 DC 2\n1 EC 3\n3 EQ 2\n2 PO 4\nquery: 0 ? 4"
    flat = "0 EQ 1\n1 DC 2\n2 PO 4\n0 EQ 3\n3 EC 5\n5 EQ 6\n6 PO 4\nquery: 0 ? 4"
    assert TASK.canonical_key(instruction, nested) != TASK.canonical_key(instruction, flat)


def test_no_test_graph_is_a_train_graph_renamed(faithful):
    records = faithful
    keys = {TASK.canonical_key(r["instruction"], r["input"]) for r in records["train"]}
    for split in ("validation", "test_id", "test_ood_length", "test_ood_branches"):
        # Before: 345 of 1,000 test_id graphs were train graphs with other node names or line order.
        assert not any(TASK.canonical_key(r["instruction"], r["input"]) in keys for r in records[split]), split


def test_sampled_examples_key_is_the_canonical_key():
    params = TASK.Params.resolve({"test_k_max": 7})
    from genforge.core.rng import RandomStream
    from genforge.generators import relation_algebra_examples
    for cell in ({}, {"k_min": 6, "k_max": 7}):
        examples = relation_algebra_examples.sample_block(RandomStream.from_parts("key"), params.for_split(cell, 0), 30)
        for example in filter(None, examples):
            assert example.key() == TASK.canonical_key(example.instruction, example.input)
