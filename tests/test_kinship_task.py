"""Task kinship: stories, answers, noise and split plans as a user sees them in the files."""

import hashlib
import json
import re
from collections import defaultdict
from importlib import resources

import pytest
from click.testing import CliRunner

import genforge
from genforge.cli import cli, main
from genforge.core.errors import ParameterError, UsageError
from genforge.generators.kinship_patterns import held_out_patterns
from genforge.core.registry import get_task

RULES = json.loads(resources.files("genforge").joinpath("data/kinship/rules.json").read_text("utf-8"))
COMPOSE = {(r1, r2): r for r1, row in RULES["compose"].items() for r2, r in row.items()}
INVERSE = {**RULES["inverse"], **{b: a for a, b in RULES["inverse"].items()}, **{r: r for r in RULES["symmetric"]}}
WORD_MEANING = {RULES["words"][r][g]: (r, g) for r in RULES["relations"] for g in ("male", "female")}
FACT_LINE = re.compile(r"^\((\w+), ([a-z-]+), (\w+)\)$")
QUERY_LINE = re.compile(r"^Query: \((\w+), (\w+)\)$")
TRACE_LINE = re.compile(r"^(\w+) ([\w-]+) (\w+) <= (\w+) ([\w-]+) (\w+) & (\w+) ([\w-]+) (\w+)$")


def read(folder, split):
    return [json.loads(line) for line in (folder / "kinship" / f"{split}.jsonl").read_text().splitlines()]


def parse_fact_story(text):
    *story, query = text.split("\n")
    facts = [FACT_LINE.match(line).groups() for line in story]
    return facts, QUERY_LINE.match(query).groups()


def breadth_first_closure(facts):
    """Level by level: every relation derivable from (A, type, B) facts by composition and inverses."""
    derived = set()
    frontier = set()
    for a, r, b in facts:
        frontier.add((a, r, b))
        if r in INVERSE:
            frontier.add((b, INVERSE[r], a))
    while frontier:
        derived |= frontier
        by_start = defaultdict(list)
        for a, r, b in derived:
            by_start[a].append((r, b))
        found = set()
        for a, r1, b in derived:
            for r2, c in by_start[b]:
                r = COMPOSE.get((r1, r2))
                if r is not None and c != a:
                    found.add((a, r, c))
                    if r in INVERSE:
                        found.add((c, INVERSE[r], a))
        frontier = found - derived
    return derived


def answer_by_closure(text):
    facts, (first, last) = parse_fact_story(text)
    typed = [(a, WORD_MEANING[w][0], b) for a, w, b in facts]
    relations = {r for a, r, b in breadth_first_closure(typed) if (a, b) == (first, last)}
    gender = next(WORD_MEANING[w][1] for a, w, b in facts if b == last)
    return {RULES["words"][r][gender] for r in relations}


@pytest.fixture(scope="module")
def longer(tmp_path_factory):
    out = tmp_path_factory.mktemp("longer")
    genforge.generate("kinship", out, split_plan="longer_chains", trace=True,
                      sizes={"train": 300, "validation": 30, "test_id": 30, "test_ood_length": 150},
                      params={"story_format": "facts"})
    return out


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    out = tmp_path_factory.mktemp("noisy")
    genforge.generate("kinship", out, split_plan="iid", trace=True,
                      sizes={"train": 200, "validation": 20, "test_id": 20},
                      params={"story_format": "facts", "supporting_facts": 2, "irrelevant_facts": 2,
                              "disconnected_facts": 2, "k_max": 6, "test_k_min": 7})
    return out


def test_every_answer_equals_an_independent_breadth_first_closure(longer, noisy):
    for folder, splits in ((longer, ("train", "test_ood_length")), (noisy, ("train",))):
        for split in splits:
            for record in read(folder, split):
                assert answer_by_closure(record["input"]) == {record["target"]}, record["input"]


def test_every_backward_chaining_step_is_a_composition_of_the_table(longer):
    records = read(longer, "train") + read(longer, "test_ood_length")
    for record in records:
        assert len(record["trace"]) == record["meta"]["complexity"]["k"] - 1
        for step in record["trace"]:
            a, r, c, a1, r1, b, b2, r2, c2 = TRACE_LINE.match(step).groups()
            assert (a, b, c) == (a1, b2, c2)
            assert COMPOSE[(r1, r2)] == r


