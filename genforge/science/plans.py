"""The science split plans (``mcd``, ``easy_to_hard``) and ``--difficulty-range``, for any task.

``genforge.generate`` routes here when the split plan is one of
:data:`SCIENCE_PLANS` or a difficulty range is given. Sizes name the splits of
the science plan; ``plan_options`` tune the search (see each builder).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Optional

from genforge.core.errors import InfeasibleError, UsageError, did_you_mean
from genforge.core.rng import RandomStream
from genforge.core.spec import TaskSpec, resolve_spec
from genforge.core.writer import check_destination
from genforge.science.difficulty import easy_hard_thresholds, generate_in_range
from genforge.science.divergence import atom_divergence, compound_divergence, count
from genforge.science.mcd import mcd_split
from genforge.science.pool import draw_pool, manifest_head, plan_option, train_distribution_splits, write_task_folder

MCD_SIZES = {"train": 8000, "test_id": 1000, "test_ood_compound": 1000}
EASY_TO_HARD_SIZES = {"train": 4000, "test_id": 500, "test_ood_hard": 500}
SCIENCE_PLANS = ("mcd", "easy_to_hard")
SEARCH_MARGIN = 0.85
PLAN_OPTIONS = {
    "mcd": ("pool_size", "max_atom_divergence", "candidates", "search_seed"),
    "easy_to_hard": ("pool_size", "easy_quantile", "hard_quantile"),
}


def _sizes(defaults: Mapping[str, int], sizes: Mapping[str, Any] | None, plan: str) -> dict[str, int]:
    resolved = dict(defaults)
    for name, size in dict(sizes or {}).items():
        if name not in resolved:
            raise UsageError(f"split {name!r} is not in plan {plan!r}{did_you_mean(name, resolved)}; "
                             f"its splits: {', '.join(defaults)}")
        try:
            size = int(size)
        except (TypeError, ValueError):
            raise UsageError(f"size of split {name!r} = {size!r} is not a whole number") from None
        if size < 0:
            raise UsageError(f"size of split {name!r} = {size!r} is not allowed: expected a whole number >= 0")
        resolved[name] = size
    return resolved


def _check_options(plan: str, options: Mapping[str, Any]) -> None:
    allowed = PLAN_OPTIONS.get(plan, ())
    for name in options:
        if name not in allowed:
            raise UsageError(f"plan option {name!r} is not known for plan {plan!r}{did_you_mean(name, allowed)}; "
                             f"allowed: {', '.join(allowed) or 'none'}")


def generate_science(task: str, out: str | Path, *, split_plan: Optional[str], sizes, params, seed: int,
                     overwrite: bool, trace: bool, allow_repeats: bool, difficulty_range=None,
                     plan_options: Mapping[str, Any] | None = None, progress=None) -> dict:
    """Build a science plan or a difficulty-filtered plan into ``out/<task>/``; return the manifest."""
    options = dict(plan_options or {})
    if split_plan in SCIENCE_PLANS:
        if difficulty_range is not None:
            raise UsageError(f"--difficulty-range applies to the task's own plans, not to {split_plan!r}; "
                             "easy_to_hard already selects by difficulty")
        _check_options(split_plan, options)
        base = resolve_spec(task, params=params, seed=seed, trace=trace)
        check_destination(Path(out) / task, overwrite)  # before the pooling and the search, not after
        builder = build_mcd if split_plan == "mcd" else build_easy_to_hard
        return builder(base, out, sizes, options, overwrite)
    if options:
        raise UsageError("--plan-option applies to the science plans (mcd, easy_to_hard) only")
    spec = resolve_spec(task, params=params, seed=seed, split_plan=split_plan, sizes=sizes, trace=trace,
                        allow_repeats=allow_repeats)
    low, high = difficulty_range
    # An enumerated split keeps every record in range unless the user capped it.
    given = dict(sizes or {})
    spec = replace(spec, sizes={name: (None if spec.plan().split(name).source == "enumerate" and name not in given
                                       else size) for name, size in spec.sizes.items()})
    for split in spec.plan().splits:
        if split.source == "sample" and spec.sizes[split.name] is None:
            raise UsageError(f"split {split.name!r} is sampled and needs a size (--size {split.name}=N)")
    splits = [
        {"name": s.name, "size": spec.sizes[s.name] or 0, "shift": s.shift,
         "description": f"{s.description} (difficulty in [{low}, {high}])"}
        for s in spec.plan().splits if spec.sizes[s.name] is not None or s.source == "enumerate"
    ]
    head = manifest_head(spec, spec.split_plan, splits, {"difficulty_range": [low, high]})
    return generate_in_range(spec, out, low, high, overwrite=overwrite, progress=progress, head=head)


def _pool(spec: TaskSpec, size: int) -> list[dict]:
    return draw_pool(spec, size, train_distribution_splits(spec))


def build_mcd(spec: TaskSpec, out, sizes, options: Mapping[str, Any], overwrite: bool) -> dict:
    """train / test_id / test_ood_compound: D_C maximised with D_A <= max_atom_divergence.

    Options: ``pool_size`` (records drawn from the default plan's training
    distribution, default 3 x the total), ``max_atom_divergence`` (0.02),
    ``candidates`` (pool records tried per greedy step, 32), ``search_seed``
    (default: the run's seed).
    """
    wanted = _sizes(MCD_SIZES, sizes, "mcd")
    total = sum(wanted.values())
    pool_size = plan_option(options, "pool_size", 3 * total, int, 2, 10**7)
    bound = plan_option(options, "max_atom_divergence", 0.02, float, 0.0, 1.0)
    candidates = plan_option(options, "candidates", 32, int, 1, 4096)
    search_seed = plan_option(options, "search_seed", spec.seed, int, 0, 2**63 - 1)
    task = spec.task_object()
    pool = _pool(spec, pool_size)
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
    splits = [
        {"name": "train", "size": len(train), "shift": "iid",
         "description": f"training side of a maximum compound divergence split of {len(pool)} pooled records"},
        {"name": "test_id", "size": len(test_id), "shift": "iid",
         "description": "random held-out part of the training side (same distribution as train)"},
        {"name": "test_ood_compound", "size": len(test), "shift": "compound",
         "description": f"test side: D_A {ood['atom_divergence']}, D_C {ood['compound_divergence']} against train"},
    ]
    plan_options = {"pool_size": pool_size, "pooled": len(pool), "max_atom_divergence": bound,
                    "candidates": candidates, "search_seed": search_seed,
                    "source_plan": spec.split_plan, "source_splits": train_distribution_splits(spec)}
    head = manifest_head(spec, "mcd", splits, {"plan_options": plan_options, "divergences": measured})
    contents = {"train": [pool[i] for i in train], "test_id": [pool[i] for i in test_id],
                "test_ood_compound": [pool[i] for i in test]}
    return write_task_folder(out, head, contents, overwrite)


def build_easy_to_hard(spec: TaskSpec, out, sizes, options: Mapping[str, Any], overwrite: bool) -> dict:
    """train / test_id from the easy part of the training distribution, test_ood_hard from its hard part.

    Options: ``easy_quantile`` (0.5: easy is difficulty at or below the
    pool's median), ``hard_quantile`` (0.8: hard is at or above the 80th
    percentile, and always above the easy threshold), ``pool_size`` (default:
    enough for both parts, with 20% to spare).
    """
    wanted = _sizes(EASY_TO_HARD_SIZES, sizes, "easy_to_hard")
    easy_quantile = plan_option(options, "easy_quantile", 0.5, float, 0.0, 1.0)
    hard_quantile = plan_option(options, "hard_quantile", 0.8, float, 0.0, 1.0)
    if hard_quantile < easy_quantile:
        raise UsageError(f"plan option hard_quantile = {hard_quantile} is below easy_quantile = {easy_quantile}; "
                         "expected easy_quantile <= hard_quantile")
    easy_wanted = wanted["train"] + wanted["test_id"]
    default_pool = math.ceil(1.2 * max(easy_wanted / max(easy_quantile, 1e-3),
                                       wanted["test_ood_hard"] / max(1.0 - hard_quantile, 1e-3)))
    pool_size = plan_option(options, "pool_size", default_pool, int, 2, 10**7)
    pool = _pool(spec, pool_size)
    if not pool:
        raise UsageError(f"task {spec.task!r} produced no records to pool")
    easy_max, hard_min = easy_hard_thresholds([r["meta"]["difficulty"] for r in pool], easy_quantile, hard_quantile)
    rng = RandomStream.from_parts("easy_to_hard", spec.task, spec.task_version, dict(spec.params), spec.seed,
                                  wanted, pool_size, easy_quantile, hard_quantile)
    easy = [r for r in pool if r["meta"]["difficulty"] <= easy_max]
    hard = [r for r in pool if r["meta"]["difficulty"] >= hard_min]
    rng.shuffle(easy)
    rng.shuffle(hard)
    for part, have, need, name in ((easy, len(easy), easy_wanted, "train + test_id"),
                                   (hard, len(hard), wanted["test_ood_hard"], "test_ood_hard")):
        if have < need:
            raise InfeasibleError(
                f"easy_to_hard for task {spec.task!r}: {have} of {len(pool)} pooled records fall in {name}, "
                f"{need} requested; ask for fewer, or a larger pool (--plan-option pool_size=N)")
    splits = [
        {"name": "train", "size": wanted["train"], "shift": "iid",
         "description": f"easy part: difficulty <= {easy_max} (quantile {easy_quantile} of the pool)"},
        {"name": "test_id", "size": wanted["test_id"], "shift": "iid",
         "description": f"held-out easy examples (difficulty <= {easy_max})"},
        {"name": "test_ood_hard", "size": wanted["test_ood_hard"], "shift": "difficulty",
         "description": f"hard part: difficulty >= {hard_min} (quantile {hard_quantile} of the pool)"},
    ]
    plan_options = {"pool_size": pool_size, "pooled": len(pool), "easy_quantile": easy_quantile,
                    "hard_quantile": hard_quantile, "easy_max_difficulty": easy_max,
                    "hard_min_difficulty": hard_min, "source_plan": spec.split_plan}
    head = manifest_head(spec, "easy_to_hard", splits, {"plan_options": plan_options})
    contents = {"train": easy[:wanted["train"]], "test_id": easy[wanted["train"]:easy_wanted],
                "test_ood_hard": hard[:wanted["test_ood_hard"]]}
    return write_task_folder(out, head, contents, overwrite)
