"""Task ``rewrite``: one rewrite rule per example, the setting of the Only-IF study.

Zhang, Wang, Charton (2024), "Only-IF: Revealing the Decisive Effect of
Instruction Diversity on Generalization", arXiv 2410.04717. The instruction is
one rule ``x -> y``; the target is the input with the leftmost ``x`` replaced
by ``y``, or the input unchanged when ``x`` does not occur (the no-op share).
Defaults follow the paper: lower-case latin letters, inputs of 50 symbols,
patterns of 20.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from genforge.core.params import Params, param, split_setting, test_size
from genforge.core.probes import Probe
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan
from genforge.core.task import Task
from genforge.generators import rewrite_sampler
from genforge.generators.instruction_pool import InstructionPool, PoolCache
from genforge.generators.rewrite_sampler import NOOP_INPUTS, InputShape, RuleShape, chance_without
from genforge.generators.rewriting import DOMAINS, closest_match, parse_rules, rewrite_once
from genforge.tasks.families.rewriting import (
    build_plans, check_imbalance, check_pool_fits, examples_per_instruction, imbalance_alpha, imbalance_law,
    n_instructions, rule_structure, zipf_exponent,
)

_DOMAIN_ITEMS = {"enum": list(DOMAINS)}
#: Longest training input, pattern and replacement (the 'longer' test: twice this). A record is then at
#: most ~80 KB, a block of 256 about 20 MB.
MAX_LENGTH = 10_000
#: noop_share > 0 needs random inputs that miss the pattern at least this often (64 tries then find one
#: 96% of the time); below it almost every no-op draw is rejected, at 64 random inputs apiece.
MIN_NOOP_CHANCE = 0.05


@dataclass(frozen=True)
class RewriteParams(Params):
    alphabet_size: int = param(26, "symbols a..z used, counted from 'a'", minimum=2, maximum=26)
    input_length: int = param(50, "symbols in each training input", minimum=1, maximum=MAX_LENGTH)
    longer_input_length: int = param(100, "longest input of the 'longer' plan's test split",
                                     minimum=2, maximum=2 * MAX_LENGTH)
    pattern_length: int = param(20, "symbols in a rule's pattern x", minimum=1, maximum=MAX_LENGTH)
    replacement_length: int = param(20, "symbols in a rule's replacement y", minimum=0, maximum=MAX_LENGTH)
    noop_share: float = param(0.0, "share of examples whose input does not contain x (target = input)",
                              minimum=0.0, maximum=1.0)
    noop_inputs: str = param("near_miss", "what a no-op input holds instead of x: 'near_miss' (x with one letter "
                             "changed, so that only an exact match tells a no-op) or 'random' (a random string "
                             "without x: almost every letter then differs, a trivial check)", enum=list(NOOP_INPUTS))
    domains: tuple[str, ...] = param(DOMAINS, "semantic domains: constrained families of rules",
                                     items=_DOMAIN_ITEMS, uniqueItems=True, minItems=1)
    k_min: int = param(2, "smallest domain size k (run length, period or mirrored block)", minimum=1, maximum=1000)
    k_max: int = param(10, "largest domain size k", minimum=1, maximum=1000)
    held_out_domains: tuple[str, ...] = param(("mirrored",), "domains only in test_ood_domain (held_out_domain plan)",
                                              items=_DOMAIN_ITEMS, uniqueItems=True)
    train_k_min: int = param(5, "held_out_domain plan: smallest k in train", minimum=1, maximum=1000)
    train_k_max: int = param(10, "held_out_domain plan: largest k in train", minimum=1, maximum=1000)
    test_k_min: int = param(2, "held_out_domain plan: smallest k in test_ood_k", minimum=1, maximum=1000)
    test_k_max: int = param(3, "held_out_domain plan: largest k in test_ood_k", minimum=1, maximum=1000)
    n_instructions: int = n_instructions()
    examples_per_instruction: int = examples_per_instruction()
    imbalance_alpha: float = imbalance_alpha()
    imbalance_law: str = imbalance_law()
    test_size: int = test_size()
    #: "fresh": every example draws its own rule (test_ood_* splits); "pool": from the training pool.
    rule_source: str = split_setting("pool", "where the split's rules come from: the training pool or fresh")
    #: The shortest input the split draws (test_ood_length sets it; 0: input_length).
    input_length_min: int = split_setting(0, "shortest input the split draws")

    def rule_shape(self) -> RuleShape:
        return RuleShape(self.alphabet_size, self.pattern_length, self.replacement_length, self.domains,
                         self.k_min, self.k_max)

    def input_shape(self) -> InputShape:
        return InputShape(self.input_length_min or self.input_length, self.input_length, self.noop_share,
                          self.noop_inputs)


class RewriteTask(Task):
    name = "rewrite"
    version = "1.2"
    summary = "apply one rewrite rule x -> y at its leftmost match (Only-IF instruction diversity)"
    default_split_plan = "unseen_instructions"
    Params = RewriteParams

    def __init__(self):
        self._pools = PoolCache()
        # Split params -> (rule shape, input shape, pool): the pool key (a JSON dump of the shape) is worth
        # computing once per split, not per block.
        self._setups: dict[RewriteParams, tuple[RuleShape, InputShape, Optional[InstructionPool]]] = {}

    def check_params(self, params: RewriteParams) -> None:
        self.require_order(params, "pattern_length", "<=", "input_length", "the pattern must fit in the input")
        self.require_order(params, "longer_input_length", ">", "input_length")
        for low, high in (("k_min", "k_max"), ("train_k_min", "train_k_max"), ("test_k_min", "test_k_max")):
            self.require_order(params, low, "<=", high)
        self.require(params.test_k_max < params.train_k_min or params.test_k_min > params.train_k_max,
                     "the test k range (test_k_min..test_k_max) must not overlap the train k range "
                     "(train_k_min..train_k_max)")
        self.require_held_out_in_domains(params)
        check_imbalance(self, params)
        check_pool_fits(self, params, 1, params.pattern_length + params.replacement_length)
        if params.noop_share > 0:
            chance = chance_without(params.alphabet_size, params.pattern_length, params.longer_input_length)
            self.require(chance >= MIN_NOOP_CHANCE,
                         f"parameter 'noop_share' = {params.noop_share} asks for inputs without the pattern, but a "
                         f"random input of longer_input_length = {params.longer_input_length} symbols (the longest "
                         f"any plan draws) misses a pattern of pattern_length = {params.pattern_length} over "
                         f"alphabet_size = {params.alphabet_size} symbols with probability about {chance:.2g} (at "
                         f"least {MIN_NOOP_CHANCE} needed); lower longer_input_length or raise pattern_length or "
                         "alphabet_size")

    def split_plans(self, params: RewriteParams) -> dict[str, SplitPlan]:
        length = params.input_length
        return build_plans(
            params,
            measure="k",
            measure_free_domains=("unconstrained",),
            within_train_length=lambda example, bucket: example.meta["complexity"]["input_length"] <= length,
            longer_test=lambda example, bucket: example.meta["complexity"]["input_length"] > length,
            longer_sample_params={"input_length_min": length + 1, "input_length": params.longer_input_length},
            # Train mixes in unconstrained rules, which have no k; the held-out domain's rules all have one
            # (drawn at train's k range): the share of "no k" moves, not the k histogram.
            domain_moves=("domain", "k"),
        )

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Domain, input length, no-op or not, and for constrained domains k (unconstrained rules have no
        size: their k is left out rather than counted as a k of 0). A no-op record also gives the fewest
        letters in which the pattern differs from a window of its input (3 meaning 3 or more): random
        no-op inputs differ in most letters, a trivial check."""
        meta = record["meta"]
        noop = meta["complexity"]["steps"] == 0  # not input == target: a rule may rewrite x to itself
        features = {"domain": meta["domain"], "input_length": meta["complexity"]["input_length"], "noop": noop}
        if meta["complexity"]["k"]:
            features["k"] = meta["complexity"]["k"]
        if noop:
            features["noop_closest_match"] = closest_match((record["instruction"] or "").split(" ->")[0],
                                                           record["input"], cap=3)
        return features

    def shortcut_probes(self, params: RewriteParams) -> list[Probe]:
        """The no-op answer: the input unchanged, right exactly on the no-op share."""
        return [Probe("noop_input_unchanged", "the input unchanged (the answer of every no-op record)",
                      lambda train: lambda record: record["input"])]

    def sample_block(self, rng: RandomStream, params: RewriteParams, count: int) -> list[Optional[Example]]:
        setup = self._setups.get(params)
        if setup is None:
            shape = params.rule_shape()
            pool = None
            if params.rule_source != "fresh":
                pool = self._pools.get(self.name, self.version, shape.key(), params.seed, params.n_instructions,
                                       zipf_exponent(params),
                                       lambda pool_rng: rewrite_sampler.random_rule(pool_rng, shape))
            setup = self._setups[params] = (shape, params.input_shape(), pool)
        shape, inputs, pool = setup
        return rewrite_sampler.sample_block(rng, shape, inputs, pool, count)

    def difficulty(self, example: Example) -> float:
        # Longer inputs and patterns are harder to match; saturates towards 1.
        c = example.meta["complexity"]
        size = c["input_length"] + c["pattern_length"]
        return size / (size + 100)

    def solve(self, instruction: Optional[str], input: str) -> str:
        (rule,) = parse_rules(instruction or "")
        return rewrite_once(input, rule)

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Atoms: the symbols of the rule; compounds: its symbol bigrams and its domain with k.

        The input is random filler, so only the rule carries structure a model
        can compose (which symbol pairs it has seen rewritten, in which domain).
        """
        return rule_structure(parse_rules(record["instruction"] or ""), record["meta"]["domain"],
                              record["meta"]["complexity"]["k"])
