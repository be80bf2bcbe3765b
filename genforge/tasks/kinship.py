"""Task ``kinship``: how is the last person of a family story related to the first? (CLUTRR)

Sinha, Sodhani, Dong, Pineau, Hamilton (2019), "CLUTRR: A Diagnostic Benchmark
for Inductive Reasoning from Text", EMNLP. Each story is a chain of k kinship
facts made by backward chaining in a simulated family tree (see
:mod:`genforge.generators.kinship`); the query is (first, last) person and the
target the relation word of the last person to the first, gendered by the
last person ("Clara is Alice's daughter-in-law" -> ``daughter-in-law``).
Every story is checked: the breadth-first closure of its facts under the
composition table gives the query exactly one relation, the target.

Input format (see :mod:`genforge.generators.kinship_text`): the story (one
line of sentences, or one ``(X, word, Y)`` fact per line), then
``Query: (First, Last)``. The instruction states the question.

Semantic domains are name sets (``anglo``, ``latin``, ``nordic``). Noise
(CLUTRR's kinds, a fixed count per story each): supporting facts (pairs
giving a second consistent path), irrelevant facts (dead ends off the chain)
and disconnected facts (among people unrelated in the story).

Split plans: ``iid``; ``longer_chains`` (train k in k_min..k_max, test k in
test_k_min..test_k_max, the standard protocol); ``held_out_patterns``
(relation-type sequences of the chain split 80/20 by a hash of the pattern).

Difficulty: x = (k - 1) + (noise facts) / 2, difficulty = x / (x + 5);
monotone in k and in every noise count.

structure(record): atoms are the relation types along the chain (in order);
compounds are the adjacent pairs ``r1.r2`` along the chain.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from typing import Any, Mapping, Optional

from genforge.core.errors import UsageError
from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, all_of, iid_splits, text_bucket
from genforge.generators.kinship import (
    Chain, FamilyTree, Noise, add_noise, backward_chain, closure, family_tree, load_rules, simulate_family,
    story_answers,
)
from genforge.generators.kinship_text import (
    QUERY_PREFIX, load_names, load_templates, name_genders, parse_input, render_story,
)
from genforge.core.task import Task

NAME_SETS = ("anglo", "latin", "nordic")
#: Tries per sample (fresh tree and start edge, same target) before the draw counts as rejected.
CHAIN_TRIES = 32
#: Patterns whose hash bucket is at or above this are held out (held_out_patterns plan).
SEEN_PATTERN_FRACTION = 0.8
_NOISE = ("supporting_facts", "irrelevant_facts", "disconnected_facts")
_POOL_PARAMS = ("generations", "children_min", "children_max", "marriage_probability", "family_pool_size")
INSTRUCTIONS = {
    "sentences": "The story tells how people of one family are related. Answer the query (X, Y) with the "
                 "single relation word w such that Y is X's w.",
    "facts": "Each fact (X, w, Y) means Y is X's w. Answer the query (X, Y) with the single relation "
             "word w such that Y is X's w.",
}


def pattern_of(relations) -> str:
    """The chain's relation-type sequence, e.g. ``child,SO``: the unit of held_out_patterns."""
    return ",".join(relations)


def is_seen_pattern(pattern: str) -> bool:
    return text_bucket(pattern) < SEEN_PATTERN_FRACTION


def _k_between(low: int, high: int):
    def accepts(example: Example, bucket: float) -> bool:
        return low <= example.meta["complexity"]["k"] <= high

    return accepts


def _pattern_seen(seen: bool):
    def accepts(example: Example, bucket: float) -> bool:
        return is_seen_pattern(example.meta["pattern"]) == seen

    return accepts


_NO_NOISE = Noise()


class _BlockContext:
    """What every example of a block needs, resolved from params once."""

    __slots__ = ("pool", "rules", "templates", "names", "name_sets", "noise", "any_noise", "k_min", "k_span",
                 "story_format", "instruction", "targets", "single", "setup_choices")

    def __init__(self, pool: tuple[FamilyTree, ...], params: Mapping[str, Any]):
        self.pool = pool
        self.rules = load_rules()
        self.templates = load_templates()
        self.names = load_names()
        self.name_sets = tuple(params["name_sets"])
        self.noise = tuple(params[name] for name in _NOISE)
        self.any_noise = any(self.noise)
        self.k_min, self.k_span = params["k_min"], params["k_max"] - params["k_min"] + 1
        self.targets = self.rules.composable
        self.single = {target: frozenset([target]) for target in self.targets}
        self.setup_choices = len(self.targets) * self.k_span * len(self.name_sets)
        self.story_format = params["story_format"]
        self.instruction = INSTRUCTIONS[self.story_format]


