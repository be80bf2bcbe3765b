"""The SCAN command grammar and its meaning, for any lexicon and any size.

Lake & Baroni (2018), "Generalization without Systematicity: On the
Compositional Skills of Sequence-to-Sequence Recurrent Networks", ICML. The
grammar, written with the navigation lexicon::

    C -> S | C and S | C after S
    S -> V | V twice | V thrice
    V -> U | U DIR | turn DIR | U opposite DIR | turn opposite DIR
           | U around DIR | turn around DIR
    U -> walk | look | run | jump        DIR -> left | right

SCAN itself allows at most one conjunction; with more, a command is read
left to right (``a and b after c`` = ``(a and b) after c`` = ``c a b``), which
agrees with SCAN on every SCAN command.

Meaning: a verb ``x`` emits its action (``turn`` emits nothing); ``x DIR`` =
T(DIR) x; ``x opposite DIR`` = T(DIR) T(DIR) x; ``x around DIR`` =
(T(DIR) x) four times; a repetition word repeats its verb phrase; ``a and b``
= a b; ``a after b`` = b a.

A :class:`Vocabulary` is a lexicon (the words and action tokens of one domain)
cut to a number of verbs, directions and repetition words. Beyond a lexicon's
base words, verbs and directions are numbered copies (``walk1`` ->
``I_WALK1``, ``left1`` -> ``I_TURN_LEFT1``) as in the primitive-scaled
variants of Zhou et al. (2023), "Data Factors for Better Compositional
Generalization"; repetition words beyond the lexicon's two are
``<stem><count>`` (``times4`` repeats four times).

Parse-tree depth (recorded as complexity ``depth``): a bare verb is 1, a verb
with a direction 2, with ``opposite``/``around`` 3; a repetition word adds 1;
each conjunction node is one more than the deeper of its two children. SCAN's
deepest commands have depth 5.

Pure functions only: no files, splits or global state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Iterator, Optional


class ScanSyntaxError(ValueError):
    """A command that the grammar does not generate."""


@dataclass(frozen=True)
class Lexicon:
    """The words and action tokens of one semantic domain."""

    name: str
    verbs: tuple[str, ...]
    #: action token of each verb, e.g. ``I_WALK``
    verb_actions: tuple[str, ...]
    #: the verb that emits nothing (``turn``)
    null_verb: str
    directions: tuple[str, ...]
    #: action token of turning towards each direction, e.g. ``I_TURN_LEFT``
    direction_actions: tuple[str, ...]
    opposite: str
    around: str
    #: words for repeating twice and thrice
    twice: str
    thrice: str
    #: repetition words for count k >= 4 are stem + k
    repetition_stem: str
    #: ``a <sequence> b`` = a b
    sequence: str
    #: ``a <reverse> b`` = b a
    reverse: str


LEXICONS: dict[str, Lexicon] = {
    "navigation": Lexicon(
        "navigation", ("walk", "look", "run", "jump"), ("I_WALK", "I_LOOK", "I_RUN", "I_JUMP"), "turn",
        ("left", "right"), ("I_TURN_LEFT", "I_TURN_RIGHT"), "opposite", "around", "twice", "thrice", "times",
        "and", "after",
    ),
    "kitchen": Lexicon(
        "kitchen", ("chop", "stir", "bake", "fry"), ("K_CHOP", "K_STIR", "K_BAKE", "K_FRY"), "rotate",
        ("clockwise", "counterclockwise"), ("K_ROTATE_CLOCKWISE", "K_ROTATE_COUNTERCLOCKWISE"), "reversed", "fully",
        "double", "triple", "batch", "then", "following",
    ),
    "music": Lexicon(
        "music", ("strum", "hum", "drum", "clap"), ("M_STRUM", "M_HUM", "M_DRUM", "M_CLAP"), "shift",
        ("sharp", "flat"), ("M_SHIFT_SHARP", "M_SHIFT_FLAT"), "inverted", "circling", "doubled", "tripled", "bars",
        "with", "behind",
    ),
}


def _numbered(base: tuple[str, ...], index: int) -> str:
    word = base[index % len(base)]
    copy = index // len(base)
    return word if copy == 0 else f"{word}{copy}"


@dataclass(frozen=True)
class VerbPhrase:
    """One V: ``verb`` is None for the null verb (``turn``), ``modifier`` is '', 'opposite' or 'around'."""

    verb: Optional[int]
    modifier: str
    direction: Optional[int]


@dataclass(frozen=True)
class Clause:
    """One S: a verb phrase and how often it is repeated."""

    phrase: VerbPhrase
    count: int


@dataclass(frozen=True)
class Command:
    """Clauses joined left to right; ``conjunctions[i]`` joins clause i and i + 1 ('sequence' or 'reverse')."""

    clauses: tuple[Clause, ...]
    conjunctions: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """A lexicon cut to ``n_verbs`` verbs, ``n_directions`` directions and ``n_repetitions`` repetition words."""

    lexicon: Lexicon
    n_verbs: int = 4
    n_directions: int = 2
    n_repetitions: int = 2

    # -- words -------------------------------------------------------------
    def verb(self, index: int) -> str:
        return _numbered(self.lexicon.verbs, index)

    def verb_action(self, index: int) -> str:
        return _numbered(self.lexicon.verb_actions, index)

    def direction(self, index: int) -> str:
        return _numbered(self.lexicon.directions, index)

    def direction_action(self, index: int) -> str:
        return _numbered(self.lexicon.direction_actions, index)

    def repetition_word(self, count: int) -> str:
        if count == 2:
            return self.lexicon.twice
        if count == 3:
            return self.lexicon.thrice
        return f"{self.lexicon.repetition_stem}{count}"

    @property
    def repetition_counts(self) -> tuple[int, ...]:
        """1 (no repetition word) then 2, 3, ... one per repetition word."""
        return tuple(range(1, self.n_repetitions + 2))

    def modifier_word(self, modifier: str) -> str:
        return {"opposite": self.lexicon.opposite, "around": self.lexicon.around}[modifier]

    def conjunction_word(self, conjunction: str) -> str:
        return {"sequence": self.lexicon.sequence, "reverse": self.lexicon.reverse}[conjunction]

    def words(self) -> list[str]:
        """Every word a command of this vocabulary can use."""
        lex = self.lexicon
        return (
            [self.verb(i) for i in range(self.n_verbs)] + [lex.null_verb]
            + [self.direction(i) for i in range(self.n_directions)] + [lex.opposite, lex.around]
            + [self.repetition_word(c) for c in self.repetition_counts[1:]] + [lex.sequence, lex.reverse]
        )

    def actions(self) -> list[str]:
        return [self.verb_action(i) for i in range(self.n_verbs)] + [
            self.direction_action(i) for i in range(self.n_directions)]

    # -- the finite lists of phrases ---------------------------------------
    @property
    def verb_phrases(self) -> tuple[VerbPhrase, ...]:
        return _verb_phrases(self.n_verbs, self.n_directions)

    def clause_count(self) -> int:
        return len(self.verb_phrases) * len(self.repetition_counts)

    def command_count(self, min_conjunctions: int, max_conjunctions: int) -> int:
        """How many distinct commands have between min and max conjunctions (two conjunction words)."""
        clauses = self.clause_count()
        return sum(clauses ** (k + 1) * 2 ** k for k in range(min_conjunctions, max_conjunctions + 1))


@lru_cache(maxsize=64)
def _verb_phrases(n_verbs: int, n_directions: int) -> tuple[VerbPhrase, ...]:
    """Every V in a fixed order: the grammar's seven forms, verbs then directions within each."""
    verbs = range(n_verbs)
    directions = range(n_directions)
    phrases = [VerbPhrase(v, "", None) for v in verbs]
    for modifier in ("", "opposite", "around"):
        phrases += [VerbPhrase(v, modifier, d) for v in verbs for d in directions]
        phrases += [VerbPhrase(None, modifier, d) for d in directions]
    return tuple(phrases)


