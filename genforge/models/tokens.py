"""Tokenization for the reference models: whitespace words or characters, chosen per task.

A task whose inputs and targets are space-separated symbols (SCAN's commands
and actions, PCFG SET's strings, COGS's sentences and logical forms) is split
on whitespace, so each word or action is one token, as in the papers'
models. A task whose strings are digits, letters or formulas written without
spaces (addition, rewrite, ...) is split into characters: a word vocabulary
there would make every number its own unseen token. two_hop and comparison
write entities and relations as ``<e_12><r_3>``: each ``<...>`` is one
symbol (``symbols``), as in the Grokked Transformers setting. A plugin
task in none of :data:`WORD_TASKS`, :data:`CHAR_TASKS` and
:data:`SYMBOL_TASKS` is read as words when most training strings hold a
space, characters otherwise. ``--tokens`` overrides the choice.

The model's source is the record's input, preceded by its instruction when
the instruction varies between training records (markov, rewrite and
symbolic state their rules there), separated by :data:`SEPARATOR`; an
instruction that is the same on every record tells the model nothing and is
left out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

WORDS, CHARS, SYMBOLS, AUTO = "words", "chars", "symbols", "auto"
TOKENIZATIONS = (AUTO, WORDS, CHARS, SYMBOLS)

#: Built-in tasks whose strings are whitespace-separated tokens.
WORD_TASKS = frozenset({"scan", "scan_scaled", "pcfg_set", "cogs", "kinship", "algorithmic", "relation_algebra"})
#: Built-in tasks whose strings are digits, letters or formulas: one token per character.
CHAR_TASKS = frozenset({"addition", "multiplication", "hint", "markov", "rewrite", "symbolic"})
#: Built-in tasks written as ``<name>`` symbols without spaces.
SYMBOL_TASKS = frozenset({"two_hop", "comparison"})
_SYMBOL = re.compile(r"<[^<>\s]*>|\S")

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
#: Between an instruction and the input in the model's source.
SEPARATOR = "<sep>"


def source_text(record: dict) -> tuple[str, str]:
    """(instruction or "", input): the parts the model reads."""
    return record.get("instruction") or "", record["input"]


def choose(task: str, records: Sequence[dict], asked: str = AUTO) -> str:
    """``words`` or ``chars`` for ``task`` (see the module docstring)."""
    if asked not in TOKENIZATIONS:
        raise ValueError(f"tokenization {asked!r}: expected one of {', '.join(TOKENIZATIONS)}")
    if asked != AUTO:
        return asked
    if task in WORD_TASKS:
        return WORDS
    if task in SYMBOL_TASKS:
        return SYMBOLS
    if task in CHAR_TASKS:
        return CHARS
    texts = [text for record in records[:1000] for text in (record["input"], record["target"])]
    spaced = sum(" " in text for text in texts)
    return WORDS if texts and spaced * 2 > len(texts) else CHARS


def split(text: str, kind: str) -> list[str]:
    if kind == WORDS:
        return text.split()
    if kind == SYMBOLS:
        return _SYMBOL.findall(text)
    return list(text)


def join(tokens: Iterable[str], kind: str) -> str:
    return (" " if kind == WORDS else "").join(tokens)


@dataclass
class Vocabulary:
    """Token <-> id for one side (source or target); ids 0..3 are the special tokens."""

    kind: str
    tokens: list[str]

    def __post_init__(self):
        self.index = {token: number for number, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: Iterable[str], kind: str, extra: Sequence[str] = ()) -> "Vocabulary":
        counts = Counter(token for text in texts for token in split(text, kind))
        # Sorted so the ids do not depend on the order records were read in.
        return cls(kind, list(SPECIALS) + [t for t in extra if t not in SPECIALS] +
                   sorted(t for t in counts if t not in SPECIALS and t not in extra))

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        unknown = self.index[UNK]
        return [self.index.get(token, unknown) for token in split(text, self.kind)]

    def decode(self, ids: Iterable[int]) -> str:
        """Text of ``ids`` up to the first end token; padding and start tokens are dropped."""
        out = []
        for number in ids:
            token = self.tokens[number]
            if token == EOS:
                break
            if token not in (PAD, BOS):
                out.append(token)
        return join(out, self.kind)


@dataclass
class Tokenizer:
    """Source and target vocabularies of one task, built from its train split."""

    kind: str
    source: Vocabulary
    target: Vocabulary
    #: Whether the instruction is part of the source (it varies between training records).
    with_instruction: bool = False

    @classmethod
    def fit(cls, task: str, train: Sequence[dict], asked: str = AUTO) -> "Tokenizer":
        kind = choose(task, train, asked)
        parts = [source_text(record) for record in train]
        with_instruction = len({instruction for instruction, _ in parts}) > 1
        texts = [text for instruction, text in parts] + ([i for i, _ in parts] if with_instruction else [])
        source = Vocabulary.build(texts, kind, extra=[SEPARATOR])
        target = Vocabulary.build([record["target"] for record in train], kind)
        return cls(kind, source, target, with_instruction)

    def encode_source(self, record: dict) -> list[int]:
        instruction, text = source_text(record)
        ids = self.source.encode(text)
        if instruction and self.with_instruction:
            ids = self.source.encode(instruction) + [self.source.index[SEPARATOR]] + ids
        return ids

    def encode_target(self, record: dict) -> list[int]:
        """Target ids framed by the start and end tokens."""
        return [self.target.index[BOS]] + self.target.encode(record["target"]) + [self.target.index[EOS]]
