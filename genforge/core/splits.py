"""Split plans: named splits, each a membership predicate plus a size.

Membership is a pure function of the example (and of the hash bucket of its
canonical input), so the splits of a plan are disjoint by construction and can
be generated in any order. A split whose predicate is structural (longer
inputs, a held-out domain) may also change the *sampling* parameters
(``sample_params``) so that its examples are found quickly; the predicate
still decides membership. On top of that the engine refuses any candidate
whose canonical input already landed in an earlier split of the same run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Optional

from genforge.core.records import Example, bucket_of, key_digest

SPLIT_NAME = re.compile(r"^[A-Za-z0-9_]+$")
#: The shift of a probe split (``SplitSpec.probe_of``): records seen in training, no generalization asked.
SEEN = "seen"

#: ``accepts(example, bucket) -> bool``; ``bucket`` is in [0, 1), fixed by the canonical input.
Predicate = Callable[[Example, float], bool]


def accept_all(example: Example, bucket: float) -> bool:
    return True


@dataclass(frozen=True)
class SplitSpec:
    """One split of a plan.

    ``source`` is ``"sample"`` (blocks of random draws filtered by ``accepts``)
    or ``"enumerate"`` (the task lists the split's examples itself, for finite
    spaces such as SCAN). ``size`` is the default record count; ``None`` means
    everything an enumerated split holds. ``shift`` names the generalization
    this split tests (``iid``, ``length``, ``domain``, ``instruction`` ...).
    """

    name: str
    size: Optional[int]
    description: str
    accepts: Predicate = accept_all
    sample_params: Mapping = field(default_factory=dict)
    shift: str = "iid"
    source: str = "sample"
    repeats: bool = False
    #: For a split of a generic plan: the records it holds, made by a task's own plan, re-labelled
    #: with this split's name when written (``source`` is then ``"enumerate"``).
    records: Optional[tuple] = field(default=None, compare=False, repr=False)
    #: Nuisance features (see ``Task.nuisance_features``) this split's shift is meant to move:
    #: the audit does not flag them (a length split moves ``input_length``).
    moves: tuple[str, ...] = ()
    #: The one exception to cross-split disjointness: the name of an earlier split whose records this
    #: split repeats on purpose, as an evaluation probe (Grokked Transformers score the atomic and the
    #: inferred facts a model was trained on). The engine neither checks it against earlier splits nor
    #: adds its records to them; the manifest names the split it repeats; its shift is ``SEEN``.
    probe_of: Optional[str] = None
    #: The largest share of the split any one value of the task's label (``Task.label_key``) may hold,
    #: exact: the engine skips a record whose label already has ``floor(label_cap * size)`` records in
    #: the split (at least one). None: no cap.
    label_cap: Optional[float] = None

    def __post_init__(self):
        if not SPLIT_NAME.match(self.name):
            raise ValueError(f"split name {self.name!r} may use only letters, digits and underscores")
        if (self.probe_of is not None) != (self.shift == SEEN):
            raise ValueError(f"split {self.name!r}: a probe of an earlier split (probe_of) has shift {SEEN!r}, "
                             "and only a probe has it")
        if self.label_cap is not None and not 0 < self.label_cap <= 1:
            raise ValueError(f"split {self.name!r}: label_cap = {self.label_cap!r} is not a share in (0, 1]")


@dataclass(frozen=True)
class SplitPlan:
    """A named set of splits; the first split is the training split."""

    name: str
    description: str
    splits: tuple[SplitSpec, ...]
    #: Extra entries of the manifest's ``options`` (a generic plan's settings and measurements).
    manifest_options: Mapping = field(default_factory=dict)
    #: Multiplies the attempts a sampled split may make per record (a narrowing filter needs more).
    attempts_factor: int = 1
    #: Shortcut probe name -> why it is expected to score well on this plan (the audit prints the
    #: reason instead of a flag), e.g. a faithful reproduction of a published shortcut.
    expected_probes: Mapping = field(default_factory=dict)
    #: Nuisance feature -> why it is expected to differ between train and the test splits.
    expected_shifts: Mapping = field(default_factory=dict)

    def split(self, name: str) -> SplitSpec:
        for spec in self.splits:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.splits]


def bucket_range(low: float, high: float) -> Predicate:
    """Accept examples whose input bucket is in ``[low, high)`` (i.i.d. splits)."""

    def accepts(example: Example, bucket: float) -> bool:
        return low <= bucket < high

    accepts.bucket_interval = (low, high)  # read by accepted_indices: one numpy test per block
    return accepts


def text_bucket(text: str) -> float:
    """A number in [0, 1) fixed by ``text``, independent of the input bucket."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=b"genforge-split").digest()
    return int.from_bytes(digest, "big") / 18446744073709551616.0


