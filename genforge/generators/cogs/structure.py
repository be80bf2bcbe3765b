"""Atoms and compounds of a COGS sentence, for divergence-based (MCD) splits and audits.

Following Keysers et al. (2020, "Measuring Compositional Generalization"),
atoms are the lexical items and constructions, compounds the way they combine
in the meaning: a verb with a role and the head that fills it
(``eat.agent=hippo``), a noun with its PP (``cake.nmod.on=table``), a verb
with the verb it embeds, and a verb with the frame it heads. These are exactly
the pairings the lexical COGS categories hold out.
"""

from __future__ import annotations

from typing import Optional

from genforge.generators.cogs.lexicon import Lexicon, cogs_lexicon
from genforge.generators.cogs.parser import parse
from genforge.generators.cogs.syntax import FRAMES, Clause, NounPhrase, clause_chain


def _phrase(phrase: NounPhrase, atoms: list, compounds: list) -> None:
    atoms.append(phrase.head)
    modifier = phrase.modifier
    if modifier is not None:
        atoms.append(modifier.preposition)
        compounds.append(f"{phrase.head}.nmod.{modifier.preposition}={modifier.object.head}")
        _phrase(modifier.object, atoms, compounds)


def _clause(clause: Clause, atoms: list, compounds: list) -> None:
    frame = FRAMES[clause.frame]
    atoms += [clause.verb, clause.frame]
    compounds.append(f"{clause.frame}:{clause.verb}")
    roles = [frame.subject_role] + [role for _marker, role in frame.arguments]
    for role, phrase in zip(roles, (clause.subject, *clause.arguments)):
        compounds.append(f"{clause.verb}.{role}={phrase.head}")
        _phrase(phrase, atoms, compounds)
    if clause.infinitive is not None:
        atoms.append(clause.infinitive)
        compounds.append(f"{clause.verb}.xcomp={clause.infinitive}")
    if clause.complement is not None:
        compounds.append(f"{clause.verb}.ccomp={clause.complement.verb}")


def atoms_and_compounds(sentence: str, lexicon: Optional[Lexicon] = None) -> tuple[list[str], list[str]]:
    """(atoms, compounds) of a sentence; a one-word primitive line is one atom and no compound."""
    words = sentence.split()
    if len(words) == 1:
        return words, []
    atoms: list[str] = []
    compounds: list[str] = []
    for clause in clause_chain(parse(sentence, lexicon or cogs_lexicon())):
        _clause(clause, atoms, compounds)
    return atoms, compounds


def difficulty(complexity: dict) -> float:
    """A number in [0, 1) that grows with sentence length, recursion depth and events (SCAN's form: size / (size + 60))."""
    size = complexity["sentence_length"] + 4 * max(complexity["pp_depth"], complexity["cp_depth"]) + 2 * complexity["events"]
    return size / (size + 60)
