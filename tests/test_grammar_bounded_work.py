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




def test_an_addprim_train_whose_new_commands_only_trickle_in_ends_early(tmp_path):
    """One verb, held out: train keeps turn-only commands, fresh ones ever rarer among 51-clause draws (79 s for
    1,000). The stream ends once it spends more than MAX_WORK_PER_EXAMPLE per example, and the engine says how
    many it found."""
    from genforge.core.errors import InfeasibleError

    params = {"n_verbs": 1, "n_directions": 1, "n_repetitions": 0, "max_conjunctions": 50, "held_out_verb": 0,
              "template_verb": 0}
    with pytest.raises(InfeasibleError, match=r"only \d+ distinct examples found, 1000 requested"):
        genforge.generate("scan_scaled", tmp_path, split_plan="addprim", params=params,
                          sizes={"train": 1000, "test_ood_primitive": 1})


@pytest.mark.parametrize("plan, params, named", [
    # No command emits more than 48 actions: the test split was sampled until the engine gave up.
    ("length", {"length_cutoff": 10_000_000}, "'length_cutoff' = 10000000.*below 48"),
    # No command is longer than 254 words: 40 s of draws before failing.
    ("held_out_domain", {"held_out_primer_words": 1000, "max_conjunctions": 50}, "'held_out_primer_words'.*below 254"),
])
def test_a_test_split_no_command_can_enter_is_refused_up_front(tmp_path, plan, params, named):
    with pytest.raises(ParameterError, match=named):
        genforge.generate("scan_scaled", tmp_path, split_plan=plan, params=params, sizes={"train": 10})
    assert not (tmp_path / "scan_scaled").exists()


def test_a_short_length_split_of_a_huge_grammar_is_refused_naming_its_parameters(tmp_path):
    """Outputs of at most 60 actions from up to 51 clauses of 9 million: about 60 ms a train example (a minute
    for a thousand); refused in seconds instead."""
    params = {"n_verbs": 1000, "n_directions": 100, "n_repetitions": 30, "max_conjunctions": 50, "length_cutoff": 60}
    with pytest.raises(ParameterError, match="split 'train'.*rarely.*n_verbs=1000.*length_cutoff=60"):
        genforge.generate("scan_scaled", tmp_path, split_plan="length", params=params, sizes={"train": 10})


@pytest.mark.parametrize("plan", ["simple", "length", "addprim", "template", "held_out_domain"])
def test_every_default_scan_scaled_split_is_accepted(plan):
    params = SCAN_SCALED.Params.resolve()
    for split in SCAN_SCALED.split_plans(params)[plan].splits:
        if split.source == "sample":
            SCAN_SCALED.space_size(params, split)  # raises when refused


# -- pcfg_set: splits the grammar draws too rarely are refused before anything is written -------------

PCFG_SET = get_task("pcfg_set")


@pytest.mark.parametrize("plan, params, split, named", [
    # Supercritical grammar: almost every tree outgrows max_functions (ran past 90 s).
    ("random", {"input_law": "pcfg", "unary_probability": 0.0, "binary_probability": 0.99, "max_functions": 100},
     "train",
     "binary_probability=0.99"),
    # A test split of exactly 100 functions, from a grammar whose trees have about 5 (ran past 90 s).
    ("productivity", {"input_law": "pcfg", "max_functions": 100, "productivity_max_train_functions": 99},
     "test_ood_productivity",
     "productivity_max_train_functions=99"),
    # Exception parents drawn with weight 0.001: each wanted exception took 2,000 walks (ran past 90 s).
    ("overgeneralisation", {"exception_ratio": 1.0, "function_weights": [0.001, 1, 1, 0.001, 1, 1, 1, 0.001, 1, 1]},
     "test_ood_exception", "exception_pairs="),
    ("systematicity", {"systematicity_pairs": ["copy copy"], "function_weights": [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]},
     "test_ood_systematicity", "systematicity_pairs="),
    ("substitutivity", {"twin_functions": ["copy"], "function_weights": [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]},
     "test_ood_substitutivity", "twin_functions="),
])
def test_a_split_the_grammar_draws_too_rarely_is_refused_naming_its_parameters(tmp_path, plan, params, split,
                                                                                 named):
    with pytest.raises(ParameterError, match=f"split '{split}'.*rarely.*{named}"):
        genforge.generate("pcfg_set", tmp_path, split_plan=plan, params=params)
    assert not (tmp_path / "pcfg_set").exists()


def test_the_refusal_does_not_depend_on_the_seed(tmp_path):
    """The pilot draws from the parameters alone: a request is refused for every seed or for none."""
    params = {"input_law": "pcfg", "max_functions": 100, "productivity_max_train_functions": 99}
    for seed in (0, 1, 2**40):
        with pytest.raises(ParameterError):
            genforge.generate("pcfg_set", tmp_path, split_plan="productivity", params=params, seed=seed)


@pytest.mark.parametrize("plan", ["random", "systematicity", "productivity", "substitutivity", "overgeneralisation"])
@pytest.mark.parametrize("law", ["published", "pcfg"])
def test_every_default_split_costs_well_under_the_limit(plan, law):
    params = PCFG_SET.Params.resolve(input_law=law)
    for split in PCFG_SET.split_plans(params)[plan].splits:
        PCFG_SET.space_size(params, split)  # raises when refused


def test_long_values_leave_no_garbage_behind():
    """evaluate and parse once formed reference cycles that kept every step (values of up to 10,000
    symbols) alive until the cyclic collector ran, which generation makes rare: 673 MB for 1,000 records."""
    import gc

    from genforge.generators.pcfg import evaluate, parse

    text = "repeat " * 8 + "A1 B1 C1"
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(50):
            evaluate(parse(text), max_length=10_000)
        assert len(gc.get_objects()) - before < 50
    finally:
        gc.enable()
