"""Task ``markov``: full Markov algorithms (ordered rule lists, some terminal).

Repeatedly apply the first rule whose pattern occurs, at its leftmost
occurrence; stop after a terminal rule fires or when no rule applies. Runs
longer than the step limit are rejected at generation time, never emitted.

Domains are kinds of rule sets, by how rules change the length of the string:
``permuting`` (every replacement as long as its pattern), ``shrinking``
(every replacement shorter), ``growing`` (every replacement longer) and
``mixed`` (any lengths). The domain size measure is the number of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from genforge.core.params import Params, param, split_setting, test_size
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan
from genforge.core.task import Task
from genforge.generators import markov_sampler
from genforge.generators.instruction_pool import PoolCache
from genforge.generators.markov_sampler import DOMAINS, RuleSetShape, RunShape, distinct_patterns, run_cost
from genforge.generators.rewriting import parse_rules, solve_markov
from genforge.tasks.families.rewriting import (
    build_plans, check_imbalance, check_pool_fits, examples_per_instruction, imbalance_alpha, imbalance_law,
    n_instructions, one_letter, rule_structure, zipf_exponent,
)

_DOMAIN_ITEMS = {"enum": list(DOMAINS)}
#: Runs are never longer than this, whatever the parameters: the oracle's guard.
SOLVE_STEP_LIMIT = 100_000
#: The oracle's other limits: the longest text it holds and the characters it may scan and copy in all
#: (far above any generated run: at most 20,000 steps of texts of a few hundred symbols).
SOLVE_LENGTH_LIMIT = 1_000_000
SOLVE_WORK_LIMIT = 2_000_000_000
#: The most work one sampling attempt may take (see markov_sampler.run_cost; the defaults take 4,860
#: symbols, 360 tries, 50,400 scanned): a block of 256 attempts then holds at most ~25 MB of traces and
#: takes at most ~0.05 s, so a split whose runs are all rejected gives up (64 blocks in a row without a
#: new example) in seconds.
MAX_TRACE_SYMBOLS = 100_000
MAX_RULE_TRIES = 500
MAX_SCANNED_SYMBOLS = 500_000


@dataclass(frozen=True)
class MarkovParams(Params):
    alphabet_size: int = param(3, "symbols a..z used, counted from 'a'", minimum=2, maximum=26)
    min_input_length: int = param(4, "shortest training input", minimum=1, maximum=10_000)
    input_length: int = param(10, "longest training input", minimum=1, maximum=10_000)
    longer_input_length: int = param(20, "longest input of the 'longer' plan's test split", minimum=2, maximum=20_000)
    pattern_length_max: int = param(3, "longest rule pattern (patterns have 1.. this many symbols)",
                                    minimum=1, maximum=20)
    replacement_length_max: int = param(3, "longest rule replacement", minimum=0, maximum=20)
    terminal_share: float = param(0.2, "probability that a rule is terminal (->.)", minimum=0.0, maximum=1.0)
    min_steps: int = param(1, "shortest run kept (0 keeps inputs no rule applies to)", minimum=0, maximum=10_000)
    max_steps: int = param(20, "longest run kept in training; longer runs are rejected", minimum=1, maximum=10_000)
    longer_max_steps: int = param(60, "longest run kept in the 'longer' plan's test split", minimum=2, maximum=20_000)
    domains: tuple[str, ...] = param(DOMAINS, "kinds of rule sets (how rules change the string length)",
                                     items=_DOMAIN_ITEMS, uniqueItems=True, minItems=1)
    rules_min: int = param(2, "fewest rules per instruction", minimum=1, maximum=50)
    rules_max: int = param(4, "most rules per instruction", minimum=1, maximum=50)
    held_out_domains: tuple[str, ...] = param(("growing",), "domains only in test_ood_domain (held_out_domain plan)",
                                              items=_DOMAIN_ITEMS, uniqueItems=True)
    train_rules_min: int = param(2, "held_out_domain plan: fewest rules in train", minimum=1, maximum=50)
    train_rules_max: int = param(4, "held_out_domain plan: most rules in train", minimum=1, maximum=50)
    test_rules_min: int = param(5, "held_out_domain plan: fewest rules in test_ood_rules", minimum=1, maximum=50)
    test_rules_max: int = param(6, "held_out_domain plan: most rules in test_ood_rules", minimum=1, maximum=50)
    n_instructions: int = n_instructions()
    examples_per_instruction: int = examples_per_instruction()
    imbalance_alpha: float = imbalance_alpha()
    imbalance_law: str = imbalance_law()
    test_size: int = test_size()
    #: "fresh": every example draws its own rules (test_ood_* splits); "pool": from the training pool.
    rule_source: str = split_setting("pool", "where the split's rules come from: the training pool or fresh")

    def rule_shape(self) -> RuleSetShape:
        return RuleSetShape(self.alphabet_size, self.pattern_length_max, self.replacement_length_max,
                            self.terminal_share, self.domains, self.rules_min, self.rules_max)

    def run_shape(self) -> RunShape:
        return RunShape(self.min_input_length, self.input_length, self.min_steps, self.max_steps)


class MarkovTask(Task):
    name = "markov"
    version = "1.2"
    summary = "run a Markov algorithm (ordered rewrite rules, some terminal) to its end"
    default_split_plan = "unseen_instructions"
    Params = MarkovParams

    def __init__(self):
        self._pools = PoolCache()

    def check_params(self, params: MarkovParams) -> None:
        pairs = (("min_input_length", "input_length"), ("rules_min", "rules_max"),
                 ("train_rules_min", "train_rules_max"), ("test_rules_min", "test_rules_max"))
        for low, high in pairs + (("min_steps", "max_steps"),):
            self.require_order(params, low, "<=", high)
        for low, high in (("input_length", "longer_input_length"), ("max_steps", "longer_max_steps")):
            self.require_order(params, high, ">", low)
        self.require(params.test_rules_max < params.train_rules_min or params.test_rules_min > params.train_rules_max,
                     "the test rules range must not overlap the train rules range")
        self.require_held_out_in_domains(params)
        check_imbalance(self, params)
        if "permuting" in params.domains:
            self.require(params.replacement_length_max >= 1, "domain 'permuting' needs replacement_length_max >= 1")
        if "growing" in params.domains:
            self.require(params.replacement_length_max >= 2,
                         "domain 'growing' needs replacement_length_max >= 2 (a replacement longer than its pattern)")
        self._check_patterns_suffice(params)
        most_rules = max(params.rules_max, params.train_rules_max)  # the pool's rule lists (iid, held_out train)
        check_pool_fits(self, params, most_rules, most_rules * (params.pattern_length_max
                                                                + params.replacement_length_max + 6))
        self._check_run_cost(params)

    def _check_patterns_suffice(self, params: MarkovParams) -> None:
        """Rule lists have distinct patterns: refuse rule counts the domain's patterns cannot fill
        (drawing them never ended)."""
        for domain in params.domains:
            # Held-out domains are drawn at train's rule counts too (test_ood_domain), the others also at the test's.
            counts = {"rules_max": params.rules_max, "train_rules_max": params.train_rules_max}
            if domain not in params.held_out_domains:
                counts.update(test_rules_max=params.test_rules_max)
            name, count = max(counts.items(), key=lambda item: item[1])
            available = distinct_patterns(domain, params.alphabet_size, params.pattern_length_max,
                                          params.replacement_length_max)
            self.require(count <= available,
                         f"parameter {name!r} = {count}: a rule list of domain {domain!r} needs that many distinct "
                         f"patterns, but alphabet_size = {params.alphabet_size} and pattern_length_max = "
                         f"{params.pattern_length_max} (replacement_length_max = {params.replacement_length_max}) "
                         f"give only {available}; raise alphabet_size or pattern_length_max, or lower {name}")

    def _check_run_cost(self, params: MarkovParams) -> None:
        """Bound the work of one attempt by its longest possible run (the 'longer' plan's, which is longest)."""
        growth = params.replacement_length_max - 1 if {"growing", "mixed"} & set(params.domains) else 0
        rules = max(params.rules_max, params.train_rules_max, params.test_rules_max)
        steps, length = params.longer_max_steps, params.longer_input_length
        trace, tries, scanned = run_cost(steps, length, rules, growth)
        where = (f"longer_max_steps = {steps}, longer_input_length = {length}, up to {rules} rules per instruction"
                 + (f" and strings growing by up to {growth} symbols a step (replacement_length_max)" if growth else ""))
        for amount, limit, what in ((trace, MAX_TRACE_SYMBOLS, "symbols in one run's trace"),
                                    (tries, MAX_RULE_TRIES, "rule tries in one run"),
                                    (scanned, MAX_SCANNED_SYMBOLS, "symbols scanned in one run")):
            self.require(amount <= limit,
                         f"parameters {where} allow {amount:,} {what}, more than {limit:,} (every attempt may pay "
                         "it, rejected runs included); lower longer_max_steps or longer_input_length, or the "
                         "rule counts")

    def split_plans(self, params: MarkovParams) -> dict[str, SplitPlan]:
        length, steps = params.input_length, params.max_steps

        def within_train(example: Example, bucket: float) -> bool:
            complexity = example.meta["complexity"]
            return complexity["input_length"] <= length and complexity["steps"] <= steps

        def longer(example: Example, bucket: float) -> bool:
            # Longer inputs only: requiring more steps than any training run too (markov 1.1) kept only the
            # rule lists that can run long, so the test lost every shrinking list (a shrinking run takes at
            # most as many steps as the input has symbols), held 64 distinct lists, and 45% of its targets
            # were one repeated letter (train: 21%). Runs may be up to longer_max_steps steps.
            return example.meta["complexity"]["input_length"] > length

        return build_plans(
            params,
            measure="rules",
            measure_free_domains=(),
            within_train_length=within_train,
            longer_test=longer,
            longer_sample_params={"min_input_length": length + 1, "input_length": params.longer_input_length,
                                  "max_steps": params.longer_max_steps},
            longer_moves=("input_length", "steps"),  # longer inputs give rules more places to fire
            # A growing rule's pattern is shorter than its replacement: at most replacement_length_max - 1.
            # Its outputs and rule lists (instructions) have the domain's own lengths (growing rules lengthen).
            domain_moves=("domain", "pattern_length", "output_length", "target_length", "instruction_length"),
        )

    def sample_block(self, rng: RandomStream, params: MarkovParams, count: int) -> list[Optional[Example]]:
        shape = params.rule_shape()
        pool = None
        if params.rule_source != "fresh":
            pool = self._pools.get(self.name, self.version, shape.key(), params.seed, params.n_instructions,
                                   zipf_exponent(params), lambda pool_rng: markov_sampler.random_rules(pool_rng, shape))
        return markov_sampler.sample_block(rng, shape, params.run_shape(), pool, count)

    def difficulty(self, example: Example) -> float:
        # More steps and longer inputs mean more state to track; saturates towards 1.
        c = example.meta["complexity"]
        size = c["steps"] * 5 + c["input_length"] + c["rules"] * 5
        return size / (size + 100)

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Atoms: the symbols of the rules; compounds: their symbol bigrams, the domain and the rule count."""
        return rule_structure(parse_rules(record["instruction"] or ""), record["meta"]["domain"],
                              record["meta"]["complexity"]["rules"])

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Rule type (domain), rule count, longest pattern, input length, run length and whether the
        target is one repeated letter (45% of the 1.1 'longer' test, 21% of train)."""
        complexity = record["meta"]["complexity"]
        return {"domain": record["meta"]["domain"], "rules": complexity["rules"],
                "pattern_length": complexity["pattern_length"], "input_length": complexity["input_length"],
                "steps": complexity["steps"], "one_letter_target": one_letter(record["target"])}

    def solve(self, instruction: Optional[str], input: str) -> str:
        # No trace is kept (a long run's trace would hold every intermediate text).
        return solve_markov(parse_rules(instruction or ""), input, max_steps=SOLVE_STEP_LIMIT,
                            max_length=SOLVE_LENGTH_LIMIT, max_work=SOLVE_WORK_LIMIT)