SCAN_VOCABULARY = Vocabulary(LEXICONS["navigation"])


# -- text ------------------------------------------------------------------
def phrase_words(vocabulary: Vocabulary, phrase: VerbPhrase) -> list[str]:
    words = [vocabulary.lexicon.null_verb if phrase.verb is None else vocabulary.verb(phrase.verb)]
    if phrase.modifier:
        words.append(vocabulary.modifier_word(phrase.modifier))
    if phrase.direction is not None:
        words.append(vocabulary.direction(phrase.direction))
    return words


def clause_words(vocabulary: Vocabulary, clause: Clause) -> list[str]:
    words = phrase_words(vocabulary, clause.phrase)
    if clause.count > 1:
        words.append(vocabulary.repetition_word(clause.count))
    return words


def command_text(vocabulary: Vocabulary, command: Command) -> str:
    words = clause_words(vocabulary, command.clauses[0])
    for conjunction, clause in zip(command.conjunctions, command.clauses[1:]):
        words.append(vocabulary.conjunction_word(conjunction))
        words += clause_words(vocabulary, clause)
    return " ".join(words)


# -- meaning ---------------------------------------------------------------
def phrase_actions(vocabulary: Vocabulary, phrase: VerbPhrase) -> list[str]:
    own = [] if phrase.verb is None else [vocabulary.verb_action(phrase.verb)]
    if phrase.direction is None:
        return own
    turn = vocabulary.direction_action(phrase.direction)
    if phrase.modifier == "opposite":
        return [turn, turn] + own
    if phrase.modifier == "around":
        return ([turn] + own) * 4
    return [turn] + own


