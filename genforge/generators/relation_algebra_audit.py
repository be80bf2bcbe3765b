"""What ``genforge audit`` reads from relation_algebra records: label counts, the label shortcut, features.

Khalid and Schockaert's EpiGNN benchmarks (ICLR 2025) share a shortcut: the
target is very often the most frequent non-identity relation among the
edges (0.60-0.65 of genforge's faithful splits against a majority class of
0.08-0.14; the released RCC-8 files show it too), because graphs are built by
splitting the target into chains whose first or last edge often carries it.
The probe :func:`most_frequent_label_probe` measures it; the option
``label_shortcut = balanced`` (see :func:`top_label_state`) removes it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, Sequence

from genforge.core.probes import Probe

#: Identity relations (RCC-8 ``EQ``, Allen's ``=``); kinship graphs have no identity edges.
IDENTITIES = frozenset({"EQ", "="})
#: Upper ends of the edge-count buckets of the ``edges`` feature (powers of two).
EDGE_BUCKETS = (2, 4, 8, 16, 32, 64, 128)


def edge_lines(text: str) -> list[list[str]]:
    """(u, relation, v) word lists of an input's edge lines (the query line dropped)."""
    return [line.split() for line in text.splitlines()[:-1]]


def label_counts(relations: Sequence) -> Counter:
    """How often each non-identity relation labels an edge."""
    return Counter(r for r in relations if r not in IDENTITIES)


def top_label_state(counts: Mapping, target) -> str:
    """``unique``: the target is the single most frequent non-identity edge label; ``tied``: it shares the top
    count with others; ``other``: some label is more frequent. Works on names or atom numbers alike."""
    if not counts:
        return "other"
    top = max(counts.values())
    if counts.get(target, 0) < top:
        return "other"
    return "unique" if sum(1 for c in counts.values() if c == top) == 1 else "tied"


def _bucket(edges: int) -> str:
    low = 1
    for high in EDGE_BUCKETS:
        if edges <= high:
            return f"{low}-{high}"
        low = high + 1
    return f"{low}+"


def nuisance_features(record: Mapping[str, Any]) -> dict[str, Any]:
    edges = edge_lines(record["input"])
    relations = [r for _, r, _ in edges]
    counts = label_counts(relations)
    complexity = (record.get("meta") or {}).get("complexity", {})
    target = record["target"]
    return {
        "k": complexity.get("k"),
        "branches": complexity.get("branches"),
        "edges": _bucket(len(edges)),
        "nested": min(complexity.get("nested", 0), 3),
        "answer": target,
        "identity_share": round(sum(r in IDENTITIES for r in relations) / max(len(relations), 1), 1),
        "target_is_top_label": top_label_state(counts, target) != "other",
        "target_on_source_edge": any(u == "0" and r == target for u, r, _ in edges),
    }


def _ranked_fit(choose):
    """A probe's fit: ``choose(record) -> Counter`` of candidate labels; the most frequent wins, ties go to
    the label most frequent as a train target (then by name); no candidate: the train majority."""

    def fit(train: Sequence[Mapping[str, Any]]):
        frequency = Counter(r["target"] for r in train)
        order = sorted(frequency, key=lambda label: (-frequency[label], label))
        rank = {label: i for i, label in enumerate(order)}
        majority = order[0] if order else ""

        def predict(record: Mapping[str, Any]) -> str:
            counts = choose(record)
            if not counts:
                return majority
            top = max(counts.values())
            return min((label for label, c in counts.items() if c == top),
                       key=lambda label: (rank.get(label, len(rank)), label))

        return predict

    return fit


def most_frequent_label_probe() -> Probe:
    return Probe("most_frequent_edge_label",
                 "the most frequent non-identity relation among the input's edges",
                 _ranked_fit(lambda record: label_counts(r for _, r, _ in edge_lines(record["input"]))))


def source_edge_label_probe() -> Probe:
    return Probe("source_edge_label",
                 "the most frequent non-identity relation among the edges leaving the query's source node",
                 _ranked_fit(lambda record: label_counts(
                     r for u, r, _ in edge_lines(record["input"]) if u == record["input"].split()[-3])))
