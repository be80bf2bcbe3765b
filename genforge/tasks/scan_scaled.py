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
  after 20,000 draws in a row bring nothing new.
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
:mod:`genforge.tasks.scan_common`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping, Optional

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.core.splits import SplitPlan, SplitSpec, bucket_range
from genforge.generators.scan_grammar import LEXICONS, Clause, Command, VerbPhrase, Vocabulary, interpret
from genforge.tasks import scan_common, scan_scaled_sampler
from genforge.core.task import Task

#: The addprim train stream ends after this many draws in a row add nothing.
STALL_DRAWS = 20_000
_SHARE_SCALE = 1_000_000
#: The addprim train stream draws its examples this many at a time.
_ADDPRIM_BLOCK = 256

_DOMAIN_LIST = {"type": "array", "items": {"type": "string", "enum": list(LEXICONS)}, "uniqueItems": True}


@lru_cache(maxsize=256)
def vocabulary(domain: str, n_verbs: int, n_directions: int, n_repetitions: int) -> Vocabulary:
    return Vocabulary(LEXICONS[domain], n_verbs, n_directions, n_repetitions)


def _vocabulary(params: Mapping[str, Any], domain: str) -> Vocabulary:
    return vocabulary(domain, params["n_verbs"], params["n_directions"], params["n_repetitions"])


def _template_hits(words: list[str], tail: list[str], verbs: frozenset, null_verb: str) -> tuple[bool, bool]:
    """(a primitive verb precedes ``tail``, the null verb precedes ``tail``), on whole words."""
    width = len(tail)
    primitive = turn = False
    for position in range(len(words) - width):
        if words[position + 1:position + 1 + width] == tail:
            if words[position] in verbs:
                primitive = True
            elif words[position] == null_verb:
                turn = True
    return primitive, turn


