"""two_hop and comparison: a comparison and its reverse are one question (issue 15), and the Grokked
Transformers probe splits that repeat train on purpose (issue 17)."""

import json
import re
import shutil
import signal
import subprocess
import sys

import pytest

import genforge
from genforge.core.registry import get_task
from genforge.core.spec import resolve_spec
from genforge.science.audit import audit_path

TWO_HOP = {"entities": 60, "relations": 12, "out_degree": 6, "ood_share": 0.2, "phi": 2.0}
COMPARISON = {"entities": 40, "attributes": 3, "values": 6, "ood_share": 0.2, "phi": 3.0}
PROBES = ("train_atomic_id", "train_atomic_ood", "train_inferred")


def read(folder, task, split):
    with open(folder / task / f"{split}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def reverse(text):
    """The comparison with its two entities swapped, in either format (independent of the task's code)."""
    if text.startswith("<"):
        first, attribute, second = re.findall(r"\d+", text)
        return f"<e_{second}><a_{attribute}><e_{first}>"
    attribute, first, second = re.findall(r"\d+", text)
    return f"Compare the a{attribute} of e{second} with that of e{first}."


@pytest.fixture(scope="module", params=["tokens", "text"])
def comparison(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("comparison")
    # A large test_id share: 300 ID pairs held out of 2,976, so that reverses of train pairs are likely.
    params = {**COMPARISON, "format": request.param, "test_id_probability": 0.3}
    genforge.generate("comparison", folder, sizes={"test_id": 300, "test_ood": 60}, params=params, seed=1)
    return folder, params


@pytest.fixture(scope="module")
def two_hop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_hop")
    genforge.generate("two_hop", folder, sizes={"test_id": 20, "test_ood": 10}, params=TWO_HOP, seed=2)
    return folder


# -- a comparison and its reverse ---------------------------------------------------------
def test_no_test_comparison_has_its_reverse_in_train(comparison):
    folder, _ = comparison
    train = {r["input"] for r in read(folder, "comparison", "train")}
    for split in ("test_id", "test_ood"):
        inputs = [r["input"] for r in read(folder, "comparison", split)]
        assert not [text for text in inputs if reverse(text) in train], split


def test_a_test_split_never_holds_a_comparison_and_its_reverse(comparison):
    folder, _ = comparison
    for split in ("test_id", "test_ood"):
        inputs = {r["input"] for r in read(folder, "comparison", split)}
        assert not {text for text in inputs if reverse(text) in inputs}, split


def test_train_keeps_both_orders_of_a_pair_as_the_paper_does(comparison):
    # Train holds round(phi x ID atomic facts) inferred facts; canonical dedup must not thin it out.
    folder, _ = comparison
    inferred = [r for r in read(folder, "comparison", "train") if r["meta"]["complexity"]["facts"] == 2]
    id_atomic = COMPARISON["attributes"] * (COMPARISON["entities"] - round(COMPARISON["ood_share"] * 40))
    assert len(inferred) == round(COMPARISON["phi"] * id_atomic)
    inputs = {r["input"] for r in inferred}
    assert any(reverse(text) in inputs for text in inputs)


@pytest.mark.parametrize("fmt", ["tokens", "text"])
def test_sampled_keys_are_the_canonical_keys_and_a_pair_shares_its_bucket(fmt):
    task = get_task("comparison")
    params = resolve_spec("comparison", params={**COMPARISON, "format": fmt}).typed()
    view = task.facts(params, 0)
    rng = genforge.core.rng.RandomStream.from_parts("test", 1)
    for example in task.sample_block(rng, params.for_split({}, 0), 200):
        assert example.key() == task.canonical_key(example.instruction, example.input)
        assert task.canonical_key(None, reverse(example.input)) == example.key()
    for item in [(0, 3, 17), (2, 30, 1)]:
        swapped = (item[0], item[2], item[1])
        assert view.bucket_of_item(item) == view.bucket_of_item(swapped)


def test_canonical_key_leaves_atomic_facts_and_two_hop_alone():
    comparison = get_task("comparison")
    assert comparison.canonical_key(None, "<e_9><a_1>") == "<e_9><a_1>"
    assert comparison.canonical_key(None, "<e_9><a_1><e_2>") == "<e_2><a_1><e_9>"
    assert (comparison.canonical_key(None, "Compare the a1 of e9 with that of e2.")
            == "Compare the a1 of e2 with that of e9.")
    assert get_task("two_hop").canonical_key(None, "<e_9><r_1><r_2>") == "<e_9><r_1><r_2>"


# -- probe splits (Grokked Transformers' atomic and train-inferred evaluation) --------------
def test_comparison_holds_out_the_papers_share_of_entities():
    # The release's comparison.ipynb keeps 90% of the entities ID per attribute (num_id_entities_ratio = 0.9).
    assert resolve_spec("comparison").typed().ood_share == 0.1


@pytest.mark.parametrize("task", ["two_hop", "comparison"])
def test_probe_splits_repeat_train_and_say_so(task, two_hop, comparison):
    folder = two_hop if task == "two_hop" else comparison[0]
    train = {r["input"]: r for r in read(folder, task, "train")}
    expected = {"train_atomic_id": (1, "id"), "train_atomic_ood": (1, "ood"), "train_inferred": (2, "id")}
    for split, (facts, domain) in expected.items():
        records = read(folder, task, split)
        assert records, split
        assert len({r["input"] for r in records}) == len(records)
        for record in records:
            assert record["meta"]["complexity"]["facts"] == facts and record["meta"]["domain"] == domain
            assert train[record["input"]]["target"] == record["target"]
    manifest = json.loads((folder / task / "manifest.json").read_text())
    entries = {entry["name"]: entry for entry in manifest["splits"]}
    for split in PROBES:
        assert entries[split]["shift"] == "seen" and entries[split]["probe_of"] == "train"
    assert "probe_of" not in entries["test_id"]


def test_probe_sizes_default_to_test_size_capped_by_what_train_holds():
    plan = resolve_spec("two_hop", params=TWO_HOP).plan()
    sizes = {s.name: s.size for s in plan.splits}
    atomic = 60 * 6
    assert sizes["train_atomic_ood"] == round(0.2 * atomic) and sizes["train_atomic_id"] == atomic - 72
    assert resolve_spec("two_hop").plan().split("train_inferred").size == 1000


def test_the_audit_accepts_probe_splits_but_not_a_probe_outside_train(two_hop, tmp_path):
    report = audit_path(two_hop / "two_hop")
    assert report["ok"], report["tasks"][0]["violations"]
    copy = tmp_path / "two_hop"
    shutil.copytree(two_hop / "two_hop", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    test_id = (copy / "test_id.jsonl").read_text()
    (copy / "train_inferred.jsonl").write_text(test_id)  # a "probe" whose records train never saw
    for entry in manifest["files"]:
        if entry["split"] == "train_inferred":
            entry["records"] = len(test_id.splitlines())
    (copy / "manifest.json").write_text(json.dumps(manifest))
    problems = audit_path(copy)["tasks"][0]["violations"]
    assert any("train_inferred" in problem and "not in train" in problem for problem in problems)


KILL_AFTER_SAVES = """
import os, signal, sys
from genforge.core import engine
import genforge
saves = {"count": 0}
original = engine.Checkpoints.save
def save(self, *args, **kwargs):
    original(self, *args, **kwargs)
    saves["count"] += 1
    if saves["count"] == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
engine.Checkpoints.save = save
genforge.generate("two_hop", sys.argv[1], sizes={"test_id": 20, "test_ood": 10}, params=%r, seed=2)
""" % (TWO_HOP,)


@pytest.mark.parametrize("saves", [2, 5])
def test_a_run_killed_among_the_probe_splits_resumes_to_the_same_bytes(tmp_path, two_hop, saves):
    out = tmp_path / "out"
    process = subprocess.run([sys.executable, "-c", KILL_AFTER_SAVES, str(out), str(saves)], capture_output=True,
                             timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    genforge.generate("two_hop", out, sizes={"test_id": 20, "test_ood": 10}, params=TWO_HOP, seed=2, resume=True)
    for path in sorted((two_hop / "two_hop").iterdir()):
        assert (out / "two_hop" / path.name).read_bytes() == path.read_bytes(), path.name


def test_evaluate_counts_a_probe_split_neither_as_id_nor_as_ood():
    from genforge.evaluate.references import SplitInfo
    from genforge.evaluate.scoring import role
    probe = SplitInfo("two_hop", "train_inferred", "seen")
    assert not probe.is_in_distribution and not probe.is_out_of_distribution and role(probe) == "seen"
    assert SplitInfo("two_hop", "test_ood", "composition").is_out_of_distribution


def test_only_a_probe_split_has_shift_seen():
    from genforge.core.splits import SplitSpec
    with pytest.raises(ValueError, match="probe_of"):
        SplitSpec("x", 1, "", shift="seen")
    with pytest.raises(ValueError, match="probe_of"):
        SplitSpec("x", 1, "", probe_of="train")
