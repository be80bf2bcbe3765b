"""genforge audit flags planted shortcuts, confounds and symmetric duplicates, and honours declarations.

A fake task ("planted") and hand-written folders: each test plants one defect
and checks that the audit names it, and that a clean folder raises nothing.
"""

import json
import random

import pytest
from click.testing import CliRunner

import genforge
from genforge.cli import cli
from genforge.core.task import Task
from genforge.core.splits import SplitPlan, SplitSpec
from genforge.science import audit
from genforge.science.audit import audit_path
from genforge.science.nuisance import Binning, histogram, total_variation
from genforge.science.shortcuts import Thresholds

WORDS = [f"w{i}" for i in range(40)]


class Planted(Task):
    """Inputs are words; ``a+b`` inputs are commutative (their canonical key sorts the operands)."""

    name = "planted"

    def __init__(self, plan=None):
        self.plan = plan or SplitPlan("planted", "", (SplitSpec("train", 400, ""),
                                                      SplitSpec("test_id", 150, ""),
                                                      SplitSpec("test_ood", 150, "", shift="template")))

    def split_plans(self, params):
        return {"planted": self.plan}

    def canonical_key(self, instruction, input):
        return "+".join(sorted(input.split("+")))

    def nuisance_features(self, record):
        return {"has_w0": "w0" in record["input"].split()}


def write_folder(folder, splits, shifts=None):
    """A task folder of the planted task: ``splits`` maps split name -> [(input, target)]."""
    folder.mkdir(parents=True)
    files = []
    for name, pairs in splits.items():
        lines = [json.dumps({"id": f"planted/{name}/{i:06d}", "task": "planted", "split": name, "instruction": None,
                             "input": text, "target": target, "meta": {"domain": "d"}})
                 for i, (text, target) in enumerate(pairs)]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
        files.append({"name": f"{name}.jsonl", "split": name, "records": len(pairs)})
    manifest = {"task": "planted", "params": {}, "split_plan": "planted", "files": files,
                "splits": [{"name": name, "shift": (shifts or {}).get(name, "iid")} for name in splits]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def sentences(count, seed, length=(3, 6), target=lambda words, rng: rng.choice(WORDS), vocabulary=WORDS):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(*length))]
        pairs.append((" ".join(words), target(words, rng)))
    return pairs


@pytest.fixture
def planted(monkeypatch):
    task = Planted()
    monkeypatch.setattr(audit, "get_task", lambda name: task)
    return task


def findings(folder, key="flags"):
    report = audit_path(folder)["tasks"][0]
    return {(f["check"], f["split"], f["name"]) for f in report[key]}, report


def clean_splits():
    return {"train": sentences(400, 1), "test_id": sentences(150, 2), "test_ood": sentences(150, 3)}


def test_a_folder_without_shortcut_or_confound_is_not_flagged(tmp_path, planted):
    flags, report = findings(write_folder(tmp_path / "clean", clean_splits(), {"test_ood": "template"}))
    assert flags == set() and report["ok"]
    assert set(report["probes"]) >= {"majority", "copy_input", "instruction_lookup", "first_1", "last_1",
                                     "first_last_1", "nearest_ngram", "naive_bayes"}
    assert report["probes"]["majority"]["test_id"] < 0.1


def test_a_target_equal_to_the_first_word_is_a_flagged_shortcut(tmp_path, planted):
    first = lambda words, rng: words[0]
    splits = {name: sentences(n, seed, target=first) for name, n, seed in [("train", 400, 1), ("test_id", 150, 2),
                                                                           ("test_ood", 150, 3)]}
    flags, report = findings(write_folder(tmp_path / "first", splits, {"test_ood": "template"}))
    assert ("probe", "test_id", "first_1") in flags and ("probe", "test_ood", "first_1") in flags
    assert report["probes"]["first_1"]["test_id"] > 0.9 and not report["ok"]
    assert ("probe", "train", "first_1") not in flags  # train is where probes are fit: reported only
    result = CliRunner().invoke(cli, ["audit", str(tmp_path / "first")])
    assert result.exit_code == 1
    assert "FLAG test_id [probe] first_1 scores" in result.output


