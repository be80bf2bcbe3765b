"""Syntax trees of the COGS fragment, its verb frames, and rendering a tree to words.

The 12 clause frames are those of the COGS release (Kim & Linzen 2020): each
says which role the subject takes and which roles the post-verbal noun
phrases take, in surface order, with the word (``to``, ``by``) before each.
Trees carry the token index of every head word once rendered (or parsed): the
logical form names variables by those indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

AGENT, THEME, RECIPIENT = "agent", "theme", "recipient"


@dataclass(frozen=True)
class Frame:
    name: str
    subject_role: str
    #: (marker word or "", role) for each post-verbal noun phrase, in surface order
    arguments: tuple[tuple[str, str], ...] = ()
    passive: bool = False


FRAMES = {frame.name: frame for frame in (
    Frame("intrans_agent", AGENT),                       # Emma smiled .
    Frame("intrans_theme", THEME),                       # A cake rolled .
    Frame("trans", AGENT, (("", THEME),)),               # Evelyn rolled the girl .
    Frame("dat_do", AGENT, (("", RECIPIENT), ("", THEME))),          # Amelia gave Emma a strawberry .
    Frame("dat_pp", AGENT, (("", THEME), ("to", RECIPIENT))),        # Wyatt gave the cookie to Emma .
    Frame("pass", THEME, (), True),                                  # The box was painted .
    Frame("pass_by", THEME, (("by", AGENT),), True),                 # A rose was helped by a dog .
    Frame("pass_dat_do", RECIPIENT, (("", THEME),), True),           # A boy was given the cake .
    Frame("pass_dat_do_by", RECIPIENT, (("", THEME), ("by", AGENT)), True),
    Frame("pass_dat_pp", THEME, (("to", RECIPIENT),), True),         # The cake was given to a boy .
    Frame("pass_dat_pp_by", THEME, (("to", RECIPIENT), ("by", AGENT)), True),
    Frame("xcomp", AGENT),                               # The girl needed to cook .
    Frame("ccomp", AGENT),                               # Emma said that the cake inflated .
)}

#: Frames that end the sentence in a simple clause (every frame but ``ccomp``, which embeds one).
SIMPLE_FRAMES = tuple(name for name in FRAMES if name != "ccomp")


@dataclass(frozen=True)
class NounPhrase:
    """A proper name, or a determiner + common noun with at most one PP modifier (COGS has no more)."""

    head: str
    proper: bool
    definite: bool = False
    modifier: Optional["PrepPhrase"] = None
    index: int = -1


@dataclass(frozen=True)
class PrepPhrase:
    preposition: str
    object: NounPhrase


@dataclass(frozen=True)
class Clause:
    frame: str
    verb: str
    subject: NounPhrase
    #: the post-verbal noun phrases, in the order of FRAMES[frame].arguments
    arguments: tuple[NounPhrase, ...] = ()
    infinitive: Optional[str] = None  # the bare verb of an xcomp
    complement: Optional["Clause"] = None  # the embedded clause of a ccomp
    event: int = -1
    infinitive_event: int = -1


def name(word: str) -> NounPhrase:
    return NounPhrase(word, proper=True)


def common(noun: str, definite: bool, modifier: Optional[PrepPhrase] = None) -> NounPhrase:
    return NounPhrase(noun, proper=False, definite=definite, modifier=modifier)


# -- measures ---------------------------------------------------------------
def pp_depth(phrase: NounPhrase) -> int:
    """Length of the PP chain hanging from a noun phrase."""
    depth = 0
    while phrase.modifier is not None:
        depth, phrase = depth + 1, phrase.modifier.object
    return depth


def clause_chain(clause: Clause) -> list[Clause]:
    """The clause and every clause embedded under it by ``that``, outermost first."""
    chain = [clause]
    while chain[-1].complement is not None:
        chain.append(chain[-1].complement)
    return chain


def noun_phrases(clause: Clause) -> list[NounPhrase]:
    """Every argument noun phrase of every clause (not PP objects), in surface order."""
    return [phrase for part in clause_chain(clause) for phrase in (part.subject, *part.arguments)]


def max_pp_depth(clause: Clause) -> int:
    return max((pp_depth(phrase) for phrase in noun_phrases(clause)), default=0)


def cp_depth(clause: Clause) -> int:
    return len(clause_chain(clause)) - 1


def events(clause: Clause) -> int:
    return sum(1 + (part.infinitive is not None) for part in clause_chain(clause))


# -- rendering --------------------------------------------------------------
def _render_phrase(phrase: NounPhrase, words: list[str]) -> NounPhrase:
    # Direct constructors, not dataclasses.replace: rendering is the sampler's hot path.
    if phrase.proper:
        words.append(phrase.head)
        return NounPhrase(phrase.head, True, False, None, len(words) - 1)
    words.append("the" if phrase.definite else "a")
    words.append(phrase.head)
    index = len(words) - 1
    modifier = phrase.modifier
    if modifier is not None:
        words.append(modifier.preposition)
        modifier = PrepPhrase(modifier.preposition, _render_phrase(modifier.object, words))
    return NounPhrase(phrase.head, False, phrase.definite, modifier, index)


def _render_clause(clause: Clause, words: list[str], verb_form) -> Clause:
    frame = FRAMES[clause.frame]
    subject = _render_phrase(clause.subject, words)
    if frame.passive:
        words.append("was")
    words.append(verb_form(clause.verb, "participle" if frame.passive else "past"))
    event = len(words) - 1
    arguments = []
    for (marker, _role), phrase in zip(frame.arguments, clause.arguments):
        if marker:
            words.append(marker)
        arguments.append(_render_phrase(phrase, words))
    infinitive_event, complement = -1, None
    if clause.infinitive is not None:
        words.extend(("to", clause.infinitive))
        infinitive_event = len(words) - 1
    if clause.complement is not None:
        words.append("that")
        complement = _render_clause(clause.complement, words, verb_form)
    return Clause(clause.frame, clause.verb, subject, tuple(arguments), clause.infinitive, complement, event,
                  infinitive_event)


def render(clause: Clause, verb_form) -> tuple[str, Clause]:
    """(the sentence as COGS writes it, the tree with every index set).

    ``verb_form(lemma, "past" | "participle")`` spells the verb. COGS
    capitalises only a sentence-initial determiner and ends with `` .``.
    """
    words: list[str] = []
    indexed = _render_clause(clause, words, verb_form)
    if words[0] in ("a", "the"):
        words[0] = words[0].capitalize()
    words.append(".")
    return " ".join(words), indexed
