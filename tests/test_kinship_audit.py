"""kinship: relation-word probes, shuffled-order facts, and held-out patterns with balanced targets (issue 15,
item 6)."""

import json

import pytest
from collections import Counter

import genforge
from genforge.core.registry import get_task

TASK = get_task("kinship")
POOL = {"family_pool_size": 8}


def generate(tmp_path, plan, sizes, **params):
    genforge.generate("kinship", tmp_path, split_plan=plan, params={**POOL, **params}, sizes=sizes)
    folder = tmp_path / "kinship"
    return {split: [json.loads(line) for line in (folder / f"{split}.jsonl").open(encoding="utf-8")]
            for split in sizes}


def scores(records, name):
    probe = next(p for p in TASK.shortcut_probes(TASK.Params.resolve({})) if p.name == name)
    predict = probe.fit(records["train"])
    return {split: sum(predict(r) == r["target"] for r in rs) / len(rs) for split, rs in records.items()}


def test_relation_word_probes_read_the_story_in_text_order():
    record = {"input": "(Ann, son, Bob)\n(Bob, wife, Cara)\nQuery: (Ann, Cara)", "target": "daughter-in-law"}
    other = {"input": "(Dan, son, Eve)\n(Eve, husband, Fay)\nQuery: (Dan, Fay)", "target": "son-in-law"}
    for probe in TASK.shortcut_probes(TASK.Params.resolve({})):
        predict = probe.fit([record, other])
        assert predict(record) == "daughter-in-law" and predict(other) == "son-in-law"


def test_stories_state_facts_in_chain_order_and_shuffled(tmp_path):
    records = generate(tmp_path, "iid", {"train": 300, "validation": 10, "test_id": 10}, story_format="facts")
    orders = Counter(r["meta"]["fact_order"] for r in records["train"])
    # Today every story is in chain order; CLUTRR's are not always.
    assert 0.35 <= orders["shuffled"] / 300 <= 0.65
    for record in records["train"][:60]:
        assert TASK.solve(record["instruction"], record["input"]) == record["target"]
        assert TASK.nuisance_features(record)["fact_order"] == record["meta"]["fact_order"]
    assert TASK.Params.resolve({}).shuffled_share == 0.5


def test_held_out_patterns_draw_each_target_on_the_unseen_side(tmp_path):
    sizes = {"train": 600, "validation": 10, "test_id": 100, "test_ood_pattern": 400}
    records = generate(tmp_path, "held_out_patterns", sizes)
    test, train = records["test_ood_pattern"], records["train"]
    shares = Counter(r["meta"]["relation"] for r in test)
    # Issue 15: 29% of the test targets were `un` (train about 9%); nine relation types: 11% each.
    assert max(shares.values()) / len(test) < 0.2
    patterns = {r["meta"]["pattern"] for r in test}
    assert not patterns & {r["meta"]["pattern"] for r in train}
    # Issue 15: 37 test patterns in 1,000 records, 8% of them k = 2 (a single held-out k = 2 pattern).
    assert len(patterns) >= 36
    ks = Counter(r["meta"]["complexity"]["k"] for r in test)
    assert ks[2] / len(test) >= 0.12


def test_held_out_patterns_are_stratified_by_target_and_length():
    from genforge.generators.kinship_patterns import held_out_patterns, pattern_universe

    universe = pattern_universe(4)
    held = held_out_patterns(2, 4, 0.2)
    for (target, k), group in universe.items():
        out = [p for p in group if p in held]
        if len(group) >= 2:  # some held out, some kept for train
            assert 1 <= len(out) < len(group), (target, k)
        else:
            assert len(out) <= 1
    # Every target keeps held-out patterns at k = 3 and 4.
    assert {t for (t, k), g in universe.items() if k == 3 and any(p in held for p in g)} == {t for t, _ in universe}


def test_first_last_lookup_is_weaker_with_shuffled_facts(tmp_path):
    sizes = {"train": 1500, "validation": 10, "test_id": 300, "test_ood_length": 200}
    chain = generate(tmp_path / "chain", "longer_chains", sizes, shuffled_share=0.0)
    mixed = generate(tmp_path / "mixed", "longer_chains", sizes)
    before, after = scores(chain, "first_last_relation"), scores(mixed, "first_last_relation")
    # At 5,000 train records: test_id 0.67 -> 0.47, test_ood_length 0.49 -> 0.27.
    assert after["test_id"] < before["test_id"] - 0.08
    assert after["test_ood_length"] < before["test_ood_length"] - 0.05


def test_held_out_split_names_its_moves():
    plan = TASK.split_plans(TASK.Params.resolve({}))["held_out_patterns"]
    assert "pattern_length" not in plan.split("test_ood_pattern").moves
    longer = TASK.split_plans(TASK.Params.resolve({}))["longer_chains"].split("test_ood_length")
    assert {"k", "pattern_length"} <= set(longer.moves)


def test_plans_declare_the_in_distribution_lookup_expected_with_the_reason():
    for plan in TASK.split_plans(TASK.Params.resolve({})).values():
        assert "k = 2" in plan.expected_probes["first_last_relation"]