def command_actions(vocabulary: Vocabulary, command: Command) -> list[str]:
    actions = phrase_actions(vocabulary, command.clauses[0].phrase) * command.clauses[0].count
    for conjunction, clause in zip(command.conjunctions, command.clauses[1:]):
        right = phrase_actions(vocabulary, clause.phrase) * clause.count
        actions = actions + right if conjunction == "sequence" else right + actions
    return actions


def phrase_depth(phrase: VerbPhrase) -> int:
    if phrase.direction is None:
        return 1
    return 3 if phrase.modifier else 2


def clause_depth(clause: Clause) -> int:
    return phrase_depth(clause.phrase) + (1 if clause.count > 1 else 0)


def command_depth(command: Command) -> int:
    depth = clause_depth(command.clauses[0])
    for clause in command.clauses[1:]:
        depth = 1 + max(depth, clause_depth(clause))
    return depth


# -- enumeration -------------------------------------------------------------
def all_clauses(vocabulary: Vocabulary) -> list[Clause]:
    return [Clause(p, c) for p in vocabulary.verb_phrases for c in vocabulary.repetition_counts]


def enumerate_commands(vocabulary: Vocabulary, min_conjunctions: int = 0, max_conjunctions: int = 1) -> Iterator[Command]:
    """Every command with between min and max conjunctions, in a fixed order."""
    clauses = all_clauses(vocabulary)
    for k in range(min_conjunctions, max_conjunctions + 1):
        for conjunctions in product(("sequence", "reverse"), repeat=k):
            for chosen in product(clauses, repeat=k + 1):
                yield Command(tuple(chosen), conjunctions)


# -- parsing -----------------------------------------------------------------
_NUMBERED = re.compile(r"^([a-z]+?)([1-9][0-9]*)?$")


