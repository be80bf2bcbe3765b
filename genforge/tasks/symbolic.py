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
:mod:`genforge.generators.symbolic_sampler`, the rule sources and the
example sampling in :mod:`genforge.generators.symbolic_examples`.

Training rules form a fixed pool of ``n_instructions`` distinct rules per
seed, from the rules whose *shape* (constants abstracted, a rule and its
reverse one shape) is not held out; about ``1 - SEEN_FRACTION`` of each
family's shapes are (see :mod:`genforge.generators.symbolic_examples`). The input depth is uniform over the split's depth range
(at least the depth of the rule's left side). Plans:

* ``iid``: train / validation / test_id (80/10/10 by input hash), depths
  ``min_depth..max_depth``;
* ``unseen_instructions`` (default): iid plus ``test_ood_instruction``, rules
  of held-out shapes, so never in a training pool, not even with another
  constant or reversed;
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

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.params import Params, param, split_setting, test_size
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, all_of, iid_splits
from genforge.core.task import Task
from genforge.generators import symbolic_examples
from genforge.generators.instruction_pool import PoolCache
from genforge.generators.symbolic_examples import SEEN, InputShape, RuleDrawer, is_seen
from genforge.generators.symbolic_expressions import (
    ExpressionSyntaxError, labels, operator_pairs, parse, rewrite_first, to_text,
)
from genforge.generators.symbolic_rules import CATALOGUE, DOMAINS, parse_rule
from genforge.tasks.families.rewriting import (
    check_imbalance, examples_per_instruction, imbalance_alpha, imbalance_law, n_instructions, zipf_exponent,
)

_DOMAIN_ITEMS = {"enum": list(DOMAINS)}
RULE_SOURCES = ("pool", "unseen", "any")


@dataclass(frozen=True)
class SymbolicParams(Params):
    domains: tuple[str, ...] = param(DOMAINS, "families of identities used",
                                     items=_DOMAIN_ITEMS, uniqueItems=True, minItems=1)
    held_out_domains: tuple[str, ...] = param(("trigonometric",), "families only in test_ood_domain "
                                              "(held_out_domain plan)", items=_DOMAIN_ITEMS, uniqueItems=True)
    min_depth: int = param(2, "shallowest input tree in train (depth of a leaf is 0)", minimum=1, maximum=50)
    max_depth: int = param(5, "deepest input tree in train", minimum=1, maximum=50)
    deeper_max_depth: int = param(8, "deepest input of the 'deeper' plan's test split (> max_depth)",
                                  minimum=2, maximum=100)
    operand_depth: int = param(1, "deepest sub-expression substituted for a pattern variable", minimum=0, maximum=5)
    context_depth: int = param(2, "deepest side term of the random context around the rule's instance",
                               minimum=0, maximum=5)
    n_instructions: int = n_instructions(60, len(CATALOGUE), "distinct rules in the training pool (instruction "
                                         "diversity); at most the training-eligible rules of the training domains")
    examples_per_instruction: int = examples_per_instruction(100)
    imbalance_alpha: float = imbalance_alpha()
    imbalance_law: str = imbalance_law()
    test_size: int = test_size()
    #: Every split of every plan sets these three (see split_plans).
    rule_source: str = split_setting("pool", "where the split's rules come from: " + ", ".join(RULE_SOURCES))
    depth_min: int = split_setting(0, "shallowest input the split draws (0: min_depth)")
    depth_max: int = split_setting(0, "deepest input the split draws (0: max_depth)")

    def input_shape(self) -> InputShape:
        return InputShape(self.depth_min or self.min_depth, self.depth_max or self.max_depth,
                          self.operand_depth, self.context_depth)


def _depth_between(lowest: int, highest: int):
    def accepts(example: Example, bucket: float) -> bool:
        return lowest <= example.meta["complexity"]["depth"] <= highest
    return accepts


def _unseen(example: Example, bucket: float) -> bool:
    return not is_seen(example.instruction)


def _in_domains(domains):
    def accepts(example: Example, bucket: float) -> bool:
        return example.meta["domain"] in domains
    return accepts


def _seen_within(domains, low: int, high: int):
    """Depth in low..high, a training-eligible rule and a domain of ``domains``, in one call (run on every
    train draw)."""
    domains = frozenset(domains)

    def accepts(example: Example, bucket: float) -> bool:
        meta = example.meta
        return low <= meta["complexity"]["depth"] <= high and meta["domain"] in domains and is_seen(example.instruction)
    return accepts


def _sampling(source: str, domains, lowest: int, highest: int) -> dict:
    """A split's settings: its rule source, domains and depths."""
    return {"rule_source": source, "domains": list(domains), "depth_min": lowest, "depth_max": highest}


class SymbolicTask(Task):
    name = "symbolic"
    version = "1.3"
    summary = "apply one algebraic identity (a rewrite rule) to an expression tree (Only-IF, section 3)"
    default_split_plan = "unseen_instructions"
    Params = SymbolicParams

    def __init__(self):
        self._pools = PoolCache()
        self._rule_lists: dict = {}

    def check_params(self, params: SymbolicParams) -> None:
        self.require_order(params, "min_depth", "<=", "max_depth")
        self.require_order(params, "deeper_max_depth", ">", "max_depth")
        self.require_held_out_in_domains(params)
        check_imbalance(self, params)
        domains, held_out = list(params.domains), list(params.held_out_domains)
        self.require(len(held_out) < len(domains),
                     f"held_out_domains {held_out} leave no domain to train on (domains {domains})")
        available = sum(len(SEEN[d]) for d in domains)
        self.require(params.n_instructions <= available,
                     f"parameter 'n_instructions' = {params.n_instructions} is more than the {available} "
                     f"training-eligible rules of domains {domains}; ask for at most {available}")

    # -- plans -----------------------------------------------------------
    def split_plans(self, params: SymbolicParams) -> dict[str, SplitPlan]:
        low, high, deeper = params.min_depth, params.max_depth, params.deeper_max_depth
        held_out = tuple(params.held_out_domains)
        train_domains = [d for d in params.domains if d not in held_out]
        test_size = params.test_size
        train_size = params.n_instructions * params.examples_per_instruction

        def iid(domains):
            return tuple(
                SplitSpec(s.name, s.size, s.description, s.accepts, _sampling("pool", domains, low, high), s.shift)
                for s in iid_splits(train_size, test_size, test_size, within=_seen_within(domains, low, high))
            )

        unseen_test = SplitSpec(
            "test_ood_instruction", test_size, "rules never in any training pool (Only-IF's test of diversity)",
            all_of(_depth_between(low, high), _unseen), _sampling("unseen", params.domains, low, high), "instruction",
            moves=("rule_nodes", "instruction_length"))  # other identities have other sizes (the instruction is the rule)
        domain_test = SplitSpec(
            "test_ood_domain", test_size, f"families never seen in training: {', '.join(held_out)}",
            all_of(_depth_between(low, high), _in_domains(held_out)), _sampling("any", held_out, low, high), "domain",
            moves=("domain", "rule_nodes", "instruction_length"))  # another family: other identities, other sizes
        deeper_test = SplitSpec(
            "test_ood_depth", test_size, f"inputs of depth {high + 1} to {deeper} (train: {low} to {high})",
            _depth_between(high + 1, deeper), _sampling("pool", params.domains, high + 1, deeper), "depth",
            moves=("depth", "match_depth"))  # the instance sits deeper in a deeper input
        everything = iid(params.domains)
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
    def _rule_drawer(self, params: SymbolicParams) -> RuleDrawer:
        """A function drawing one compiled rule from the split's rule source."""
        if params.rule_source == "pool":
            return self._pools.get(self.name, self.version, {"domains": params.domains}, params.seed,
                                   params.n_instructions, zipf_exponent(params),
                                   symbolic_examples.pool_candidate(params.domains), is_seen).draw
        key = (params.rule_source, params.domains)
        drawer = self._rule_lists.get(key)
        if drawer is None:
            drawer = self._rule_lists[key] = symbolic_examples.source_drawer(*key)
        return drawer

    def sample_block(self, rng: RandomStream, params: SymbolicParams, count: int) -> list[Optional[Example]]:
        return symbolic_examples.sample_block(rng, self._rule_drawer(params), params.input_shape(), count)

    def difficulty(self, example: Example) -> float:
        c = example.meta["complexity"]
        return 0.6 * c["depth"] / (c["depth"] + 5) + 0.4 * c["nodes"] / (c["nodes"] + 40)

    def nuisance_features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Family (domain), input depth, size of the rule's left side, depth of the match and whether the
        rule has an integer constant (the variants that made 'unseen' mostly 'seen with another number')."""
        complexity = record["meta"]["complexity"]
        return {"domain": record["meta"]["domain"], "depth": complexity["depth"],
                "rule_nodes": complexity["rule_nodes"], "match_depth": complexity["match_depth"],
                "rule_has_constant": any(character.isdigit() for character in record.get("instruction") or "")}

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
