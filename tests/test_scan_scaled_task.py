"""Task ``scan_scaled``: data factors as parameters, every plan's promise, the oracle, golden bytes."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import genforge
from genforge.core.errors import InfeasibleError, ParameterError
from genforge.core.rng import RandomStream
from genforge.core.spec import resolve_spec
from genforge.generators.scan_grammar import LEXICONS
from genforge.tasks.registry import get_task
from genforge.tasks.scan_export import write_original_format

TASK = get_task("scan_scaled")


def run(tmp_path: Path, plan: str, sizes: dict, **params) -> dict[str, list[dict]]:
    manifest = genforge.generate("scan_scaled", tmp_path, split_plan=plan, sizes=sizes, params=params)
    folder = tmp_path / "scan_scaled"
    return {f["split"]: [json.loads(line) for line in (folder / f["name"]).read_text("utf-8").splitlines()]
            for f in manifest["files"]}


def words(record) -> list[str]:
    return record["input"].split()


def test_simple_plan_mixes_the_domains_and_the_oracle_agrees(tmp_path):
    splits = run(tmp_path, "simple", {"train": 300, "test_id": 100})
    assert [len(v) for v in splits.values()] == [300, 100]
    assert not {r["input"] for r in splits["train"]} & {r["input"] for r in splits["test_id"]}
    assert {r["meta"]["domain"] for r in splits["train"]} == set(LEXICONS)
    for record in splits["train"] + splits["test_id"]:
        assert TASK.solve(None, record["input"]) == record["target"]
        assert record["meta"]["complexity"]["output_length"] == len(record["target"].split())


def test_domains_use_their_own_action_tokens(tmp_path):
    splits = run(tmp_path, "simple", {"train": 200, "test_id": 0})
    prefixes = {"navigation": "I_", "kitchen": "K_", "music": "M_"}
    for record in splits["train"]:
        assert all(token.startswith(prefixes[record["meta"]["domain"]]) for token in record["target"].split())


def test_length_plan_cuts_at_the_cutoff(tmp_path):
    splits = run(tmp_path, "length", {"train": 200, "test_ood_length": 100}, length_cutoff=30, max_conjunctions=3)
    assert max(len(r["target"].split()) for r in splits["train"]) <= 30
    assert min(len(r["target"].split()) for r in splits["test_ood_length"]) > 30


def test_huge_variant_has_many_conjunctions_and_long_outputs(tmp_path):
    splits = run(tmp_path, "simple", {"train": 100, "test_id": 0}, min_conjunctions=4, max_conjunctions=8,
                 domains=["navigation"])
    conjunctions = [r["meta"]["complexity"]["conjunctions"] for r in splits["train"]]
    assert min(conjunctions) >= 4 and max(conjunctions) <= 8
    assert max(r["meta"]["complexity"]["output_length"] for r in splits["train"]) >= 100


def test_more_verbs_and_directions_bring_numbered_words(tmp_path):
    splits = run(tmp_path, "simple", {"train": 400, "test_id": 0}, n_verbs=12, n_directions=4, n_repetitions=4,
                 domains=["navigation"])
    vocabulary = Counter(w for r in splits["train"] for w in words(r))
    assert {"walk2", "jump2", "left1", "right1", "times4", "times5"} <= set(vocabulary)
    assert "walk3" not in vocabulary and "left2" not in vocabulary and "times6" not in vocabulary
    assert any("I_JUMP2" in r["target"].split() for r in splits["train"])


@pytest.mark.parametrize("domains", [["navigation"], ["kitchen", "music"]])
def test_addprim_holds_the_verb_out_of_compositions(tmp_path, domains):
    splits = run(tmp_path, "addprim", {"train": 500, "test_ood_primitive": 100}, domains=domains, held_out_verb=1)
    bare = {d: LEXICONS[d].verbs[1] for d in domains}
    counts = Counter(r["input"] for r in splits["train"])
    assert sum(counts[b] for b in bare.values()) == 50  # exactly 10% of the lines
    for record in splits["train"]:
        verb = bare[record["meta"]["domain"]]
        assert record["input"] == verb or verb not in words(record)
        assert record["input"] == verb or counts[record["input"]] == 1
    for record in splits["test_ood_primitive"]:
        verb = bare[record["meta"]["domain"]]
        assert verb in words(record) and record["input"] != verb


def test_addprim_train_fails_cleanly_when_the_space_runs_out(tmp_path):
    with pytest.raises(InfeasibleError, match="only"):
        run(tmp_path, "addprim", {"train": 40, "test_ood_primitive": 1}, domains=["navigation"], n_verbs=1,
            n_directions=1, n_repetitions=0, max_conjunctions=0, held_out_verb=0)


def _has(record, phrase: str) -> bool:
    text = f" {record['input']} "
    return f" {phrase} " in text


@pytest.mark.parametrize("params, primitive_forms, turn_form", [
    ({}, [f"{v} around right" for v in ("walk", "look", "run", "jump")], "turn around right"),
    ({"template_verb": 3}, ["jump around right"], "turn around right"),
    ({"template_modifier": "none", "template_direction": 0},
     [f"{v} left" for v in ("walk", "look", "run", "jump")], "turn left"),
])
def test_template_plan_keeps_the_template_out_of_train(tmp_path, params, primitive_forms, turn_form):
    splits = run(tmp_path, "template", {"train": 300, "test_ood_template": 100}, domains=["navigation"], **params)
    for record in splits["train"]:
        assert not any(_has(record, form) for form in primitive_forms) and not _has(record, turn_form)
    for record in splits["test_ood_template"]:
        assert any(_has(record, form) for form in primitive_forms) and not _has(record, turn_form)


def test_template_plan_works_in_every_lexicon(tmp_path):
    splits = run(tmp_path, "template", {"train": 100, "test_ood_template": 60}, domains=["kitchen"])
    assert all(_has(r, "fully counterclockwise") and not _has(r, "rotate fully counterclockwise")
               for r in splits["test_ood_template"])
    assert not any(_has(r, "fully counterclockwise") for r in splits["train"])


def test_held_out_domain_is_seen_only_in_short_primer_commands(tmp_path):
    splits = run(tmp_path, "held_out_domain", {"train": 600, "test_id": 50, "test_ood_domain": 100},
                 held_out_domains=["kitchen"])
    primer = [r for r in splits["train"] if r["meta"]["domain"] == "kitchen"]
    assert primer and all(len(words(r)) <= 3 for r in primer)
    assert {r["meta"]["domain"] for r in splits["train"]} == set(LEXICONS)
    assert all(r["meta"]["domain"] != "kitchen" for r in splits["test_id"])
    assert all(r["meta"]["domain"] == "kitchen" and len(words(r)) > 3 for r in splits["test_ood_domain"])


def test_held_out_domain_defaults_to_the_last_domain():
    plan = TASK.split_plans(resolve_spec("scan_scaled").params)["held_out_domain"]
    assert "music" in plan.split("test_ood_domain").description


@pytest.mark.parametrize("params, named", [
    ({"held_out_verb": 4}, "held_out_verb"),
    ({"template_verb": 7, "n_verbs": 5}, "template_verb"),
    ({"template_direction": 2}, "template_direction"),
    ({"min_conjunctions": 3, "max_conjunctions": 2}, "min_conjunctions"),
    ({"domains": ["navigation"], "held_out_domains": ["music"]}, "held_out_domains"),
    ({"domains": ["cooking"]}, "domains"),
])
def test_bad_parameters_are_named(params, named):
    with pytest.raises(ParameterError, match=named):
        resolve_spec("scan_scaled", params=params)


def test_more_records_than_the_space_holds_fails_before_writing(tmp_path):
    with pytest.raises(InfeasibleError, match="only 7"):
        genforge.generate("scan_scaled", tmp_path, sizes={"train": 10}, params={
            "domains": ["music"], "n_verbs": 1, "n_directions": 1, "n_repetitions": 0, "max_conjunctions": 0})
    assert not (tmp_path / "scan_scaled").exists()


def test_export_works_for_scaled_folders(tmp_path):
    splits = run(tmp_path, "simple", {"train": 10, "test_id": 5})
    paths = write_original_format(tmp_path / "scan_scaled")
    lines = paths[0].read_text("utf-8").splitlines()
    assert lines == [f"IN: {r['input']} OUT: {r['target']}" for r in splits["train"]]


def test_structure_of_a_kitchen_command():
    atoms, compounds = TASK.structure({"input": "fry double then rotate reversed clockwise", "instruction": None})
    assert atoms == ["fry", "double", "then", "rotate", "reversed", "clockwise"]
    assert compounds == ["fry double", "rotate reversed clockwise", "U double then rotate reversed clockwise"]


@settings(max_examples=60, deadline=None)
@given(n_verbs=st.integers(1, 40), n_directions=st.integers(1, 8), n_repetitions=st.integers(0, 6),
       conjunctions=st.integers(0, 6), seed=st.integers(0, 2**32))
def test_every_sample_is_solved_by_the_oracle(n_verbs, n_directions, n_repetitions, conjunctions, seed):
    params = resolve_spec("scan_scaled", params={
        "n_verbs": n_verbs, "n_directions": n_directions, "n_repetitions": n_repetitions,
        "max_conjunctions": conjunctions, "held_out_verb": 0, "template_verb": -1, "template_direction": 0}).params
    rng = RandomStream.from_parts("test", seed)
    for _ in range(20):
        example = TASK.sample(rng, params)
        assert TASK.solve(None, example.input) == example.target
        assert example.meta["complexity"]["conjunctions"] <= conjunctions
        assert 0 <= TASK.difficulty(example) < 1


GOLDEN = {
    ("simple", "train.jsonl"): "a17ca7a98bad7b5accb38d50cb39a7b59e35324299175ce3095ef00995070271",
    ("simple", "test_id.jsonl"): "8feeadc3c25b7e320d430dc71131465a9370cd538e7edc5543bf424adfabe74c",
    ("addprim", "train.jsonl"): "22a1ec6d4bd039f10901ba5716fea8b7bb779efb0ff1259729e1f8c8f742c586",
    ("addprim", "test_ood_primitive.jsonl"): "f50ec6c20a308b1397e7dbca2c98b81b25423975d21c68678df414c7330bd800",
}


@pytest.mark.parametrize("plan", ["simple", "addprim"])
def test_golden_bytes(tmp_path, plan):
    """A change to these bytes needs a version bump of the task."""
    names = [name for p, name in GOLDEN if p == plan]
    test_split = names[1].removesuffix(".jsonl")
    genforge.generate("scan_scaled", tmp_path, split_plan=plan, sizes={"train": 50, test_split: 20}, seed=0)
    for name in names:
        assert hashlib.sha256((tmp_path / "scan_scaled" / name).read_bytes()).hexdigest() == GOLDEN[(plan, name)]


def test_output_does_not_depend_on_workers(tmp_path):
    one = genforge.generate("scan_scaled", tmp_path / "one", split_plan="addprim",
                            sizes={"train": 300, "test_ood_primitive": 300})
    two = genforge.generate("scan_scaled", tmp_path / "two", split_plan="addprim", workers=2,
                            sizes={"train": 300, "test_ood_primitive": 300})
    assert [f["sha256"] for f in one["files"]] == [f["sha256"] for f in two["files"]]
