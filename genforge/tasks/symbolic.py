"""Task ``symbolic``: apply one algebraic identity, used as a rewrite rule, to an expression.

The setting of section 3 of Only-IF (Zhang, Wang, Charton 2024, "Only-IF:
Revealing the Decisive Effect of Instruction Diversity on Generalization",
arXiv 2410.04717), with algebraic identities as the instructions. The
instruction is a rule ``left -> right`` over pattern variables ``a b c``
(``a^2 - b^2 -> (a + b)*(a - b)``); the input is a random expression over
``x y z`` containing an instance of ``left``; the target is the input after
one application of the rule at its first match in pre-order
(leftmost-outermost). Input and target are equal as expressions over the
positive reals. The text syntax is documented in
:mod:`genforge.generators.symbolic_expressions`, the rule families (the
semantic domains ``polynomial``, ``trigonometric``,
``exponential_logarithmic``) in :mod:`genforge.generators.symbolic_rules`,
the random inputs (and the law they follow) in
:mod:`genforge.generators.symbolic_sampler`.

Training rules form a fixed pool of ``n_instructions`` distinct rules per
seed, from rules whose text hashes below ``SEEN_FRACTION`` (as in the
``rewrite`` task); the input depth is uniform over the split's depth range
(at least the depth of the rule's left side). Plans:

* ``iid``: train / validation / test_id (80/10/10 by input hash), depths
  ``min_depth..max_depth``;
* ``unseen_instructions`` (default): iid plus ``test_ood_instruction``, rules
  that hash above ``SEEN_FRACTION`` and so can never be in a training pool;
* ``held_out_domain``: train / validation / test_id on the domains not in
  ``held_out_domains``, plus ``test_ood_domain`` on the held-out families;
* ``deeper``: iid plus ``test_ood_depth``, inputs of depth
  ``max_depth + 1..deeper_max_depth`` with the training rules.

meta: ``domain`` = the rule's family; ``complexity`` = ``depth`` (of the input
tree, 0 for a leaf), ``nodes`` (of the input tree), ``rule_nodes`` (of the
rule's left side) and ``match_depth`` (depth of the rewritten sub-tree). The
trace is ``match <sub-tree>`` then ``replace <replacement>``.

difficulty = ``0.6 * depth / (depth + 5) + 0.4 * nodes / (nodes + 40)``:
monotone in both measures, below 1.

structure(record): atoms are the node labels (operators, function names,
variables, numbers) of the rule's two sides and of the input; compounds are
their parent-child operator pairs, ``parent>position>child`` with position
``left``, ``right`` or ``arg`` (``^>left>sin`` for ``sin(x)^2``); pattern
variables ``a b c`` appear only in rules, so rule and input atoms stay apart.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, all_of, iid_splits
from genforge.generators.symbolic_expressions import (
    ExpressionSyntaxError, labels, operator_pairs, parse, rewrite_first, to_text,
)
from genforge.generators.symbolic_rules import CATALOGUE, DOMAINS, parse_rule
from genforge.generators.symbolic_sampler import CompiledRule, sample_rewrite
from genforge.core.task import Task
from genforge.tasks.instruction_pool import PoolCache, is_seen_instruction
from genforge.tasks.rewriting_plans import SHARED_PARAMETERS

_DOMAIN_LIST = {"type": "array", "items": {"type": "string", "enum": list(DOMAINS)}, "uniqueItems": True}
_COMPILED = tuple(CompiledRule(rule) for rule in CATALOGUE)
#: Training-eligible rules per domain, fixed by the catalogue (compiled for sampling).
_SEEN = {domain: [r for r in _COMPILED if r.domain == domain and is_seen_instruction(r.text)] for domain in DOMAINS}
_UNSEEN = {domain: [r for r in _COMPILED if r.domain == domain and not is_seen_instruction(r.text)]
           for domain in DOMAINS}
#: Whether each catalogue rule may be in a training pool (text_bucket, looked up instead of hashed per draw).
_SEEN_TEXTS = {rule.text: is_seen_instruction(rule.text) for rule in _COMPILED}


def _is_seen(instruction: str) -> bool:
    seen = _SEEN_TEXTS.get(instruction)
    return is_seen_instruction(instruction) if seen is None else seen


class SymbolicTask(Task):
    name = "symbolic"
    version = "1.2"
    summary = "apply one algebraic identity (a rewrite rule) to an expression tree (Only-IF, section 3)"
    default_split_plan = "unseen_instructions"
    parameters = {
        "domains": {**_DOMAIN_LIST, "minItems": 1, "default": list(DOMAINS),
                    "description": "families of identities used"},
        "held_out_domains": {**_DOMAIN_LIST, "default": ["trigonometric"],
                             "description": "families only in test_ood_domain (held_out_domain plan)"},
        "min_depth": {"type": "integer", "default": 2, "minimum": 1, "maximum": 50,
                      "description": "shallowest input tree in train (depth of a leaf is 0)"},
        "max_depth": {"type": "integer", "default": 5, "minimum": 1, "maximum": 50,
                      "description": "deepest input tree in train"},
        "deeper_max_depth": {"type": "integer", "default": 8, "minimum": 2, "maximum": 100,
                             "description": "deepest input of the 'deeper' plan's test split (> max_depth)"},
        "operand_depth": {"type": "integer", "default": 1, "minimum": 0, "maximum": 5,
                          "description": "deepest sub-expression substituted for a pattern variable"},
        "context_depth": {"type": "integer", "default": 2, "minimum": 0, "maximum": 5,
                          "description": "deepest side term of the random context around the rule's instance"},
        **SHARED_PARAMETERS,
        "n_instructions": {"type": "integer", "default": 60, "minimum": 1, "maximum": len(CATALOGUE),
                           "description": "distinct rules in the training pool (instruction diversity); at most "
                                          "the training-eligible rules of the training domains"},
        "examples_per_instruction": {"type": "integer", "default": 100, "minimum": 1, "maximum": 10_000_000,
                                     "description": "training examples per rule on average; "
                                                    "train size = n_instructions x this"},
    }

    def __init__(self):
        self._pools = PoolCache()
        self._rule_lists: dict = {}

    def check_params(self, params: Mapping[str, Any]) -> None:
        self.require_order(params, "min_depth", "<=", "max_depth")
        self.require_order(params, "deeper_max_depth", ">", "max_depth")
        self.require_held_out_in_domains(params)
        self.require(len(params["held_out_domains"]) < len(params["domains"]),
                     f"held_out_domains {params['held_out_domains']} leave no domain to train on "
                     f"(domains {params['domains']})")
        available = sum(len(_SEEN[d]) for d in params["domains"])
        self.require(params["n_instructions"] <= available,
                     f"parameter 'n_instructions' = {params['n_instructions']} is more than the {available} "
                     f"training-eligible rules of domains {params['domains']}; ask for at most {available}")

    # -- plans -----------------------------------------------------------
    def split_plans(self, params):
        low, high, deeper = params["min_depth"], params["max_depth"], params["deeper_max_depth"]
        held_out = tuple(params["held_out_domains"])
        train_domains = [d for d in params["domains"] if d not in held_out]
        test_size = params["test_size"]
        train_size = params["n_instructions"] * params["examples_per_instruction"]

        def depth_between(lowest, highest):
            def accepts(example: Example, bucket: float) -> bool:
                return lowest <= example.meta["complexity"]["depth"] <= highest
            return accepts

        def seen(example: Example, bucket: float) -> bool:
            return _is_seen(example.instruction)

        def unseen(example: Example, bucket: float) -> bool:
            return not seen(example, bucket)

        def in_domains(domains):
            def accepts(example: Example, bucket: float) -> bool:
                return example.meta["domain"] in domains
            return accepts

        def seen_within(domains):
            """depth_between(low, high), seen and in_domains(domains) in one call (run on every train draw)."""
            domains = frozenset(domains)

            def accepts(example: Example, bucket: float) -> bool:
                meta = example.meta
                return (low <= meta["complexity"]["depth"] <= high and meta["domain"] in domains
                        and _is_seen(example.instruction))
            return accepts

        def sampling(source, domains, lowest, highest):
            return {"rule_source": source, "domains": list(domains), "depth_min": lowest, "depth_max": highest}

        def iid(domains):
            within = seen_within(domains)
            return tuple(
                SplitSpec(s.name, s.size, s.description, s.accepts,
                          sampling("pool", domains, low, high), s.shift)
                for s in iid_splits(train_size, test_size, test_size, within=within)
            )

        unseen_test = SplitSpec(
            "test_ood_instruction", test_size, "rules never in any training pool (Only-IF's test of diversity)",
            all_of(depth_between(low, high), unseen), sampling("unseen", params["domains"], low, high), "instruction")
        domain_test = SplitSpec(
            "test_ood_domain", test_size, f"families never seen in training: {', '.join(held_out)}",
            all_of(depth_between(low, high), in_domains(held_out)), sampling("any", held_out, low, high), "domain")
        deeper_test = SplitSpec(
            "test_ood_depth", test_size, f"inputs of depth {high + 1} to {deeper} (train: {low} to {high})",
            depth_between(high + 1, deeper), sampling("pool", params["domains"], high + 1, deeper), "depth")
        everything = iid(params["domains"])
        held_out_plan = iid(train_domains) + ((domain_test,) if held_out else ())
        return {
            "iid": SplitPlan("iid", "train / validation / test_id from one distribution", everything),
            "unseen_instructions": SplitPlan("unseen_instructions", "test on rules never seen in training",
                                             everything + (unseen_test,)),
            "held_out_domain": SplitPlan("held_out_domain", "train on some families of identities, test on others",
                                         held_out_plan),
            "deeper": SplitPlan("deeper", "test on deeper expressions than any in training",
                                everything + (deeper_test,)),
        }

    # -- sampling --------------------------------------------------------
    def _pool(self, params: Mapping[str, Any]):
        domains = list(params["domains"])
        candidates = [rule for domain in domains for rule in _SEEN[domain]]

        def make(rng: RandomStream):
            rule = rng.choice(candidates)
            return rule, rule.text

        return self._pools.get(self.name, self.version, {"domains": domains}, params["seed"],
                               params["n_instructions"], params["imbalance_alpha"], make)

    def _rule_drawer(self, params: Mapping[str, Any]):
        """A function drawing one compiled rule from the split's rule source."""
        source = params["rule_source"]
        if source == "pool":
            return self._pool(params).draw
        key = (source, tuple(params["domains"]))
        rules = self._rule_lists.get(key)
        if rules is None:
            table = _UNSEEN if source == "unseen" else None
            rules = self._rule_lists[key] = [rule for domain in params["domains"]
                                             for rule in (table[domain] if table else _SEEN[domain] + _UNSEEN[domain])]
        return lambda rng: rng.choice(rules)

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        draw_rule = self._rule_drawer(params)
        low, high = params["depth_min"], params["depth_max"]
        operand_depth, context_depth = params["operand_depth"], params["context_depth"]
        examples: list[Optional[Example]] = []
        for _ in range(count):
            rule = draw_rule(rng)
            lowest = max(low, rule.left_depth)
            if lowest > high:
                examples.append(None)
                continue
            total_depth = lowest + rng.below(high - lowest + 1)
            drawn = sample_rewrite(rng, rule, total_depth, operand_depth, context_depth)
            if drawn is None:
                examples.append(None)
                continue
            text, target, matched, replacement, nodes, match_depth = drawn
            complexity = {"depth": total_depth, "nodes": nodes, "rule_nodes": rule.left_size,
                          "match_depth": match_depth}
            examples.append(example_of((rule.text, text, target, {"domain": rule.domain, "complexity": complexity},
                                        (f"match {matched}", f"replace {replacement}"))))
        return examples

    def difficulty(self, example: Example) -> float:
        c = example.meta["complexity"]
        return 0.6 * c["depth"] / (c["depth"] + 5) + 0.4 * c["nodes"] / (c["nodes"] + 40)

    # -- oracle ----------------------------------------------------------
    def _read(self, instruction: Optional[str], input: str):
        try:
            return parse_rule(instruction or ""), parse(input)
        except (ExpressionSyntaxError, ValueError) as error:
            raise UsageError(f"task symbolic: cannot read the rule or the input: {error}") from None

    def solve(self, instruction: Optional[str], input: str) -> str:
        """The input after one application at the first match; unchanged when the rule does not match."""
        rule, tree = self._read(instruction, input)
        applied = rewrite_first(tree, rule.left, rule.right)
        return to_text(tree if applied is None else applied[0])

    def normalize_answer(self, answer: str) -> str:
        """Whitespace-insensitive: ``(x+y)*(x-y)`` and ``(x + y)*(x - y)`` compare equal."""
        return "".join(str(answer).split())

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        rule, tree = self._read(record.get("instruction"), record["input"])
        atoms = labels(rule.left) + labels(rule.right) + labels(tree)
        compounds = operator_pairs(rule.left) + operator_pairs(rule.right) + operator_pairs(tree)
        return atoms, compounds
