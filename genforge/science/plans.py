"""The generic split plans every task gets: ``mcd`` and ``easy_to_hard``.

Each is a :class:`~genforge.core.plans.GenericPlan`, registered in the
``genforge.plans`` entry-point group; the engine runs it like any plan (so
workers, shards, ``--resume``, ``--max-bytes``, Dask and suites all work). Its
``build`` draws a pool of records from the task's own default plan (the
splits of its training distribution), selects the records of each split and
returns a plan whose splits hold them. Sizes name the splits of the generic
plan; ``--plan-option`` tunes the search (see each plan).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Mapping

from genforge.core.errors import InfeasibleError, UsageError, did_you_mean
from genforge.core.plans import records_split
from genforge.core.rng import RandomStream
from genforge.core.spec import TaskSpec
from genforge.core.splits import SplitPlan
from genforge.science.difficulty import easy_hard_thresholds
from genforge.science.divergence import atom_divergence, compound_divergence, count
from genforge.science.mcd import mcd_split
from genforge.science.pool import draw_pool, plan_option, train_distribution_splits

SEARCH_MARGIN = 0.85


def _check_option_names(plan: str, options: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for name in options:
        if name not in allowed:
            raise UsageError(f"plan option {name!r} is not known for plan {plan!r}{did_you_mean(name, allowed)}; "
                             f"allowed: {', '.join(allowed) or 'none'}")


def source_spec(spec: TaskSpec) -> TaskSpec:
    """The request for the task's own default plan that a generic plan pools from."""
    task = spec.task_object()
    plan = task.split_plans(spec.typed())[task.default_split_plan]
    return replace(spec, split_plan=task.default_split_plan, sizes={s.name: s.size for s in plan.splits},
                   allow_repeats=False, shard_size=None, plan_options={}, difficulty_range=None)


def _pool(spec: TaskSpec, size: int) -> list[dict]:
    return draw_pool(spec, size, train_distribution_splits(spec))


class McdPlan:
    """train / test_id / test_ood_compound: D_C maximised with D_A <= max_atom_divergence.

    Options: ``pool_size`` (records drawn from the default plan's training
    distribution, default 3 x the total), ``max_atom_divergence`` (0.02),
    ``candidates`` (pool records tried per greedy step, 32), ``search_seed``
    (default: the run's seed).
    """

    name = "mcd"
    summary = ("maximum compound divergence: train/test with D_A under a bound and D_C maximised "
               "(--plan-option pool_size, max_atom_divergence, candidates, search_seed)")
    default_sizes = {"train": 8000, "test_id": 1000, "test_ood_compound": 1000}
    options = ("pool_size", "max_atom_divergence", "candidates", "search_seed")

    def resolve_options(self, options: Mapping[str, Any], seed: int, sizes: Mapping[str, int]) -> dict[str, Any]:
        _check_option_names(self.name, options, self.options)
        return {"pool_size": plan_option(options, "pool_size", 3 * sum(sizes.values()), int, 2, 10**7),
                "max_atom_divergence": plan_option(options, "max_atom_divergence", 0.02, float, 0.0, 1.0),
                "candidates": plan_option(options, "candidates", 32, int, 1, 4096),
                "search_seed": plan_option(options, "search_seed", seed, int, 0, 2**63 - 1)}

    def build(self, spec: TaskSpec) -> SplitPlan:
        wanted = dict(spec.sizes)
        options = spec.plan_options
        pool_size, bound = options["pool_size"], options["max_atom_divergence"]
        candidates, search_seed = options["candidates"], options["search_seed"]
        source = source_spec(spec)
        task = spec.task_object()
        pool = _pool(source, pool_size)
        structures = [task.structure(record) for record in pool]
        rng = RandomStream.from_parts("mcd", spec.task, spec.task_version, dict(spec.params), spec.seed, search_seed,
                                      wanted, pool_size, bound, candidates)
        # The search aims a little under the bound: holding test_id out of the train side moves D_A slightly.
        result = mcd_split(structures, wanted["train"] + wanted["test_id"], wanted["test_ood_compound"], rng,
                           max_atom_divergence=SEARCH_MARGIN * bound, candidates=candidates)
        train = list(result.train)
        rng.shuffle(train)
        test_id, train = train[:wanted["test_id"]], train[wanted["test_id"]:]
        test = list(result.test)
        rng.shuffle(test)
        measured = {
            name: {
                "atom_divergence": round(atom_divergence(count(structures[i][0] for i in train),
                                                         count(structures[i][0] for i in part)), 4),
                "compound_divergence": round(compound_divergence(count(structures[i][1] for i in train),
                                                                 count(structures[i][1] for i in part)), 4),
            }
            for name, part in (("test_id", test_id), ("test_ood_compound", test))
        }
        ood = measured["test_ood_compound"]
        if ood["atom_divergence"] > bound:
            raise InfeasibleError(
                f"mcd for task {spec.task!r}: the search kept atom divergence at {ood['atom_divergence']} at best "
                f"(compound divergence {ood['compound_divergence']}), above the bound {bound}; the task's atoms "
                f"may be too many or too rare to spread evenly. Raise --plan-option max_atom_divergence, enlarge "
                f"pool_size or candidates, or ask for a smaller test split")
        plan_options = {"pool_size": pool_size, "pooled": len(pool), "max_atom_divergence": bound,
                        "candidates": candidates, "search_seed": search_seed,
                        "source_plan": source.split_plan, "source_splits": train_distribution_splits(source)}
        splits = (
            records_split("train", [pool[i] for i in train],
                          f"training side of a maximum compound divergence split of {len(pool)} pooled records"),
            records_split("test_id", [pool[i] for i in test_id],
                          "random held-out part of the training side (same distribution as train)"),
            records_split("test_ood_compound", [pool[i] for i in test],
                          f"test side: D_A {ood['atom_divergence']}, D_C {ood['compound_divergence']} against train",
                          shift="compound"),
        )
        return SplitPlan("mcd", self.summary, splits,
                         manifest_options={"plan_options": plan_options, "divergences": measured})


