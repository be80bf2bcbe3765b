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

from typing import Any, Mapping, Optional

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.rewriting import LETTERS, Rule, format_rules, parse_rules, run_markov
from genforge.core.task import Task
from genforge.tasks.instruction_pool import PoolCache
from genforge.tasks.rewriting_plans import SHARED_PARAMETERS, build_plans, rule_structure

DOMAINS = ("permuting", "shrinking", "growing", "mixed")
_DOMAIN_LIST = {"type": "array", "items": {"type": "string", "enum": list(DOMAINS)}, "uniqueItems": True}
#: Runs are never longer than this, whatever the parameters: the oracle's guard.
SOLVE_STEP_LIMIT = 100_000


class MarkovTask(Task):
    name = "markov"
    version = "1.1"
    summary = "run a Markov algorithm (ordered rewrite rules, some terminal) to its end"
    default_split_plan = "unseen_instructions"
    parameters = {
        "alphabet_size": {"type": "integer", "default": 3, "minimum": 2, "maximum": 26,
                          "description": "symbols a..z used, counted from 'a'"},
        "min_input_length": {"type": "integer", "default": 4, "minimum": 1, "maximum": 10_000,
                             "description": "shortest training input"},
        "input_length": {"type": "integer", "default": 10, "minimum": 1, "maximum": 10_000,
                         "description": "longest training input"},
        "longer_input_length": {"type": "integer", "default": 20, "minimum": 2, "maximum": 20_000,
                                "description": "longest input of the 'longer' plan's test split"},
        "pattern_length_max": {"type": "integer", "default": 3, "minimum": 1, "maximum": 20,
                               "description": "longest rule pattern (patterns have 1.. this many symbols)"},
        "replacement_length_max": {"type": "integer", "default": 3, "minimum": 0, "maximum": 20,
                                   "description": "longest rule replacement"},
        "terminal_share": {"type": "number", "default": 0.2, "minimum": 0.0, "maximum": 1.0,
                           "description": "probability that a rule is terminal (->.)"},
        "min_steps": {"type": "integer", "default": 1, "minimum": 0, "maximum": 10_000,
                      "description": "shortest run kept (0 keeps inputs no rule applies to)"},
        "max_steps": {"type": "integer", "default": 20, "minimum": 1, "maximum": 10_000,
                      "description": "longest run kept in training; longer runs are rejected"},
        "longer_max_steps": {"type": "integer", "default": 60, "minimum": 2, "maximum": 20_000,
                             "description": "longest run kept in the 'longer' plan's test split"},
        "domains": {**_DOMAIN_LIST, "minItems": 1, "default": list(DOMAINS),
                    "description": "kinds of rule sets (how rules change the string length)"},
        "rules_min": {"type": "integer", "default": 2, "minimum": 1, "maximum": 50,
                      "description": "fewest rules per instruction"},
        "rules_max": {"type": "integer", "default": 4, "minimum": 1, "maximum": 50,
                      "description": "most rules per instruction"},
        "held_out_domains": {**_DOMAIN_LIST, "default": ["growing"],
                             "description": "domains only in test_ood_domain (held_out_domain plan)"},
        "train_rules_min": {"type": "integer", "default": 2, "minimum": 1, "maximum": 50,
                            "description": "held_out_domain plan: fewest rules in train"},
        "train_rules_max": {"type": "integer", "default": 4, "minimum": 1, "maximum": 50,
                            "description": "held_out_domain plan: most rules in train"},
        "test_rules_min": {"type": "integer", "default": 5, "minimum": 1, "maximum": 50,
                           "description": "held_out_domain plan: fewest rules in test_ood_rules"},
        "test_rules_max": {"type": "integer", "default": 6, "minimum": 1, "maximum": 50,
                           "description": "held_out_domain plan: most rules in test_ood_rules"},
        **SHARED_PARAMETERS,
    }

    def __init__(self):
        self._pools = PoolCache()

    def check_params(self, params: Mapping[str, Any]) -> None:
        pairs = (("min_input_length", "input_length"), ("rules_min", "rules_max"),
                 ("train_rules_min", "train_rules_max"), ("test_rules_min", "test_rules_max"))
        for low, high in pairs + (("min_steps", "max_steps"),):
            self.require_order(params, low, "<=", high)
        for low, high in (("input_length", "longer_input_length"), ("max_steps", "longer_max_steps")):
            self.require_order(params, high, ">", low)
        self.require(params["test_rules_max"] < params["train_rules_min"]
                     or params["test_rules_min"] > params["train_rules_max"],
                     "the test rules range must not overlap the train rules range")
        self.require_held_out_in_domains(params)
        if "shrinking" in params["domains"] or "permuting" in params["domains"]:
            self.require(params["replacement_length_max"] >= 1 or "permuting" not in params["domains"],
                         "domain 'permuting' needs replacement_length_max >= 1")
        if "growing" in params["domains"]:
            self.require(params["replacement_length_max"] >= 2,
                         "domain 'growing' needs replacement_length_max >= 2 (a replacement longer than its pattern)")

    def split_plans(self, params):
        length, steps = params["input_length"], params["max_steps"]

        def within_train(example: Example, bucket: float) -> bool:
            complexity = example.meta["complexity"]
            return complexity["input_length"] <= length and complexity["steps"] <= steps

        def longer(example: Example, bucket: float) -> bool:
            complexity = example.meta["complexity"]
            return complexity["input_length"] > length and complexity["steps"] > steps

        return build_plans(
            params,
            measure="rules",
            measure_free_domains=(),
            within_train_length=within_train,
            longer_test=longer,
            longer_sample_params={"min_input_length": length + 1, "input_length": params["longer_input_length"],
                                  "max_steps": params["longer_max_steps"]},
        )

    # -- sampling --------------------------------------------------------
    def _random_rule(self, rng: RandomStream, domain: str, alphabet: str, params) -> Rule:
        pattern_length = rng.integer(1, params["pattern_length_max"])
        longest = params["replacement_length_max"]
        if domain == "permuting":
            pattern_length = min(pattern_length, longest)
            replacement_length = pattern_length
        elif domain == "shrinking":
            replacement_length = rng.integer(0, min(pattern_length - 1, longest)) if pattern_length > 1 else 0
            if pattern_length == 1:
                replacement_length = 0
        elif domain == "growing":
            pattern_length = min(pattern_length, longest - 1)
            replacement_length = rng.integer(pattern_length + 1, longest)
        else:
            replacement_length = rng.integer(0, longest)
        return Rule(rng.string(alphabet, pattern_length), rng.string(alphabet, replacement_length),
                    rng.random() < params["terminal_share"])

    def _random_rules(self, rng: RandomStream, params) -> tuple[tuple[tuple[Rule, ...], str], str]:
        alphabet = LETTERS[: params["alphabet_size"]]
        domain = rng.choice(params["domains"])
        count = rng.integer(params["rules_min"], params["rules_max"])
        rules, patterns = [], set()
        while len(rules) < count:
            rule = self._random_rule(rng, domain, alphabet, params)
            if rule.pattern not in patterns:  # a repeated pattern could never fire
                patterns.add(rule.pattern)
                rules.append(rule)
        rules = tuple(rules)
        return (rules, domain), format_rules(rules)

    def _pool(self, params):
        relevant = {key: params[key] for key in (
            "alphabet_size", "pattern_length_max", "replacement_length_max", "terminal_share",
            "domains", "rules_min", "rules_max")}
        return self._pools.get(self.name, self.version, relevant, params["seed"], params["n_instructions"],
                               params["imbalance_alpha"], lambda rng: self._random_rules(rng, params))

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        # The pool lookup is hoisted out of the per-example path.
        pool = None if params.get("rule_source") == "fresh" else self._pool(params)
        # Input text for the whole block in one draw, cut to each example's length.
        texts = rng.strings(LETTERS[: params["alphabet_size"]], params["input_length"], count)
        return [self._sample_one(rng, params, pool, text) for text in texts]

    def _sample_one(self, rng: RandomStream, params: Mapping[str, Any], pool, text: str) -> Optional[Example]:
        if pool is None:
            (rules, domain), _ = self._random_rules(rng, params)
        else:
            rules, domain = pool.draw(rng)
        length = rng.integer(params["min_input_length"], params["input_length"])
        text = text[:length]
        run = run_markov(rules, text, params["max_steps"])
        if run is None or run.steps < params["min_steps"]:
            return None
        complexity = {
            "input_length": length,
            "rules": len(rules),
            "pattern_length": max(len(rule.pattern) for rule in rules),
            "steps": run.steps,
            "output_length": len(run.result),
        }
        return Example(format_rules(rules), text, run.result, {"domain": domain, "complexity": complexity},
                       run.trace)

    def difficulty(self, example: Example) -> float:
        # More steps and longer inputs mean more state to track; saturates towards 1.
        c = example.meta["complexity"]
        size = c["steps"] * 5 + c["input_length"] + c["rules"] * 5
        return size / (size + 100)

    def structure(self, record):
        """Atoms: the symbols of the rules; compounds: their symbol bigrams, the domain and the rule count."""
        return rule_structure(parse_rules(record["instruction"] or ""), record["meta"]["domain"],
                              record["meta"]["complexity"]["rules"])

    def solve(self, instruction: Optional[str], input: str) -> str:
        run = run_markov(parse_rules(instruction or ""), input, SOLVE_STEP_LIMIT)
        if run is None:
            raise ValueError(f"the algorithm did not stop within {SOLVE_STEP_LIMIT} steps")
        return run.result