@dataclass(frozen=True)
class _WordTable:
    """Word -> (role, value) for one lexicon, accepting numbered copies up to the vocabulary's limits."""

    vocabulary: Vocabulary
    bounded: bool

    def classify(self, word: str) -> tuple[str, object]:
        vocabulary, lex = self.vocabulary, self.vocabulary.lexicon
        fixed = {
            lex.null_verb: ("verb", None), lex.opposite: ("modifier", "opposite"),
            lex.around: ("modifier", "around"), lex.twice: ("count", 2), lex.thrice: ("count", 3),
            lex.sequence: ("conjunction", "sequence"), lex.reverse: ("conjunction", "reverse"),
        }
        if word in fixed:
            role, value = fixed[word]
            if role == "count" and self.bounded and value > vocabulary.n_repetitions + 1:
                raise ScanSyntaxError(f"repetition word {word!r} is not in this vocabulary")
            return role, value
        if word.startswith(lex.repetition_stem) and word[len(lex.repetition_stem):].isdigit():
            count = int(word[len(lex.repetition_stem):])
            if count >= 4 and str(count) == word[len(lex.repetition_stem):] and (
                    not self.bounded or count <= vocabulary.n_repetitions + 1):
                return "count", count
        match = _NUMBERED.match(word)
        if match:
            stem, copy = match.group(1), int(match.group(2) or 0)
            for role, base, limit in (("verb", lex.verbs, vocabulary.n_verbs),
                                      ("direction", lex.directions, vocabulary.n_directions)):
                if stem in base:
                    index = copy * len(base) + base.index(stem)
                    if self.bounded and index >= limit:
                        break
                    return role, index
        raise ScanSyntaxError(f"unknown word {word!r} for the {lex.name} lexicon")


def _parse_clause(words: list[str], table: _WordTable) -> Clause:
    if not words:
        raise ScanSyntaxError("empty clause")
    roles = [table.classify(w) for w in words]
    role, verb = roles[0]
    if role != "verb":
        raise ScanSyntaxError(f"a clause starts with a verb, not {words[0]!r}")
    position, modifier, direction, count = 1, "", None, 1
    if position < len(roles) and roles[position][0] == "modifier":
        modifier = roles[position][1]
        position += 1
    if position < len(roles) and roles[position][0] == "direction":
        direction = roles[position][1]
        position += 1
    if position < len(roles) and roles[position][0] == "count":
        count = roles[position][1]
        position += 1
    if position != len(roles):
        raise ScanSyntaxError(f"unexpected word {words[position]!r} in clause {' '.join(words)!r}")
    if direction is None and (verb is None or modifier):
        raise ScanSyntaxError(f"clause {' '.join(words)!r} needs a direction")
    return Clause(VerbPhrase(verb, modifier, direction), count)


def parse_command(text: str, vocabulary: Optional[Vocabulary] = None) -> tuple[Vocabulary, Command]:
    """The vocabulary and parse of ``text``.

    With ``vocabulary`` the words must belong to it (SCAN proper); without,
    the lexicon is recognised from the first word and numbered verbs,
    directions and repetition words of any size are accepted (scaled SCAN).
    """
    words = text.split()
    if not words:
        raise ScanSyntaxError("empty command")
    if vocabulary is None:
        vocabulary = _vocabulary_of(words[0])
        table = _WordTable(vocabulary, bounded=False)
    else:
        table = _WordTable(vocabulary, bounded=True)
    clauses: list[Clause] = []
    conjunctions: list[str] = []
    current: list[str] = []
    for word in words:
        role = table.classify(word)
        if role[0] == "conjunction":
            clauses.append(_parse_clause(current, table))
            conjunctions.append(role[1])
            current = []
        else:
            current.append(word)
    clauses.append(_parse_clause(current, table))
    return vocabulary, Command(tuple(clauses), tuple(conjunctions))


def _vocabulary_of(first_word: str) -> Vocabulary:
    for lexicon in LEXICONS.values():
        try:
            role, _ = _WordTable(Vocabulary(lexicon), bounded=False).classify(first_word)
        except ScanSyntaxError:
            continue
        if role == "verb":
            return Vocabulary(lexicon)
    raise ScanSyntaxError(f"{first_word!r} is not a verb of any lexicon ({', '.join(LEXICONS)})")


def interpret(text: str, vocabulary: Optional[Vocabulary] = None) -> str:
    """The action sequence of a command, space-separated.

    >>> interpret("jump around right after run twice", SCAN_VOCABULARY)
    'I_RUN I_RUN I_TURN_RIGHT I_JUMP I_TURN_RIGHT I_JUMP I_TURN_RIGHT I_JUMP I_TURN_RIGHT I_JUMP'
    """
    vocabulary, command = parse_command(text, vocabulary)
    return " ".join(command_actions(vocabulary, command))
