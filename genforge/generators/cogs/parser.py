"""The oracle: parse a COGS sentence with the grammar and build its logical form.

A recursive-descent parser over the whitespace tokens (COGS sentences are
pre-tokenised, ending in `` .``). Nouns and names are open classes, as in
the grammar's lexical rules: a word after a determiner is a common noun, a
capitalised word without one is a proper name (so sentences with names COGS
never used, like the paper's ``Mary``, still parse). Verbs are a closed class:
each verb form is looked up, and the frame must be one its class licenses
(Kim & Linzen 2020, Appendix A: unaccusatives alternate, unergatives take no
object, datives take the two dative frames, and so on).
"""

from __future__ import annotations

from typing import Optional

from genforge.generators.cogs import lexicon as classes
from genforge.generators.cogs.lexicon import Lexicon, cogs_lexicon
from genforge.generators.cogs.logical_form import (logical_form, noun_primitive, transitive_primitive,
                                                   unaccusative_primitive, unergative_primitive)
from genforge.generators.cogs.syntax import Clause, NounPhrase, PrepPhrase

DETERMINERS = {"a": False, "A": False, "the": True, "The": True}
FUNCTION_WORDS = {"a", "A", "the", "The", "was", "by", "to", "that", ".", *classes.NMOD_PREPOSITIONS}



class CogsParseError(ValueError):
    """A sentence outside the COGS grammar (api.solve reports it as a usage error)."""


class _Parser:
    def __init__(self, words: list[str], lexicon: Lexicon):
        self.words = words
        self.lexicon = lexicon
        self.position = 0

    def peek(self, offset: int = 0) -> Optional[str]:
        position = self.position + offset
        return self.words[position] if position < len(self.words) else None

    def fail(self, expected: str):
        found = self.peek()
        where = f"word {self.position + 1} ({found!r})" if found is not None else "the end of the sentence"
        raise CogsParseError(f"expected {expected} at {where} of {' '.join(self.words)!r}")

    def take(self, word: str) -> bool:
        if self.peek() == word:
            self.position += 1
            return True
        return False

    def noun_phrase(self) -> NounPhrase:
        word = self.peek()
        if word in DETERMINERS:
            noun = self.peek(1)
            if noun is None or noun in FUNCTION_WORDS:
                self.position += 1
                self.fail("a noun after the determiner")
            index = self.position + 1
            self.position += 2
            modifier = None
            if self.peek() in classes.NMOD_PREPOSITIONS:
                preposition = self.words[self.position]
                self.position += 1
                modifier = PrepPhrase(preposition, self.noun_phrase())
                if modifier.object.proper:
                    self.position -= 1
                    self.fail("a determiner (PP objects are common nouns)")
            return NounPhrase(noun, proper=False, definite=DETERMINERS[word], modifier=modifier, index=index)
        if word is not None and word not in FUNCTION_WORDS and word[:1].isupper():
            self.position += 1
            return NounPhrase(word, proper=True, index=self.position - 1)
        self.fail("a noun phrase (a determiner and a noun, or a name)")

    def verb(self, forms, what: str) -> tuple[str, int]:
        word = self.peek()
        if word not in forms:
            self.fail(what)
        self.position += 1
        return forms[word], self.position - 1

    def check_frame(self, frame: str, lemma: str, at: int) -> None:
        verb_classes = self.lexicon.verbs[lemma].classes
        if not verb_classes & set(classes.FRAME_VERB_CLASSES[frame]):
            raise CogsParseError(f"the verb {self.words[at]!r} ({lemma}: {', '.join(sorted(verb_classes))}) cannot "
                                 f"head a {frame} clause in the COGS grammar: {' '.join(self.words)!r}")

    def clause(self) -> Clause:
        subject = self.noun_phrase()
        if self.take("was"):
            return self.passive(subject)
        lemma, event = self.verb(self.lexicon.past_forms, "a verb in the past tense (or 'was')")
        if self.peek() in (".", None):
            verb_classes = self.lexicon.verbs[lemma].classes
            frame = "intrans_theme" if classes.UNACCUSATIVE in verb_classes else "intrans_agent"
            self.check_frame(frame, lemma, event)
            return Clause(frame, lemma, subject, event=event)
        if self.take("that"):
            self.check_frame("ccomp", lemma, event)
            return Clause("ccomp", lemma, subject, complement=self.clause(), event=event)
        if self.peek() == "to":
            self.position += 1
            infinitive, infinitive_event = self.infinitive()
            self.check_frame("xcomp", lemma, event)
            return Clause("xcomp", lemma, subject, infinitive=infinitive, event=event, infinitive_event=infinitive_event)
        first = self.noun_phrase()
        if self.take("to"):
            frame, arguments = "dat_pp", (first, self.noun_phrase())
        elif self.peek() not in (".", None):
            frame, arguments = "dat_do", (first, self.noun_phrase())
        else:
            frame, arguments = "trans", (first,)
        self.check_frame(frame, lemma, event)
        return Clause(frame, lemma, subject, arguments, event=event)

    def infinitive(self) -> tuple[str, int]:
        word = self.peek()
        verb = self.lexicon.verbs.get(word)
        if verb is None or not verb.classes & {classes.INFINITIVE_COMPLEMENT, classes.UNERGATIVE}:
            self.fail("an intransitive verb after 'to'")
        self.position += 1
        return word, self.position - 1

    def passive(self, subject: NounPhrase) -> Clause:
        lemma, event = self.verb(self.lexicon.participles, "a passive participle after 'was'")
        if self.take("to"):
            arguments = [self.noun_phrase()]
            frame = "pass_dat_pp"
        elif self.peek() not in (".", "by", None):
            arguments = [self.noun_phrase()]
            frame = "pass_dat_do"
        else:
            arguments, frame = [], "pass"
        if self.take("by"):
            arguments.append(self.noun_phrase())
            frame += "_by"
        self.check_frame(frame, lemma, event)
        return Clause(frame, lemma, subject, tuple(arguments), event=event)


