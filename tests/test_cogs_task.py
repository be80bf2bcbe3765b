"""Task ``cogs``: COGS's sizes and categories, each category's promise, the oracle on every record, SLOG, data factors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import genforge
from genforge.cli import cli, main
from genforge.generators.cogs.categories import EXPOSURES, cogs_categories
from genforge.generators.cogs.lexicon import cogs_lexicon
from genforge.generators.cogs.parser import parse
from genforge.generators.cogs.syntax import FRAMES, SIMPLE_FRAMES, clause_chain, cp_depth, max_pp_depth, noun_phrases
from genforge.core.registry import get_task

COGS_SIZES = {"train": 24_155, "validation": 3_000, "test_id": 3_000, "test_ood_lexical": 18_000,
              "test_ood_structural": 3_000}
SMALL = {"train_size": 1500, "validation_size": 200, "test_size": 200, "generalization_size": 60}
CATEGORIES = {category.name: category for category in cogs_categories((3, 12))}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def generate(folder: Path, **options) -> dict[str, list[dict]]:
    manifest = genforge.generate("cogs", folder, **options)
    return {entry["split"]: read(folder / "cogs" / entry["name"]) for entry in manifest["files"]}


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The default plan at COGS's sizes, seed 0: split -> records."""
    return generate(tmp_path_factory.mktemp("cogs"))


@pytest.fixture(scope="module")
def by_category(full):
    grouped: dict[str, list[dict]] = {}
    for split in ("test_ood_lexical", "test_ood_structural"):
        for record in full[split]:
            grouped.setdefault(record["meta"]["category"], []).append(record)
    return grouped


# -- sizes and categories -----------------------------------------------------------
def test_splits_have_cogs_sizes(full):
    assert {split: len(records) for split, records in full.items()} == COGS_SIZES


def test_train_holds_cogs_lines_by_category(full):
    counts = Counter(record["meta"]["category"] for record in full["train"])
    assert counts == {"in_distribution": 24_000, "primitive": 143, **{name: 1 for name in EXPOSURES}}


def test_gen_holds_each_of_the_21_categories_1000_times(by_category):
    assert {name: len(records) for name, records in by_category.items()} == {name: 1000 for name in CATEGORIES}
    assert all(record["meta"]["domain"] == name for name, records in by_category.items() for record in records)


def test_lexical_and_structural_categories_go_to_their_own_split(full):
    kinds = {split: {CATEGORIES[r["meta"]["category"]].kind for r in full[split]}
             for split in ("test_ood_lexical", "test_ood_structural")}
    assert kinds == {"test_ood_lexical": {"lexical"}, "test_ood_structural": {"structural"}}


def test_the_exposure_lines_are_cogs_own_train_lines(full):
    lines = {r["meta"]["category"]: r["input"] for r in full["train"] if r["meta"]["category"] in EXPOSURES}
    assert lines == dict(cogs_lexicon().exposure_examples)


def test_no_sentence_repeats_within_or_across_splits(full):
    inputs = [record["input"] for records in full.values() for record in records]
    assert len(inputs) == len(set(inputs))


def test_every_record_validates_against_the_record_and_meta_schemas(full):
    from importlib import resources
    schemas = resources.files("genforge.schemas")
    record_validator = jsonschema.Draft202012Validator(
        json.loads(schemas.joinpath("record.schema.json").read_text("utf-8")))
    meta_validator = jsonschema.Draft202012Validator(get_task("cogs").meta_schema())
    for records in full.values():
        for record in records[::20]:
            record_validator.validate(record)
            meta_validator.validate(record["meta"])


def test_meta_complexity_measures_the_sentence(full):
    for record in full["test_ood_structural"][::7] + full["train"][::97]:
        complexity = record["meta"]["complexity"]
        assert complexity["sentence_length"] == len(record["input"].split())
        if complexity["sentence_length"] > 1:
            tree = parse(record["input"])
            assert (complexity["pp_depth"], complexity["cp_depth"]) == (max_pp_depth(tree), cp_depth(tree))


