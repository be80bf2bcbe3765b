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
from genforge.generators.scan_grammar import LEXICONS, Vocabulary, command_text, enumerate_commands, parse_command
from genforge.generators import scan_sampler
from genforge.core.registry import get_task
from genforge.snapshot.scan_export import write_original_format

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
    # About 1.4% of these commands have 100 actions or more: 400 records miss them with probability 0.4%.
    splits = run(tmp_path, "simple", {"train": 400, "test_id": 0}, min_conjunctions=4, max_conjunctions=8,
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
    plan = TASK.split_plans(TASK.Params.resolve())["held_out_domain"]
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
    params = TASK.Params.resolve(n_verbs=n_verbs, n_directions=n_directions, n_repetitions=n_repetitions,
                                 max_conjunctions=conjunctions, held_out_verb=0, template_verb=-1, template_direction=0)
    rng = RandomStream.from_parts("test", seed)
    for example in TASK.sample_block(rng, params, 20):
        assert TASK.solve(None, example.input) == example.target
        assert example.meta["complexity"]["conjunctions"] <= conjunctions
        assert 0 <= TASK.difficulty(example) < 1


@pytest.mark.parametrize("kept", [True, False])
@pytest.mark.parametrize("sizes, conjunctions", [((3, 2, 3), (0, 1)), ((1, 1, 0), (1, 3))])
def test_both_ways_of_drawing_build_what_the_grammar_says(monkeypatch, kept, sizes, conjunctions):
    """Kept (small spaces) or built each time, every example equals the reference build of its parse."""
    monkeypatch.setattr(scan_sampler, "CACHE_COMMANDS", 1 << 16 if kept else 0)
    scan_sampler.sampler.cache_clear()
    (n_verbs, n_directions, n_repetitions), (low, high) = sizes, conjunctions
    params = TASK.Params.resolve(n_verbs=n_verbs, n_directions=n_directions, n_repetitions=n_repetitions,
                                 min_conjunctions=low, max_conjunctions=high, domains=["kitchen", "music"],
                                 held_out_verb=0, template_verb=0, template_direction=0)
    sampler = scan_sampler.sampler(("kitchen", "music"), *sizes, low, high, None)
    assert (sampler.kept is not None) == kept
    rng = RandomStream.from_parts("reference", kept)
    examples = TASK.sample_block(rng, params, 500)
    assert {e.meta["complexity"]["conjunctions"] for e in examples} == set(range(low, high + 1))
    for example in examples:
        vocabulary = Vocabulary(LEXICONS[example.meta["domain"]], *sizes)
        reference = scan_sampler.make_example(vocabulary, parse_command(example.input, vocabulary)[1])
        assert (example.input, example.target, dict(example.meta)) == (
            reference.input, reference.target, dict(reference.meta))
    scan_sampler.sampler.cache_clear()


@pytest.mark.parametrize("kept", [True, False])
def test_both_ways_of_drawing_follow_the_documented_law(monkeypatch, kept):
    """Domain, conjunction count, clauses and conjunctions uniform: P(command with k conjunctions)
    = 1 / (domains * counts * clauses**(k + 1) * 2**k). Chi-square over the whole space of 210 commands."""
    monkeypatch.setattr(scan_sampler, "CACHE_COMMANDS", 1 << 16 if kept else 0)
    scan_sampler.sampler.cache_clear()
    params = TASK.Params.resolve(n_verbs=1, n_directions=1, n_repetitions=0, domains=["navigation", "music"],
                                 held_out_verb=0, template_verb=0, template_direction=0)
    rng = RandomStream.from_parts("law", kept)
    draws = 100_000
    counts = Counter((e.meta["domain"], e.input) for e in TASK.sample_block(rng, params, draws))
    clauses = 7  # verb phrases: walk, walk left, turn left and their opposite / around forms
    expected = {(domain, " ".join(words)): draws / (2 * 2 * clauses ** (len(conjunctions) + 1) * 2 ** len(conjunctions))
                for domain in ("navigation", "music")
                for words, conjunctions in _all_commands(LEXICONS[domain], clauses)}
    assert len(expected) == 2 * (7 + 7 * 7 * 2) and set(counts) <= set(expected)
    chi_square = sum((counts[key] - mean) ** 2 / mean for key, mean in expected.items())
    assert chi_square < 300  # 209 degrees of freedom: exceeded with probability 4e-5 under the law
    scan_sampler.sampler.cache_clear()


def _all_commands(lexicon, clauses):
    vocabulary = Vocabulary(lexicon, 1, 1, 0)
    for command in enumerate_commands(vocabulary, 0, 1):
        yield command_text(vocabulary, command).split(), command.conjunctions


GOLDEN = {
    ("simple", "train.jsonl"): "9f452ab18de5af35a12a9f0408021840edf6d8143bb3a019c5fc9ff9829a67d9",
    ("simple", "test_id.jsonl"): "4f8a98aab59024c1394c5dbdce91e1c58f2d9c2c571cc613d44d99ab51e851d5",
    ("addprim", "train.jsonl"): "fae4805ae152a808b4f656ca065e5c901a4d5b24d61c68b363e869a3387c4385",
    ("addprim", "test_ood_primitive.jsonl"): "1bd688549197d38a208e8bbe9d66f1eb357daef4a050a3dd37b4afc9ccca233d",
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
