"""Generic shortcut probes: cheap predictors every task gets in ``genforge audit``.

A probe is fit on a training split and predicts a target for any record
(:class:`genforge.core.probes.Probe`). A probe that scores well on a test split
answers that split without doing the task: a lookup, a copy, a majority class.
The lookups fall back to the training majority target when a key was never
seen, so a lookup probe never scores below the majority baseline by much.

Units: inputs are split into whitespace tokens when the training inputs
average at least three of them, else into characters (``12*34`` has one
token); :func:`units_of` decides once per folder.

Heavier probes (nearest neighbour, naive Bayes) live in
:mod:`genforge.science.probe_models`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable, Mapping, Sequence

from genforge.core.probes import Probe
from genforge.science.probe_models import naive_bayes_probe, nearest_probe

#: Name of the probe every other probe is compared with.
MAJORITY = "majority"
#: The length probe predicts a length, not a target: scored as "length right", reported, never flagged.
LENGTH = "length_from_input"


def units_of(train: Sequence[Mapping]) -> Callable[[str], list[str]]:
    """Whitespace tokens if training inputs average >= 3 of them, else characters."""
    sample = train[:500]
    words = sum(len(r["input"].split()) for r in sample) / max(1, len(sample))
    return str.split if words >= 3 else list


def _majority(targets: Sequence[str]) -> str:
    return Counter(targets).most_common(1)[0][0] if targets else ""


def lookup_probe(name: str, description: str, key: Callable[[Mapping], object]) -> Probe:
    """Predict the most common training target of records sharing ``key``; else the majority target."""
    def fit(train):
        by_key: dict = defaultdict(Counter)
        for record in train:
            by_key[key(record)][record["target"]] += 1
        table = {k: counts.most_common(1)[0][0] for k, counts in by_key.items()}
        fallback = _majority([r["target"] for r in train])
        return lambda record: table.get(key(record), fallback)
    return Probe(name, description, fit)


def generic_probes(units: Callable[[str], list[str]], edge: int = 2) -> list[Probe]:
    """The probes every task gets (see the module docstring)."""
    def first_last(n):
        def key(record):
            parts = units(record["input"])
            return tuple(parts[:n]), tuple(parts[-n:])
        return key

    probes = [
        Probe(MAJORITY, "the most common training target, always",
              lambda train: (lambda answer: (lambda record: answer))(_majority([r["target"] for r in train]))),
        Probe("copy_input", "the input itself", lambda train: (lambda record: record["input"])),
        lookup_probe("instruction_lookup", "the most common training target of the same instruction",
                     lambda record: record.get("instruction")),
    ]
    # One end alone catches "the answer is the first word" where the joint key is too sparse to.
    probes.append(lookup_probe("first_1", "the most common training target of inputs with the same first unit "
                               "(and instruction)", lambda record: (record.get("instruction"),
                                                                   tuple(units(record["input"])[:1]))))
    probes.append(lookup_probe("last_1", "the most common training target of inputs with the same last unit "
                               "(and instruction)", lambda record: (record.get("instruction"),
                                                                  tuple(units(record["input"])[-1:]))))
    for n in range(1, edge + 1):
        probes.append(lookup_probe(f"first_last_{n}", f"the most common training target of inputs with the same "
                                   f"first {n} and last {n} input units (and instruction)",
                                   lambda record, key=first_last(n): (record.get("instruction"), key(record))))
    probes.append(nearest_probe())
    probes.append(naive_bayes_probe(units))
    return probes


def length_predictor(train: Sequence[Mapping], units: Callable[[str], list[str]],
                     target_units: Callable[[str], list[str]]) -> Callable[[Mapping], int]:
    """Most common training target length (in target units) per input length (in input units)."""
    by_length: dict = defaultdict(Counter)
    for record in train:
        by_length[len(units(record["input"]))][len(target_units(record["target"]))] += 1
    table = {k: counts.most_common(1)[0][0] for k, counts in by_length.items()}
    overall = Counter(len(target_units(r["target"])) for r in train)
    fallback = overall.most_common(1)[0][0] if overall else 0
    known = sorted(table)

    def predict(record):
        length = len(units(record["input"]))
        if length in table:
            return table[length]
        if not known:
            return fallback
        # An input length never seen: the nearest seen one's answer (a longer input, a longer target).
        nearest = min(known, key=lambda k: (abs(k - length), k))
        return table[nearest]
    return predict