def test_a_declared_probe_is_reported_with_its_reason_not_flagged(tmp_path, planted):
    planted.plan = SplitPlan("planted", "", planted.plan.splits,
                             expected_probes={"first_1": "the task is defined by its first word"})
    first = lambda words, rng: words[0]
    splits = {"train": sentences(400, 1, target=first), "test_id": sentences(150, 2, target=first)}
    folder = write_folder(tmp_path / "declared", splits)
    flags, report = findings(folder)
    expected, _ = findings(folder, "expected")
    assert ("probe", "test_id", "first_1") in expected
    assert not any(name == "first_1" for _, _, name in flags)
    text = CliRunner().invoke(cli, ["audit", str(folder)]).output
    assert "declared: the task is defined by its first word" in text


def test_a_longer_test_split_under_another_shift_is_a_flagged_confound(tmp_path, planted):
    splits = clean_splits()
    splits["test_ood"] = sentences(150, 3, length=(9, 14))
    flags, report = findings(write_folder(tmp_path / "long", splits, {"test_ood": "template"}))
    assert ("shift", "test_ood", "input_length") in flags
    assert report["nuisance"]["input_length"]["test_ood"]["tv"] == 1.0
    assert ("shift", "test_id", "input_length") not in flags


def test_a_length_shift_may_move_length(tmp_path, planted):
    splits = clean_splits()
    splits["test_ood"] = sentences(150, 3, length=(9, 14))
    flags, report = findings(write_folder(tmp_path / "length", splits, {"test_ood": "length"}))
    assert not any(check == "shift" for check, _, _ in flags)
    assert report["nuisance"]["input_length"]["test_ood"]["moved_by_shift"]


def test_split_moves_and_expected_shifts_silence_a_feature(tmp_path, planted):
    splits = clean_splits()
    splits["test_ood"] = sentences(150, 3, length=(9, 14), vocabulary=["w0"] + WORDS[1:5])
    planted.plan = SplitPlan("planted", "", (SplitSpec("train", 400, ""), SplitSpec("test_id", 150, ""),
                                             SplitSpec("test_ood", 150, "", shift="template",
                                                       moves=("input_*",))),
                             expected_shifts={"has_w0": "the template split holds w0 by construction"})
    folder = write_folder(tmp_path / "declared_shift", splits, {"test_ood": "template"})
    flags, report = findings(folder)
    expected, _ = findings(folder, "expected")
    assert not any(check == "shift" for check, _, _ in flags)
    assert ("shift", "test_ood", "has_w0") in expected  # the task's own feature, declared


def test_a_task_feature_shift_is_flagged(tmp_path, planted):
    splits = clean_splits()
    splits["test_ood"] = sentences(150, 3, vocabulary=["w0", "w1"])  # w0 in about 90% of inputs, train 10%
    flags, _ = findings(write_folder(tmp_path / "w0", splits, {"test_ood": "template"}))
    assert ("shift", "test_ood", "has_w0") in flags


def test_a_test_input_equal_to_a_train_input_up_to_symmetry_is_counted(tmp_path, planted):
    splits = clean_splits()
    splits["train"].append(("w1 w2+w3", "x"))
    splits["test_id"].append(("w3+w1 w2", "x"))
    flags, report = findings(write_folder(tmp_path / "sym", splits, {"test_ood": "template"}))
    assert ("duplicate", "test_id", "canonical_key") in flags
    test_id = next(s for s in report["splits"] if s["split"] == "test_id")
    assert test_id["against_train"]["canonical_input_overlap"] == 1
    assert test_id["against_train"]["exact_input_overlap"] == 0 and not report["violations"]


def test_small_splits_are_reported_but_not_flagged(tmp_path, planted):
    first = lambda words, rng: words[0]
    splits = {"train": sentences(400, 1, target=first), "test_id": sentences(40, 2, target=first)}
    flags, report = findings(write_folder(tmp_path / "small", splits))
    assert report["probes"]["first_1"]["test_id"] > 0.9 and not flags


