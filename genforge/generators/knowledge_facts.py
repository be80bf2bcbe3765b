"""Facts of a knowledge base as examples: rendering, drawing and the train selection.

The knowledge bases themselves (:mod:`genforge.generators.knowledge_graph`)
know entities and relations; a *view* here adds what turns them into records
of ``two_hop`` (:class:`CompositionFacts`) or ``comparison``
(:class:`ComparisonFacts`): the text format, the integer code of an inferred
fact (a bijection with its input) and the code's split bucket. Everything is a
pure function of the knowledge base, a random stream and plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import numpy as np

from genforge.core.records import Example
from genforge.core.rng import RandomStream
from genforge.generators.knowledge_graph import (ID, OOD, AttributeTable, CompositionGraph, choose_codes, code_bucket,
                                                 code_buckets, comparison_codes, composition_codes,
                                                 draw_comparison_codes, draw_composition_codes)

#: Comparison targets in the ``tokens`` format.
TOKEN_ANSWERS = {"<": "<lt>", "=": "<eq>", ">": "<gt>"}


class FactView:
    """One knowledge base seen as examples in one format; ``salt`` fixes the buckets of inferred facts."""

    def __init__(self, knowledge, fmt: str, salt: int):
        self.knowledge, self.fmt, self.salt = knowledge, fmt, salt

    # -- per knowledge kind ----------------------------------------------------------
    def atomic_count(self) -> int:
        raise NotImplementedError

    def atomic_example(self, index: int) -> Example:
        """The atomic fact at ``index`` of a fixed order."""
        raise NotImplementedError

    def id_atomic_count(self) -> int:
        raise NotImplementedError

    def atomic_is_ood(self) -> np.ndarray:
        """For every atomic fact in :meth:`atomic_example` order: True when it is OOD."""
        raise NotImplementedError

    def inferred_example(self, item: tuple, kind: str, bucket: Optional[float] = None) -> Example:
        """The example of an inferred fact; its ``bucket`` is :meth:`bucket_of_item` (given when known)."""
        raise NotImplementedError

    def draw(self, rng: RandomStream, kind: str) -> Optional[tuple]:
        """A random inferred fact of ``kind``, or None for a dead-end draw."""
        raise NotImplementedError

    def inferred_codes(self, kind: str) -> np.ndarray:
        """Every inferred fact of ``kind`` as a code, in a fixed order."""
        raise NotImplementedError

    def draw_codes(self, rng: RandomStream, count: int) -> np.ndarray:
        """Up to ``count`` random ID inferred facts as codes (dead-end draws dropped)."""
        raise NotImplementedError

    def code_base(self) -> int:
        """The base B of codes ``(x * B + y) * B + z`` of inferred facts (x, y, z)."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------
    def item_of_code(self, code: int) -> tuple:
        base = self.code_base()
        rest, last = divmod(code, base)
        return (*divmod(rest, base), last)

    def code_of_item(self, item: tuple) -> int:
        base = self.code_base()
        return (item[0] * base + item[1]) * base + item[2]

    def bucket_of_item(self, item: tuple) -> float:
        return code_bucket(self.code_of_item(self.canonical_item(item)), self.salt)

    def canonical_item(self, item: tuple) -> tuple:
        """The item that stands for every inferred fact asking the same question (itself by default)."""
        return item

    def canonical_codes(self, codes: np.ndarray) -> np.ndarray:
        """:meth:`canonical_item` of every code."""
        return codes

    def buckets(self, codes: np.ndarray) -> np.ndarray:
        """The split bucket of every code: that of its canonical form, so equivalent facts share a split."""
        return code_buckets(self.canonical_codes(codes), self.salt)

    def count_of_kind(self, kind: str) -> int:
        return self.knowledge.count_of_kind(kind)