def instruction_bucket_range(low: float, high: float) -> Predicate:
    """Accept examples whose *instruction* hashes into ``[low, high)``.

    Used for unseen-instruction splits: every example of a given rule lands
    on the same side, so no test rule occurs in train.
    """

    def accepts(example: Example, bucket: float) -> bool:
        return low <= text_bucket(example.instruction or "") < high

    return accepts


def all_of(*predicates: Predicate) -> Predicate:
    predicates = tuple(p for p in predicates if p is not accept_all)
    if not predicates:
        return accept_all
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:  # the common case, without a generator per call
        first, second = predicates

        def accepts_both(example: Example, bucket: float) -> bool:
            return first(example, bucket) and second(example, bucket)

        accepts_both.parts = predicates
        return accepts_both

    def accepts(example: Example, bucket: float) -> bool:
        return all(predicate(example, bucket) for predicate in predicates)

    accepts.parts = predicates  # read by accepted_indices
    return accepts


def _conjuncts(predicate: Predicate) -> list[Predicate]:
    """The predicates whose conjunction ``predicate`` is (itself when it is not an :func:`all_of`)."""
    parts = getattr(predicate, "parts", None)
    if parts is None:
        return [predicate]
    return [leaf for part in parts for leaf in _conjuncts(part)]


def _intervals_and_others(predicate: Predicate) -> tuple[list[tuple[float, float]], list[Predicate]]:
    """The bucket intervals of ``predicate``'s :func:`bucket_range` conjuncts, and its other conjuncts."""
    parts = _conjuncts(predicate)
    return ([part.bucket_interval for part in parts if hasattr(part, "bucket_interval")],
            [part for part in parts if not hasattr(part, "bucket_interval")])


def with_bucket_window(split: SplitSpec) -> SplitSpec:
    """``split`` with the bucket interval its predicate requires (its :func:`bucket_range` conjuncts) as
    the sample setting ``bucket_window`` (low, high), for a task whose sampler can compute a draw's
    bucket before building the rest of it and drop it early. The records are the same: the predicate
    still decides. A split without such an interval, or not sampled, is returned as it is.
    """
    intervals, _ = _intervals_and_others(split.accepts)
    if not intervals or split.source != "sample":
        return split
    window = (max(low for low, _ in intervals), min(high for _, high in intervals))
    return replace(split, sample_params={**split.sample_params, "bucket_window": window})


def in_bucket_window(key: str, window: tuple[float, ...]) -> bool:
    """Whether the canonical input ``key`` lies in a split's ``bucket_window`` (see :func:`with_bucket_window`;
    empty: every input does), as the split's bucket test would find."""
    return not window or window[0] <= bucket_of(key_digest(key)) < window[1]


def accepted_indices(predicate: Predicate, examples: list[Example], buckets) -> list[int]:
    """Indices of the ``examples`` that ``predicate`` accepts, given their ``buckets`` (a float64 array).

    The same answers as calling ``predicate(example, bucket)`` on each (predicates are pure), but
    the bucket intervals of an :func:`all_of` are tested on the whole block at once and the other
    predicates are called only on what those leave, so an i.i.d. split costs one numpy test per block.
    """
    if predicate is accept_all:
        return list(range(len(examples)))
    intervals, others = _intervals_and_others(predicate)
    if intervals:
        low, high = max(low for low, _ in intervals), min(high for _, high in intervals)
        indices = ((buckets >= low) & (buckets < high)).nonzero()[0].tolist()
    else:
        indices = list(range(len(examples)))
    if others:
        values = buckets.tolist()  # the same floats, as Python floats
        for part in others:
            indices = [i for i in indices if part(examples[i], values[i])]
    return indices


def iid_splits(
    train: int = 10000, validation: int = 1000, test_id: int = 1000, *, within: Predicate = accept_all
) -> tuple[SplitSpec, ...]:
    """train / validation / test_id carved 80/10/10 by input bucket, inside ``within``."""
    return (
        SplitSpec("train", train, "training examples", all_of(within, bucket_range(0.0, 0.8))),
        SplitSpec("validation", validation, "held-out examples from the training distribution",
                  all_of(within, bucket_range(0.8, 0.9))),
        SplitSpec("test_id", test_id, "in-distribution test", all_of(within, bucket_range(0.9, 1.0))),
    )

