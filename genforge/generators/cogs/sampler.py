"""Sampling sentence trees from the COGS grammar, as the COGS data distributes them.

Shares follow the release (Kim & Linzen 2020; counts in the data file): the
frame of the innermost clause by how often each frame occurs, CP and PP depth
by the train split's histograms, who fills each slot (animate noun,
inanimate noun or name) by how often each kind fills it, definite and
indefinite determiners half each. Structure as in COGS: ``that``-clauses
chain at the end of the sentence, each with an agent subject; PP chains hang
only from post-verbal themes (common nouns) of the innermost clause, each PP
object a common noun from the preposition's own list.

A :class:`SentenceSpec` narrows the distribution for the generalization
categories (a fixed verb or frame, a word in a given slot, a PP on another
phrase, a depth); with no narrowing it is the in-distribution sampler.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from genforge.core.rng import RandomStream
from genforge.generators.cogs import lexicon as classes
from genforge.generators.cogs.lexicon import Lexicon
from genforge.generators.cogs.syntax import (AGENT, FRAMES, SIMPLE_FRAMES, THEME, Clause, NounPhrase,
                                             PrepPhrase, common, name)


#: Frames whose subject is an active subject (agent, or theme of an unaccusative): the "subject" slot.
SUBJECT_FRAMES = ("trans", "intrans_agent", "intrans_theme", "dat_do", "dat_pp", "xcomp")
#: frame -> argument position of the "object" slot (direct object, or the recipient of a dative)
OBJECT_SLOTS = {"trans": 0, "dat_do": 0, "dat_pp": 1}
#: frame -> argument position of a post-verbal theme: where COGS puts its PP modifiers
THEME_SLOTS = {"trans": 0, "dat_do": 1, "dat_pp": 0, "pass_dat_do": 0, "pass_dat_do_by": 0}
#: frame -> argument position of the recipient of an active dative (SLOG's indirect object)
RECIPIENT_SLOTS = {"dat_do": 0, "dat_pp": 1}

ANIMATE, INANIMATE, NAME = "animate", "inanimate", "name"


@dataclass(frozen=True)
class GrammarOptions:
    """The data-factor knobs of the in-distribution grammar."""

    #: (frame, weight) for the innermost clause, over SIMPLE_FRAMES
    frame_weights: tuple[tuple[str, float], ...]
    #: weight of PP depth 0, 1, ...: the largest index is the deepest PP chain in the distribution
    pp_depth_weights: tuple[float, ...]
    #: weight of CP depth 0, 1, ...
    cp_depth_weights: tuple[float, ...]
    definite_share: float = 0.5


@dataclass(frozen=True)
class SentenceSpec:
    """How a category narrows the grammar. ``None`` everywhere: the in-distribution sampler."""

    frames: Optional[tuple[str, ...]] = None
    verb: Optional[str] = None
    verb_classes: Optional[tuple[str, ...]] = None
    infinitive: Optional[str] = None
    #: a word put in the "subject" or "object" slot of the innermost clause
    target: Optional[str] = None
    target_slot: str = "subject"
    #: where the PP chain goes: "theme" (COGS), "subject" or "recipient"
    pp_site: str = "theme"
    #: (lowest, highest) PP depth; None: the distribution's
    pp_depths: Optional[tuple[int, int]] = None
    cp_depths: Optional[tuple[int, int]] = None


def default_grammar_options(lexicon: Lexicon) -> GrammarOptions:
    """COGS's own shares (frame counts over train+dev+test, depth histograms of train)."""
    return GrammarOptions(
        frame_weights=tuple((frame, float(lexicon.frame_counts[frame])) for frame in SIMPLE_FRAMES),
        pp_depth_weights=tuple(float(c) for c in lexicon.train_depth_histograms["pp"]),
        cp_depth_weights=tuple(float(c) for c in lexicon.train_depth_histograms["cp"]),
    )


def slot_filler_weights(lexicon: Lexicon, role: str, passive: bool, subject: bool) -> tuple[tuple[str, float], ...]:
    """How often an animate noun, an inanimate noun and a name fill a slot in COGS."""
    voice = "passive" if passive else "active"
    position = "subject" if subject else "post-verbal"
    counts = lexicon.slot_fillers[f"{role} ({voice}, {position})"]
    return tuple((kind, float(counts.get(kind, 0))) for kind in (ANIMATE, INANIMATE, NAME))


