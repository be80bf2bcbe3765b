"""cogs: the construction mix of the generalization categories against train's (issue 15 audit finding:
24% of test_ood_lexical sentences embed a CP, 9% of train's), and the features the audit compares."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import genforge
from genforge.core.registry import get_task
from genforge.core.spec import resolve_spec
from genforge.generators.cogs import lexicon as classes
from genforge.generators.cogs.lexicon import cogs_lexicon

SMALL = {"train_size": 2000, "validation_size": 100, "test_size": 300, "generalization_size": 150}
#: COGS 3.5: a noun tested as the subject of a one-argument frame (no object, no PP site).
ONE_ARGUMENT = {"only_seen_as_transitive_subj_as_unacc_subj", "only_seen_as_unacc_subj_as_unerg_subj",
                "only_seen_as_unacc_subj_as_obj_omitted_transitive_subj"}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cogs")
    manifest = genforge.generate("cogs", folder, params=SMALL)
    return {entry["split"]: [json.loads(line) for line in (folder / "cogs" / entry["name"]).open()]
            for entry in manifest["files"]}


def cp_share(records):
    return sum(r["meta"]["complexity"]["cp_depth"] > 0 for r in records) / len(records)


def test_lexical_categories_with_room_embed_cps_as_often_as_train(records):
    train = cp_share([r for r in records["train"] if r["meta"]["category"] == "in_distribution"])
    by_category: dict[str, list] = {}
    for record in records["test_ood_lexical"]:
        by_category.setdefault(record["meta"]["category"], []).append(record)
    assert len(by_category) == 18
    for category, rows in by_category.items():
        if category not in ONE_ARGUMENT:
            assert abs(cp_share(rows) - train) < 0.07, category


def test_one_argument_categories_hold_only_40_sentences_without_a_cp(records):
    # 2 determiners x 20 verbs of the class: 1,000 distinct sentences (COGS's count per category) must embed.
    lexicon = cogs_lexicon()
    assert len(lexicon.verbs_of(classes.UNERGATIVE)) == len(lexicon.verbs_of(classes.OBJECT_OMISSIBLE)) == 20
    for category in ONE_ARGUMENT:
        rows = [r for r in records["test_ood_lexical"] if r["meta"]["category"] == category]
        plain = {r["input"] for r in rows if r["meta"]["complexity"]["cp_depth"] == 0}
        assert len(plain) <= 40


def test_the_plan_declares_the_cp_shift_with_its_reason_and_what_each_split_moves():
    plan = resolve_spec("cogs").plan()
    for feature in ("has_cp", "complexity.cp_depth"):
        assert "40" in plan.expected_shifts[feature] and "3.5" in plan.expected_shifts[feature]
    assert "frame" in plan.split("test_ood_lexical").moves and "domain" in plan.split("test_ood_lexical").moves
    assert "complexity.*" in plan.split("test_ood_structural").moves
    assert not plan.split("test_id").moves


def test_nuisance_features_read_the_sentence(records):
    task = get_task("cogs")
    assert task.nuisance_features({"input": "Emma said that the hippo slept .", "target": ""}) == {
        "frame": "intrans_agent", "has_cp": True, "has_pp": False, "subject": "common"}
    assert task.nuisance_features({"input": "Emma slept .", "target": ""})["subject"] == "name"
    assert task.nuisance_features({"input": "hedgehog", "target": ""})["frame"] == "primitive"
    train = Counter(task.nuisance_features(r)["frame"] for r in records["train"])
    test = Counter(task.nuisance_features(r)["frame"] for r in records["test_id"])
    total_train, total_test = sum(train.values()), sum(test.values())
    tv = sum(abs(train[f] / total_train - test[f] / total_test) for f in set(train) | set(test)) / 2
    assert tv < 0.15