class CompositionFacts(FactView):
    """two_hop: atomic (h, r) -> t and inferred (h, r1, r2) -> r2(r1(h)); codes ``(h * R + r1) * R + r2``."""

    knowledge: CompositionGraph

    def atomic_count(self) -> int:
        return len(self.knowledge.atomic_index)

    def atomic_example(self, index: int) -> Example:
        graph = self.knowledge
        head, relation, tail = graph.atomic_index[index]
        text, target = render_composition(head, (relation,), tail, self.fmt)
        kind = OOD if relation in graph.ood[head] else ID
        return Example(None, text, target, {"domain": kind, "complexity": {"facts": 1}})

    def id_atomic_count(self) -> int:
        return sum(len(r) for r in self.knowledge.id_relations)

    def atomic_is_ood(self) -> np.ndarray:
        ood = self.knowledge.ood
        return np.fromiter((relation in ood[head] for head, relation, _ in self.knowledge.atomic_index), dtype=bool,
                           count=self.atomic_count())

    def inferred_example(self, item, kind, bucket=None) -> Example:
        head, first, second = item
        text, target = render_composition(head, (first, second), self.knowledge.inferred(head, first, second),
                                          self.fmt)
        return Example(None, text, target, {"domain": kind, "complexity": {"facts": 2}},
                       bucket=self.bucket_of_item(item) if bucket is None else bucket)

    def draw(self, rng, kind):
        return self.knowledge.draw_inferred(rng, kind)

    def inferred_codes(self, kind):
        return composition_codes(self.knowledge, kind)

    def draw_codes(self, rng, count):
        return draw_composition_codes(self.knowledge, rng, count)

    def code_base(self) -> int:
        return self.knowledge.relations


def render_composition(head: int, relations: tuple[int, ...], tail: int, fmt: str) -> tuple[str, str]:
    """(input, target) of a fact: ``<e_12><r_3><r_7>`` / ``<e_45>`` or ``What is the r7 of the r3 of e12?`` / ``e45``."""
    if fmt == "tokens":
        if len(relations) == 2:  # the common case, spelled out: this runs for every record
            return f"<e_{head}><r_{relations[0]}><r_{relations[1]}>", f"<e_{tail}>"
        return f"<e_{head}>" + "".join(f"<r_{r}>" for r in relations), f"<e_{tail}>"
    phrase = "".join(f"the r{r} of " for r in reversed(relations))
    return f"What is {phrase}e{head}?", f"e{tail}"


class ComparisonFacts(FactView):
    """comparison: atomic (e, a) -> value and inferred (a, e1, e2) -> <, = or >; codes ``(a * E + e1) * E + e2``."""

    knowledge: AttributeTable

    def atomic_count(self) -> int:
        return self.knowledge.attributes * self.knowledge.entities

    def atomic_example(self, index: int) -> Example:
        table = self.knowledge
        attribute, entity = divmod(index, table.entities)
        value = table.values[attribute][entity]
        if self.fmt == "tokens":
            text, target = f"<e_{entity}><a_{attribute}>", f"<v_{value}>"
        else:
            text, target = f"What is the a{attribute} of e{entity}?", f"v{value}"
        kind = OOD if entity in table.ood[attribute] else ID
        return Example(None, text, target, {"domain": kind, "complexity": {"facts": 1}})

    def id_atomic_count(self) -> int:
        return sum(len(pool) for pool in self.knowledge.id_entities)

    def atomic_is_ood(self) -> np.ndarray:
        table = self.knowledge
        flags = np.zeros((table.attributes, table.entities), dtype=bool)
        for attribute, pool in enumerate(table.ood_entities):
            flags[attribute, list(pool)] = True
        return flags.reshape(-1)

    def inferred_input(self, item) -> str:
        attribute, first, second = item
        if self.fmt == "tokens":
            return f"<e_{first}><a_{attribute}><e_{second}>"
        return f"Compare the a{attribute} of e{first} with that of e{second}."

    def inferred_example(self, item, kind, bucket=None) -> Example:
        relation = self.knowledge.compare(*item)
        target = TOKEN_ANSWERS[relation] if self.fmt == "tokens" else relation
        return ComparisonExample(None, self.inferred_input(item), target, {"domain": kind, "complexity": {"facts": 2}},
                                 bucket=self.bucket_of_item(item) if bucket is None else bucket)

    def canonical_item(self, item):
        attribute, first, second = item
        return (attribute, second, first) if second < first else item

    def canonical_codes(self, codes):
        base = np.uint64(self.code_base())
        rest, second = np.divmod(codes, base)
        attribute, first = np.divmod(rest, base)
        low, high = np.minimum(first, second), np.maximum(first, second)
        return (attribute * base + low) * base + high

    def draw(self, rng, kind):
        return self.knowledge.draw_pair(rng, kind)

    def inferred_codes(self, kind):
        return comparison_codes(self.knowledge, kind)

    def draw_codes(self, rng, count):
        return draw_comparison_codes(self.knowledge, rng, count)

    def code_base(self) -> int:
        return self.knowledge.entities