def parse(sentence: str, lexicon: Optional[Lexicon] = None) -> Clause:
    """The indexed tree of a COGS sentence; CogsParseError if the grammar does not derive it."""
    lexicon = lexicon or cogs_lexicon()
    words = sentence.split()
    parser = _Parser(words, lexicon)
    tree = parser.clause()
    if parser.peek() != "." or parser.position != len(words) - 1:
        parser.fail("the final '.'")
    return tree


def primitive_form(word: str, lexicon: Optional[Lexicon] = None) -> str:
    """The lambda term of a one-word (primitive) input, as COGS's ``primitive`` lines give it."""
    lexicon = lexicon or cogs_lexicon()
    verb = lexicon.verbs.get(word)
    if verb is not None:
        if classes.UNACCUSATIVE in verb.classes:
            return unaccusative_primitive(word)
        if verb.classes & {classes.OBJECT_OMISSIBLE, classes.OBJECT_REQUIRED}:
            return transitive_primitive(word)
        if classes.UNERGATIVE in verb.classes:
            return unergative_primitive(word)
        raise CogsParseError(f"COGS has no primitive for the verb {word!r} (only for nouns, names, and unaccusative, "
                             "unergative and transitive verbs)")
    if word in FUNCTION_WORDS:
        raise CogsParseError(f"{word!r} is a function word, not a sentence or a primitive")
    if word[:1].isupper():
        return word
    return noun_primitive(lexicon.predicate(word))


def solve(sentence: str, lexicon: Optional[Lexicon] = None) -> str:
    """The COGS logical form of a sentence, or of a single word (a primitive)."""
    lexicon = lexicon or cogs_lexicon()
    words = sentence.split()
    if not words:
        raise CogsParseError("empty input: expected a COGS sentence ending in ' .' or a single word")
    if len(words) == 1:
        return primitive_form(words[0], lexicon)
    return logical_form(parse(sentence, lexicon), lexicon.predicate)
