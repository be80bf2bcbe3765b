"""The COGS lexicon: word classes and verb forms, read from the package's own data file.

``genforge/data/cogs/lexicon.json`` was derived from the COGS release (Kim &
Linzen 2020, "COGS: A Compositional Generalization Challenge Based on Semantic
Interpretation", EMNLP; github.com/najoungkim/COGS, MIT licence): nouns split
by whether they ever fill an agent or recipient slot, proper names, each verb's
classes and forms, the primitive lines and exposure sentences of its train
split, construction and depth counts. The 15 words the generalization set
tests (``held_out_words``) are kept out of the in-distribution pools.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Mapping, Optional

#: Verb classes of the paper (Kim & Linzen 2020, Appendix), as the data file names them.
UNACCUSATIVE = "unaccusative"
UNERGATIVE = "unergative"
OBJECT_OMISSIBLE = "transitive_object_omissible"
OBJECT_REQUIRED = "transitive_object_required"
DATIVE = "dative"
INFINITIVAL_TAKING = "infinitival_taking"
CP_TAKING = "cp_taking"
INFINITIVE_COMPLEMENT = "infinitive_complement"

#: Verbs whose class lets them take a direct object (and so a passive).
TRANSITIVE_CLASSES = (OBJECT_OMISSIBLE, OBJECT_REQUIRED, UNACCUSATIVE)

NMOD_PREPOSITIONS = ("beside", "in", "on")

#: frame -> the verb classes that license it (the parser checks a verb against it; the sampler draws from it)
FRAME_VERB_CLASSES = {
    "intrans_agent": (UNERGATIVE, OBJECT_OMISSIBLE),
    "intrans_theme": (UNACCUSATIVE,),
    "trans": TRANSITIVE_CLASSES,
    "pass": TRANSITIVE_CLASSES,
    "pass_by": TRANSITIVE_CLASSES,
    "xcomp": (INFINITIVAL_TAKING,),
    "ccomp": (CP_TAKING,),
    **{frame: (DATIVE,) for frame in ("dat_do", "dat_pp", "pass_dat_do", "pass_dat_do_by", "pass_dat_pp",
                                      "pass_dat_pp_by")},
}


@dataclass(frozen=True)
class Verb:
    lemma: str
    classes: frozenset
    past: Optional[str]
    participle: Optional[str]


@dataclass(frozen=True)
class Lexicon:
    """Word pools for sampling plus the lookup tables the parser needs."""

    animate_nouns: tuple[str, ...]
    inanimate_nouns: tuple[str, ...]
    pp_object_nouns: Mapping[str, tuple[str, ...]]
    proper_names: tuple[str, ...]
    verbs: Mapping[str, Verb]
    held_out_words: frozenset
    noun_predicates: Mapping[str, str]
    primitives: Mapping[str, tuple[str, ...]]
    frame_counts: Mapping[str, int]
    slot_fillers: Mapping[str, Mapping[str, int]]
    train_depth_histograms: Mapping[str, tuple[int, ...]]
    exposure_examples: tuple[tuple[str, str], ...]
    #: surface form -> lemma, for the parser
    past_forms: Mapping[str, str]
    participles: Mapping[str, str]

    def verbs_of(self, *classes: str, include_held_out: bool = False) -> tuple[str, ...]:
        """Lemmas in any of ``classes``, sorted (held-out verbs left out unless asked for)."""
        wanted = set(classes)
        return tuple(sorted(lemma for lemma, verb in self.verbs.items() if verb.classes & wanted
                            and (include_held_out or lemma not in self.held_out_words)))

    def predicate(self, noun: str) -> str:
        """The LF predicate of a noun: the word lower-cased (COGS writes ``TV`` as ``tv``)."""
        return self.noun_predicates.get(noun, noun.lower())


@lru_cache(maxsize=1)
def cogs_lexicon() -> Lexicon:
    """The full COGS lexicon shipped with genforge."""
    text = resources.files("genforge").joinpath("data", "cogs", "lexicon.json").read_text("utf-8")
    data = json.loads(text)
    verbs = {lemma: Verb(lemma, frozenset(entry["classes"]), entry.get("past"), entry.get("participle"))
             for lemma, entry in data["verbs"].items()}
    return Lexicon(
        animate_nouns=tuple(data["animate_nouns"]),
        inanimate_nouns=tuple(data["inanimate_theme_nouns"]),
        pp_object_nouns={p: tuple(nouns) for p, nouns in data["pp_object_nouns"].items()},
        proper_names=tuple(data["proper_names"]),
        verbs=verbs,
        held_out_words=frozenset(data["held_out_words"]),
        noun_predicates=dict(data["noun_predicates"]),
        primitives={kind: tuple(words) for kind, words in data["primitives"].items()},
        frame_counts=dict(data["frame_counts"]),
        slot_fillers=data["slot_fillers"],
        train_depth_histograms={kind: tuple(counts) for kind, counts in data["train_depth_histograms"].items()},
        exposure_examples=tuple((e["category"], e["sentence"]) for e in data["exposure_examples"]),
        past_forms={verb.past: lemma for lemma, verb in verbs.items() if verb.past},
        participles={verb.participle: lemma for lemma, verb in verbs.items() if verb.participle},
    )


def _stable_order(words) -> list[str]:
    """Words in an order fixed by their hash: which words a smaller lexicon keeps must not follow the alphabet."""
    return sorted(words, key=lambda word: hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest())


def _keep(words, fraction: float) -> tuple[str, ...]:
    kept = set(_stable_order(words)[:max(2, math.ceil(fraction * len(words)))])
    return tuple(word for word in words if word in kept)


def reduced_lexicon(lexicon: Lexicon, fraction: float) -> Lexicon:
    """The lexicon with ``fraction`` of each in-distribution word class (at least two words each).

    A data factor ("lexicon size"); held-out words, function words and the
    verbs a category needs are untouched. Verb classes are cut separately, so
    every frame keeps verbs.
    """
    if fraction >= 1.0:
        return lexicon
    kept_verbs = set(lexicon.held_out_words)
    for verb_class in (UNACCUSATIVE, UNERGATIVE, OBJECT_OMISSIBLE, OBJECT_REQUIRED, DATIVE, INFINITIVAL_TAKING,
                       CP_TAKING, INFINITIVE_COMPLEMENT):
        kept_verbs.update(_keep(lexicon.verbs_of(verb_class), fraction))
    return replace(
        lexicon,
        animate_nouns=_keep(lexicon.animate_nouns, fraction),
        inanimate_nouns=_keep(lexicon.inanimate_nouns, fraction),
        pp_object_nouns={p: _keep(nouns, fraction) for p, nouns in lexicon.pp_object_nouns.items()},
        proper_names=_keep(lexicon.proper_names, fraction),
        verbs={lemma: verb for lemma, verb in lexicon.verbs.items() if lemma in kept_verbs},
    )