# -- every category keeps its promise ---------------------------------------------------
def _forms(word: str) -> set[str]:
    verb = cogs_lexicon().verbs.get(word)
    return {word} if verb is None else {word, verb.past, verb.participle}


def _roles_of(word: str, sentence: str) -> set[str]:
    """Where ``word`` occurs in a sentence: 'subject', 'object' (post-verbal argument), 'pp_object',
    '<frame>' for a verb heading that frame, 'infinitive', or 'primitive' for a one-word line."""
    if sentence == word:
        return {"primitive"}
    if not _forms(word) & set(sentence.split()):
        return set()
    roles = set()
    for clause in clause_chain(parse(sentence)):
        if clause.verb == word:
            roles.add(clause.frame)
        if clause.infinitive == word:
            roles.add("infinitive")
        if clause.subject.head == word:
            roles.add(f"subject of {clause.frame}")
        if any(phrase.head == word for phrase in clause.arguments):
            roles.add("object")
    for phrase in noun_phrases(parse(sentence)):
        modifier = phrase.modifier
        while modifier is not None:
            roles |= {"pp_object"} if modifier.object.head == word else set()
            modifier = modifier.object.modifier
    return roles


def _tested_roles(category: str, record: dict) -> bool:
    """Does the record put the category's word where the category promises?"""
    word = CATEGORIES[category].word
    roles = _roles_of(word, record["input"])
    spec = CATEGORIES[category].spec
    if spec.target is not None and spec.target_slot == "subject":
        return any(role.startswith("subject of ") and role[11:] in (spec.frames or ()) for role in roles)
    if spec.target is not None:
        return "object" in roles
    if spec.infinitive is not None:
        return "infinitive" in roles
    return bool(roles & set(spec.frames))


LEXICAL = sorted(name for name, category in CATEGORIES.items() if category.kind == "lexical")


@pytest.mark.parametrize("category", LEXICAL)
def test_lexical_category_word_is_in_train_only_in_its_evidence_line(full, category):
    word, evidence = CATEGORIES[category].word, CATEGORIES[category].evidence
    in_train = [r for r in full["train"] if _forms(word) & set(r["input"].split())]
    assert [r["meta"]["category"] for r in in_train] == [evidence]
    if evidence == "primitive":
        assert in_train[0]["input"] == word


@pytest.mark.parametrize("category", LEXICAL)
def test_lexical_category_puts_its_word_in_the_held_out_role_in_every_record(full, by_category, category):
    assert all(_tested_roles(category, record) for record in by_category[category])
    assert not any(_tested_roles(category, record) for record in full["train"])


def test_hippo_is_tested_with_unergative_and_with_object_omitted_transitive_verbs(by_category):
    lexicon = cogs_lexicon()
    for category, verb_class in (("only_seen_as_unacc_subj_as_unerg_subj", "unergative"),
                                 ("only_seen_as_unacc_subj_as_obj_omitted_transitive_subj",
                                  "transitive_object_omissible")):
        verbs = {clause_chain(parse(r["input"]))[-1].verb for r in by_category[category]}
        assert all(verb_class in lexicon.verbs[verb].classes for verb in verbs) and len(verbs) > 5


def test_train_never_modifies_a_subject_with_a_pp_and_the_category_always_does(full, by_category):
    def subject_pp(record):
        return any(clause.subject.modifier is not None for clause in clause_chain(parse(record["input"])))

    sentences = [r for r in full["train"] + full["validation"] + full["test_id"] if r["meta"]["category"] != "primitive"]
    assert not any(subject_pp(r) for r in sentences)
    assert all(subject_pp(r) for r in by_category["obj_pp_to_subj_pp"])


@pytest.mark.parametrize("category, measure", [("pp_recursion", max_pp_depth), ("cp_recursion", cp_depth)])
def test_recursion_is_at_most_2_in_train_and_3_to_12_in_its_category(full, by_category, category, measure):
    train_depths = Counter(measure(parse(r["input"])) for r in full["train"] if r["meta"]["category"] != "primitive")
    assert max(train_depths) == 2 and train_depths[1] > train_depths[2] > 0
    assert {measure(parse(r["input"])) for r in by_category[category]} == set(range(3, 13))


