"""What the instruction-diversity tasks share: split plans, parameters, structure.

``rewrite`` and ``markov`` use all of it; ``symbolic`` the shared parameters.
The four split plans of the string-rewriting tasks (``rewrite``, ``markov``):

Each example's meta carries a domain, a size measure (``k`` for rewrite,
``rules`` for markov) and ``input_length``; the plans below are predicates on
those, plus the sampling overrides that make each split quick to fill.

* ``iid``: train / validation / test_id by input bucket, rules from the pool.
* ``unseen_instructions``: as iid, plus ``test_ood_instruction`` whose rules
  are drawn fresh and hash outside the training pool (the Only-IF test).
* ``held_out_domain``: train on the non-held-out domains with the size measure
  in the train range; ``test_ood_domain`` on the held-out domains with the
  measure in the train range too (only the domain moves),
  ``test_ood_<measure>`` on the train domains with the measure in the test range.
* ``longer``: ``test_ood_length`` has longer inputs (and, for markov, more
  steps) than any training example.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from genforge.core.params import Params, param
from genforge.core.records import Example
from genforge.core.splits import SplitPlan, SplitSpec, all_of, iid_splits, instruction_bucket_range
from genforge.core.task import Task
from genforge.generators.instruction_pool import SEEN_FRACTION


def _complexity(example: Example, name: str) -> int:
    return example.meta["complexity"][name]


def build_plans(
    params: Params,
    *,
    measure: str,
    measure_free_domains: tuple[str, ...],
    within_train_length: Callable[[Example, float], bool],
    longer_test: Callable[[Example, float], bool],
    longer_sample_params: Mapping[str, Any],
    longer_moves: tuple[str, ...] = ("input_length",),
    domain_moves: tuple[str, ...] = ("domain",),
) -> dict[str, SplitPlan]:
    """The four plans; ``longer_moves`` and ``domain_moves``: the nuisance features the length test and the
    domain test move (``Task.nuisance_features``)."""
    train_size = params.n_instructions * params.examples_per_instruction
    test_size = params.test_size
    iid = _iid(train_size, test_size, within_train_length)
    unseen = SplitSpec(
        "test_ood_instruction", test_size,
        "rules never seen in training (Only-IF's test of instruction diversity)",
        all_of(within_train_length, instruction_bucket_range(SEEN_FRACTION, 1.0)),
        _FRESH, "instruction",
    )
    longer = SplitSpec(
        "test_ood_length", test_size, "inputs longer than any in training",
        longer_test, dict(longer_sample_params), "length", moves=longer_moves,
    )
    held_out = _held_out_domain_splits(params, measure, measure_free_domains, within_train_length, train_size,
                                       domain_moves)
    return {
        "iid": SplitPlan("iid", "train / validation / test_id from one distribution", iid),
        "unseen_instructions": SplitPlan(
            "unseen_instructions", "test on rules never seen in training", iid + (unseen,)),
        "held_out_domain": SplitPlan(
            "held_out_domain", f"train on some domains and {measure} values, test on others", held_out),
        "longer": SplitPlan("longer", "test on longer inputs than any in training", iid + (longer,)),
    }


#: The settings of a split whose rules are drawn fresh, never from the training pool.
_FRESH = {"rule_source": "fresh"}


def _iid(train_size: int, test_size: int, within: Callable[[Example, float], bool],
         settings: Mapping[str, Any] = {}) -> tuple[SplitSpec, ...]:
    """train / validation / test_id by input bucket, all three with the same split settings."""
    return tuple(SplitSpec(s.name, s.size, s.description, s.accepts, dict(settings), s.shift)
                 for s in iid_splits(train_size, test_size, test_size, within=within))


def _held_out_domain_splits(params: Params, measure: str, measure_free_domains: tuple[str, ...],
                            within: Callable[[Example, float], bool], train_size: int,
                            domain_moves: tuple[str, ...]) -> tuple[SplitSpec, ...]:
    """The held_out_domain plan: train in the train cell; test_ood_domain, test_ood_<measure>."""
    test_size = params.test_size
    # The measure names the parameters (train_k_min, test_rules_max, ...): one builder serves both tasks.
    lo, hi = getattr(params, f"train_{measure}_min"), getattr(params, f"train_{measure}_max")
    test_lo, test_hi = getattr(params, f"test_{measure}_min"), getattr(params, f"test_{measure}_max")
    held_out = tuple(params.held_out_domains)
    train_domains = [d for d in params.domains if d not in held_out]

    def in_train_cell(example: Example, bucket: float) -> bool:
        domain = example.meta["domain"]
        if domain in held_out:
            return False
        return domain in measure_free_domains or lo <= _complexity(example, measure) <= hi

    def in_held_out_domain(example: Example, bucket: float) -> bool:
        # At train's measure range: with the whole k_min..k_max range (rewrite 1.1) a third of the domain test
        # had k = 2..4, outside train's 5..10, so the domain shift came with a k shift.
        domain = example.meta["domain"]
        return domain in held_out and (domain in measure_free_domains or lo <= _complexity(example, measure) <= hi)

    def in_test_measure(example: Example, bucket: float) -> bool:
        domain = example.meta["domain"]
        return (domain not in held_out and domain not in measure_free_domains
                and test_lo <= _complexity(example, measure) <= test_hi)

    train_cell = {"domains": train_domains, f"{measure}_min": lo, f"{measure}_max": hi}
    specs = _iid(train_size, test_size, all_of(within, in_train_cell), train_cell)
    if held_out:
        specs += (SplitSpec(
            "test_ood_domain", test_size, f"domains never seen in training: {', '.join(held_out)}",
            all_of(within, in_held_out_domain),
            {**_FRESH, "domains": list(held_out), f"{measure}_min": lo, f"{measure}_max": hi}, "domain",
            moves=domain_moves,
        ),)
    measured_domains = [d for d in train_domains if d not in measure_free_domains]
    if measured_domains:
        specs += (SplitSpec(
            f"test_ood_{measure}", test_size,
            f"training domains with {measure} from {test_lo} to {test_hi} (train: {lo} to {hi})",
            all_of(within, in_test_measure),
            {**_FRESH, "domains": measured_domains, f"{measure}_min": test_lo, f"{measure}_max": test_hi},
            # Domains without the measure (unconstrained rules have no k) cannot be in it: their share moves.
            "complexity", moves=_measure_moves(measure, measure_free_domains, train_domains),
        ),)
    return specs



def _measure_moves(measure: str, measure_free_domains, train_domains) -> tuple[str, ...]:
    """What the measure test may move besides its measure."""
    moves = (measure,)
    if measure == "rules":  # more rules are a longer rule list: a longer instruction
        moves += ("instruction_length",)
    if set(measure_free_domains) & set(train_domains):
        moves += ("domain",)  # domains without the measure (unconstrained rules have no k) cannot be in it
    return moves


def rule_structure(rules, domain: str, size: int) -> tuple[list[str], list[str]]:
    """(atoms, compounds) of a rule list, for divergence-based splits and audits.

    Atoms are pattern symbols (``p:a``) and replacement symbols (``r:b``);
    compounds are adjacent symbol pairs within each side (``p:ab``), each
    rule's terminal flag with its position, and the domain with its size.
    """
    atoms, compounds = [], [f"{domain}/{size}"]
    for position, rule in enumerate(rules):
        for side, text in (("p", rule.pattern), ("r", rule.replacement)):
            atoms.extend(f"{side}:{symbol}" for symbol in text)
            compounds.extend(f"{side}:{a}{b}" for a, b in zip(text, text[1:]))
        if rule.terminal:
            compounds.append(f"terminal@{position}")
    return atoms, compounds


# -- parameters every instruction-diversity task declares (after its own, in this order) --

#: The training pool is built whole, once per process, before any example and whatever size is asked
#: (about 50 us per rule): these bound its build to seconds and its memory to tens of MB.
MAX_POOL_RULES = 100_000
MAX_POOL_SYMBOLS = 20_000_000


def n_instructions(default: int = 1000, maximum: int = MAX_POOL_RULES,
                   description: str = "distinct rules in the training pool (instruction diversity)") -> Any:
    return param(default, description, minimum=1, maximum=maximum)


def examples_per_instruction(default: int = 10) -> Any:
    return param(default, "training examples per rule on average; train size = n_instructions x this",
                 minimum=1, maximum=10_000_000)


def imbalance_alpha() -> Any:
    return param(0.0, "power-law shape of examples across rules (see imbalance_law); 0 = uniform",
                 minimum=0.0, maximum=10.0)


#: How ``imbalance_alpha`` is read: ``zipf``, rule j (0-based) gets weight (j+1)^-alpha (rank-frequency);
#: ``examples_per_instruction``, Only-IF's reading (Zhang, Wang, Charton 2024, 2402.10891 §4.4): the number of
#: examples per rule follows a power law, the share of rules with about n examples ~ n^-alpha (alpha > 1).
IMBALANCE_LAWS = ("zipf", "examples_per_instruction")


def imbalance_law() -> Any:
    return param("zipf", "how imbalance_alpha is read: 'zipf' (rule j gets weight (j+1)^-alpha) or "
                 "'examples_per_instruction' (examples per rule follow a power law of exponent alpha > 1, "
                 "as in Only-IF; the same family as zipf with exponent 1/(alpha-1))", enum=list(IMBALANCE_LAWS))


def zipf_exponent(params: Params) -> float:
    """The rank exponent of the pool's weights: a power law of counts with exponent a (P(count > n) ~
    n^-(a-1)) puts the rule of rank r at count ~ r^(-1/(a-1)), a Zipf law of exponent 1/(a-1)."""
    alpha = params.imbalance_alpha
    if params.imbalance_law == "zipf" or alpha == 0:
        return alpha
    return 1.0 / (alpha - 1.0)


def check_imbalance(task: Task, params: Params) -> None:
    task.require(params.imbalance_law == "zipf" or params.imbalance_alpha == 0 or params.imbalance_alpha > 1,
                 f"parameter 'imbalance_alpha' = {params.imbalance_alpha} with imbalance_law = "
                 "'examples_per_instruction' must be 0 (uniform) or above 1: a power law of examples per rule "
                 "needs an exponent above 1 to be a distribution")


def check_pool_fits(task: Task, params: Params, rules_per_instruction: int, symbols_per_instruction: int) -> None:
    """Refuse an ``n_instructions`` whose training pool alone would take minutes or gigabytes to build."""
    count = params.n_instructions
    most = min(MAX_POOL_RULES // rules_per_instruction, MAX_POOL_SYMBOLS // max(symbols_per_instruction, 1))
    task.require(count <= most,
                 f"parameter 'n_instructions' = {count:,} is too large for these rules: a training pool of "
                 f"{count:,} instructions of up to {rules_per_instruction} rule(s) and {symbols_per_instruction:,} "
                 f"symbols is built whole before any example, whatever size is asked (at most {MAX_POOL_RULES:,} "
                 f"rules and {MAX_POOL_SYMBOLS:,} symbols); ask for at most {most:,} or shorten the rules")


def one_letter(text: str) -> bool:
    """Is ``text`` one letter repeated (or empty)? A cheap answer class worth watching across splits."""
    return len(set(text)) <= 1