def test_canonical_key_equates_stories_with_renamed_people():
    one = "Alice has a son named Adam. Adam's wife is Audrey.\nQuery: (Alice, Audrey)"
    renamed = "Alba has a son named Arne. Arne's wife is Astrid.\nQuery: (Alba, Astrid)"
    regendered = "Alice has a son named Adam. Adam's husband is Albert.\nQuery: (Alice, Albert)"
    assert TASK.canonical_key("i", one) == TASK.canonical_key("i", renamed)
    assert TASK.canonical_key("i", one) != TASK.canonical_key("i", regendered)


def test_no_test_story_is_a_train_story_renamed(tmp_path):
    sizes = {"train": 600, "validation": 20, "test_id": 200, "test_ood_length": 50}
    records = generate(tmp_path, "longer_chains", sizes)
    keys = {TASK.canonical_key(r["instruction"], r["input"]) for r in records["train"]}
    # Before: 261 of 1,000 test_id stories were train stories with other names.
    for split in ("validation", "test_id"):
        assert not any(TASK.canonical_key(r["instruction"], r["input"]) in keys for r in records[split]), split


@pytest.mark.parametrize("story_format, noise", [("sentences", {}), ("facts", {}),
                                                 ("sentences", {"supporting_facts": 2, "irrelevant_facts": 1,
                                                                "disconnected_facts": 1})])
def test_sampled_examples_key_is_the_canonical_key(story_format, noise):
    from genforge.core.rng import RandomStream
    from genforge.generators import kinship_canonical, kinship_stories

    # The sampler writes the key from the story's facts; it must be the text's canonical key.
    assert kinship_canonical.keys_from_structure()
    params = TASK.Params.resolve({**POOL, "story_format": story_format, "k_max": 6, **noise}).for_split({}, 0)
    pool = TASK._pool(params)
    examples = list(filter(None, kinship_stories.sample_block(RandomStream.from_parts("key"), pool, params, 200)))
    assert {e.meta["fact_order"] for e in examples} == {"chain", "shuffled"}
    for example in examples:
        assert example.canonical is not None
        assert example.key() == TASK.canonical_key(example.instruction, example.input)
        # An example made any other way (here: copied) reads its key back from the text.
        copy = example._replace(target=example.target)
        assert copy.canonical is None and copy.key() == example.key()


def test_a_windowed_split_drops_exactly_the_draws_its_bucket_range_refuses():
    from genforge.core.records import bucket_of, key_digest
    from genforge.core.rng import RandomStream
    from genforge.generators import kinship_stories

    params = TASK.Params.resolve(POOL)
    plans = TASK.split_plans(params)
    windows = {split.name: split.sample_params.get("bucket_window") for split in plans["longer_chains"].splits}
    assert windows == {"train": (0.0, 0.8), "validation": (0.8, 0.9), "test_id": (0.9, 1.0), "test_ood_length": None}
    assert plans["held_out_patterns"].split("train").sample_params == {"pattern_side": "seen",
                                                                       "bucket_window": (0.0, 0.8)}
    pool = TASK._pool(params.for_split({}, 0))
    plain = kinship_stories.sample_block(RandomStream.from_parts("w"), pool, params.for_split({}, 0), 120)
    windowed = kinship_stories.sample_block(RandomStream.from_parts("w"), pool,
                                            params.for_split({"bucket_window": (0.8, 0.9)}, 0), 120)
    kept = 0
    for whole, early in zip(plain, windowed):
        inside = whole is not None and 0.8 <= bucket_of(key_digest(whole.key())) < 0.9
        assert (early == whole) if inside else early is None
        kept += inside
    assert kept > 0


@pytest.mark.parametrize("story_format", ["sentences", "facts"])
def test_stories_written_with_their_key_are_the_stories_rendered_from_text(monkeypatch, story_format):
    from genforge.core.rng import RandomStream
    from genforge.generators import kinship_canonical, kinship_stories

    params = TASK.Params.resolve({**POOL, "story_format": story_format}).for_split({}, 0)
    pool = TASK._pool(params)
    fast = kinship_stories.sample_block(RandomStream.from_parts("same"), pool, params, 100)
    # Data whose names or forms the structural key could misread: the sampler renders text the plain way.
    monkeypatch.setattr(kinship_canonical, "keys_from_structure", lambda: False)
    plain = kinship_stories.sample_block(RandomStream.from_parts("same"), pool, params, 100)
    assert fast == plain and any(fast)
    assert all(e.canonical is None for e in filter(None, plain))
    assert [e.key() for e in filter(None, fast)] == [e.key() for e in filter(None, plain)]


def test_keys_are_not_written_from_facts_when_the_text_could_be_read_otherwise(monkeypatch):
    from genforge.generators import kinship_canonical

    check = kinship_canonical.keys_from_structure.__wrapped__  # uncached
    assert check()
    genders = kinship_canonical.name_genders()
    for odd in ("Åsa", "McKay", "Sunday"):  # not one capitalised word; a word of a template ("on Sunday")
        monkeypatch.setattr(kinship_canonical, "name_genders", lambda odd=odd: {**genders, odd: "female"})
        assert not check(), odd