def test_the_story_chain_follows_the_pattern_from_first_to_last_person(longer):
    for record in read(longer, "test_ood_length"):
        facts, (first, last) = parse_fact_story(record["input"])
        if record["meta"]["fact_order"] == "shuffled":  # stated in a random order: walk the chain from first
            following = {a: (a, w, b) for a, w, b in facts}
            walk = [following[first]]
            while walk[-1][2] != last:
                walk.append(following[walk[-1][2]])
            assert sorted(walk) == sorted(facts)
            facts = walk
        pattern = record["meta"]["pattern"].split(",")
        assert [WORD_MEANING[w][0] for _, w, _ in facts] == pattern
        assert facts[0][0] == first and facts[-1][2] == last
        assert all(facts[i][2] == facts[i + 1][0] for i in range(len(facts) - 1))
        people = [facts[0][0]] + [b for _, _, b in facts]
        assert len(set(people)) == len(people)


def test_no_longer_chains_test_story_has_a_training_length(longer):
    assert {r["meta"]["complexity"]["k"] for r in read(longer, "train")} == {2, 3, 4}
    test_lengths = {r["meta"]["complexity"]["k"] for r in read(longer, "test_ood_length")}
    assert test_lengths <= set(range(5, 11)) and len(test_lengths) >= 4
    for split in ("validation", "test_id"):
        assert {r["meta"]["complexity"]["k"] for r in read(longer, split)} <= {2, 3, 4}


def test_targets_cover_every_composable_relation_in_both_genders(longer):
    targets = {r["target"] for r in read(longer, "train")}
    produced = set(COMPOSE.values())
    assert targets == {RULES["words"][r][g] for r in produced for g in ("male", "female")}


def test_noise_facts_are_counted_and_disconnected_ones_touch_no_chain_person(noisy):
    for record in read(noisy, "train"):
        complexity = record["meta"]["complexity"]
        assert (complexity["supporting_facts"], complexity["irrelevant_facts"],
                complexity["disconnected_facts"]) == (2, 2, 2)
        facts, (first, _) = parse_fact_story(record["input"])
        assert len(facts) == complexity["facts"] == complexity["k"] + 6
        # People reachable from the first person through stated facts (either direction).
        reached, changed = {first}, True
        while changed:
            changed = False
            for a, _, b in facts:
                if (a in reached) != (b in reached):
                    reached |= {a, b}
                    changed = True
        unreached = [f for f in facts if f[0] not in reached]
        assert len(unreached) == 2 and all(b not in reached for _, _, b in unreached)


def test_held_out_patterns_never_occur_in_training(tmp_path):
    genforge.generate("kinship", tmp_path, split_plan="held_out_patterns",
                      sizes={"train": 300, "validation": 20, "test_id": 20, "test_ood_pattern": 60})
    train_patterns = {r["meta"]["pattern"] for r in read(tmp_path, "train")}
    test_patterns = {r["meta"]["pattern"] for r in read(tmp_path, "test_ood_pattern")}
    assert train_patterns and test_patterns and not train_patterns & test_patterns
    # Held out per (target, k) group of patterns (generators/kinship_patterns.py), not by one hash threshold.
    held_out = held_out_patterns(2, 4, 0.2)
    assert test_patterns <= held_out and not train_patterns & held_out


def test_the_oracle_solves_sentence_stories_and_names_come_from_the_chosen_set(tmp_path):
    genforge.generate("kinship", tmp_path, split_plan="iid", sizes={"train": 60, "validation": 5, "test_id": 5},
                      params={"name_sets": ["nordic"], "irrelevant_facts": 1, "supporting_facts": 2})
    task = get_task("kinship")
    names = json.loads(resources.files("genforge").joinpath("data/kinship/names.json").read_text("utf-8"))
    nordic = set(names["nordic"]["male"]) | set(names["nordic"]["female"])
    for record in read(tmp_path, "train"):
        assert task.solve(record["instruction"], record["input"]) == record["target"]
        assert record["meta"]["domain"] == "nordic"
        people = set(re.findall(r"\b[A-Z][a-z]+\b", record["input"])) - {"The", "Query", "Sunday"}
        assert people <= nordic


def test_the_oracle_rejects_text_that_is_not_a_story():
    with pytest.raises(UsageError):
        get_task("kinship").solve(None, "Once upon a time.")