def test_in_distribution_frames_follow_cogs_shares(full):
    frames = Counter(clause_chain(parse(r["input"]))[-1].frame for r in full["train"]
                     if r["meta"]["category"] == "in_distribution")
    assert set(frames) == set(FRAMES) - {"ccomp"}
    assert frames.most_common(1)[0][0] == "trans" and frames["intrans_theme"] < frames["trans"] / 3


# -- the oracle ----------------------------------------------------------------------
def test_solve_check_agrees_with_every_generated_record(tmp_path):
    genforge.generate("cogs", tmp_path, params=SMALL)
    for path in sorted((tmp_path / "cogs").glob("*.jsonl")):
        result = CliRunner().invoke(cli, ["solve", "cogs", str(path), "--check"])
        assert result.exit_code == 0 and "targets match the oracle" in result.output, result.output


def test_solve_check_agrees_with_every_record_of_the_full_generation(full, tmp_path):
    for split, records in full.items():
        path = tmp_path / f"{split}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
        result = CliRunner().invoke(cli, ["solve", "cogs", str(path), "--check"])
        assert result.output.strip() == f"all {len(records)} targets match the oracle"


def test_solve_reports_a_sentence_outside_the_grammar_in_one_line_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"input": "Emma smiled the cake .", "target": ""}) + "\n", "utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", "cogs", str(path)])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "bad.jsonl:1" in error and "smile" in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1


@pytest.mark.parametrize("arguments, complaint", [
    (["--param", "generalization_min_depth=2"], "pp_depth_weights"),
    (["--param", "pp_depth_weights=0,0"], "positive weight"),
    (["--param", "generalization_max_depth=2", "--param", "generalization_min_depth=3"], "generalization_min_depth"),
    (["--param", "construction_weights=" + ",".join(["1"] * 11 + ["-1"])], "construction_weights"),
    (["--param", "construction_weights=1,2,3"], "construction_weights"),
    (["--param", "construction_weights=" + ",".join(["0"] * 12)], "every frame weight 0"),
    (["--param", "lexicon_fraction=0"], "lexicon_fraction"),
])
def test_bad_parameters_get_one_clear_message_and_exit_2(tmp_path, capsys, arguments, complaint):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "cogs", "--out", str(tmp_path), *arguments])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and complaint in error and "Traceback" not in error
    assert not (tmp_path / "cogs").exists()


# -- SLOG and data factors ---------------------------------------------------------
def test_slog_shares_train_with_cogs_and_tests_pps_on_subjects_and_indirect_objects(tmp_path):
    cogs = generate(tmp_path / "cogs", params=SMALL)
    slog = generate(tmp_path / "slog", params=SMALL, split_plan="slog")
    assert slog["train"] == cogs["train"]
    assert set(slog) == {"train", "validation", "test_id", "test_ood_structural"}
    grouped: dict[str, list[str]] = {}
    for record in slog["test_ood_structural"]:
        grouped.setdefault(record["meta"]["category"], []).append(record["input"])
    assert {name: len(inputs) for name, inputs in grouped.items()} == {
        "pp_modifying_subject": 60, "pp_modifying_indirect_object": 60, "pp_recursion": 60, "cp_recursion": 60}
    for sentence in grouped["pp_modifying_indirect_object"]:
        assert _recipient(clause_chain(parse(sentence))[-1]).modifier is not None
    train_recipients = [_recipient(clause) for r in slog["train"] if len(r["input"].split()) > 1
                        for clause in clause_chain(parse(r["input"])) if clause.frame in ("dat_do", "dat_pp")]
    assert train_recipients and not any(phrase.modifier for phrase in train_recipients)


def _recipient(clause):
    roles = [role for _marker, role in FRAMES[clause.frame].arguments]
    return clause.arguments[roles.index("recipient")]