class ChainTrace(Sequence):
    """The backward-chaining steps of a story as trace lines, written only when read.

    The engine writes traces only on request (``--trace``) without telling
    the sampler, so the lines are built when a record is built, not per draw.
    """

    __slots__ = ("steps", "names")

    def __init__(self, steps, names: Mapping[int, str]):
        self.steps, self.names = steps, names

    def lines(self) -> tuple[str, ...]:
        names = self.names
        return tuple([
            f"{names[a]} {r} {names[c]} <= {names[a]} {r1} {names[b]} & {names[b]} {r2} {names[c]}"
            for a, r, c, b, r1, r2 in self.steps
        ])

    def __getitem__(self, index):
        return self.lines()[index]

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.lines())

    def __eq__(self, other) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.lines())

    def __repr__(self) -> str:
        return f"ChainTrace({self.lines()!r})"


def _name_people(rng: RandomStream, people, genders, names_by_gender) -> Optional[dict[int, str]]:
    """Distinct names for ``people`` (ids in order of first mention), or None if a list runs short.

    Names are drawn per story, so trees of the pool repeat but stories do not.
    """
    names: dict[int, str] = {}
    taken: set[str] = set()
    counts = {"male": 0, "female": 0}
    below = rng.below
    for person in people:
        gender = genders[person]
        options = names_by_gender[gender]
        size = len(options)
        counts[gender] += 1
        if counts[gender] > size:
            return None
        # Rejection keeps every unused name equally likely; stories use few of the 40+ names.
        name = options[below(size)]
        while name in taken:
            name = options[below(size)]
        taken.add(name)
        names[person] = name
    return names