def test_answers_are_normalized_to_the_lower_case_word():
    assert get_task("kinship").normalize_answer("  Son-In-Law \n") == "son-in-law"


def test_structure_lists_chain_relations_and_their_bigrams(longer):
    task = get_task("kinship")
    record = read(longer, "test_ood_length")[0]
    atoms, compounds = task.structure(record)
    assert atoms == record["meta"]["pattern"].split(",")
    assert compounds == [f"{a}.{b}" for a, b in zip(atoms, atoms[1:])]
    # Without meta the chain is recovered from the story itself.
    assert task.structure({"input": record["input"]}) == (atoms, compounds)


@pytest.mark.parametrize("params, message", [
    ({"test_k_min": 4}, "test_k_min"),
    ({"supporting_facts": 3}, "supporting_facts"),
    ({"children_min": 3, "children_max": 2}, "children_min"),
])
def test_contradictory_parameters_are_refused_with_the_parameter_named(tmp_path, params, message):
    with pytest.raises(ParameterError, match=message):
        genforge.generate("kinship", tmp_path, params=params, sizes={"train": 1})


@pytest.mark.parametrize("params", [
    {"family_pool_size": 4096},  # 4,096 default trees: some 285,000 people
    {"generations": 8, "children_min": 6, "children_max": 6, "marriage_probability": 1.0,
     "family_pool_size": 1},  # one tree of some 670,000 people
])
def test_a_family_pool_too_large_to_build_quickly_is_refused_before_any_work(tmp_path, params):
    # The pool is built whole before the first story, whatever size is asked.
    with pytest.raises(ParameterError, match=r"family_pool_size.*at most 20,000"):
        genforge.generate("kinship", tmp_path, params=params, sizes={"train": 1})
    assert not (tmp_path / "kinship").exists()


def test_the_largest_pool_allowed_at_default_tree_sizes_is_accepted():
    task = get_task("kinship")
    task.check_params(task.Params.resolve(family_pool_size=280))
    with pytest.raises(ParameterError):
        task.check_params(task.Params.resolve(family_pool_size=300))


def test_cli_reports_a_bad_parameter_without_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "kinship", "--out", str(tmp_path), "--param", "story_format=prose"])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and "story_format" in error and "Traceback" not in error


def test_cli_generates_and_the_oracle_check_passes(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["generate", "kinship", "--out", str(tmp_path), "--size", "train=20",
                                 "--size", "validation=2", "--size", "test_id=2", "--size", "test_ood_length=5"])
    assert result.exit_code == 0, result.output
    check = runner.invoke(cli, ["solve", "kinship", str(tmp_path / "kinship" / "test_ood_length.jsonl"), "--check"])
    assert check.exit_code == 0, check.output


def test_output_does_not_depend_on_the_number_of_workers(tmp_path):
    sizes = {"train": 300, "validation": 10, "test_id": 10, "test_ood_length": 20}
    one = genforge.generate("kinship", tmp_path / "one", sizes=sizes, params={"family_pool_size": 8})
    two = genforge.generate("kinship", tmp_path / "two", sizes=sizes, params={"family_pool_size": 8}, workers=2)
    assert [f["sha256"] for f in one["files"]] == [f["sha256"] for f in two["files"]]


GOLDEN = {
    "train.jsonl": "be04d0c3180fe70474e8004cc0aaeb7c237c1f8e33630417b3533dadb330f952",
    "validation.jsonl": "52ca34f9cda59dca353497af7e2f1b956dd6a131d2f780cfc779b9e6ac22e55d",
    "test_id.jsonl": "49706abf852000cdec401858dec52f46b0804c40b48af8adbb4a475a595127a6",
    "test_ood_length.jsonl": "3445cc088dcc2e375c0e61d53412bd2c1881fd95a3c9572899836310ef622865",
}


def test_golden_output_of_a_small_default_run(tmp_path):
    manifest = genforge.generate("kinship", tmp_path, seed=0,
                                 sizes={"train": 50, "validation": 10, "test_id": 10, "test_ood_length": 10})
    digests = {f["name"]: hashlib.sha256((tmp_path / "kinship" / f["name"]).read_bytes()).hexdigest()
               for f in manifest["files"]}
    assert digests == GOLDEN
