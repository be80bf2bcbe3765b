"""The parts of a COGS-style corpus, drawn on demand: in-distribution sentences, primitives, exposures, categories.

COGS (Kim & Linzen 2020) is one corpus cut into train (in-distribution
sentences + the one-word ``primitive`` lines + one exposure sentence per
held-out word), dev, test and gen (1,000 sentences per category). Each part
here is a stream of distinct sentences drawn one after another from its own
random stream, so asking for the first thousand costs a thousand draws
whatever the part's nominal size (the work is bounded by what is written).
How parts become split files is the task's business; :class:`LazyExamples`
lays them out as sequences the engine reads block by block.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Optional

from genforge.core.errors import InfeasibleError
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.cogs.categories import EXPOSURES
from genforge.generators.cogs.lexicon import Lexicon
from genforge.generators.cogs.logical_form import logical_form
from genforge.generators.cogs.parser import parse, primitive_form
from genforge.generators.cogs.sampler import GrammarOptions, SentenceSampler, SentenceSpec
from genforge.generators.cogs.syntax import Clause, cp_depth, events, max_pp_depth, render

IN_DISTRIBUTION = "in_distribution"
PRIMITIVE = "primitive"
#: Draws allowed per kept sentence (plus a fixed allowance) before a part is declared exhausted.
ATTEMPTS_PER_SENTENCE = 30
ATTEMPT_ALLOWANCE = 100


def make_example(sentence: str, target: str, category: str, tree: Optional[Clause]) -> Example:
    """An Example with COGS's category as ``meta.category`` (and ``meta.domain``, for per-category scoring)."""
    if tree is None:
        complexity = {"sentence_length": len(sentence.split()), "pp_depth": 0, "cp_depth": 0, "events": 0}
    else:
        complexity = {"sentence_length": len(sentence.split()), "pp_depth": max_pp_depth(tree),
                      "cp_depth": cp_depth(tree), "events": events(tree)}
    meta = {"domain": category, "category": category, "complexity": complexity}
    return Example(None, sentence, target, MappingProxyType(meta))


def primitive_examples(lexicon: Lexicon, full_lexicon: Lexicon) -> list[Example]:
    """COGS's one-word train lines, for the words this lexicon keeps (all 143 with the full lexicon)."""
    kept = set(lexicon.animate_nouns + lexicon.inanimate_nouns + lexicon.proper_names) | set(lexicon.verbs)
    kept |= lexicon.held_out_words
    words = [word for kind in sorted(lexicon.primitives) for word in lexicon.primitives[kind] if word in kept]
    return [make_example(word, primitive_form(word, full_lexicon), PRIMITIVE, None) for word in words]


def cogs_exposure_examples(full_lexicon: Lexicon) -> list[Example]:
    """COGS's twelve exposure sentences, verbatim, with their logical forms."""
    examples = []
    for category, sentence in full_lexicon.exposure_examples:
        tree = parse(sentence, full_lexicon)
        examples.append(make_example(sentence, logical_form(tree, full_lexicon.predicate), category, tree))
    return examples


def _digest(sentence: str) -> bytes:
    return hashlib.blake2b(sentence.encode("utf-8"), digest_size=8).digest()


@dataclass(frozen=True)
class Part:
    """What one stream of sentences draws: its category label, the grammar's narrowing, an optional filter."""

    category: str
    spec: SentenceSpec = SentenceSpec()
    accepts: Optional[Callable[[str], bool]] = None
    #: sentences the part must not repeat (COGS's own exposure lines for the extra exposures)
    excluded: tuple[str, ...] = ()


