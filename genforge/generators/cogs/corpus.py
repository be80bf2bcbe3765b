"""The parts of a COGS-style corpus: in-distribution sentences, primitives, exposures, generalization sets.

COGS (Kim & Linzen 2020) is one corpus cut into train (in-distribution
sentences + the one-word ``primitive`` lines + one exposure sentence per
held-out word), dev, test and gen (1,000 sentences per category). This module
draws those parts, every sentence distinct across all of them; how the parts
become split files is the task's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Optional

from genforge.core.errors import InfeasibleError
from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.cogs.categories import EXPOSURES, Category
from genforge.generators.cogs.lexicon import Lexicon
from genforge.generators.cogs.logical_form import logical_form
from genforge.generators.cogs.parser import parse, primitive_form
from genforge.generators.cogs.sampler import GrammarOptions, SentenceSampler, SentenceSpec
from genforge.generators.cogs.syntax import Clause, cp_depth, events, max_pp_depth, render

DOMAIN_IN_DISTRIBUTION = "in_distribution"
PRIMITIVE = "primitive"
#: Draws allowed per wanted sentence before a part is declared too small for its size.
ATTEMPTS_PER_SENTENCE = 30


@dataclass(frozen=True)
class CorpusOptions:
    grammar: GrammarOptions
    in_distribution: int
    exposure_count: int
    per_category: int
    categories: tuple[Category, ...]


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


class _DistinctDrawer:
    """Draws sentences for one part after another, never repeating a sentence of any part."""

    def __init__(self, rng: RandomStream, lexicon: Lexicon, grammar: GrammarOptions, seen: set):
        self.lexicon, self.seen = lexicon, seen
        self.sampler = SentenceSampler(rng, lexicon, grammar)
        self.verb_form = lambda lemma, form: getattr(lexicon.verbs[lemma], form)

    def draw(self, spec: SentenceSpec, count: int, category: str) -> list[Example]:
        examples: list[Example] = []
        attempts = 0
        limit = ATTEMPTS_PER_SENTENCE * count + 100
        while len(examples) < count:
            if attempts >= limit:
                raise InfeasibleError(
                    f"task 'cogs': only {len(examples)} distinct {category} sentences found in {attempts:,} draws, "
                    f"{count} wanted; lower the size or raise lexicon_fraction")
            attempts += 1
            sentence, tree = render(self.sampler.sentence(spec), self.verb_form)
            if sentence not in self.seen:  # the LF only for sentences kept
                self.seen.add(sentence)
                examples.append(make_example(sentence, logical_form(tree, self.lexicon.predicate), category, tree))
        return examples


def build_corpus(rng: RandomStream, lexicon: Lexicon, full_lexicon: Lexicon, options: CorpusOptions) -> dict:
    """part -> list of Examples: ``in_distribution``, ``primitive``, ``exposure`` and one per category name.

    With ``exposure_count`` 1 the exposure sentences are COGS's own twelve
    train lines, verbatim; each further one is drawn from the same construction.
    """
    exposures = []
    seen: set = set()
    for category, sentence in full_lexicon.exposure_examples:
        if options.exposure_count >= 1:
            tree = parse(sentence, full_lexicon)
            exposures.append(make_example(sentence, logical_form(tree, full_lexicon.predicate), category, tree))
            seen.add(sentence)
    drawer = _DistinctDrawer(rng, lexicon, options.grammar, seen)
    if options.exposure_count > 1:
        for category, (_word, spec) in EXPOSURES.items():
            exposures += drawer.draw(spec, options.exposure_count - 1, category)
    parts = {
        DOMAIN_IN_DISTRIBUTION: drawer.draw(SentenceSpec(), options.in_distribution, DOMAIN_IN_DISTRIBUTION),
        PRIMITIVE: primitive_examples(lexicon, full_lexicon),
        "exposure": exposures,
    }
    for category in options.categories:
        parts[category.name] = drawer.draw(category.spec, options.per_category, category.name)
    return parts
