"""Tasks two_hop and comparison: the ID/OOD split rule, read back from the generated files."""

import hashlib
import json
import re
from collections import Counter

import pytest

import genforge
from genforge.core.errors import InfeasibleError, ParameterError, UsageError
from genforge.core.spec import resolve_spec
from genforge.core.registry import get_task

TWO_HOP = {"entities": 60, "relations": 12, "out_degree": 6, "ood_share": 0.2, "phi": 2.0}
COMPARISON = {"entities": 40, "attributes": 3, "values": 6, "ood_share": 0.2, "phi": 3.0}


def read(folder, task, split):
    with open(folder / task / f"{split}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def resolved(task, params):
    """The typed parameters the task's hooks receive for ``params``."""
    return resolve_spec(task, params=params).typed()


@pytest.fixture(scope="module", params=["tokens", "text"])
def two_hop(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_hop")
    params = {**TWO_HOP, "format": request.param}
    genforge.generate("two_hop", folder, sizes={"test_id": 40, "test_ood": 15}, params=params, seed=3)
    return folder, params


@pytest.fixture(scope="module", params=["tokens", "text"])
def comparison(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("comparison")
    params = {**COMPARISON, "format": request.param}
    genforge.generate("comparison", folder, sizes={"test_id": 40, "test_ood": 30}, params=params, seed=3)
    return folder, params


def numbers(text):
    return [int(n) for n in re.findall(r"\d+", text)]


def two_hop_fact(record):
    """(head, relations in application order), read independently of the task's parser."""
    found = numbers(record["input"])
    if record["input"].startswith("<"):
        return found[0], tuple(found[1:])
    return found[-1], tuple(reversed(found[:-1]))


def test_two_hop_train_holds_every_atomic_fact_and_phi_inferred_ones(two_hop):
    folder, params = two_hop
    train = read(folder, "two_hop", "train")
    atomic = [r for r in train if r["meta"]["complexity"]["facts"] == 1]
    assert len(atomic) == TWO_HOP["entities"] * TWO_HOP["out_degree"]
    per_head = Counter(two_hop_fact(r)[0] for r in atomic)
    assert set(per_head.values()) == {TWO_HOP["out_degree"]} and len(per_head) == TWO_HOP["entities"]
    ood_atomic = sum(r["meta"]["domain"] == "ood" for r in atomic)
    assert ood_atomic == round(TWO_HOP["ood_share"] * len(atomic))
    inferred = [r for r in train if r["meta"]["complexity"]["facts"] == 2]
    assert len(inferred) == round(TWO_HOP["phi"] * (len(atomic) - ood_atomic))


def test_two_hop_inferred_facts_compose_atomic_facts_and_never_mix_id_and_ood(two_hop):
    folder, params = two_hop
    train = read(folder, "two_hop", "train")
    tail, is_ood = {}, {}
    for record in train:
        if record["meta"]["complexity"]["facts"] == 1:
            head, (relation,) = two_hop_fact(record)
            tail[head, relation] = record["target"]
            is_ood[head, relation] = record["meta"]["domain"] == "ood"
    expected_kind = {"train": False, "test_id": False, "test_ood": True}
    seen = set()
    for split, ood in expected_kind.items():
        records = read(folder, "two_hop", split)
        assert records
        for record in records:
            if record["meta"]["complexity"]["facts"] == 1:
                continue
            head, (first, second) = two_hop_fact(record)
            (bridge,) = numbers(tail[head, first])
            assert record["target"] == tail[bridge, second]
            assert is_ood[head, first] == ood and is_ood[bridge, second] == ood, (split, record["input"])
            assert (record["meta"]["domain"] == "ood") == ood
            assert record["input"] not in seen
            seen.add(record["input"])


def test_two_hop_answer_reproduces_every_target(two_hop):
    folder, params = two_hop
    task = get_task("two_hop")
    full = resolved("two_hop", params)
    for split in ("train", "test_id", "test_ood"):
        for record in read(folder, "two_hop", split)[:200]:
            assert task.answer(full, 3, record["input"]) == record["target"]


def test_comparison_rule_and_id_ood_split(comparison):
    folder, params = comparison
    train = read(folder, "comparison", "train")
    value, is_ood = {}, {}
    for record in train:
        if record["meta"]["complexity"]["facts"] == 1:
            found = numbers(record["input"])
            entity, attribute = found if params["format"] == "tokens" else found[::-1]
            (value[attribute, entity],) = numbers(record["target"])
            is_ood[attribute, entity] = record["meta"]["domain"] == "ood"
    assert len(value) == COMPARISON["entities"] * COMPARISON["attributes"]
    words = {"<lt>": "<", "<eq>": "=", "<gt>": ">", "<": "<", "=": "=", ">": ">"}
    expected_kind = {"train": False, "test_id": False, "test_ood": True}
    counts = Counter()
    for split, ood in expected_kind.items():
        for record in read(folder, "comparison", split):
            if record["meta"]["complexity"]["facts"] == 1:
                continue
            found = numbers(record["input"])
            first, attribute, second = found if params["format"] == "tokens" else (found[1], found[0], found[2])
            a, b = value[attribute, first], value[attribute, second]
            assert words[record["target"]] == ("<" if a < b else "=" if a == b else ">")
            assert is_ood[attribute, first] == ood and is_ood[attribute, second] == ood
            counts[split] += 1
    id_atomic = sum(not flag for flag in is_ood.values())
    assert counts["train"] == round(COMPARISON["phi"] * id_atomic)
    assert counts["test_id"] == 40 and counts["test_ood"] == 30


def test_comparison_answer_reproduces_every_target(comparison):
    folder, params = comparison
    task = get_task("comparison")
    full = resolved("comparison", params)
    for split in ("train", "test_id", "test_ood"):
        for record in read(folder, "comparison", split)[:200]:
            assert task.answer(full, 3, record["input"]) == record["target"]


def test_test_id_never_repeats_a_training_input(two_hop, comparison):
    for folder, task in ((two_hop[0], "two_hop"), (comparison[0], "comparison")):
        train = {r["input"] for r in read(folder, task, "train")}
        assert not train & {r["input"] for r in read(folder, task, "test_id")}


def test_asking_for_more_inferred_facts_than_exist_is_refused(tmp_path):
    with pytest.raises(InfeasibleError, match="phi"):
        genforge.generate("two_hop", tmp_path, params={**TWO_HOP, "phi": 20.0})


@pytest.mark.parametrize("task, params", [
    ("two_hop", {"entities": 100_000, "out_degree": 50, "phi": 100.0}),  # 480 million train facts (past 1 GB)
    ("comparison", {"entities": 100_000, "attributes": 50}),  # 39 million train facts (past 3 GB in 90 s)
])
def test_a_train_split_too_large_to_build_quickly_is_refused_naming_phi(tmp_path, task, params):
    # train is defined whole (all atomic facts plus phi x ID atomic ones), whatever size is asked of it.
    with pytest.raises(ParameterError, match=r"phi.*at most 1,000,000"):
        genforge.generate(task, tmp_path, params=params, sizes={"train": 10})


def test_bad_parameters_are_named(tmp_path):
    with pytest.raises(ParameterError, match="out_degree"):
        genforge.generate("two_hop", tmp_path, params={"relations": 5, "out_degree": 6})


def test_normalize_answer_folds_both_formats():
    for name in ("two_hop", "comparison"):
        task = get_task(name)
        assert task.normalize_answer(" <e_45> ") == task.normalize_answer("e45") == "e45"
        assert task.normalize_answer("< v_7 >") == task.normalize_answer("v7")
        assert task.normalize_answer("<lt>") == task.normalize_answer(" < ") == "<"
        assert task.normalize_answer("<gt>") != task.normalize_answer("<eq>")


def test_solve_explains_that_the_knowledge_base_is_needed():
    with pytest.raises(UsageError, match="seed"):
        get_task("two_hop").solve(None, "<e_1><r_2>")


def test_structure_lists_symbols_and_adjacent_pairs():
    atoms, compounds = get_task("two_hop").structure({"instruction": None, "input": "<e_12><r_3><r_7>"})
    assert atoms == ["e12", "r3", "r7"] and compounds == ["e12 r3", "r3 r7"]
    atoms, _ = get_task("two_hop").structure({"instruction": None, "input": "What is the r7 of the r3 of e12?"})
    assert atoms == ["r7", "r3", "e12"]


GOLDEN = {
    "two_hop": {
        "train.jsonl": "5b2afd3ad934fa39f61812a4c5acc60486ca09693b6f30c21865b3ad5f125499",
        "test_id.jsonl": "d9f2fa3aa09bb39a173b1701486893ad67d8054a79a52b3064af6803c90348f6",
        "test_ood.jsonl": "a0c90130421e0c2b1d227b0440d7d0b6d0403c5038a3c3bbc2a5283b79719c61",
        "train_atomic_id.jsonl": "be5b3237045b98b1ffa3f32927c1c1df32f73e926d61f5c05525f2354d765fd1",
        "train_atomic_ood.jsonl": "136292533f14d41efcdda87373adb786f8ca09f5d5d2fc7a125b0734cba3f5fa",
        "train_inferred.jsonl": "d2874f1e4f5ef5418c1850b5d0dc2b20545ce82f7abb85997a9867f26be19e9f",
    },
    "comparison": {
        "train.jsonl": "798c72434a42a5f74a471bf87e357538c8c81622bbd31374f4200fd565dfa964",
        "test_id.jsonl": "fa7f625c602cff7366c87ea8f9bba7df99bbf68a89c62992d1042cec6f6d3b68",
        "test_ood.jsonl": "97622fdfe2d9e5fe0c7572681d645eb5fd12c9f54ffeaa2994ef5994a1e7e212",
        "train_atomic_id.jsonl": "28069371753b58dafdff3245ebe4ae77514725e8874c6f0ee3d4e5f0a501f2a7",
        "train_atomic_ood.jsonl": "d4f26b9c2259359085d36907f808cfc18551077ea708c6c9ea8a688037665319",
        "train_inferred.jsonl": "14c203d3c9cd66cabe519db376cc989cfe8b87004be5f87ae8b9c47e3cfe070b",
    },
}


@pytest.mark.parametrize("task,params", [("two_hop", TWO_HOP), ("comparison", COMPARISON)])
def test_golden_output_is_pinned(tmp_path, task, params):
    manifest = genforge.generate(task, tmp_path, sizes={"test_id": 20, "test_ood": 10}, params=params, seed=0)
    digests = {f["name"]: hashlib.sha256((tmp_path / task / f["name"]).read_bytes()).hexdigest()
               for f in manifest["files"]}
    assert digests == GOLDEN[task]
