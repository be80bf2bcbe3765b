"""The generalization categories of COGS (Kim & Linzen 2020, section 3) and SLOG, and COGS's exposure sentences.

Each lexical category tests a word in a role or construction that train
shows it in only once, in its *exposure* sentence (or only as a one-word
primitive line); each structural category tests a construction train never
has. The word lists, frames and slots below follow the paper's section 3 and
the release's ``gen_cases_to_paper_sections.json``; where the paper names one
example we generalize over the frames that share its role (documented per
category).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from genforge.generators.cogs import lexicon as classes
from genforge.generators.cogs.sampler import SUBJECT_FRAMES, SentenceSpec

LEXICAL, STRUCTURAL = "lexical", "structural"
OBJECT_FRAMES = ("trans", "dat_do", "dat_pp")


@dataclass(frozen=True)
class Category:
    name: str
    kind: str
    #: COGS section (Kim & Linzen 2020) or SLOG (Li et al. 2023)
    source: str
    spec: SentenceSpec
    #: the word the category is about (None for structural ones)
    word: Optional[str] = None
    #: the train category that shows ``word`` once ("primitive" for a one-word line)
    evidence: Optional[str] = None


def _subject(word: str, frames=SUBJECT_FRAMES, **more) -> SentenceSpec:
    return SentenceSpec(frames=frames, target=word, target_slot="subject", **more)


def _object(word: str) -> SentenceSpec:
    return SentenceSpec(frames=OBJECT_FRAMES, target=word, target_slot="object")


def _verb(verb: str, *frames: str) -> SentenceSpec:
    return SentenceSpec(frames=frames, verb=verb)


#: The 12 exposure constructions of COGS's train split: the one context each held-out word is seen in.
EXPOSURES = {
    "exposure_example_active": ("bless", _verb("bless", "trans")),
    "exposure_example_do_dative": ("teleport", _verb("teleport", "dat_do")),
    "exposure_example_obj_common": ("cockroach", SentenceSpec(frames=("trans",), target="cockroach",
                                                             target_slot="object")),
    "exposure_example_obj_omitted_transitive": ("bake", _verb("bake", "intrans_agent")),
    "exposure_example_obj_proper": ("Charlie", SentenceSpec(frames=("trans",), target="Charlie", target_slot="object")),
    "exposure_example_passive": ("squeeze", _verb("squeeze", "pass")),
    "exposure_example_pp_dative": ("ship", _verb("ship", "dat_pp")),
    "exposure_example_subj_common": ("hedgehog", _subject("hedgehog", ("trans",))),
    "exposure_example_subj_proper": ("Lina", _subject("Lina", ("trans", "intrans_agent", "dat_do", "dat_pp"))),
    "exposure_example_transitive_subj": ("cobra", _subject("cobra", ("trans",))),
    "exposure_example_unacc": ("shatter", _verb("shatter", "intrans_theme")),
    "exposure_example_unacc_subj": ("hippo", _subject("hippo", ("intrans_theme",))),
}


def cogs_categories(depths: tuple[int, int]) -> tuple[Category, ...]:
    """The 21 categories of COGS's gen split, in the paper's order; ``depths`` bounds the recursion ones."""
    unergative = (classes.UNERGATIVE,)
    omissible = (classes.OBJECT_OMISSIBLE,)
    return (
        Category("subj_to_obj_common", LEXICAL, "3.1.1", _object("hedgehog"), "hedgehog", "exposure_example_subj_common"),
        Category("subj_to_obj_proper", LEXICAL, "3.1.2", _object("Lina"), "Lina", "exposure_example_subj_proper"),
        Category("obj_to_subj_common", LEXICAL, "3.1.3", _subject("cockroach"), "cockroach", "exposure_example_obj_common"),
        Category("obj_to_subj_proper", LEXICAL, "3.1.4", _subject("Charlie"), "Charlie", "exposure_example_obj_proper"),
        Category("prim_to_subj_common", LEXICAL, "3.1.5", _subject("shark"), "shark", "primitive"),
        Category("prim_to_subj_proper", LEXICAL, "3.1.6", _subject("Paula"), "Paula", "primitive"),
        Category("prim_to_obj_common", LEXICAL, "3.1.7", _object("shark"), "shark", "primitive"),
        Category("prim_to_obj_proper", LEXICAL, "3.1.8", _object("Paula"), "Paula", "primitive"),
        Category("prim_to_inf_arg", LEXICAL, "3.1.9", SentenceSpec(frames=("xcomp",), infinitive="crawl"), "crawl",
                 "primitive"),
        Category("active_to_passive", LEXICAL, "3.4.1", _verb("bless", "pass", "pass_by"), "bless",
                 "exposure_example_active"),
        Category("passive_to_active", LEXICAL, "3.4.2", _verb("squeeze", "trans"), "squeeze", "exposure_example_passive"),
        Category("obj_omitted_transitive_to_transitive", LEXICAL, "3.4.3", _verb("bake", "trans"), "bake",
                 "exposure_example_obj_omitted_transitive"),
        Category("unacc_to_transitive", LEXICAL, "3.4.4", _verb("shatter", "trans"), "shatter", "exposure_example_unacc"),
        Category("do_dative_to_pp_dative", LEXICAL, "3.4.5", _verb("teleport", "dat_pp"), "teleport",
                 "exposure_example_do_dative"),
        Category("pp_dative_to_do_dative", LEXICAL, "3.4.6", _verb("ship", "dat_do"), "ship", "exposure_example_pp_dative"),
        Category("only_seen_as_transitive_subj_as_unacc_subj", LEXICAL, "3.5.1", _subject("cobra", ("intrans_theme",)),
                 "cobra", "exposure_example_transitive_subj"),
        Category("only_seen_as_unacc_subj_as_unerg_subj", LEXICAL, "3.5.3",
                 _subject("hippo", ("intrans_agent",), verb_classes=unergative), "hippo", "exposure_example_unacc_subj"),
        Category("only_seen_as_unacc_subj_as_obj_omitted_transitive_subj", LEXICAL, "3.5.2",
                 _subject("hippo", ("intrans_agent",), verb_classes=omissible), "hippo", "exposure_example_unacc_subj"),
        Category("obj_pp_to_subj_pp", STRUCTURAL, "3.2.1", SentenceSpec(pp_site="subject", pp_depths=(1, 1))),
        Category("cp_recursion", STRUCTURAL, "3.3.1", SentenceSpec(cp_depths=depths, pp_depths=(0, 0))),
        Category("pp_recursion", STRUCTURAL, "3.3.2", SentenceSpec(pp_depths=depths, cp_depths=(0, 0))),
    )


def slog_categories(depths: tuple[int, int], train_pp_depth: int) -> tuple[Category, ...]:
    """The SLOG categories (Li et al. 2023, "SLOG: A Structural Generalization Benchmark for Semantic Parsing",
    EMNLP) that COGS's grammar can express: PPs on phrases train never modifies, and deeper recursion.

    Relative clauses and wh-questions need constructions (and SLOG's LF) this grammar does not have.
    """
    modified = (1, max(1, train_pp_depth))
    return (
        Category("pp_modifying_subject", STRUCTURAL, "SLOG: PP modifying the subject",
                 SentenceSpec(pp_site="subject", pp_depths=modified)),
        Category("pp_modifying_indirect_object", STRUCTURAL, "SLOG: PP modifying the indirect object",
                 SentenceSpec(frames=("dat_do", "dat_pp"), pp_site="recipient", pp_depths=modified)),
        Category("cp_recursion", STRUCTURAL, "SLOG: deeper CP recursion", SentenceSpec(cp_depths=depths, pp_depths=(0, 0))),
        Category("pp_recursion", STRUCTURAL, "SLOG: deeper PP recursion", SentenceSpec(pp_depths=depths, cp_depths=(0, 0))),
    )
