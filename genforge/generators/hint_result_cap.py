"""A cheap pre-filter for HINT's "no result above 5% of a split" (the engine's exact cap decides).

HINT (Li et al., ICLR 2023) caps the share of any single result in a split
(small results, 1 above all, are otherwise far too common: about 18% of raw
training draws evaluate to 1). The engine gives ``sample_block`` no running
counts, and counting inside a block would make the output depend on block
boundaries. Instead each split's result distribution ``p(r)`` is estimated
once from a fixed pilot sample (seeded only by the task, its version and the
split's sampling parameters, so it is the same in every process and block),
and a draw with result ``r`` is kept with probability ``min(1, t / p(r))``.
After this thinning a result's share is ``min(p(r), t) / Z(t)`` with
``Z(t) = sum_r min(p(r), t)``; ``t`` is the largest value whose largest share
``t / Z(t)`` (non-decreasing in ``t``) stays below the cap times
``SAFETY`` (room for pilot noise and for the engine's dedup, which removes
repeated short expressions).

This thinning holds the cap only on average (SS's most common result once had
5.2%); the exact cap is the engine's: every HINT split declares a
``label_cap`` on the result, and the engine skips, in block order, a record
whose result already fills it (see ``SplitSpec.label_cap``). The thinning
stays so that the common results are rarely drawn past their cap.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

from genforge.core.rng import RandomStream

PILOT_DRAWS = 4000
SAFETY = 0.7
#: Pilot attempts per wanted pilot draw before giving up (rare, tight ranges).
PILOT_BUDGET = 200
#: Attempts drawn at a time by the pilot.
PILOT_BATCH = 2048
#: Fewest attempts after which a pilot may stop early (see ``pilot``'s ``least_rate``).
GIVE_UP_AFTER = 16 * PILOT_BATCH


def threshold(shares: Mapping[int, float], cap: float) -> Optional[float]:
    """The largest ``t`` with ``t / sum(min(p, t)) <= cap``; None when no thinning is needed."""
    values = sorted(shares.values())
    total = sum(values)
    if not values or values[-1] / total <= cap:
        return None

    def largest_share(t: float) -> float:
        return t / sum(min(p, t) for p in values)

    low, high = 0.0, values[-1]
    for _ in range(60):
        middle = (low + high) / 2
        if largest_share(middle) <= cap:
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True)
class Pilot:
    """What the pilot sample says about a split: its result shares and how often an attempt yields a result."""

    shares: dict
    results_per_attempt: float
    #: True when the pilot stopped early, its rate clearly below the least rate it was given.
    gave_up: bool = False


def pilot(draw_results: Callable[[RandomStream, int], Sequence[int]], pilot_seed: tuple,
          least_rate: float = 0.0) -> Pilot:
    """The first ``PILOT_DRAWS`` results of a fixed random stream.

    ``draw_results(rng, attempts)`` makes ``attempts`` sampling attempts and
    returns, in order, the results of those the split would accept (before
    the cap). Gives up after ``PILOT_DRAWS * PILOT_BUDGET`` attempts, or, with
    a ``least_rate`` (the rate below which the caller refuses the split), as soon
    as enough attempts show a rate under half of it: a split that rare would
    otherwise cost the whole budget, only to be refused. Stopping changes no
    pilot that runs to its end, so no split that is sampled.
    """
    rng = RandomStream.from_parts(*pilot_seed, "result-cap-pilot")
    results: list = []
    attempts = 0
    # Enough attempts that a split at the least rate shows 64 results on average: chance alone
    # then almost never puts it under half that.
    patience = max(GIVE_UP_AFTER, 64 / least_rate) if least_rate > 0 else float("inf")
    while len(results) < PILOT_DRAWS and attempts < PILOT_DRAWS * PILOT_BUDGET:
        results.extend(draw_results(rng, PILOT_BATCH))
        attempts += PILOT_BATCH
        if attempts >= patience and len(results) < attempts * least_rate / 2:
            return Pilot({}, len(results) / attempts, gave_up=True)
    rate = len(results) / attempts
    results = results[:PILOT_DRAWS]
    if not results:
        return Pilot({}, 0.0)
    counts = Counter(results)
    shares = {result: count / len(results) for result, count in sorted(counts.items())}
    return Pilot(shares, rate)


def keep_probabilities(shares: Mapping[int, float], cap: float) -> dict[int, float]:
    """Result -> keep probability (results not listed are always kept)."""
    t = threshold(shares, cap * SAFETY) if shares else None
    if t is None or t <= 0:
        return {}
    return {result: t / share for result, share in shares.items() if share > t}