def test_exposure_count_puts_that_many_sentences_per_held_out_word_in_train(tmp_path):
    records = generate(tmp_path, params={**SMALL, "exposure_count": 3})
    counts = Counter(r["meta"]["category"] for r in records["train"] if r["meta"]["category"].startswith("exposure"))
    assert counts == {name: 3 for name in EXPOSURES}
    assert len(records["train"]) == 1500 + 143 + 36
    hedgehog = [r for r in records["train"] if "hedgehog" in r["input"].split()]
    assert len(hedgehog) == 3 and all(_roles_of("hedgehog", r["input"]) == {"subject of trans"} for r in hedgehog)


def test_lexicon_fraction_shrinks_the_vocabulary_of_train(tmp_path):
    def vocabulary(records):
        return {word for r in records if r["meta"]["category"] == "in_distribution" for word in r["input"].split()}

    full = generate(tmp_path / "full", params=SMALL)
    small = generate(tmp_path / "small", params={**SMALL, "lexicon_fraction": 0.2})
    assert len(vocabulary(small["train"])) < len(vocabulary(full["train"])) / 2
    assert Counter(r["meta"]["category"] for r in small["test_ood_lexical"]) == Counter(
        r["meta"]["category"] for r in full["test_ood_lexical"])


def test_depth_and_construction_weights_set_the_training_distribution(tmp_path):
    only_transitive = [1 if frame == "trans" else 0 for frame in SIMPLE_FRAMES]
    # Without CP embedding "A cobra rolled ." has only 40 sentences (2 determiners x 20 verbs): 30 fit.
    records = generate(tmp_path, params={**SMALL, "pp_depth_weights": [0, 0, 0, 1], "cp_depth_weights": [1],
                                         "construction_weights": only_transitive, "generalization_min_depth": 4,
                                         "generalization_size": 30})
    sentences = [parse(r["input"]) for r in records["train"] if r["meta"]["category"] == "in_distribution"]
    assert {(tree.frame, max_pp_depth(tree), cp_depth(tree)) for tree in sentences} == {("trans", 3, 0)}
    pp_gen = [r for r in records["test_ood_structural"] if r["meta"]["category"] == "pp_recursion"]
    assert min(max_pp_depth(parse(r["input"])) for r in pp_gen) == 4


def test_a_category_smaller_than_its_size_is_refused_with_the_number_found(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "cogs", "--out", str(tmp_path), "--param", "cp_depth_weights=1",
              "--param", "generalization_size=100"])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and "only_seen_as_transitive_subj_as_unacc_subj holds no more distinct sentences than 40" in error
    assert not (tmp_path / "cogs").exists()


def test_a_different_seed_draws_different_sentences_but_the_same_exposure_lines(tmp_path):
    first = generate(tmp_path / "a", params=SMALL)
    second = generate(tmp_path / "b", params=SMALL, seed=1)
    assert {r["input"] for r in first["train"]} != {r["input"] for r in second["train"]}
    exposures = [{r["input"] for r in run["train"] if r["meta"]["category"] in EXPOSURES} for run in (first, second)]
    assert exposures[0] == exposures[1]


def test_structure_names_the_role_bindings_the_categories_hold_out():
    atoms, compounds = get_task("cogs").structure({"input": "A hippo on a mat ate the cake .", "instruction": None})
    assert {"hippo", "eat", "cake", "mat"} <= set(atoms)
    assert {"eat.agent=hippo", "eat.theme=cake", "hippo.nmod.on=mat", "trans:eat"} <= set(compounds)


def test_a_smaller_size_is_a_prefix_with_every_category_in_turn(full, tmp_path):
    records = generate(tmp_path, sizes={"train": 300, "validation": 30, "test_id": 30, "test_ood_lexical": 36,
                                        "test_ood_structural": 9})
    for split, records_written in records.items():
        assert [r["input"] for r in records_written] == [r["input"] for r in full[split][:len(records_written)]]
    for split, per_category in (("test_ood_lexical", 2), ("test_ood_structural", 3)):
        counts = Counter(r["meta"]["category"] for r in records[split])
        assert set(counts.values()) == {per_category}
