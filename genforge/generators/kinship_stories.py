"""Kinship stories: a pool of family trees, and stories drawn from it as examples (kinship task).

A story is a chain of k kinship facts from the first to the last person, made
by backward chaining in a tree of the pool (see :mod:`genforge.generators.kinship`),
plus noise facts; it is kept only when the closure of its facts gives the
query exactly one relation, the target. Pure functions of a random stream,
the pool and the typed parameters (``k_min``, ``k_max``, ``name_sets``,
``story_format`` and the three noise counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Mapping, Optional

from genforge.core.records import Example, example_of
from genforge.core.rng import RandomStream
from genforge.core.splits import in_bucket_window
from genforge.generators.kinship import (
    Chain, FamilyTree, Noise, add_noise, backward_chain, chain_answers, family_tree, load_rules, simulate_family,
    story_answers,
)
from genforge.generators import kinship_canonical
from genforge.generators.kinship_canonical import StoryExample
from genforge.generators.kinship_patterns import is_seen_pattern
from genforge.generators.kinship_text import (
    QUERY_PREFIX, fact_forms, load_names, load_templates, render_story, sentence_forms,
)

#: Tries per sample (fresh tree and start edge, same target) before the draw counts as rejected.
CHAIN_TRIES = 32
NOISE_KINDS = ("supporting_facts", "irrelevant_facts", "disconnected_facts")
INSTRUCTIONS = {
    "sentences": "The story tells how people of one family are related. Answer the query (X, Y) with the "
                 "single relation word w such that Y is X's w.",
    "facts": "Each fact (X, w, Y) means Y is X's w. Answer the query (X, Y) with the single relation "
             "word w such that Y is X's w.",
}
_NO_NOISE = Noise()


def pattern_of(relations) -> str:
    """The chain's relation-type sequence, e.g. ``child,SO``: the unit of held_out_patterns."""
    return ",".join(relations)


def family_pool(rng: RandomStream, size: int, generations: int, children_min: int, children_max: int,
                marriage_probability: float) -> tuple[FamilyTree, ...]:
    """``size`` simulated family trees, drawn one after the other from ``rng``."""
    rules = load_rules()
    return tuple(
        family_tree(simulate_family(rng, generations, children_min, children_max, marriage_probability), rules)
        for _ in range(size)
    )


def expected_tree_size(generations: int, children_min: int, children_max: int, marriage_probability: float) -> float:
    """The mean number of people of a :func:`simulate_family` tree: one couple, then per generation each
    couple's children (``children_min..children_max``), each bringing a spouse with ``marriage_probability``."""
    children = (children_min + children_max) / 2
    couples_growth = children * marriage_probability
    return 2 + children * (1 + marriage_probability) * sum(couples_growth ** g for g in range(generations - 1))


def sample_block(rng: RandomStream, pool: tuple[FamilyTree, ...], params, count: int) -> list[Optional[Example]]:
    """``count`` story draws from ``pool`` (None for a rejected draw)."""
    # Everything that depends only on the parameters is looked up once per block, not per example.
    context = StoryContext(pool, params)
    return [_sample_one(rng, context) for _ in range(count)]


class StoryContext:
    """What every example of a block needs, resolved from the parameters once."""

    __slots__ = ("pool", "rules", "templates", "names", "name_sets", "noise", "any_noise", "k_min", "k_span",
                 "story_format", "instruction", "targets", "single", "setup_choices", "shuffled_share",
                 "pattern_side", "pattern_split", "structural_keys", "sentence_forms", "fact_forms", "words",
                 "names_by_set", "fewest_names", "bucket_window")

    def __init__(self, pool: tuple[FamilyTree, ...], params):
        self.pool = pool
        self.rules = load_rules()
        self.templates = load_templates()
        self.names = load_names()
        self.name_sets = tuple(params.name_sets)
        self.noise = tuple(getattr(params, name) for name in NOISE_KINDS)
        self.any_noise = any(self.noise)
        self.k_min, self.k_span = params.k_min, params.k_max - params.k_min + 1
        self.targets = self.rules.composable
        self.single = {target: frozenset([target]) for target in self.targets}
        self.setup_choices = len(self.targets) * self.k_span * len(self.name_sets)
        self.story_format = params.story_format
        self.instruction = INSTRUCTIONS[self.story_format]
        self.shuffled_share = float(params.shuffled_share)
        #: held_out_patterns: "seen" or "unseen" makes a draw retry chains until its pattern is on that side,
        #: so each target and k keeps its share (filtering afterwards skewed the test towards `un`).
        self.pattern_side = params.pattern_side
        self.pattern_split = (params.k_min, params.k_max, float(params.held_out_pattern_share))
        self.structural_keys = kinship_canonical.keys_from_structure()
        self.sentence_forms = sentence_forms()
        self.fact_forms = fact_forms()
        self.words = self.rules.words
        self.names_by_set = tuple(self.names[name_set] for name_set in self.name_sets)
        #: i.i.d. splits: the input-bucket interval their predicate requires (see KinshipTask.split_plans)
        self.bucket_window = tuple(params.bucket_window)
        #: a story with at most this many people cannot run out of names of either gender in any set
        self.fewest_names = min(len(people) for by_gender in self.names_by_set for people in by_gender.values())


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


def _name_people(rng, people, genders, names_by_gender, fewest_names: int = 0) -> Optional[dict[int, str]]:
    """Distinct names for ``people`` (ids in order of first mention), or None if a list runs short.

    Names are drawn per story, so trees of the pool repeat but stories do not. A story of at most
    ``fewest_names`` people (the shortest name list) cannot run short, and skips the counting.
    """
    names: dict[int, str] = {}
    taken: set[str] = set()
    counts = {"male": 0, "female": 0} if len(people) > fewest_names else None
    below = rng.below
    for person in people:
        gender = genders[person]
        options = names_by_gender[gender]
        size = len(options)
        if counts is not None:
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