class KinshipTask(Task):
    name = "kinship"
    version = "1.0"
    balance_key = "meta.relation"
    summary = "relation of the last to the first person of a family story, by chained kinship facts (CLUTRR)"
    default_split_plan = "longer_chains"
    attempts_per_record = 200
    parameters = {
        "generations": {"type": "integer", "default": 5, "minimum": 2, "maximum": 8,
                        "description": "levels of each simulated family tree"},
        "children_min": {"type": "integer", "default": 2, "minimum": 1, "maximum": 6,
                         "description": "fewest children per couple"},
        "children_max": {"type": "integer", "default": 3, "minimum": 1, "maximum": 6,
                         "description": "most children per couple"},
        "marriage_probability": {"type": "number", "default": 0.8, "minimum": 0.0, "maximum": 1.0,
                                 "description": "chance that a child marries (only couples have children)"},
        "family_pool_size": {"type": "integer", "default": 32, "minimum": 1, "maximum": 4096,
                             "description": "family trees simulated per (params, seed); stories draw from them"},
        "k_min": {"type": "integer", "default": 2, "minimum": 2, "maximum": 20,
                  "description": "fewest chain facts (reasoning steps + 1) in train and in-distribution tests"},
        "k_max": {"type": "integer", "default": 4, "minimum": 2, "maximum": 20,
                  "description": "most chain facts in train and in-distribution tests"},
        "test_k_min": {"type": "integer", "default": 5, "minimum": 3, "maximum": 20,
                       "description": "longer_chains plan: fewest chain facts in test_ood_length"},
        "test_k_max": {"type": "integer", "default": 10, "minimum": 3, "maximum": 20,
                       "description": "longer_chains plan: most chain facts in test_ood_length"},
        "supporting_facts": {"type": "integer", "default": 0, "minimum": 0, "maximum": 10,
                             "description": "noise: facts giving a second consistent path, added in pairs "
                                            "(X r1 Y, Y r2 Z for a chain fact X r Z); must be even"},
        "irrelevant_facts": {"type": "integer", "default": 0, "minimum": 0, "maximum": 10,
                             "description": "noise: facts from a chain person to a new person (dead ends)"},
        "disconnected_facts": {"type": "integer", "default": 0, "minimum": 0, "maximum": 10,
                               "description": "noise: facts among people linked to no chain person in the story"},
        "story_format": {"type": "string", "enum": ["sentences", "facts"], "default": "sentences",
                         "description": "story as template sentences or as a list of (X, word, Y) facts"},
        "name_sets": {"type": "array", "items": {"type": "string", "enum": list(NAME_SETS)}, "uniqueItems": True,
                      "minItems": 1, "default": list(NAME_SETS),
                      "description": "semantic domains: the name lists people are named from"},
        "train_size": {"type": "integer", "default": 10000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of train"},
        "test_size": {"type": "integer", "default": 1000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of validation and every test split"},
    }

    def __init__(self):
        self._pools: dict[str, tuple[FamilyTree, ...]] = {}

    # -- parameters --------------------------------------------------------
    def check_params(self, params: Mapping[str, Any]) -> None:
        for low, high in (("children_min", "children_max"), ("k_min", "k_max"), ("test_k_min", "test_k_max")):
            self.require_order(params, low, "<=", high)
        self.require_order(params, "test_k_min", ">", "k_max",
                           "test chains of longer_chains must be longer than every training chain")
        self.require(params["supporting_facts"] % 2 == 0,
                     f"parameter 'supporting_facts' = {params['supporting_facts']} must be even: "
                     "supporting facts come in pairs")

    # -- plans -------------------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        train, test = params["train_size"], params["test_size"]
        lo, hi = params["k_min"], params["k_max"]
        test_lo, test_hi = params["test_k_min"], params["test_k_max"]
        in_train_k = _k_between(lo, hi)
        longer = SplitSpec(
            "test_ood_length", test, f"chains of {test_lo} to {test_hi} facts (train: {lo} to {hi})",
            _k_between(test_lo, test_hi), {"k_min": test_lo, "k_max": test_hi}, "length",
        )
        seen = all_of(in_train_k, _pattern_seen(True))
        unseen = SplitSpec(
            "test_ood_pattern", test, "chains whose relation-type sequence never occurs in training",
            all_of(in_train_k, _pattern_seen(False)), {}, "pattern",
        )
        return {
            "iid": SplitPlan("iid", "train / validation / test_id from one distribution",
                             iid_splits(train, test, test, within=in_train_k)),
            "longer_chains": SplitPlan("longer_chains", "train on short chains, test on longer ones (CLUTRR)",
                                       iid_splits(train, test, test, within=in_train_k) + (longer,)),
            "held_out_patterns": SplitPlan(
                "held_out_patterns", "test on relation-type sequences never seen in training",
                iid_splits(train, test, test, within=seen) + (unseen,)),
        }

    # -- sampling ----------------------------------------------------------
    def _pool(self, params: Mapping[str, Any]) -> tuple[FamilyTree, ...]:
        """The family trees of this (pool params, seed): built once per process, shared by every block."""
        relevant = {key: params[key] for key in _POOL_PARAMS}
        key = json.dumps([relevant, params["seed"]], sort_keys=True)
        pool = self._pools.get(key)
        if pool is None:
            rng = RandomStream.from_parts(self.name, self.version, relevant, params["seed"], "family-pool")
            rules = load_rules()
            pool = tuple(
                family_tree(simulate_family(rng, params["generations"], params["children_min"],
                                            params["children_max"], params["marriage_probability"]), rules)
                for _ in range(params["family_pool_size"])
            )
            self._pools[key] = pool
        return pool

    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        # Everything that depends only on params is looked up once per block, not per example.
        context = _BlockContext(self._pool(params), params)
        return [self._sample_one(rng, context) for _ in range(count)]

    def _story(self, rng: RandomStream, context: _BlockContext, target: str,
               k: int) -> Optional[tuple[FamilyTree, Chain, Noise]]:
        """A tree, a chain to ``target`` of ``k`` facts and its noise whose closure answers only ``target``."""
        pool = context.pool
        expected = context.single[target]
        for _ in range(CHAIN_TRIES):
            tree = pool[rng.below(len(pool))] if len(pool) > 1 else pool[0]
            chain = backward_chain(rng, tree, target, k)
            if chain is None:
                continue
            if context.any_noise:
                noise = add_noise(rng, tree, chain, *context.noise)
                if noise is None:
                    continue
            else:
                noise = _NO_NOISE
            if story_answers(chain, noise, context.rules) != expected:
                continue
            return tree, chain, noise
        return None

    def _sample_one(self, rng: RandomStream, context: _BlockContext) -> Optional[Example]:
        below = rng.below
        # One draw picks target, chain length and name set (uniform over their product).
        draw = below(context.setup_choices)
        draw, target_index = divmod(draw, len(context.targets))
        name_set_index, k_offset = divmod(draw, context.k_span)
        target = context.targets[target_index]
        found = self._story(rng, context, target, context.k_min + k_offset)
        if found is None:
            return None
        tree, chain, noise = found
        nodes = chain.nodes
        facts = chain.facts()
        if context.any_noise:
            for fact in noise.supporting + noise.irrelevant + noise.disconnected:
                facts.insert(below(len(facts) + 1), fact)
        name_set = context.name_sets[name_set_index]
        genders = tree.genders
        # People in order of first mention: along the chain, unless noise facts were shuffled in.
        people = dict.fromkeys([p for a, _, b in facts for p in (a, b)]) if context.any_noise else nodes
        names = _name_people(rng, people, genders, context.names[name_set])
        if names is None:
            return None
        story = render_story(below, facts, names, genders, context.story_format)
        last = nodes[-1]
        text = f"{story}\n{QUERY_PREFIX}({names[nodes[0]]}, {names[last]})"
        meta = {
            "domain": name_set,
            "relation": target,
            "pattern": pattern_of(chain.relations),
            "complexity": {
                "k": len(chain.relations),
                "facts": len(facts),
                "supporting_facts": len(noise.supporting),
                "irrelevant_facts": len(noise.irrelevant),
                "disconnected_facts": len(noise.disconnected),
            },
        }
        return example_of((context.instruction, text, context.rules.words[target][genders[last]], meta,
                           ChainTrace(chain.steps, names)))

    def difficulty(self, example: Example) -> float:
        c = example.meta["complexity"]
        x = (c["k"] - 1) + (c["supporting_facts"] + c["irrelevant_facts"] + c["disconnected_facts"]) / 2
        return x / (x + 5)

    # -- oracle ------------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        rules = load_rules()
        story = parse_input(input, rules.word_meaning)
        if story is None:
            raise UsageError("kinship input not understood: expected story sentences or (X, word, Y) facts, "
                             "then a last line 'Query: (X, Y)'")
        first, last = story.query
        facts = [(a, rules.word_meaning[w][0], b) for a, w, b in story.facts]
        answers = closure(facts, rules).get((first, last), set())
        if len(answers) != 1:
            raise UsageError(f"kinship query ({first}, {last}): the story implies "
                             f"{len(answers)} relations {sorted(answers)}, expected exactly one")
        gender = next((rules.word_meaning[w][1] for _, w, b in story.facts if b == last), None)
        gender = gender or name_genders().get(last)
        if gender is None:
            raise UsageError(f"kinship query: the gender of {last!r} is not known from the story or the name lists")
        return rules.word(next(iter(answers)), gender)

    def normalize_answer(self, answer: str) -> str:
        return " ".join(str(answer).split()).lower()

    def structure(self, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        pattern = (record.get("meta") or {}).get("pattern")
        relations = pattern.split(",") if pattern else self._chain_of(record["input"])
        return relations, [f"{a}.{b}" for a, b in zip(relations, relations[1:])]

    @staticmethod
    def _chain_of(text: str) -> list[str]:
        """Relation types along a shortest stated path from the first to the last query person."""
        rules = load_rules()
        story = parse_input(text, rules.word_meaning)
        if story is None:
            return []
        following: dict[str, list[tuple[str, str]]] = {}
        for a, word, b in story.facts:
            following.setdefault(a, []).append((rules.word_meaning[word][0], b))
        first, last = story.query
        previous: dict[str, tuple[str, str]] = {first: ("", "")}
        queue = deque([first])
        while queue:
            person = queue.popleft()
            for relation, other in following.get(person, ()):
                if other not in previous:
                    previous[other] = (person, relation)
                    queue.append(other)
        if last not in previous:
            return []
        relations = []
        while last != first:
            last, relation = previous[last]
            relations.append(relation)
        return relations[::-1]
