"""Block samplers share one meta dict among examples of equal complexity; a full cache starts over and
gives the same examples."""

import pytest

import genforge.core.spec
from genforge.core.registry import get_task
from genforge.core.rng import RandomStream
from genforge.generators import shared_metas

TASKS = ["addition", "algorithmic", "multiplication", "rewrite"]


def blocks(task_name, seeds=range(4)):
    task = get_task(task_name)
    typed = genforge.core.spec.resolve_spec(task_name).typed()
    params = typed.for_split(task.split_plans(typed)[task.default_split_plan].splits[0].sample_params, typed.seed)
    return [task.sample_block(RandomStream.from_parts("metas", seed), params, 256) for seed in seeds]


@pytest.mark.parametrize("task_name", TASKS)
def test_a_cache_that_starts_over_every_few_entries_gives_the_same_examples(task_name, monkeypatch):
    expected = blocks(task_name)
    monkeypatch.setattr(shared_metas, "META_LIMIT", 3)
    assert blocks(task_name) == expected


def sharing_key(task_name, example):
    """What examples sharing a meta dict have in common: their meta's value (rewrite: per pool rule too)."""
    key = repr(sorted(example.meta["complexity"].items())) + example.meta["domain"]
    return key + example.instruction if task_name == "rewrite" else key


@pytest.mark.parametrize("task_name", TASKS)
def test_examples_of_equal_complexity_share_one_meta_dict(task_name):
    examples = [example for block in blocks(task_name, [0]) for example in block]
    shared = {sharing_key(task_name, example): example.meta for example in examples}
    assert all(example.meta is shared[sharing_key(task_name, example)] for example in examples)
    assert len(shared) < len(examples)