def _story(rng, context: StoryContext, target: str, k: int) -> Optional[tuple[FamilyTree, Chain, Noise]]:
    """A tree, a chain to ``target`` of ``k`` facts and its noise whose closure answers only ``target``."""
    pool = context.pool
    expected = context.single[target]
    for _ in range(CHAIN_TRIES):
        tree = pool[rng.below(len(pool))] if len(pool) > 1 else pool[0]
        chain = backward_chain(rng, tree, target, k)
        if chain is None:
            continue
        if context.pattern_side and (is_seen_pattern(pattern_of(chain.relations), *context.pattern_split)
                                     != (context.pattern_side == "seen")):
            continue
        if context.any_noise:
            noise = add_noise(rng, tree, chain, *context.noise)
            if noise is None:
                continue
            if story_answers(chain, noise, context.rules) != expected:
                continue
        else:
            noise = _NO_NOISE
            if chain_answers(chain.relations) != expected:  # story_answers without noise: cached per pattern
                continue
        return tree, chain, noise
    return None


def _sample_one(draws: RandomStream, context: StoryContext) -> Optional[Example]:
    below = draws.below
    # One draw picks target, chain length and name set (uniform over their product).
    draw = below(context.setup_choices)
    draw, target_index = divmod(draw, len(context.targets))
    name_set_index, k_offset = divmod(draw, context.k_span)
    target = context.targets[target_index]
    found = _story(draws, context, target, context.k_min + k_offset)
    if found is None:
        return None
    tree, chain, noise = found
    nodes, relations = chain.nodes, chain.relations
    facts = list(zip(nodes, relations, nodes[1:]))  # chain.facts(), without a Python loop
    # CLUTRR's stories do not always state facts in chain order: a shuffled_share of them are shuffled.
    shuffled = context.shuffled_share > 0 and draws.random() < context.shuffled_share
    if shuffled:
        draws.shuffle(facts)
    if context.any_noise:
        for fact in noise.supporting + noise.irrelevant + noise.disconnected:
            facts.insert(below(len(facts) + 1), fact)
    genders = tree.genders
    # People in order of first mention: along the chain, unless noise facts were shuffled in.
    people = dict.fromkeys([p for a, _, b in facts for p in (a, b)]) if context.any_noise or shuffled else nodes
    names = _name_people(draws, people, genders, context.names_by_set[name_set_index], context.fewest_names)
    if names is None:
        return None
    first, last = nodes[0], nodes[-1]
    if context.structural_keys:
        canonical, lines = _canonical_story(context, below, facts, genders, first, last)
        key = context.instruction + "\x1f" + canonical
        if not in_bucket_window(key, context.bucket_window):
            return None  # the split's predicate refuses this input anyway: no text, meta or example for it
        story = _story_text(context, lines, names, first, last)
    else:
        key = None
        story = render_story(below, facts, names, genders, context.story_format)
        story = f"{story}\n{QUERY_PREFIX}({names[first]}, {names[last]})"
    meta = {
        "domain": context.name_sets[name_set_index],
        "relation": target,
        "pattern": pattern_of(relations),
        "fact_order": "shuffled" if shuffled else "chain",
        "complexity": {
            "k": len(relations),
            "facts": len(facts),
            "supporting_facts": len(noise.supporting),
            "irrelevant_facts": len(noise.irrelevant),
            "disconnected_facts": len(noise.disconnected),
        },
    }
    example = example_of((context.instruction, story, context.words[target][genders[last]], meta,
                          ChainTrace(chain.steps, names)), StoryExample)
    if key is not None:
        example.canonical = key
    return example


def _canonical_story(context: StoryContext, below, facts, genders, first: int, last: int):
    """The canonical story (kinship_canonical) of ``facts``, drawing each sentence's template, and its lines
    as ``(form, first person, second person)`` for :func:`_story_text`.

    The canonical story is the input text with each person written ``M<i>``
    or ``F<i>``, i counting people in the order the text names them (valid
    when ``keys_from_structure()``).
    """
    labels: dict[int, str] = {}
    lines, canonical = [], []
    male, female = kinship_canonical.LABELS["male"], kinship_canonical.LABELS["female"]
    sentences = context.story_format == "sentences"
    if sentences:
        forms = context.sentence_forms
        for a, r, b in facts:
            options = forms[r, genders[a], genders[b]]
            form, a_first = options[below(len(options))]
            lines.append((form, a, b) if a_first else (form, b, a))
    else:
        forms = context.fact_forms
        lines = [(forms[r, genders[b]], a, b) for a, r, b in facts]
    for form, x, y in lines:
        x_label = labels.get(x)
        if x_label is None:
            x_label = labels[x] = (male if genders[x] == "male" else female)[len(labels)]
        y_label = labels.get(y)
        if y_label is None:
            y_label = labels[y] = (male if genders[y] == "male" else female)[len(labels)]
        canonical.append(form % (x_label, y_label))
    joiner = " " if sentences else "\n"
    return f"{joiner.join(canonical)}\n{QUERY_PREFIX}({labels[first]}, {labels[last]})", lines


def _story_text(context: StoryContext, lines, names, first: int, last: int) -> str:
    """The input: the ``lines`` of :func:`_canonical_story` with people's names, then the query line."""
    story = (" " if context.story_format == "sentences" else "\n").join(
        [form % (names[x], names[y]) for form, x, y in lines])
    return f"{story}\n{QUERY_PREFIX}({names[first]}, {names[last]})"
