"""Task ``scan_scaled``: SCAN's grammar with its data factors as parameters.

Zhou, Jiang & Bansal (2023), "Data Factors for Better Compositional
Generalization", EMNLP, found that more primitives, longer inputs and less
repetition of the same examples decide how well models generalize on SCAN.
This task makes each a parameter of the grammar of
:mod:`genforge.generators.scan_grammar` (Lake & Baroni 2018):

* ``n_verbs`` primitive verbs (``walk``, ..., ``jump``, ``walk1``, ... with
  ``I_WALK1`` ...: the study's ``primX`` variants), ``n_directions``
  directions (``left1`` ...), ``n_repetitions`` repetition words (``twice``,
  ``thrice``, ``times4`` ...);
* ``min_conjunctions`` .. ``max_conjunctions`` conjunctions per command
  (read left to right), for the 'huge' variants whose outputs run to hundreds
  of actions;
* ``domains``: lexicons whose verbs, modifiers, conjunctions and action tokens
  share no word (navigation: walk/turn/left/and -> I_WALK; kitchen:
  chop/rotate/clockwise/then -> K_CHOP; music: strum/shift/sharp/with ->
  M_STRUM), recorded in ``meta.domain``.

Examples are sampled: a domain uniformly, a conjunction count uniformly in
the range, then each clause (verb phrase and repetition) and conjunction word
uniformly. Split plans (names of roles below use the navigation words; each
lexicon has its own):

* ``simple``: ``train`` / ``test_id`` by input hash, 80/20.
* ``length``: ``train`` outputs of at most ``length_cutoff`` actions,
  ``test_ood_length`` longer ones. Each side draws only conjunction counts
  that can land on it (a clause emits 1 to 8 * (n_repetitions + 1) actions).
* ``addprim``: ``test_ood_primitive`` holds every command containing verb
  number ``held_out_verb`` (``jump`` by default) except the bare verb;
  ``train`` the commands without it, with the bare verb at every position
  where ``floor(position * primitive_share)`` steps up (exactly that share of
  any prefix). This train split is listed by the task (source ``enumerate``):
  a seeded stream of draws, deduplicated except for the primitive, which ends
  after 20,000 draws in a row bring nothing new (or once new commands only
  trickle in: see :func:`~genforge.generators.scan_sampler.with_primitive_share`).
  The stream is read only as far as the size asked
  (:class:`~genforge.tasks.families.scan.StreamListing`), so a large grammar
  costs no more than a small one.
* ``template`` (Loula et al. 2018): the template ``<verb> <modifier>
  <direction>`` (``template_modifier`` around / opposite / none,
  ``template_direction``, ``template_verb`` -1 for any primitive verb):
  ``test_ood_template`` holds commands with a primitive-verb instance, ``train``
  commands with none; commands with the ``turn`` form are on neither side.
* ``held_out_domain``: ``train`` and ``test_id`` (90/10 by hash) from the
  other domains, plus, in ``train``, the held-out domain's commands of at
  most ``held_out_primer_words`` words (a primer that shows every word of its
  lexicon); ``test_ood_domain`` the held-out domain's longer commands.

Complexity, difficulty and structure as in ``scan`` (see
:mod:`genforge.tasks.families.scan`); sampling is
:mod:`genforge.generators.scan_sampler`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

from genforge.core.params import Params, param, split_setting, test_size, train_size
from genforge.core.errors import ParameterError
from genforge.core.records import Example, bucket_of, key_digest
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, bucket_range
from genforge.generators.scan_grammar import LEXICONS, Clause, Command, VerbPhrase, Vocabulary, interpret
from genforge.generators.scan_sampler import (
    EAGER_CLAUSES, MAX_WORK_PER_EXAMPLE, PILOT_KEPT, SHARE_SCALE, make_example, sampler, with_primitive_share,
    work_per_example,
)
from genforge.tasks.families.scan import FUNCTION_WORDS, ScanFamilyTask, StreamListing, template_hits

_DOMAINS = list(LEXICONS)
#: Test split -> the plan's parameters behind it (named when a split is refused as too costly).
_SPLIT_PARAMETERS = {
    "test_ood_primitive": ["held_out_verb"],
    "test_ood_template": ["template_modifier", "template_verb", "template_direction"],
    "test_ood_domain": ["held_out_domains", "held_out_primer_words"],
}


@lru_cache(maxsize=256)
def vocabulary(domain: str, n_verbs: int, n_directions: int, n_repetitions: int) -> Vocabulary:
    return Vocabulary(LEXICONS[domain], n_verbs, n_directions, n_repetitions)


@dataclass(frozen=True)
class ScanScaledParams(Params):
    domains: tuple[str, ...] = param(tuple(_DOMAINS), "lexicons commands are drawn from (each with its own words "
                                     "and action tokens)", items={"enum": _DOMAINS}, uniqueItems=True, minItems=1)
    n_verbs: int = param(4, "primitive verbs per lexicon; beyond 4 they are numbered copies (walk1 -> I_WALK1)",
                         minimum=1, maximum=1000)
    n_directions: int = param(2, "directions per lexicon; beyond 2 numbered copies (left1 -> I_TURN_LEFT1)",
                              minimum=1, maximum=100)
    n_repetitions: int = param(2, "repetition words: twice, thrice, then times4, times5, ...", minimum=0, maximum=30)
    min_conjunctions: int = param(0, "fewest conjunctions (and / after) in a command", minimum=0, maximum=50)
    max_conjunctions: int = param(1, "most conjunctions in a command (SCAN: 1); commands read left to right",
                                  minimum=0, maximum=50)
    train_size: int = train_size(description="default size of every train split")
    test_size: int = test_size(description="default size of every test split")
    length_cutoff: int = param(22, "length plan: train outputs have at most this many actions, test more",
                               minimum=1, maximum=10_000_000)
    held_out_verb: int = param(-1, "addprim plan: index of the verb seen only alone in train (-1: verb 3 = jump / "
                               "fry / clap, or the last verb when n_verbs < 4)", minimum=-1, maximum=999)
    primitive_share: float = param(0.1, "addprim plan: share of train lines that are the bare held-out verb",
                                   minimum=0.0, maximum=0.5)
    template_modifier: str = param("around", "template plan: the modifier of the held-out template "
                                   "(none = '<verb> <direction>')", enum=["around", "opposite", "none"])
    template_verb: int = param(-1, "template plan: index of the template's verb, -1 for any primitive verb",
                               minimum=-1, maximum=999)
    template_direction: int = param(-1, "template plan: index of the template's direction (-1: direction 1 = "
                                    "right, or 0 when n_directions = 1)", minimum=-1, maximum=99)
    held_out_domains: tuple[str, ...] = param((), "held_out_domain plan: domains tested (empty = the last of "
                                              "domains)", items={"enum": _DOMAINS}, uniqueItems=True)
    held_out_primer_words: int = param(3, "held_out_domain plan: held-out commands of at most this many words are "
                                       "in train", minimum=0, maximum=1000)
    #: A test split's sampler puts one such verb phrase into every command: ("verb", index) or
    #: ("template", modifier, verb, direction); None draws every clause freely.
    force: Optional[tuple] = split_setting(None, "the verb phrase a test split forces into one clause")

    def vocabulary(self, domain: str) -> Vocabulary:
        return vocabulary(domain, self.n_verbs, self.n_directions, self.n_repetitions)

    def chosen_held_out_verb(self) -> int:
        return min(3, self.n_verbs - 1) if self.held_out_verb < 0 else self.held_out_verb

    def chosen_template_direction(self) -> int:
        return min(1, self.n_directions - 1) if self.template_direction < 0 else self.template_direction

    def held_out(self) -> tuple[str, ...]:
        return self.held_out_domains or self.domains[-1:]


#: A length test needs longer commands: their shape features move with the output length.
LENGTH_MOVES = ("output_length", "command_length", "repetitions", "depth", "conjunctions", "has_thrice", "has_twice",
                "has_around", "has_opposite", "has_turn")


def _word_features(*words: str) -> tuple[str, ...]:
    return tuple(f"has_{word}" for word in words if word in FUNCTION_WORDS)


def _output_length(example: Example) -> int:
    return example.meta["complexity"]["output_length"]


class ScanScaledTask(ScanFamilyTask):
    name = "scan_scaled"
    version = "1.1"
    summary = "SCAN's grammar scaled: more verbs, directions, repetitions, conjunctions and lexical domains"
    default_split_plan = "simple"
    Params = ScanScaledParams

    # -- parameters ----------------------------------------------------
    def check_params(self, params: ScanScaledParams) -> None:
        self.require_order(params, "min_conjunctions", "<=", "max_conjunctions")
        for name, index in (("held_out_verb", params.held_out_verb), ("template_verb", params.template_verb)):
            self.require(index < params.n_verbs, f"parameter {name!r} = {index} must be below n_verbs "
                                                 f"({params.n_verbs}): it indexes a verb")
        self.require(params.template_direction < params.n_directions,
                     f"parameter 'template_direction' = {params.template_direction} must be below n_directions "
                     f"({params.n_directions})")
        missing = [d for d in params.held_out_domains if d not in params.domains]
        self.require(not missing, f"parameter 'held_out_domains' = {list(params.held_out_domains)}: {missing} "
                                  f"not in domains {list(params.domains)}")

    # -- plans -----------------------------------------------------------
    def split_plans(self, params: ScanScaledParams) -> dict[str, SplitPlan]:
        return {"simple": self._simple_plan(params), "length": self._length_plan(params),
                "addprim": self._addprim_plan(params), "template": self._template_plan(params),
                "held_out_domain": self._held_out_domain_plan(params)}

    @staticmethod
    def _simple_plan(params: ScanScaledParams) -> SplitPlan:
        return SplitPlan("simple", "random 80/20 split by input hash", (
            SplitSpec("train", params.train_size, "training examples", bucket_range(0.0, 0.8)),
            SplitSpec("test_id", params.test_size, "held-out examples of the same distribution",
                      bucket_range(0.8, 1.0)),
        ))

    @staticmethod
    def _length_plan(params: ScanScaledParams) -> SplitPlan:
        cutoff = params.length_cutoff
        # Conjunction counts that cannot reach the other side of the cutoff are not drawn:
        # a clause emits 1 to 8 * (n_repetitions + 1) actions.
        longest_clause = 8 * (params.n_repetitions + 1)
        low, high = params.min_conjunctions, params.max_conjunctions
        short_sampling = {"max_conjunctions": max(low, min(high, cutoff - 1))}
        long_sampling = {"min_conjunctions": min(high, max(low, -(-(cutoff + 1) // longest_clause) - 1))}
        return SplitPlan("length", f"train on outputs of at most {cutoff} actions, test on longer", (
            SplitSpec("train", params.train_size, f"outputs of at most {cutoff} actions",
                      lambda e, b: _output_length(e) <= cutoff, short_sampling),
            SplitSpec("test_ood_length", params.test_size, f"outputs of more than {cutoff} actions",
                      lambda e, b: _output_length(e) > cutoff, long_sampling, shift="length", moves=LENGTH_MOVES),
        ))

    @staticmethod
    def _addprim_plan(params: ScanScaledParams) -> SplitPlan:
        index = params.chosen_held_out_verb()

        def verb_word(example: Example) -> str:
            return params.vocabulary(example.meta["domain"]).verb(index)

        def train(example: Example, bucket: float) -> bool:
            word = verb_word(example)
            return example.input == word or word not in example.input.split()

        def test(example: Example, bucket: float) -> bool:
            word = verb_word(example)
            return example.input != word and word in example.input.split()

        share = params.primitive_share
        described = f"verb {index} seen alone in train ({share:.0%} of lines), tested in compositions"
        return SplitPlan("addprim", described, (
            SplitSpec("train", params.train_size, "commands without the held-out verb, plus the bare verb",
                      train, source="enumerate", repeats=True),
            SplitSpec("test_ood_primitive", params.test_size, "commands using the held-out verb in a composition",
                      test, {"force": ("verb", index)}, shift="primitive"),
        ))

    @staticmethod
    def _template_plan(params: ScanScaledParams) -> SplitPlan:
        modifier, verb = params.template_modifier, params.template_verb
        direction = params.chosen_template_direction()

        @lru_cache(maxsize=8)
        def parts(domain: str) -> tuple[list[str], frozenset, str]:
            vocab = params.vocabulary(domain)
            tail = ([] if modifier == "none" else [vocab.modifier_word(modifier)]) + [vocab.direction(direction)]
            verbs = range(vocab.n_verbs) if verb < 0 else [verb]
            return tail, frozenset(vocab.verb(v) for v in verbs), vocab.lexicon.null_verb

        def hits(example: Example) -> tuple[bool, bool]:
            return template_hits(example.input.split(), *parts(example.meta["domain"]))

        shown = (f"{'<any verb>' if verb < 0 else f'<verb {verb}>'} {'' if modifier == 'none' else modifier + ' '}"
                 f"<direction {direction}>")
        force = ("template", "" if modifier == "none" else modifier, verb, direction)
        return SplitPlan("template", f"template split (Loula et al. 2018): {shown} only in test", (
            SplitSpec("train", params.train_size, f"commands without {shown} or its turn form",
                      lambda e, b: hits(e) == (False, False)),
            SplitSpec("test_ood_template", params.test_size, f"commands with {shown} (not the turn form)",
                      lambda e, b: hits(e) == (True, False), {"force": force}, shift="template",
                      moves=("output_length", "target_length", "command_length", "input_length", "depth")
                      + _word_features(modifier, "left", "right")),
        ))

    @staticmethod
    def _held_out_domain_plan(params: ScanScaledParams) -> SplitPlan:
        held, primer = params.held_out(), params.held_out_primer_words

        def is_held(example: Example) -> bool:
            return example.meta["domain"] in held

        def short(example: Example) -> bool:
            return example.meta["complexity"]["command_length"] <= primer

        def train(example: Example, bucket: float) -> bool:
            return short(example) if is_held(example) else bucket < 0.9

        def test_id(example: Example, bucket: float) -> bool:
            return not is_held(example) and bucket >= 0.9

        def test_domain(example: Example, bucket: float) -> bool:
            return is_held(example) and not short(example)

        shown = ", ".join(held)
        return SplitPlan("held_out_domain", f"train on other domains (and a primer of {shown}), test on {shown}", (
            SplitSpec("train", params.train_size,
                      f"other domains, plus commands of {shown} with at most {primer} words", train),
            SplitSpec("test_id", params.test_size, "held-out examples of the training domains", test_id),
            SplitSpec("test_ood_domain", params.test_size, f"commands of {shown} longer than {primer} words",
                      test_domain, {"domains": list(held)}, shift="domain",
                      # another lexicon spells the function words otherwise: their presence moves
                      moves=tuple(f"has_{word}" for word in FUNCTION_WORDS) + ("command_length",)),
        ))

    # -- sampling --------------------------------------------------------
    def sample_block(self, rng: RandomStream, params: ScanScaledParams, count: int) -> list[Optional[Example]]:
        return sampler(params.domains, params.n_verbs, params.n_directions, params.n_repetitions,
                       params.min_conjunctions, params.max_conjunctions, params.force).draw(rng, count)

    def enumerate_split(self, params: ScanScaledParams, plan: SplitPlan, split: SplitSpec,
                        seed: int) -> Iterable[Example]:
        """The addprim train split (the only one listed by the task), read as far as the size asked."""
        rng = RandomStream.from_parts(self.name, self.version, params.to_dict(), seed, plan.name, split.name)
        index = params.chosen_held_out_verb()
        bare = Command((Clause(VerbPhrase(index, "", None), 1),), ())
        primitives = tuple(make_example(params.vocabulary(domain), bare) for domain in params.domains)
        sampling = params.for_split(split.sample_params, seed)
        return StreamListing(with_primitive_share(
            rng, lambda stream, count: self.sample_block(stream, sampling, count), primitives,
            lambda example: split.accepts(example, 0.0), round(params.primitive_share * SHARE_SCALE),
            params.vocabulary(params.domains[0]).clause_count() <= EAGER_CLAUSES))

    def space_size(self, params: ScanScaledParams, split: SplitSpec) -> Optional[int]:
        """The commands of the split's domains; a split that cannot or can only rarely be drawn is
        refused here, before anything is written, naming the parameters that shape it."""
        sampling = params.for_split(split.sample_params, params.seed)
        self._refuse_unreachable(params, split)
        self._refuse_costly(params, split, sampling)
        low, high = params.min_conjunctions, params.max_conjunctions
        return sum(params.vocabulary(d).command_count(low, high) for d in sampling.domains)

    @staticmethod
    def _refuse_unreachable(params: ScanScaledParams, split: SplitSpec) -> None:
        """Test splits whose commands no command of the grammar can be: longer outputs or commands than any."""
        clauses = params.max_conjunctions + 1
        if split.name == "test_ood_length":
            longest = clauses * 8 * (params.n_repetitions + 1)  # 'around' emits 8 actions per repetition
            if params.length_cutoff >= longest:
                raise ParameterError(
                    f"parameter 'length_cutoff' = {params.length_cutoff}: no command has more actions (the longest "
                    f"emit {longest} with max_conjunctions = {params.max_conjunctions} and n_repetitions = "
                    f"{params.n_repetitions}), so split 'test_ood_length' would be empty; lower it below {longest}")
        if split.name == "test_ood_domain":
            longest = clauses * (3 + (params.n_repetitions > 0)) + params.max_conjunctions
            if params.held_out_primer_words >= longest:
                raise ParameterError(
                    f"parameter 'held_out_primer_words' = {params.held_out_primer_words}: no command is longer (the "
                    f"longest have {longest} words with max_conjunctions = {params.max_conjunctions}), so split "
                    f"'test_ood_domain' would be empty; lower it below {longest}")

    def _refuse_costly(self, params: ScanScaledParams, split: SplitSpec, sampling: ScanScaledParams) -> None:
        """Measure the split's cost on a pilot drawn from the parameters alone (not the seed) and refuse
        above MAX_WORK_PER_EXAMPLE: a split whose commands are rare draws (a short length split of a
        large grammar) would otherwise run for minutes."""
        rng = RandomStream.from_parts(self.name, self.version, "pilot", params.to_dict(), split.name)
        listed = params.vocabulary(sampling.domains[0]).clause_count() <= EAGER_CLAUSES
        cost = work_per_example(rng, lambda stream, count: self.sample_block(stream, sampling, count),
                                lambda example: split.accepts(example, bucket_of(key_digest(example.key()))), listed)
        if cost is not None and cost <= MAX_WORK_PER_EXAMPLE:
            return
        shaping = ["n_verbs", "n_directions", "n_repetitions", "min_conjunctions", "max_conjunctions", "domains"]
        shaping += _SPLIT_PARAMETERS.get(split.name, []) + (
            ["length_cutoff"] if {"min_conjunctions", "max_conjunctions"} & set(split.sample_params) else [])
        values = ", ".join(f"{name}={json.dumps(params.to_dict()[name])}" for name in shaping)
        measured = (f"about {cost:,.0f} units of work (clauses drawn) per example it keeps" if cost is not None
                    else f"a pilot kept fewer than {PILOT_KEPT} examples in {PILOT_KEPT * MAX_WORK_PER_EXAMPLE:,} "
                         "units of work (clauses drawn)")
        raise ParameterError(
            f"task 'scan_scaled', split {split.name!r}: the grammar rarely draws what this split needs ({measured}; "
            f"at most {MAX_WORK_PER_EXAMPLE:,} per example are allowed, so that a thousand take seconds, not "
            f"minutes). Change the parameters that shape it: {values}")

    # -- oracle --------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        # The lexicon is recognised from the words; numbered words of any size are read.
        return interpret(input)