class EasyToHardPlan:
    """train / test_id from the easy part of the training distribution, test_ood_hard from its hard part.

    In the spirit of Easy2Hard-Bench (Ding et al. 2024), which labels examples
    by difficulty so that models can be trained on easy and evaluated on hard
    ones. Options: ``easy_quantile`` (0.5: easy is difficulty at or below the
    pool's median), ``hard_quantile`` (0.8: hard is at or above the 80th
    percentile, and always above the easy threshold), ``pool_size`` (default:
    enough for both parts, with 20% to spare).
    """

    name = "easy_to_hard"
    summary = "train on the easy part, test on the hard part by meta.difficulty quantiles"
    default_sizes = {"train": 4000, "test_id": 500, "test_ood_hard": 500}
    options = ("pool_size", "easy_quantile", "hard_quantile")

    def resolve_options(self, options: Mapping[str, Any], seed: int, sizes: Mapping[str, int]) -> dict[str, Any]:
        _check_option_names(self.name, options, self.options)
        easy_quantile = plan_option(options, "easy_quantile", 0.5, float, 0.0, 1.0)
        hard_quantile = plan_option(options, "hard_quantile", 0.8, float, 0.0, 1.0)
        if hard_quantile < easy_quantile:
            raise UsageError(f"plan option hard_quantile = {hard_quantile} is below easy_quantile = "
                             f"{easy_quantile}; expected easy_quantile <= hard_quantile")
        easy_wanted = sizes["train"] + sizes["test_id"]
        default_pool = math.ceil(1.2 * max(easy_wanted / max(easy_quantile, 1e-3),
                                           sizes["test_ood_hard"] / max(1.0 - hard_quantile, 1e-3)))
        return {"pool_size": plan_option(options, "pool_size", default_pool, int, 2, 10**7),
                "easy_quantile": easy_quantile, "hard_quantile": hard_quantile}

    def build(self, spec: TaskSpec) -> SplitPlan:
        wanted = dict(spec.sizes)
        pool_size = spec.plan_options["pool_size"]
        easy_quantile, hard_quantile = spec.plan_options["easy_quantile"], spec.plan_options["hard_quantile"]
        easy_wanted = wanted["train"] + wanted["test_id"]
        source = source_spec(spec)
        pool = _pool(source, pool_size)
        if not pool:
            raise UsageError(f"task {spec.task!r} produced no records to pool")
        easy_max, hard_min = easy_hard_thresholds([r["meta"]["difficulty"] for r in pool], easy_quantile,
                                                  hard_quantile)
        rng = RandomStream.from_parts("easy_to_hard", spec.task, spec.task_version, dict(spec.params), spec.seed,
                                      wanted, pool_size, easy_quantile, hard_quantile)
        easy = [r for r in pool if r["meta"]["difficulty"] <= easy_max]
        hard = [r for r in pool if r["meta"]["difficulty"] >= hard_min]
        rng.shuffle(easy)
        rng.shuffle(hard)
        for have, need, name in ((len(easy), easy_wanted, "train + test_id"),
                                 (len(hard), wanted["test_ood_hard"], "test_ood_hard")):
            if have < need:
                raise InfeasibleError(
                    f"easy_to_hard for task {spec.task!r}: {have} of {len(pool)} pooled records fall in {name}, "
                    f"{need} requested; ask for fewer, or a larger pool (--plan-option pool_size=N)")
        plan_options = {"pool_size": pool_size, "pooled": len(pool), "easy_quantile": easy_quantile,
                        "hard_quantile": hard_quantile, "easy_max_difficulty": easy_max,
                        "hard_min_difficulty": hard_min, "source_plan": source.split_plan}
        splits = (
            records_split("train", easy[:wanted["train"]],
                          f"easy part: difficulty <= {easy_max} (quantile {easy_quantile} of the pool)"),
            records_split("test_id", easy[wanted["train"]:easy_wanted],
                          f"held-out easy examples (difficulty <= {easy_max})"),
            records_split("test_ood_hard", hard[:wanted["test_ood_hard"]],
                          f"hard part: difficulty >= {hard_min} (quantile {hard_quantile} of the pool)",
                          shift="difficulty"),
        )
        return SplitPlan("easy_to_hard", self.summary, splits, manifest_options={"plan_options": plan_options})
