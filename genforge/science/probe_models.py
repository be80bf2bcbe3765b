"""The two learned generic probes of ``genforge audit`` (numpy only), bounded in work.

* ``nearest_ngram``: the target of the most similar training input (cosine of
  hashed character 3-gram counts, instruction included), leaving out a training
  input identical to the query (so that the probe is not a self-lookup on
  train). At most :data:`NEAREST_TRAIN` training records are used (every k-th)
  and n-grams are hashed into :data:`NEAREST_DIM` buckets: scoring 1,000
  records against 5,000 costs one 1,000 x 512 x 5,000 matrix product.
* ``naive_bayes``: a multinomial naive Bayes classifier on the bag of input
  units (and instruction tokens), when the targets form a small set of classes:
  the :data:`MAX_CLASSES` most common training targets cover at least
  :data:`CLASS_COVERAGE` of train. Otherwise it predicts the majority target
  and reports itself not applicable.

Predictors expose ``many(records) -> list[str]`` so that scoring is batched.
"""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Callable, Mapping, Sequence

import numpy as np

from genforge.core.probes import Probe

NEAREST_TRAIN = 5000
NEAREST_DIM = 512
NGRAM = 3
MAX_CLASSES = 50
CLASS_COVERAGE = 0.9
#: Words kept in the naive Bayes vocabulary (the most frequent in train).
MAX_VOCABULARY = 5000
BATCH = 1000


class BatchPredictor:
    """A predictor that scores many records at once (``many``) and one (``__call__``)."""

    def __init__(self, many: Callable[[Sequence[Mapping]], list[str]], applicable: bool = True):
        self.many, self.applicable = many, applicable

    def __call__(self, record: Mapping) -> str:
        return self.many([record])[0]


def _text(record: Mapping) -> str:
    instruction = record.get("instruction")
    return record["input"] if instruction is None else instruction + "\x1f" + record["input"]


_BUCKETS: dict[str, int] = {}


def _bucket(gram: str) -> int:
    """A stable hash bucket (crc32, not ``hash``: the same report in every process), memoized."""
    bucket = _BUCKETS.get(gram)
    if bucket is None:
        if len(_BUCKETS) > 1_000_000:
            _BUCKETS.clear()
        bucket = _BUCKETS[gram] = zlib.crc32(gram.encode("utf-8")) % NEAREST_DIM
    return bucket


def _vectors(texts: Sequence[str]) -> np.ndarray:
    matrix = np.zeros((len(texts), NEAREST_DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        padded = f"\x02{text}\x03"
        grams = Counter(padded[i:i + NGRAM] for i in range(max(1, len(padded) - NGRAM + 1)))
        np.add.at(matrix[row], [_bucket(gram) for gram in grams], list(grams.values()))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


def nearest_probe() -> Probe:
    def fit(train):
        stride = max(1, -(-len(train) // NEAREST_TRAIN))
        kept = list(train[::stride])
        texts = [_text(r) for r in kept]
        targets = [r["target"] for r in kept]
        matrix = _vectors(texts)

        def many(records):
            answers = []
            for start in range(0, len(records), BATCH):
                chunk = records[start:start + BATCH]
                similarity = _vectors([_text(r) for r in chunk]) @ matrix.T
                best = np.argmax(similarity, axis=1)
                for row, record in enumerate(chunk):
                    index = int(best[row])
                    if texts[index] == _text(record) and len(texts) > 1:
                        similarity[row, index] = -np.inf  # itself: take the nearest other input
                        index = int(np.argmax(similarity[row]))
                    answers.append(targets[index] if targets else "")
            return answers
        return BatchPredictor(many)
    return Probe("nearest_ngram", f"the target of the most similar training input (character {NGRAM}-grams, "
                 f"at most {NEAREST_TRAIN:,} training records)", fit)


def naive_bayes_probe(units: Callable[[str], list[str]]) -> Probe:
    def words(record):
        return (record.get("instruction") or "").split() + ["\x1f" + u for u in units(record["input"])]

    def fit(train):
        counts = Counter(r["target"] for r in train)
        top = counts.most_common(MAX_CLASSES)
        majority = top[0][0] if top else ""
        if not train or sum(n for _, n in top) < CLASS_COVERAGE * len(train):
            return BatchPredictor(lambda records: [majority] * len(records), applicable=False)
        classes = [target for target, _ in top]
        class_index = {target: i for i, target in enumerate(classes)}
        vocabulary_counts = Counter(w for r in train for w in words(r))
        vocabulary = {w: i for i, (w, _) in enumerate(vocabulary_counts.most_common(MAX_VOCABULARY))}
        table = np.ones((len(classes), len(vocabulary) + 1))  # Laplace smoothing; last column: unknown word
        prior = np.zeros(len(classes))
        for record in train:
            label = class_index.get(record["target"])
            if label is None:
                continue
            prior[label] += 1
            for w in words(record):
                table[label, vocabulary.get(w, len(vocabulary))] += 1
        log_word = np.log(table / table.sum(axis=1, keepdims=True))
        log_prior = np.log(prior / prior.sum())

        def many(records):
            answers = []
            for record in records:
                index = [vocabulary.get(w, len(vocabulary)) for w in words(record)]
                answers.append(classes[int(np.argmax(log_prior + log_word[:, index].sum(axis=1)))])
            return answers
        return BatchPredictor(many)
    return Probe("naive_bayes", f"multinomial naive Bayes on the bag of input units, when at most {MAX_CLASSES} "
                 f"targets cover {CLASS_COVERAGE:.0%} of train", fit)
