"""COGS logical forms (Kim & Linzen 2020, section 2 and the released data), built from an indexed tree.

Neo-Davidsonian, space-separated tokens. A variable is ``x _ N`` with N the
token index of its head word (the verb for an event); proper names are their
own arguments. Each definite NP contributes a prefix ``* noun ( x _ i ) ;``
(sorted by i); everything else is joined by `` AND `` in this order, per
clause: the subject NP's conjuncts, the verb's role conjuncts in surface
order of the arguments, the post-verbal NPs' conjuncts, the infinitive's
agent (control by the subject), then the embedded clause. An NP's conjuncts
are ``noun ( x _ i )`` if indefinite, then its PP ``noun . nmod . p ( x _ i ,
ARG )`` followed by the PP object's own conjuncts.

Single-word (primitive) inputs get the lambda terms of COGS's ``primitive``
lines.
"""

from __future__ import annotations

from typing import Callable

from genforge.generators.cogs.syntax import AGENT, FRAMES, Clause, NounPhrase

Predicate = Callable[[str], str]


def _argument(phrase: NounPhrase) -> str:
    return phrase.head if phrase.proper else f"x _ {phrase.index}"


def _phrase_conjuncts(phrase: NounPhrase, predicate: Predicate, definites: list, out: list) -> None:
    if phrase.proper:
        return
    noun = predicate(phrase.head)
    if phrase.definite:
        definites.append((phrase.index, noun))
    else:
        out.append(f"{noun} ( x _ {phrase.index} )")
    modifier = phrase.modifier
    if modifier is not None:
        out.append(f"{noun} . nmod . {modifier.preposition} ( x _ {phrase.index} , {_argument(modifier.object)} )")
        _phrase_conjuncts(modifier.object, predicate, definites, out)


def _clause_conjuncts(clause: Clause, predicate: Predicate, definites: list, out: list) -> None:
    frame = FRAMES[clause.frame]
    verb, event = clause.verb, f"x _ {clause.event}"
    _phrase_conjuncts(clause.subject, predicate, definites, out)
    out.append(f"{verb} . {frame.subject_role} ( {event} , {_argument(clause.subject)} )")
    for (_marker, role), phrase in zip(frame.arguments, clause.arguments):
        out.append(f"{verb} . {role} ( {event} , {_argument(phrase)} )")
    if clause.infinitive is not None:
        out.append(f"{verb} . xcomp ( {event} , x _ {clause.infinitive_event} )")
    if clause.complement is not None:
        out.append(f"{verb} . ccomp ( {event} , x _ {clause.complement.event} )")
    for phrase in clause.arguments:
        _phrase_conjuncts(phrase, predicate, definites, out)
    if clause.infinitive is not None:
        out.append(f"{clause.infinitive} . {AGENT} ( x _ {clause.infinitive_event} , {_argument(clause.subject)} )")
    if clause.complement is not None:
        _clause_conjuncts(clause.complement, predicate, definites, out)


def logical_form(clause: Clause, predicate: Predicate = str.lower) -> str:
    """The COGS logical form of an indexed sentence tree."""
    definites: list[tuple[int, str]] = []
    body: list[str] = []
    _clause_conjuncts(clause, predicate, definites, body)
    prefix = "".join(f"* {noun} ( x _ {index} ) ; " for index, noun in sorted(definites))
    return prefix + " AND ".join(body)


# -- primitives ---------------------------------------------------------------
def noun_primitive(noun: str) -> str:
    return f"LAMBDA a . {noun} ( a )"


def transitive_primitive(verb: str) -> str:
    return f"LAMBDA a . LAMBDA b . LAMBDA e . {verb} . agent ( e , b ) AND {verb} . theme ( e , a )"


def unergative_primitive(verb: str) -> str:
    return f"LAMBDA a . LAMBDA e . {verb} . agent ( e , a )"


def unaccusative_primitive(verb: str) -> str:
    """COGS gives unaccusatives the intransitive (theme) type, although they also occur transitively."""
    return f"LAMBDA a . LAMBDA e . {verb} . theme ( e , a )"