_COMPARE_TEXT = "Compare the a{} of e{} with that of e{}."


def canonical_comparison(text: str) -> str:
    """A comparison input with its smaller entity first: ``(a, e1, e2)`` and ``(a, e2, e1)`` ask one question
    (the answer of one is the mirror of the other's), so dedup and split membership treat them as one.
    Any other text (an atomic fact) is returned as it is."""
    if text.startswith("<e_"):
        parts = text[1:-1].split("><")
        if len(parts) == 3 and parts[2].startswith("e_") and int(parts[2][2:]) < int(parts[0][2:]):
            return f"<{parts[2]}><{parts[1]}><{parts[0]}>"
        return text
    if text.startswith("Compare the a"):
        words = text.split()  # Compare the aA of eX with that of eY.
        if len(words) == 9 and int(words[8][1:-1]) < int(words[4][1:]):
            return _COMPARE_TEXT.format(words[2][1:], words[8][1:-1], words[4][1:])
    return text


class ComparisonExample(Example):
    """An inferred comparison, whose dedup key is its canonical form (:func:`canonical_comparison`)."""

    __slots__ = ()

    def key(self) -> str:
        return canonical_comparison(self.input)


def sample_inferred_block(view: FactView, rng: RandomStream, kind: str, count: int) -> list[Optional[Example]]:
    """``count`` draws of inferred facts of ``kind`` (None for a dead end)."""
    examples: list[Optional[Example]] = []
    for _ in range(count):
        item = view.draw(rng, kind)
        examples.append(None if item is None else view.inferred_example(item, kind))
    return examples


def train_facts(view: FactView, rng: RandomStream, wanted: int, cut: float) -> Optional["TrainFacts"]:
    """Every atomic fact plus ``wanted`` ID inferred facts whose bucket is below ``cut``, shuffled;
    None when fewer such inferred facts exist (see :func:`eligible_count`)."""

    def eligible(codes):
        return view.buckets(codes) < cut

    chosen = choose_codes(rng, wanted, view.count_of_kind(ID), lambda: view.inferred_codes(ID),
                          lambda count: view.draw_codes(rng, count), eligible)
    if chosen is None:
        return None
    atomic = view.atomic_count()
    return TrainFacts(view, atomic, chosen, rng.permutation(atomic + chosen.size))


def eligible_count(view: FactView, cut: float) -> int:
    """ID inferred facts whose bucket is below ``cut`` (those train may hold)."""
    return int((view.buckets(view.inferred_codes(ID)) < cut).sum())


def atomic_facts_of_kind(view: FactView, kind: str, rng: RandomStream) -> "TrainFacts":
    """Every atomic fact of ``kind`` (all are in train), in a random order: a probe split."""
    flags = view.atomic_is_ood()
    positions = np.flatnonzero(flags if kind == OOD else ~flags)
    return TrainFacts(view, view.atomic_count(), np.zeros(0, dtype=np.uint64), positions[rng.permutation(positions.size)])


class TrainFacts(Sequence):
    """The train split of a fact task: atomic facts and chosen inferred ones, in a shuffled order.

    Holds only indices and codes; a slice renders its examples when asked, so
    the rendering is done by whichever process encodes that block.
    """

    def __init__(self, view: FactView, atomic: int, chosen: np.ndarray, order: np.ndarray):
        self._view = view
        self._atomic = atomic
        self._chosen = chosen
        self._buckets = view.buckets(chosen).tolist()
        self._order = order

    def __len__(self) -> int:
        return self._order.size

    def _example(self, position: int) -> Example:
        view = self._view
        if position < self._atomic:
            return view.atomic_example(position)
        index = position - self._atomic
        return view.inferred_example(view.item_of_code(int(self._chosen[index])), ID, bucket=self._buckets[index])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._example(position) for position in self._order[index].tolist()]
        return self._example(int(self._order[index]))

    def inferred_only(self, rng: RandomStream) -> "TrainFacts":
        """Train's inferred facts alone, in a random order of their own (a probe split)."""
        return TrainFacts(self._view, self._atomic, self._chosen, self._atomic + rng.permutation(self._chosen.size))