class DistinctDraws:
    """The distinct sentences of one part, in draw order, drawn as far as asked.

    Only a window of recent sentences is kept (the engine reads in order); asking
    for an index before the window draws the stream again from its start.
    """

    def __init__(self, stream: Callable[[], RandomStream], lexicon: Lexicon, grammar: GrammarOptions, part: Part):
        self._stream, self.lexicon, self.grammar, self.part = stream, lexicon, grammar, part
        self._verb_form = lambda lemma, form: getattr(lexicon.verbs[lemma], form)
        self._restart()

    def _restart(self) -> None:
        self._sampler = SentenceSampler(self._stream(), self.lexicon, self.grammar)
        self._seen = {_digest(sentence) for sentence in self.part.excluded}
        self._kept: list[Example] = []
        self._offset = 0
        self._attempts = 0

    def get(self, index: int) -> Example:
        if index < self._offset:
            self._restart()
        while self._offset + len(self._kept) <= index:
            self._draw_one()
        return self._kept[index - self._offset]

    def forget_before(self, index: int) -> None:
        drop = min(index - self._offset, len(self._kept))
        if drop > 0:
            del self._kept[:drop]
            self._offset += drop

    def _draw_one(self) -> None:
        found = self._offset + len(self._kept)
        part = self.part
        while True:
            if self._attempts >= ATTEMPTS_PER_SENTENCE * (found + 1) + ATTEMPT_ALLOWANCE:
                raise InfeasibleError(
                    f"task 'cogs': {part.category} holds no more distinct sentences than {found} (none new in "
                    f"{self._attempts:,} draws); ask for fewer or raise lexicon_fraction")
            self._attempts += 1
            sentence, tree = render(self._sampler.sentence(part.spec), self._verb_form)
            digest = _digest(sentence)
            if digest in self._seen or (part.accepts is not None and not part.accepts(sentence)):
                continue
            self._seen.add(digest)  # the LF only for sentences kept
            self._kept.append(make_example(sentence, logical_form(tree, self.lexicon.predicate), part.category, tree))
            return


class LazyExamples(Sequence):
    """A sequence of ``length`` examples built on demand by ``item(index)``; reading a slice lets
    ``forget(start)`` drop what came before it (the engine reads blocks in order)."""

    def __init__(self, length: int, item: Callable[[int], Example], forget: Callable[[int], None]):
        self._length, self._item, self._forget = length, item, forget

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            examples = [self._item(position) for position in range(start, stop, step)]
            self._forget(start)
            return examples
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._item(index)


def draws_in_order(draws: DistinctDraws, length: int) -> LazyExamples:
    """The first ``length`` sentences of one part."""
    return LazyExamples(length, draws.get, draws.forget_before)


def with_lines_inserted(draws: DistinctDraws, length: int, lines: Sequence[Example], rng: RandomStream) -> LazyExamples:
    """``length`` sentences of ``draws`` with ``lines`` put at positions drawn from ``rng`` (as COGS shuffles its
    primitive and exposure lines into train); the sentences keep their draw order around them."""
    total = length + len(lines)
    positions: set[int] = set()
    while len(positions) < len(lines):  # a few draws, not a pass over ``total`` positions
        positions.add(rng.below(total))
    order = sorted(positions)
    placed = list(lines)
    rng.shuffle(placed)

    def item(position: int) -> Example:
        before = bisect_left(order, position)
        if before < len(order) and order[before] == position:
            return placed[before]
        return draws.get(position - before)

    return LazyExamples(total, item, lambda position: draws.forget_before(position - bisect_left(order, position)))


def interleaved(parts: Sequence[DistinctDraws], per_part: int) -> LazyExamples:
    """``per_part`` sentences of each part, taking the parts in turn, so any prefix is balanced across them."""
    count = len(parts)

    def forget(position: int) -> None:
        for draws in parts:
            draws.forget_before(position // count)

    return LazyExamples(count * per_part, lambda position: parts[position % count].get(position // count), forget)


def extra_exposures(stream: Callable[[str], RandomStream], lexicon: Lexicon, grammar: GrammarOptions,
                    full_lexicon: Lexicon, count: int) -> list[Example]:
    """``count`` further exposure sentences per held-out word, drawn from its exposure construction."""
    verbatim = dict(full_lexicon.exposure_examples)
    examples = []
    for category, (_word, spec) in EXPOSURES.items():
        draws = DistinctDraws(lambda c=category: stream(c), lexicon, grammar,
                              Part(category, spec, excluded=(verbatim[category],)))
        examples += [draws.get(index) for index in range(count)]
    return examples
