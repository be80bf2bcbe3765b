"""`genforge compare`: many models on the same references, and the statistics behind it."""

import csv
import io
import json
import math

import numpy as np
import pytest
from snapshot_helpers import run_cli

import genforge
from genforge.evaluate.statistics import fit_rasch, kendall_tau, mcnemar_exact, spearman


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "data"
    genforge.generate("rewrite", out, sizes={"train": 20, "validation": 20, "test_id": 40,
                                             "test_ood_instruction": 40},
                      params={"input_length": 12, "pattern_length": 3, "replacement_length": 3})
    genforge.generate("markov", out, sizes={"train": 20, "validation": 20, "test_id": 40, "test_ood_instruction": 40})
    return out


def scored(data, task="rewrite"):
    return [json.loads(line) for split in ("validation", "test_id", "test_ood_instruction")
            for line in (data / task / f"{split}.jsonl").read_text().splitlines()]


def write_model(path, records, answer):
    path.write_text("".join(json.dumps({"id": r["id"], "prediction": answer(i, r)}) + "\n"
                            for i, r in enumerate(records)))
    return path


@pytest.fixture(scope="module")
def models(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    records = scored(data)
    return [
        write_model(folder / "oracle.jsonl", records, lambda i, r: r["target"]),
        write_model(folder / "copy.jsonl", records, lambda i, r: r["input"]),
        write_model(folder / "noisy.jsonl", records, lambda i, r: r["target"] if i % 4 else "?"),
    ]


def test_the_text_report_tables_models_by_split_with_gaps_pairs_items_and_concordance(data, models):
    result = run_cli(["compare", *models, "--snapshot", data / "rewrite"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "split" in out and "oracle" in out and "copy" in out and "noisy" in out
    assert "rewrite/test_ood_instruction" in out and "1.000 [1.000, 1.000]" in out
    assert "ID - OOD gap by model" in out and "McNemar p" in out
    assert "Spearman with meta.difficulty" in out and "Kendall's tau-b" in out


def test_the_oracle_beats_the_copy_baseline_significantly(data, models):
    report = json.loads(run_cli(["compare", *models, "--snapshot", data / "rewrite", "--json"]).output)
    pair = next(p for p in report["pairs"] if (p["first"], p["second"]) == ("oracle", "copy"))
    assert pair["difference"] > 0 and pair["interval"][0] > 0 and pair["mcnemar"]["p_value"] < 0.001
    noisy = next(p for p in report["pairs"] if (p["first"], p["second"]) == ("oracle", "noisy"))
    assert noisy["mcnemar"]["only_second"] == 0 and noisy["mcnemar"]["only_first"] == 25
    assert report["concordance"]["mean_tau_splits"] is not None


def test_names_csv_and_bad_input(data, models):
    names = ["--name", "a", "--name", "b", "--name", "c"]
    result = run_cli(["compare", *models, "--snapshot", data / "rewrite", "--csv", *names])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {row["model"] for row in rows if row["kind"] == "exact_match"} == {"a", "b", "c"}
    assert any(row["kind"] == "kendall_tau_splits" for row in rows)
    result = run_cli(["compare", models[0], "--snapshot", data / "rewrite"])
    assert result.exit_code == 2 and "at least two" in result.output
    result = run_cli(["compare", *models, "--snapshot", data / "rewrite", "--name", "a"])
    assert result.exit_code == 2 and "one per file" in result.output


def test_fitted_difficulty_follows_meta_difficulty_when_models_fail_on_hard_items(data, tmp_path):
    records = scored(data, "markov")  # rewrite's difficulty is constant at these parameters
    difficulties = sorted(r["meta"]["difficulty"] for r in records)
    cuts = [difficulties[len(difficulties) * k // 5] for k in (1, 2, 3, 4)]
    paths = [write_model(tmp_path / f"m{k}.jsonl", records,
                         lambda i, r, cut=cut: r["target"] if r["meta"]["difficulty"] < cut else "?")
             for k, cut in enumerate(cuts)]
    report = json.loads(run_cli(["compare", *paths, "--snapshot", data / "markov", "--json"]).output)
    assert report["items"]["spearman_with_meta_difficulty"] > 0.8


def test_kendall_tau_says_when_splits_rank_the_models_in_opposite_orders(data, tmp_path):
    records = scored(data)
    in_id = {"validation", "test_id"}
    paths = [write_model(tmp_path / "id_only.jsonl", records,
                         lambda i, r: r["target"] if r["split"] in in_id else "?"),
             write_model(tmp_path / "ood_only.jsonl", records,
                         lambda i, r: "?" if r["split"] in in_id else r["target"])]
    report = json.loads(run_cli(["compare", *paths, "--snapshot", data / "rewrite", "--json"]).output)
    taus = {(p["first"], p["second"]): p["tau"] for p in report["concordance"]["splits"]}
    assert taus[("rewrite/validation", "rewrite/test_id")] == 1.0
    assert taus[("rewrite/test_id", "rewrite/test_ood_instruction")] == -1.0


def test_spearman_and_kendall_on_known_orders():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
    assert kendall_tau([1, 1, 1], [1, 2, 3]) is None


def test_mcnemar_exact_p_value():
    first = np.array([1] * 10 + [0] * 2 + [1] * 5)
    second = np.array([0] * 10 + [1] * 2 + [1] * 5)
    result = mcnemar_exact(first, second)
    assert (result["only_first"], result["only_second"]) == (10, 2)
    assert result["p_value"] == pytest.approx(2 * (1 + 12 + 66) / 4096)


def test_rasch_recovers_abilities_and_difficulties_from_simulated_answers():
    rng = np.random.default_rng(5)
    ability, difficulty = np.linspace(-2, 2, 30), np.linspace(-1.5, 1.5, 40)
    chance = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
    answers = (rng.random(chance.shape) < chance).astype(int)
    fitted_ability, fitted_difficulty = fit_rasch(answers)
    assert spearman(fitted_ability, ability) > 0.9 and spearman(fitted_difficulty, difficulty) > 0.9
    assert all(math.isfinite(v) for v in fitted_difficulty)


def test_plot_draws_a_chart_or_says_how_to_install_matplotlib(data, models, tmp_path):
    chart = tmp_path / "compare.png"
    result = run_cli(["compare", *models, "--snapshot", data / "rewrite", "--plot", chart])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result.exit_code == 2 and "pip install 'genforge[plot]'" in result.output and not chart.exists()
    else:
        assert result.exit_code == 0 and chart.read_bytes()[:4] == b"\x89PNG"
