"""Task ``rewrite``: one rewrite rule per example, the setting of the Only-IF study.

Zhang, Wang, Charton (2024), "Only-IF: Revealing the Decisive Effect of
Instruction Diversity on Generalization", arXiv 2410.04717. The instruction is
one rule ``x -> y``; the target is the input with the leftmost ``x`` replaced
by ``y``, or the input unchanged when ``x`` does not occur (the no-op share).
Defaults follow the paper: lower-case latin letters, inputs of 50 symbols,
patterns of 20.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.rewriting import (
    DOMAINS, LETTERS, Rule, domain_pattern, parse_rules, random_text_without, rewrite_once, text_containing,
)
from genforge.core.task import Task
from genforge.tasks.instruction_pool import PoolCache
from genforge.tasks.rewriting_plans import SHARED_PARAMETERS, build_plans, rule_structure

_DOMAIN_LIST = {"type": "array", "items": {"type": "string", "enum": list(DOMAINS)}, "uniqueItems": True}


class RewriteTask(Task):
    name = "rewrite"
    version = "1.1"
    summary = "apply one rewrite rule x -> y at its leftmost match (Only-IF instruction diversity)"
    default_split_plan = "unseen_instructions"
    parameters = {
        "alphabet_size": {"type": "integer", "default": 26, "minimum": 2, "maximum": 26,
                          "description": "symbols a..z used, counted from 'a'"},
        "input_length": {"type": "integer", "default": 50, "minimum": 1, "maximum": 100_000,
                         "description": "symbols in each training input"},
        "longer_input_length": {"type": "integer", "default": 100, "minimum": 2, "maximum": 200_000,
                                "description": "longest input of the 'longer' plan's test split"},
        "pattern_length": {"type": "integer", "default": 20, "minimum": 1, "maximum": 100_000,
                           "description": "symbols in a rule's pattern x"},
        "replacement_length": {"type": "integer", "default": 20, "minimum": 0, "maximum": 100_000,
                               "description": "symbols in a rule's replacement y"},
        "noop_share": {"type": "number", "default": 0.0, "minimum": 0.0, "maximum": 1.0,
                       "description": "share of examples whose input does not contain x (target = input)"},
        "domains": {**_DOMAIN_LIST, "minItems": 1, "default": list(DOMAINS),
                    "description": "semantic domains: constrained families of rules"},
        "k_min": {"type": "integer", "default": 2, "minimum": 1, "maximum": 1000,
                  "description": "smallest domain size k (run length, period or mirrored block)"},
        "k_max": {"type": "integer", "default": 10, "minimum": 1, "maximum": 1000,
                  "description": "largest domain size k"},
        "held_out_domains": {**_DOMAIN_LIST, "default": ["mirrored"],
                             "description": "domains only in test_ood_domain (held_out_domain plan)"},
        "train_k_min": {"type": "integer", "default": 5, "minimum": 1, "maximum": 1000,
                        "description": "held_out_domain plan: smallest k in train"},
        "train_k_max": {"type": "integer", "default": 10, "minimum": 1, "maximum": 1000,
                        "description": "held_out_domain plan: largest k in train"},
        "test_k_min": {"type": "integer", "default": 2, "minimum": 1, "maximum": 1000,
                       "description": "held_out_domain plan: smallest k in test_ood_k"},
        "test_k_max": {"type": "integer", "default": 3, "minimum": 1, "maximum": 1000,
                       "description": "held_out_domain plan: largest k in test_ood_k"},
        **SHARED_PARAMETERS,
    }

    def __init__(self):
        self._pools = PoolCache()

    def check_params(self, params: Mapping[str, Any]) -> None:
        self.require_order(params, "pattern_length", "<=", "input_length", "the pattern must fit in the input")
        self.require_order(params, "longer_input_length", ">", "input_length")
        for low, high in (("k_min", "k_max"), ("train_k_min", "train_k_max"), ("test_k_min", "test_k_max")):
            self.require_order(params, low, "<=", high)
        self.require(params["test_k_max"] < params["train_k_min"] or params["test_k_min"] > params["train_k_max"],
                     "the test k range (test_k_min..test_k_max) must not overlap the train k range "
                     "(train_k_min..train_k_max)")
        self.require_held_out_in_domains(params)

    def split_plans(self, params):
        length = params["input_length"]
        return build_plans(
            params,
            measure="k",
            measure_free_domains=("unconstrained",),
            within_train_length=lambda example, bucket: example.meta["complexity"]["input_length"] <= length,
            longer_test=lambda example, bucket: example.meta["complexity"]["input_length"] > length,
            longer_sample_params={"input_length_min": length + 1, "input_length": params["longer_input_length"]},
        )

    # -- sampling --------------------------------------------------------
    def _random_rule(self, rng: RandomStream, params) -> tuple[tuple[Rule, str, int, str], str]:
        alphabet = LETTERS[: params["alphabet_size"]]
        domain = rng.choice(params["domains"])
        k = 0 if domain == "unconstrained" else rng.integer(params["k_min"], params["k_max"])
        pattern = domain_pattern(rng, domain, k, params["pattern_length"], alphabet)
        replacement = domain_pattern(rng, domain, k, params["replacement_length"], alphabet)
        rule = Rule(pattern, replacement)
        text = rule.text()
        return (rule, domain, k, text), text

    def _pool(self, params):
        relevant = {key: params[key] for key in (
            "alphabet_size", "pattern_length", "replacement_length", "domains", "k_min", "k_max")}
        return self._pools.get(self.name, self.version, relevant, params["seed"], params["n_instructions"],
                               params["imbalance_alpha"], lambda rng: self._random_rule(rng, params))

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        # The pool lookup is hoisted out of the per-example path.
        pool = None if params.get("rule_source") == "fresh" else self._pool(params)
        # Filler text for the whole block in one draw: the bulk of the randomness.
        longest_filler = max(params["input_length"] - params["pattern_length"], 0)
        fillers = rng.strings(LETTERS[: params["alphabet_size"]], longest_filler, count)
        return [self._sample_one(rng, params, pool, filler) for filler in fillers]

    def _sample_one(self, rng: RandomStream, params: Mapping[str, Any], pool, filler: str) -> Optional[Example]:
        if pool is None:
            (rule, domain, k, instruction), _ = self._random_rule(rng, params)
        else:
            rule, domain, k, instruction = pool.draw(rng)
        low = params.get("input_length_min", params["input_length"])
        length = rng.integer(low, params["input_length"]) if low < params["input_length"] else low
        noop = params["noop_share"] > 0 and rng.random() < params["noop_share"]
        if noop:
            text = random_text_without(rng, rule.pattern, length, LETTERS[: params["alphabet_size"]])
            if text is None:
                return None
        else:
            text = text_containing(rng, rule.pattern, filler[: length - len(rule.pattern)])
        target = rewrite_once(text, rule)
        complexity = {
            "input_length": length,
            "pattern_length": len(rule.pattern),
            "replacement_length": len(rule.replacement),
            "k": k,
            "rules": 1,
            "steps": 0 if noop else 1,
        }
        return Example(instruction, text, target, {"domain": domain, "complexity": complexity})

    def difficulty(self, example: Example) -> float:
        # Longer inputs and patterns are harder to match; saturates towards 1.
        c = example.meta["complexity"]
        size = c["input_length"] + c["pattern_length"]
        return size / (size + 100)

    def solve(self, instruction: Optional[str], input: str) -> str:
        (rule,) = parse_rules(instruction or "")
        return rewrite_once(input, rule)

    def structure(self, record):
        """Atoms: the symbols of the rule; compounds: its symbol bigrams and its domain with k.

        The input is random filler, so only the rule carries structure a model
        can compose (which symbol pairs it has seen rewritten, in which domain).
        """
        return rule_structure(parse_rules(record["instruction"] or ""), record["meta"]["domain"],
                              record["meta"]["complexity"]["k"])