class SentenceSampler:
    """Draws sentence trees; word pools and filler shares are looked up once per sampler."""

    def __init__(self, rng: RandomStream, lexicon: Lexicon, options: GrammarOptions):
        self.rng, self.lexicon, self.options = rng, lexicon, options
        self._pools: dict = {}
        self._fillers: dict = {}
        self._frame_choices: dict = {}

    def pool(self, verb_classes: tuple[str, ...]) -> tuple[str, ...]:
        if verb_classes not in self._pools:
            self._pools[verb_classes] = self.lexicon.verbs_of(*verb_classes)
        return self._pools[verb_classes]

    def fillers(self, role: str, passive: bool, subject: bool):
        key = (role, passive, subject)
        if key not in self._fillers:
            self._fillers[key] = slot_filler_weights(self.lexicon, role, passive, subject)
        return self._fillers[key]

    def pick(self, weighted):
        return weighted[self.rng.weighted_index([weight for _, weight in weighted])][0]

    def depth(self, weights, bounds: Optional[tuple[int, int]]) -> int:
        if bounds is not None:
            return self.rng.integer(*bounds)
        return self.rng.weighted_index(weights)

    def noun_phrase(self, kinds) -> NounPhrase:
        kind = self.pick(kinds)
        if kind == NAME:
            return name(self.rng.choice(self.lexicon.proper_names))
        pool = self.lexicon.animate_nouns if kind == ANIMATE else self.lexicon.inanimate_nouns
        return common(self.rng.choice(pool), self.definite())

    def definite(self) -> bool:
        return self.rng.bernoulli(self.options.definite_share)

    def slot(self, frame: str, role: str, subject: bool, common_only: bool = False) -> NounPhrase:
        if frame.startswith(("dat", "pass_dat")) and role == THEME:
            kinds = ((INANIMATE, 1.0),)  # dative themes are always inanimate in COGS
        else:
            kinds = self.fillers(role, FRAMES[frame].passive, subject)
        if common_only:
            kinds = tuple((kind, weight) for kind, weight in kinds if kind != NAME)
        return self.noun_phrase(kinds)

    def pp_chain(self, head: NounPhrase, depth: int) -> NounPhrase:
        """``head`` with a chain of ``depth`` PPs, each modifying the noun just before it."""
        objects = []
        for _ in range(depth):
            preposition = self.rng.choice(classes.NMOD_PREPOSITIONS)
            objects.append((preposition, common(self.rng.choice(self.lexicon.pp_object_nouns[preposition]),
                                                self.definite())))
        modifier = None  # built innermost first: each PP's object carries the PP after it
        for preposition, noun_phrase in reversed(objects):
            if modifier is not None:
                noun_phrase = replace(noun_phrase, modifier=modifier)
            modifier = PrepPhrase(preposition, noun_phrase)
        return head if modifier is None else replace(head, modifier=modifier)

    def verb(self, frame: str, spec: SentenceSpec) -> str:
        if spec.verb is not None:
            return spec.verb
        return self.rng.choice(self.pool(spec.verb_classes or classes.FRAME_VERB_CLASSES[frame]))

    def target_phrase(self, word: str) -> NounPhrase:
        return name(word) if word[:1].isupper() else common(word, self.definite())

    def frame(self, spec: SentenceSpec, pp_depth: int) -> tuple[str, int]:
        """The innermost clause's frame, and the PP depth it can carry (0 when its frames have no PP site)."""
        key = (spec, pp_depth > 0)
        if key not in self._frame_choices:
            self._frame_choices[key] = self._frame_choice(spec, pp_depth > 0)
        frames, weights, keeps_pp = self._frame_choices[key]
        return frames[self.rng.weighted_index(weights)], pp_depth if keeps_pp else 0

    def _frame_choice(self, spec: SentenceSpec, with_pp: bool) -> tuple[tuple[str, ...], tuple[float, ...], bool]:
        allowed = set(spec.frames or SIMPLE_FRAMES)
        if spec.target is not None:
            allowed &= set(SUBJECT_FRAMES if spec.target_slot == "subject" else OBJECT_SLOTS)
        sites = {"theme": THEME_SLOTS, "recipient": RECIPIENT_SLOTS}.get(spec.pp_site)
        keeps_pp = with_pp
        if with_pp and sites is not None:
            if allowed & set(sites):
                allowed &= set(sites)
            else:  # a category whose frames have no PP site (a cobra rolled): no PP
                keeps_pp = False
        weighted = tuple((frame, weight) for frame, weight in self.options.frame_weights if frame in allowed)
        if not any(weight > 0 for _, weight in weighted):  # the shares rule them all out: the spec decides
            weighted = tuple((frame, 1.0) for frame in SIMPLE_FRAMES if frame in allowed)
        return tuple(f for f, _ in weighted), tuple(w for _, w in weighted), keeps_pp

    def innermost_clause(self, spec: SentenceSpec, pp_depth: int) -> Clause:
        frame_name, pp_depth = self.frame(spec, pp_depth)
        frame = FRAMES[frame_name]
        site = {"theme": THEME_SLOTS, "recipient": RECIPIENT_SLOTS}.get(spec.pp_site, {}).get(frame_name)
        subject = self.slot(frame_name, frame.subject_role, True, common_only=pp_depth > 0 and spec.pp_site == "subject")
        arguments = [self.slot(frame_name, role, False, common_only=pp_depth > 0 and position == site)
                     for position, (_marker, role) in enumerate(frame.arguments)]
        if spec.target is not None:
            phrase = self.target_phrase(spec.target)
            if spec.target_slot == "subject":
                subject = phrase
            else:
                arguments[OBJECT_SLOTS[frame_name]] = phrase
        if pp_depth:
            if spec.pp_site == "subject":
                subject = self.pp_chain(subject, pp_depth) if not subject.proper else subject
            elif site is not None and not arguments[site].proper:
                arguments[site] = self.pp_chain(arguments[site], pp_depth)
        infinitive = None
        if frame_name == "xcomp":
            infinitive = spec.infinitive or self.rng.choice(self.pool((classes.INFINITIVE_COMPLEMENT,)))
        return Clause(frame_name, self.verb(frame_name, spec), subject, tuple(arguments), infinitive=infinitive)

    def sentence(self, spec: SentenceSpec = SentenceSpec()) -> Clause:
        cp_depth = self.depth(self.options.cp_depth_weights, spec.cp_depths)
        pp_depth = self.depth(self.options.pp_depth_weights, spec.pp_depths)
        clause = self.innermost_clause(spec, pp_depth)
        cp_verbs = self.pool((classes.CP_TAKING,))
        for _ in range(cp_depth):
            subject = self.slot("ccomp", AGENT, True)
            clause = Clause("ccomp", self.rng.choice(cp_verbs), subject, complement=clause)
        return clause


def sample_sentence(rng: RandomStream, lexicon: Lexicon, options: GrammarOptions,
                    spec: SentenceSpec = SentenceSpec()) -> Clause:
    """One sentence tree (indices unset: see :func:`syntax.render`); draw many with a SentenceSampler."""
    return SentenceSampler(rng, lexicon, options).sentence(spec)