def test_thresholds_are_options(tmp_path, planted):
    folder = write_folder(tmp_path / "clean", clean_splits(), {"test_ood": "template"})
    strict = audit_path(folder, limits=Thresholds(max_tv=0.0, min_records=1))["tasks"][0]
    assert any(f["check"] == "shift" for f in strict["flags"])
    result = CliRunner().invoke(cli, ["audit", str(folder), "--max-tv", "0", "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["tasks"][0]["flags"]
    assert CliRunner().invoke(cli, ["audit", str(folder), "--max-tv", "2"]).exit_code == 2


def test_total_variation_bins_numbers_by_train_deciles():
    train = list(range(100))
    binning = Binning(train)
    assert total_variation(histogram(binning, train), histogram(binning, list(range(0, 100, 3)))) < 0.1
    assert histogram(binning, [500])  == {"above 99": 1}
    assert total_variation(histogram(binning, train), histogram(binning, [200, 300])) == 1.0


def _write_predictions(path, folder, right):
    """Predictions answering ``right`` splits correctly and the others wrongly."""
    with open(path, "w") as file:
        for split in ("test_id", "test_ood_instruction"):
            for line in (folder / f"{split}.jsonl").read_text().splitlines():
                record = json.loads(line)
                answer = record["target"] if split in right else record["target"] + " wrong"
                file.write(json.dumps({"id": record["id"], "prediction": answer}) + "\n")


def test_predictions_flag_an_ood_split_that_is_not_harder(tmp_path):
    genforge.generate("rewrite", tmp_path, sizes={"train": 60, "validation": 10, "test_id": 20,
                                                   "test_ood_instruction": 20})
    folder = tmp_path / "rewrite"
    _write_predictions(tmp_path / "easy_ood.jsonl", folder, right={"test_ood_instruction"})
    report = audit_path(folder, predictions=tmp_path / "easy_ood.jsonl")["tasks"][0]
    assert report["model_exact_match"]["test_ood_instruction"] == 1.0
    assert [f["split"] for f in report["flags"] if f["check"] == "predictions"] == ["test_ood_instruction"]
    _write_predictions(tmp_path / "hard_ood.jsonl", folder, right={"test_id"})
    report = audit_path(folder, predictions=tmp_path / "hard_ood.jsonl")["tasks"][0]
    assert not [f for f in report["flags"] if f["check"] == "predictions"]
    unrelated = tmp_path / "other.jsonl"
    unrelated.write_text('{"id": "scan/test_id/000000", "prediction": "x"}\n')
    result = CliRunner().invoke(cli, ["audit", str(folder), "--predictions", str(unrelated)])
    assert result.exception.exit_code == 2 and "no prediction has the id" in str(result.exception)


def test_predictions_are_matched_to_every_task_of_a_snapshot(tmp_path):
    from genforge.evaluate import baseline
    from snapshot_helpers import build_small

    build_small(tmp_path / "snap")
    baseline("majority_target", tmp_path / "majority.jsonl", snapshot=tmp_path / "snap")
    report = audit_path(tmp_path / "snap", predictions=tmp_path / "majority.jsonl")
    assert [task["task"] for task in report["tasks"]] == ["rewrite", "markov"]
    for task in report["tasks"]:
        # A constant answer is as wrong out of distribution as in it: "not harder" is what the check flags.
        assert set(task["model_exact_match"]) >= {"test_id"}
        assert any(f["check"] == "predictions" for f in task["flags"]) and not task["ok"]


def test_a_declared_measure_name_covers_its_complexity_feature():
    from genforge.science.nuisance import moves

    assert moves("complexity.rules", ("rules",)) and moves("rules", ("rules",))
    assert moves("complexity.rule_nodes", ("complexity.*",)) and not moves("input_length", ("complexity.*",))
    assert not moves("complexity.rules", ("steps",))


def test_difficulty_follows_a_moved_complexity_measure():
    from genforge.science.shortcuts import shift_findings

    table = {"complexity.rules": {"train": [2] * 200, "test_ood": [6] * 200},
             "difficulty": {"train": [0.1] * 200, "test_ood": [0.9] * 200}}
    plan = SplitPlan("p", "", (SplitSpec("train", 200, ""), SplitSpec("test_ood", 200, "", shift="template",
                                                                       moves=("rules",))))
    sizes = {"train": 200, "test_ood": 200}
    report, flags, _ = shift_findings(table, {"test_ood": "template"}, plan, "train", {"train"}, sizes, Thresholds())
    assert not flags and report["difficulty"]["test_ood"]["moved_by_shift"]
    unmoved = SplitPlan("p", "", (SplitSpec("train", 200, ""), SplitSpec("test_ood", 200, "", shift="template")))
    _, flags, _ = shift_findings(table, {"test_ood": "template"}, unmoved, "train", {"train"}, sizes, Thresholds())
    assert {f["name"] for f in flags} == {"complexity.rules", "difficulty"}
