"""Task ``scan``: the published split sizes, each split's promise, the oracle, export and golden bytes."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import genforge
from genforge.core.errors import UsageError
from genforge.core.registry import get_task
from genforge.cli_snapshot import export_scan_command
from genforge.snapshot.scan_export import write_original_format

PUBLISHED = {
    "simple": {"train": 16_728, "test_id": 4_182},
    "simple_random": {"train": 16_728, "test_id": 4_182},
    "length": {"train": 16_990, "test_ood_length": 3_920},
    "addprim_jump": {"train": 14_670, "test_ood_primitive": 7_706},
    "addprim_turn_left": {"train": 21_890, "test_ood_primitive": 1_208},
    "around_right": {"train": 15_225, "test_ood_template": 4_476},
    "jump_around_right": {"train": 18_528, "test_ood_template": 1_173},
    "opposite_right": {"train": 15_225, "test_ood_template": 4_476},
    "right": {"train": 15_225, "test_ood_template": 4_476},
}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def full_runs(tmp_path_factory):
    """Every plan generated in full with seed 0: plan -> split -> records."""
    runs = {}
    for plan in PUBLISHED:
        out = tmp_path_factory.mktemp(plan)
        manifest = genforge.generate("scan", out, split_plan=plan)
        runs[plan] = {f["split"]: read(out / "scan" / f["name"]) for f in manifest["files"]}
    return runs


def inputs(records) -> list[str]:
    return [r["input"] for r in records]


def has(command: str, phrase: str) -> bool:
    return re.search(rf"(^| ){phrase}( |$)", command) is not None


@pytest.mark.parametrize("plan", sorted(PUBLISHED))
def test_split_sizes_match_the_published_files(full_runs, plan):
    assert {split: len(records) for split, records in full_runs[plan].items()} == PUBLISHED[plan]


@pytest.mark.parametrize("plan", sorted(PUBLISHED))
def test_no_test_command_is_in_train(full_runs, plan):
    splits = full_runs[plan]
    train = set(inputs(splits["train"]))
    (test_name,) = [name for name in splits if name != "train"]
    assert not train & set(inputs(splits[test_name]))
    assert len(set(inputs(splits[test_name]))) == len(splits[test_name])


def test_simple_covers_all_commands_once(full_runs):
    commands = inputs(full_runs["simple"]["train"]) + inputs(full_runs["simple"]["test_id"])
    assert len(set(commands)) == 20_910


def test_length_split_is_by_output_length(full_runs):
    assert max(len(r["target"].split()) for r in full_runs["length"]["train"]) == 22
    assert min(len(r["target"].split()) for r in full_runs["length"]["test_ood_length"]) == 24


@pytest.mark.parametrize("plan, primitive, copies", [("addprim_jump", "jump", 1_467), ("addprim_turn_left", "turn left", 2_189)])
def test_addprim_train_repeats_only_the_primitive(full_runs, plan, primitive, copies):
    counts = Counter(inputs(full_runs[plan]["train"]))
    assert counts[primitive] == copies
    assert copies * 10 == len(full_runs[plan]["train"])
    assert all(n == 1 for command, n in counts.items() if command != primitive)
    assert not any(has(command, primitive) for command in counts if command != primitive)
    test = inputs(full_runs[plan]["test_ood_primitive"])
    assert all(has(command, primitive) and command != primitive for command in test)


@pytest.mark.parametrize("plan, template, turn_form", [
    ("around_right", "(walk|look|run|jump) around right", "turn around right"),
    ("jump_around_right", "jump around right", "turn around right"),
    ("opposite_right", "(walk|look|run|jump) opposite right", "turn opposite right"),
    ("right", "(walk|look|run|jump) right", "turn right"),
])
def test_template_splits_hold_the_template_only_in_test(full_runs, plan, template, turn_form):
    train = inputs(full_runs[plan]["train"])
    test = inputs(full_runs[plan]["test_ood_template"])
    assert not any(has(c, template) or has(c, turn_form) for c in train)
    assert all(has(c, template) and not has(c, turn_form) for c in test)
    # The turn form of the template is on neither side: exactly 1,209 commands contain it.
    assert 20_910 - len(set(train)) - len(test) == 1_209


def test_jump_around_right_train_keeps_other_verbs_around_right(full_runs):
    assert any(has(c, "walk around right") for c in inputs(full_runs["jump_around_right"]["train"]))


REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "scan" / "simple_split_test_commands.txt"


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference is absent")
def test_simple_is_the_published_split(full_runs):
    published = set(REFERENCE.read_text("utf-8").split("\n")) - {""}
    assert len(published) == 4_182
    assert set(inputs(full_runs["simple"]["test_id"])) == published
    assert not set(inputs(full_runs["simple"]["train"])) & published


def test_the_shipped_membership_is_checked_by_its_digest(monkeypatch):
    from genforge.generators import scan_published
    scan_published._shipped_bits.cache_clear()
    monkeypatch.setattr(scan_published, "MEMBERSHIP_SHA256", "0" * 64)
    with pytest.raises(scan_published.MembershipError, match="SHA-256"):
        scan_published.simple_test_commands(["walk"])
    scan_published._shipped_bits.cache_clear()


def test_only_the_simple_random_plan_depends_on_the_seed(tmp_path, full_runs):
    for plan in ("simple_random", "simple", "length"):
        genforge.generate("scan", tmp_path / plan, split_plan=plan, seed=1)
    fresh = inputs(read(tmp_path / "simple_random" / "scan" / "test_id.jsonl"))
    simple = inputs(read(tmp_path / "simple" / "scan" / "test_id.jsonl"))
    length = inputs(read(tmp_path / "length" / "scan" / "test_ood_length.jsonl"))
    assert set(fresh) != set(inputs(full_runs["simple_random"]["test_id"]))
    assert set(simple) == set(inputs(full_runs["simple"]["test_id"]))
    assert set(length) == set(inputs(full_runs["length"]["test_ood_length"]))
    assert length != inputs(full_runs["length"]["test_ood_length"])  # order is shuffled by the seed


@pytest.mark.parametrize("plan", sorted(PUBLISHED))
def test_no_nuisance_feature_shifts_beyond_what_the_split_declares(full_runs, plan):
    # issue 15: the audit flags a feature whose histogram moves by TV > 0.3 unless the split names it
    task = get_task("scan")
    splits = full_runs[plan]
    (test_name,) = [name for name in splits if name != "train"]
    spec = task.split_plans(task.Params.resolve())[plan].split(test_name)
    features = {split: [task.nuisance_features(r) for r in rows] for split, rows in splits.items()}
    assert set(spec.moves) <= set(features["train"][0])
    for feature in features["train"][0]:
        a = Counter(f[feature] for f in features["train"])
        b = Counter(f[feature] for f in features[test_name])
        tv = 0.5 * sum(abs(a[k] / len(features["train"]) - b[k] / len(features[test_name])) for k in set(a) | set(b))
        assert tv <= 0.3 or feature in spec.moves, (feature, tv)


def test_targets_agree_with_the_oracle_and_meta(full_runs):
    task = get_task("scan")
    for record in full_runs["simple"]["train"][:3000]:
        assert task.solve(None, record["input"]) == record["target"]
        complexity = record["meta"]["complexity"]
        assert complexity["output_length"] == len(record["target"].split())
        assert complexity["command_length"] == len(record["input"].split())
        assert record["instruction"] is None and record["meta"]["domain"] == "navigation"


def test_difficulty_grows_with_output_length(full_runs):
    by_length = {}
    for record in full_runs["length"]["train"] + full_runs["length"]["test_ood_length"]:
        c = record["meta"]["complexity"]
        key = (c["command_length"], c["depth"], c["conjunctions"])
        by_length.setdefault(key, []).append((c["output_length"], record["meta"]["difficulty"]))
    for pairs in by_length.values():
        pairs.sort()
        assert all(a[1] <= b[1] for a, b in zip(pairs, pairs[1:]))


def test_structure_names_rule_applications():
    task = get_task("scan")
    atoms, compounds = task.structure({"input": "jump around right twice after run", "instruction": None})
    assert atoms == ["jump", "around", "right", "twice", "after", "run"]
    assert compounds == ["jump around right", "jump around right twice", "U around right twice after U"]


def test_smaller_sizes_take_a_prefix(tmp_path):
    manifest = genforge.generate("scan", tmp_path, split_plan="addprim_jump", sizes={"train": 30, "test_ood_primitive": 5})
    assert [f["records"] for f in manifest["files"]] == [30, 5]


def test_asking_for_more_than_a_split_holds_is_infeasible(tmp_path):
    with pytest.raises(genforge.core.errors.InfeasibleError, match="4182"):
        genforge.generate("scan", tmp_path, split_plan="simple", sizes={"test_id": 5000})


def test_export_writes_the_original_line_format(tmp_path):
    genforge.generate("scan", tmp_path, split_plan="length", sizes={"train": 20, "test_ood_length": 10})
    folder = tmp_path / "scan"
    paths = write_original_format(folder)
    assert [p.name for p in paths] == ["train.txt", "test_ood_length.txt"]
    records = read(folder / "test_ood_length.jsonl")
    lines = (folder / "test_ood_length.txt").read_text("utf-8").splitlines()
    assert lines == [f"IN: {r['input']} OUT: {r['target']}" for r in records]
    assert all(re.fullmatch(r"IN: [a-z ]+ OUT: [A-Z_ ]+", line) for line in lines)
    # idempotent and leaves the manifest alone
    manifest = (folder / "manifest.json").read_bytes()
    write_original_format(folder)
    assert (folder / "manifest.json").read_bytes() == manifest


def test_export_command_lists_the_files_it_wrote(tmp_path):
    genforge.generate("scan", tmp_path, split_plan="simple", sizes={"train": 5, "test_id": 5})
    result = CliRunner().invoke(export_scan_command, [str(tmp_path / "scan")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [str(tmp_path / "scan" / "train.txt"), str(tmp_path / "scan" / "test_id.txt")]


def test_export_refuses_a_folder_of_another_task(tmp_path):
    (tmp_path / "manifest.json").write_text('{"task": "rewrite", "files": []}')
    with pytest.raises(UsageError, match="rewrite"):
        write_original_format(tmp_path)
    with pytest.raises(UsageError, match="manifest.json"):
        write_original_format(tmp_path / "missing")


GOLDEN = {
    ("simple", "train.jsonl"): "cda09f048cb27069d086d0be63bc80f58281ef1fe5693da8cad49b207ec7df27",
    ("simple", "test_id.jsonl"): "691fa19738c3c71c8b6dc0d9973182541eb532e1e869ead401a3d8ac5622478e",
    ("addprim_jump", "train.jsonl"): "a31286fc518953171f5365c7ab8e9020915a56edf2548238905aefeac5e6968f",
    ("addprim_jump", "test_ood_primitive.jsonl"): "1140745d49b2cc0be1e90dd609fa81232555c71fb81f63bf9888dd1e3d6ed080",
}


@pytest.mark.parametrize("plan", ["simple", "addprim_jump"])
def test_golden_bytes(tmp_path, plan):
    """A change to these bytes needs a version bump of the task."""
    names = [name for p, name in GOLDEN if p == plan]
    test_split = names[1].removesuffix(".jsonl")
    genforge.generate("scan", tmp_path, split_plan=plan, sizes={"train": 50, test_split: 20}, seed=0)
    for name in names:
        assert hashlib.sha256((tmp_path / "scan" / name).read_bytes()).hexdigest() == GOLDEN[(plan, name)]


def test_the_fast_enumeration_builds_what_the_grammar_interprets():
    from genforge.generators.scan_grammar import SCAN_VOCABULARY, enumerate_commands
    from genforge.generators.scan_sampler import make_example, scan_examples

    reference = [make_example(SCAN_VOCABULARY, command) for command in enumerate_commands(SCAN_VOCABULARY)]
    fast = scan_examples()
    assert [(e.input, e.target, e.meta) for e in fast] == [(e.input, e.target, e.meta) for e in reference]
