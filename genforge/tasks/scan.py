"""Task ``scan``: the original SCAN benchmark, exactly, with its standard splits.

Lake & Baroni (2018), "Generalization without Systematicity", ICML; template
splits from Loula, Baroni & Lake (2018), "Rearranging the Familiar: Testing
Compositional Generalization in Recurrent Networks", BlackboxNLP. The grammar
and its meaning are in :mod:`genforge.generators.scan_grammar`; it yields
20,910 distinct commands with at most one conjunction.

Every split is enumerated (the space is small). Split plans and their sizes,
which match the published files:

* ``simple``: the published random split (brendenlake/SCAN ``simple_split``):
  ``test_id`` holds its 4,182 test commands, ``train`` the other 16,728. The
  membership ships in the package (:mod:`genforge.generators.scan_published`).
* ``simple_random``: a fresh random 80/20 split: the 20,910 commands shuffled
  by the seed, the first 16,728 are ``train``, the other 4,182 ``test_id``.
  The only plan whose membership depends on the seed.
* ``length``: ``train`` = outputs of at most 22 actions (16,990),
  ``test_ood_length`` = at least 24 (3,920; no command has 23).
* ``addprim_jump``: ``test_ood_primitive`` = every command containing
  ``jump`` except ``jump`` itself (7,706); ``train`` = the 13,203 jump-free
  commands plus 1,467 copies of ``jump`` (10% of its 14,670 lines).
  ``addprim_turn_left`` likewise for the bigram ``turn left`` (1,208 /
  19,701 + 2,189 copies = 21,890).
* ``around_right``, ``jump_around_right``, ``opposite_right``, ``right``
  (Loula et al.): ``test_ood_template`` holds the commands containing the
  template with a primitive verb (``walk around right`` ... or just
  ``jump around right``); ``train`` the commands containing none of the
  template's forms; commands containing the ``turn`` form (``turn around
  right``) are on neither side. Matching is on whole words. Sizes:
  15,225 / 4,476, except ``jump_around_right`` 18,528 / 1,173.

Order: ``simple_random`` is the seeded shuffle above; in every other split the
examples (with the primitive's copies, for addprim) are shuffled by a stream
seeded from (task, version, seed, plan, split), so membership is fixed and
only the order depends on the seed.

Complexity: ``command_length`` (words), ``output_length`` (actions),
``conjunctions`` (0 or 1), ``depth`` (parse tree, see the grammar module),
``repetitions`` (clauses with twice/thrice). Difficulty and structure: see
:mod:`genforge.tasks.families.scan`; the examples are built by
:mod:`genforge.generators.scan_sampler`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Optional

from genforge.core.params import Params
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, accept_all
from genforge.generators.scan_grammar import SCAN_VOCABULARY, interpret
from genforge.generators.scan_published import simple_test_commands
from genforge.generators.scan_sampler import scan_examples
from genforge.tasks.families.scan import ScanFamilyTask, contains_phrase, template_hits
from genforge.tasks.scan_scaled import LENGTH_MOVES, _word_features

SIMPLE_TRAIN_SIZE = 16_728
PRIMITIVE_SHARE_DENOMINATOR = 10  # the primitive makes 1/10 of an addprim train split
VERBS = ("walk", "look", "run", "jump")
ADDPRIM_PRIMITIVES = {"addprim_jump": "jump", "addprim_turn_left": "turn left"}

Predicate = Callable[[Example, float], bool]


@dataclass(frozen=True)
class ScanParams(Params):
    """SCAN has no parameters: its splits are the published ones."""


def _addprim(primitive: str) -> tuple[Predicate, Predicate]:
    phrase = primitive.split()

    def train(example: Example, bucket: float) -> bool:
        return example.input == primitive or not contains_phrase(example.input.split(), phrase)

    def test(example: Example, bucket: float) -> bool:
        return example.input != primitive and contains_phrase(example.input.split(), phrase)

    return train, test


def _template(tail: str, verbs: tuple[str, ...]) -> tuple[Predicate, Predicate]:
    """Loula et al.: test holds ``<verb> <tail>``; the ``turn <tail>`` form is on neither side."""
    tail_words, verb_set = tail.split(), frozenset(verbs)

    def train(example: Example, bucket: float) -> bool:
        return template_hits(example.input.split(), tail_words, verb_set, "turn") == (False, False)

    def test(example: Example, bucket: float) -> bool:
        return template_hits(example.input.split(), tail_words, verb_set, "turn") == (True, False)

    return train, test


#: Why a published structural split may shift lengths and depth (SplitPlan.expected_shifts): its membership
#: is the published one, and the commands that hold the held-out primitive or template are shorter or longer.
PUBLISHED_MEMBERSHIP = ("the published split (Lake & Baroni 2018; Loula et al. 2018) fixes which commands are in "
                        "test; genforge reproduces it exactly, so the lengths and depth that come with the held-out "
                        "primitive or template are part of it")
PUBLISHED_SHIFTS = {feature: PUBLISHED_MEMBERSHIP for feature in (
    "input_length", "target_length", "command_length", "output_length", "depth", "has_*", "difficulty",
    "complexity.*")}


def _plan(name: str, description: str, train: tuple[int, Predicate, bool],
          test: tuple[str, int, str, Predicate, str], moves: tuple[str, ...] = (),
          expected_shifts: Mapping = {}) -> SplitPlan:
    train_size, train_accepts, repeats = train
    test_name, test_size, test_description, test_accepts, shift = test
    return SplitPlan(name, description, (
        SplitSpec("train", train_size, "training examples", train_accepts, source="enumerate", repeats=repeats),
        SplitSpec(test_name, test_size, test_description, test_accepts, shift=shift, source="enumerate",
                  moves=moves),
    ), expected_shifts=expected_shifts)


def _output_length(example: Example) -> int:
    return example.meta["complexity"]["output_length"]


@lru_cache(maxsize=1)
def _simple_test() -> frozenset[str]:
    return simple_test_commands(example.input for example in scan_examples())


def _in_simple_test(example: Example) -> bool:
    return example.input in _simple_test()


def _build_plans() -> dict[str, SplitPlan]:
    plans = {
        "simple": _plan("simple", "the published random 80/20 split of the 20,910 commands (Lake & Baroni 2018)",
                        (SIMPLE_TRAIN_SIZE, lambda example, bucket: not _in_simple_test(example), False),
                        ("test_id", 4_182, "the published simple test commands",
                         lambda example, bucket: _in_simple_test(example), "iid")),
        "simple_random": _plan("simple_random", "a fresh random 80/20 split of all 20,910 commands (seeded)",
                               (SIMPLE_TRAIN_SIZE, accept_all, False),
                               ("test_id", 4_182, "the other 20% of commands", accept_all, "iid")),
        "length": _plan("length", "train on outputs of at most 22 actions, test on at least 24",
                        (16_990, lambda example, bucket: _output_length(example) <= 22, False),
                        ("test_ood_length", 3_920, "commands whose output has at least 24 actions",
                         lambda example, bucket: _output_length(example) >= 24, "length"), LENGTH_MOVES),
    }
    for name, sizes in (("addprim_jump", (14_670, 7_706)), ("addprim_turn_left", (21_890, 1_208))):
        primitive = ADDPRIM_PRIMITIVES[name]
        train, test = _addprim(primitive)
        plans[name] = _plan(
            name, f"'{primitive}' seen alone in training (10% of lines), tested in every composition",
            (sizes[0], train, True),
            ("test_ood_primitive", sizes[1], f"every command containing '{primitive}' except '{primitive}' itself",
             test, "primitive"), _word_features(*primitive.split()), PUBLISHED_SHIFTS)
    for name, tail, verbs, sizes in (
        ("around_right", "around right", VERBS, (15_225, 4_476)),
        ("jump_around_right", "around right", ("jump",), (18_528, 1_173)),
        ("opposite_right", "opposite right", VERBS, (15_225, 4_476)),
        ("right", "right", VERBS, (15_225, 4_476)),
    ):
        train, test = _template(tail, verbs)
        shown = "|".join(verbs)
        plans[name] = _plan(
            name, f"template split (Loula et al. 2018): '{shown} {tail}' only in test; 'turn {tail}' on neither side",
            (sizes[0], train, False),
            ("test_ood_template", sizes[1], f"commands containing '{shown} {tail}' (and not 'turn {tail}')",
             test, "template"), ("output_length",) + _word_features(*tail.split()), PUBLISHED_SHIFTS)
    return plans


_PLANS = _build_plans()


class ScanTask(ScanFamilyTask):
    name = "scan"
    version = "1.1"
    summary = "SCAN (Lake & Baroni 2018): navigation commands to actions, exact published splits"
    default_split_plan = "simple"
    Params = ScanParams

    def split_plans(self, params: ScanParams) -> dict[str, SplitPlan]:
        return _PLANS

    def sample_block(self, rng: RandomStream, params: ScanParams, count: int) -> list[Optional[Example]]:
        examples = scan_examples()
        return [examples[rng.below(len(examples))] for _ in range(count)]

    def enumerate_split(self, params: ScanParams, plan: SplitPlan, split: SplitSpec, seed: int) -> Iterable[Example]:
        examples = scan_examples()
        if plan.name == "simple_random":
            order = list(examples)
            RandomStream.from_parts(self.name, self.version, seed, "simple").shuffle(order)
            return order[:SIMPLE_TRAIN_SIZE] if split.name == "train" else order[SIMPLE_TRAIN_SIZE:]
        chosen = [example for example in examples if split.accepts(example, 0.0)]
        if split.repeats:
            # addprim: the bare primitive is repeated until it makes 1/10 of the lines.
            primitive = next(e for e in chosen if e.input == ADDPRIM_PRIMITIVES[plan.name])
            copies = (len(chosen) - 1) // (PRIMITIVE_SHARE_DENOMINATOR - 1)
            chosen += [primitive] * (copies - 1)
        RandomStream.from_parts(self.name, self.version, seed, plan.name, split.name).shuffle(chosen)
        return chosen

    def space_size(self, params: ScanParams, split: SplitSpec) -> Optional[int]:
        return len(scan_examples())

    def solve(self, instruction: Optional[str], input: str) -> str:
        return interpret(input, SCAN_VOCABULARY)
