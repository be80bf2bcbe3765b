"""What ``genforge audit`` reads from kinship records: the relation-word probes and the nuisance features.

CLUTRR (Sinha et al. 2019) asks for the relation that composes along a chain
of facts. Two cheap predictors read only the words of the story, in the
order the text states them: the answer most often seen in train after the
last relation word (``last_relation``), and after the pair (first relation
word, last relation word) (``first_last_relation``, backing off to the last
word, then to the majority answer). For k = 2 the pair fixes the answer, so
some of their score is reasoning; stories whose facts are stated in chain
order make position a cue as well, which shuffled facts remove.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Mapping, Optional, Sequence

from genforge.core.probes import Probe
from genforge.generators.kinship import load_rules
from genforge.generators.kinship_text import parse_input


def relation_words(text: str) -> list[str]:
    """The relation words of a story's facts in the order the text states them ([] if unreadable)."""
    story = parse_input(text, load_rules().word_meaning)
    return [word for _, word, _ in story.facts] if story is not None else []


def _lookup_fit(keys: Sequence[Callable[[list[str]], Optional[tuple]]]):
    """A probe's fit: for each key function in turn, the most common train target of the record's key
    (ties to the earlier-seen target); the train majority when no key was seen."""

    def fit(train: Sequence[Mapping[str, Any]]):
        tables = [dict() for _ in keys]
        counts = [dict() for _ in keys]
        overall = Counter()
        for record in train:
            words = relation_words(record["input"])
            overall[record["target"]] += 1
            for key, seen in zip(keys, counts):
                value = key(words)
                if value is not None:
                    seen.setdefault(value, Counter())[record["target"]] += 1
        for table, seen in zip(tables, counts):
            table.update({value: counter.most_common(1)[0][0] for value, counter in seen.items()})
        majority = overall.most_common(1)[0][0] if overall else ""

        def predict(record: Mapping[str, Any]) -> str:
            words = relation_words(record["input"])
            for key, table in zip(keys, tables):
                value = key(words)
                if value is not None and value in table:
                    return table[value]
            return majority

        return predict

    return fit


def _last(words: list[str]) -> Optional[tuple]:
    return (words[-1],) if words else None


def _first_last(words: list[str]) -> Optional[tuple]:
    return (words[0], words[-1]) if words else None


def probes() -> list[Probe]:
    return [
        Probe("last_relation", "the train answer most common after the story's last relation word",
              _lookup_fit([_last])),
        Probe("first_last_relation", "the train answer most common after the story's (first, last) relation "
              "words, backing off to the last word", _lookup_fit([_first_last, _last])),
    ]


def nuisance_features(record: Mapping[str, Any]) -> dict[str, Any]:
    meta = record.get("meta") or {}
    complexity = meta.get("complexity", {})
    noise = sum(complexity.get(kind, 0) for kind in ("supporting_facts", "irrelevant_facts", "disconnected_facts"))
    return {
        "k": complexity.get("k"),
        "answer": meta.get("relation"),
        "answer_word": record["target"],
        "fact_order": meta.get("fact_order", "chain"),
        "noise_facts": noise,
        "domain": meta.get("domain"),
        "pattern_length": len(meta["pattern"].split(",")) if meta.get("pattern") else None,
    }