class ScanScaledTask(Task):
    name = "scan_scaled"
    version = "1.1"
    summary = "SCAN's grammar scaled: more verbs, directions, repetitions, conjunctions and lexical domains"
    default_split_plan = "simple"
    parameters = {
        "domains": {**_DOMAIN_LIST, "minItems": 1, "default": list(LEXICONS),
                    "description": "lexicons commands are drawn from (each with its own words and action tokens)"},
        "n_verbs": {"type": "integer", "default": 4, "minimum": 1, "maximum": 1000,
                    "description": "primitive verbs per lexicon; beyond 4 they are numbered copies (walk1 -> I_WALK1)"},
        "n_directions": {"type": "integer", "default": 2, "minimum": 1, "maximum": 100,
                         "description": "directions per lexicon; beyond 2 numbered copies (left1 -> I_TURN_LEFT1)"},
        "n_repetitions": {"type": "integer", "default": 2, "minimum": 0, "maximum": 30,
                          "description": "repetition words: twice, thrice, then times4, times5, ..."},
        "min_conjunctions": {"type": "integer", "default": 0, "minimum": 0, "maximum": 50,
                             "description": "fewest conjunctions (and / after) in a command"},
        "max_conjunctions": {"type": "integer", "default": 1, "minimum": 0, "maximum": 50,
                             "description": "most conjunctions in a command (SCAN: 1); commands read left to right"},
        "train_size": {"type": "integer", "default": 10_000, "minimum": 0, "maximum": 100_000_000,
                       "description": "default size of every train split"},
        "test_size": {"type": "integer", "default": 1_000, "minimum": 0, "maximum": 100_000_000,
                      "description": "default size of every test split"},
        "length_cutoff": {"type": "integer", "default": 22, "minimum": 1, "maximum": 10_000_000,
                          "description": "length plan: train outputs have at most this many actions, test more"},
        "held_out_verb": {"type": "integer", "default": -1, "minimum": -1, "maximum": 999,
                          "description": "addprim plan: index of the verb seen only alone in train "
                                         "(-1: verb 3 = jump / fry / clap, or the last verb when n_verbs < 4)"},
        "primitive_share": {"type": "number", "default": 0.1, "minimum": 0.0, "maximum": 0.5,
                            "description": "addprim plan: share of train lines that are the bare held-out verb"},
        "template_modifier": {"type": "string", "default": "around", "enum": ["around", "opposite", "none"],
                              "description": "template plan: the modifier of the held-out template (none = '<verb> <direction>')"},
        "template_verb": {"type": "integer", "default": -1, "minimum": -1, "maximum": 999,
                          "description": "template plan: index of the template's verb, -1 for any primitive verb"},
        "template_direction": {"type": "integer", "default": -1, "minimum": -1, "maximum": 99,
                               "description": "template plan: index of the template's direction "
                                              "(-1: direction 1 = right, or 0 when n_directions = 1)"},
        "held_out_domains": {**_DOMAIN_LIST, "default": [],
                             "description": "held_out_domain plan: domains tested (empty = the last of domains)"},
        "held_out_primer_words": {"type": "integer", "default": 3, "minimum": 0, "maximum": 1000,
                                  "description": "held_out_domain plan: held-out commands of at most this many words are in train"},
    }

    # -- parameters ----------------------------------------------------
    def check_params(self, params: Mapping[str, Any]) -> None:
        self.require_order(params, "min_conjunctions", "<=", "max_conjunctions")
        for name in ("held_out_verb", "template_verb"):
            self.require(params[name] < params["n_verbs"],
                         f"parameter {name!r} = {params[name]} must be below n_verbs ({params['n_verbs']}): "
                         "it indexes a verb")
        self.require(params["template_direction"] < params["n_directions"],
                     f"parameter 'template_direction' = {params['template_direction']} must be below n_directions "
                     f"({params['n_directions']})")
        missing = [d for d in params["held_out_domains"] if d not in params["domains"]]
        self.require(not missing, f"parameter 'held_out_domains' = {params['held_out_domains']}: {missing} "
                                  f"not in domains {params['domains']}")

    @staticmethod
    def held_out_verb(params: Mapping[str, Any]) -> int:
        chosen = params["held_out_verb"]
        return min(3, params["n_verbs"] - 1) if chosen < 0 else chosen

    @staticmethod
    def template_direction(params: Mapping[str, Any]) -> int:
        chosen = params["template_direction"]
        return min(1, params["n_directions"] - 1) if chosen < 0 else chosen

    @staticmethod
    def held_out(params: Mapping[str, Any]) -> list[str]:
        return list(params["held_out_domains"]) or [params["domains"][-1]]

    # -- plans -----------------------------------------------------------
    def split_plans(self, params: Mapping[str, Any]) -> dict[str, SplitPlan]:
        train_size, test_size = params["train_size"], params["test_size"]
        cutoff = params["length_cutoff"]

        def output_length(example: Example) -> int:
            return example.meta["complexity"]["output_length"]

        # Conjunction counts that cannot reach the other side of the cutoff are not drawn:
        # a clause emits 1 to 8 * (n_repetitions + 1) actions.
        longest_clause = 8 * (params["n_repetitions"] + 1)
        low, high = params["min_conjunctions"], params["max_conjunctions"]
        short_sampling = {"max_conjunctions": max(low, min(high, cutoff - 1))}
        long_sampling = {"min_conjunctions": min(high, max(low, -(-(cutoff + 1) // longest_clause) - 1))}

        plans = {
            "simple": SplitPlan("simple", "random 80/20 split by input hash", (
                SplitSpec("train", train_size, "training examples", bucket_range(0.0, 0.8)),
                SplitSpec("test_id", test_size, "held-out examples of the same distribution", bucket_range(0.8, 1.0)),
            )),
            "length": SplitPlan("length", f"train on outputs of at most {cutoff} actions, test on longer", (
                SplitSpec("train", train_size, f"outputs of at most {cutoff} actions",
                          lambda e, b: output_length(e) <= cutoff, short_sampling),
                SplitSpec("test_ood_length", test_size, f"outputs of more than {cutoff} actions",
                          lambda e, b: output_length(e) > cutoff, long_sampling, shift="length"),
            )),
        }
        plans["addprim"] = self._addprim_plan(params)
        plans["template"] = self._template_plan(params)
        plans["held_out_domain"] = self._held_out_domain_plan(params)
        return plans

    def _addprim_plan(self, params) -> SplitPlan:
        index = self.held_out_verb(params)

        def verb_word(example: Example) -> str:
            return _vocabulary(params, example.meta["domain"]).verb(index)

        def train(example: Example, bucket: float) -> bool:
            word = verb_word(example)
            return example.input == word or word not in example.input.split()

        def test(example: Example, bucket: float) -> bool:
            word = verb_word(example)
            return example.input != word and word in example.input.split()

        share = params["primitive_share"]
        return SplitPlan("addprim", f"verb {index} seen alone in train ({share:.0%} of lines), tested in compositions", (
            SplitSpec("train", params["train_size"], "commands without the held-out verb, plus the bare verb",
                      train, source="enumerate", repeats=True),
            SplitSpec("test_ood_primitive", params["test_size"], "commands using the held-out verb in a composition",
                      test, {"force": ("verb", index)}, shift="primitive"),
        ))

    def _template_plan(self, params) -> SplitPlan:
        modifier, verb, direction = params["template_modifier"], params["template_verb"], self.template_direction(params)

        @lru_cache(maxsize=8)
        def parts(domain: str) -> tuple[list[str], frozenset, str]:
            vocab = _vocabulary(params, domain)
            tail = ([] if modifier == "none" else [vocab.modifier_word(modifier)]) + [vocab.direction(direction)]
            verbs = range(vocab.n_verbs) if verb < 0 else [verb]
            return tail, frozenset(vocab.verb(v) for v in verbs), vocab.lexicon.null_verb

        def hits(example: Example) -> tuple[bool, bool]:
            return _template_hits(example.input.split(), *parts(example.meta["domain"]))

        def train(example: Example, bucket: float) -> bool:
            return hits(example) == (False, False)

        def test(example: Example, bucket: float) -> bool:
            return hits(example) == (True, False)

        shown = f"{'<any verb>' if verb < 0 else f'<verb {verb}>'} {'' if modifier == 'none' else modifier + ' '}<direction {direction}>"
        force = ("template", "" if modifier == "none" else modifier, verb, direction)
        return SplitPlan("template", f"template split (Loula et al. 2018): {shown} only in test", (
            SplitSpec("train", params["train_size"], f"commands without {shown} or its turn form", train),
            SplitSpec("test_ood_template", params["test_size"], f"commands with {shown} (not the turn form)",
                      test, {"force": force}, shift="template"),
        ))

    def _held_out_domain_plan(self, params) -> SplitPlan:
        held = self.held_out(params)
        primer = params["held_out_primer_words"]

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
            SplitSpec("train", params["train_size"],
                      f"other domains, plus commands of {shown} with at most {primer} words", train),
            SplitSpec("test_id", params["test_size"], "held-out examples of the training domains", test_id),
            SplitSpec("test_ood_domain", params["test_size"], f"commands of {shown} longer than {primer} words",
                      test_domain, {"domains": held}, shift="domain"),
        ))

    # -- sampling --------------------------------------------------------
    def sample(self, rng: RandomStream, params: Mapping[str, Any]) -> Optional[Example]:
        return self.sample_block(rng, params, 1)[0]

    def sample_block(self, rng: RandomStream, params: Mapping[str, Any], count: int) -> list[Optional[Example]]:
        force = params.get("force")
        return scan_scaled_sampler.sampler(
            tuple(params["domains"]), params["n_verbs"], params["n_directions"], params["n_repetitions"],
            params["min_conjunctions"], params["max_conjunctions"], None if force is None else tuple(force),
        ).draw(rng, count)

    def enumerate_split(self, params: Mapping[str, Any], plan: SplitPlan, split: SplitSpec, seed: int) -> Iterable[Example]:
        # Only the addprim train split is listed by the task.
        return self._addprim_train(params, split, seed, plan.name)

    def _addprim_train(self, params, split: SplitSpec, seed: int, plan_name: str) -> Iterator[Example]:
        sample_params = {**params, **split.sample_params, "seed": seed}
        rng = RandomStream.from_parts(self.name, self.version, dict(params), seed, plan_name, split.name)
        index = self.held_out_verb(params)
        domains = params["domains"]
        share = round(params["primitive_share"] * _SHARE_SCALE)
        primitives = {d: scan_common.make_example(_vocabulary(params, d), Command(
            (Clause(VerbPhrase(index, "", None), 1),), ())) for d in domains}
        bare = {example.input for example in primitives.values()}
        seen: set[str] = set()
        draws: list[Example] = []
        position = stalled = 0
        while stalled < STALL_DRAWS:
            if (position + 1) * share // _SHARE_SCALE > position * share // _SHARE_SCALE:
                yield primitives[domains[rng.below(len(domains))]]
                position += 1
                continue
            if not draws:  # the next draws, a block at a time (reversed: taken from the end)
                draws = self.sample_block(rng, sample_params, _ADDPRIM_BLOCK)[::-1]
            example = draws.pop()
            if example.input in seen or not split.accepts(example, 0.0) or example.input in bare:
                stalled += 1
                continue
            seen.add(example.input)
            stalled = 0
            position += 1
            yield example

    def space_size(self, params: Mapping[str, Any], split: SplitSpec) -> Optional[int]:
        domains = split.sample_params.get("domains", params["domains"])
        low, high = params["min_conjunctions"], params["max_conjunctions"]
        return sum(_vocabulary(params, d).command_count(low, high) for d in domains)

    def difficulty(self, example: Example) -> float:
        return scan_common.difficulty(example)

    # -- oracle --------------------------------------------------------
    def solve(self, instruction: Optional[str], input: str) -> str:
        # The lexicon is recognised from the words; numbered words of any size are read.
        return interpret(input)

    def structure(self, record):
        return scan_common.structure(record)

