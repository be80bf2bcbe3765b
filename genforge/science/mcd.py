"""Maximum compound divergence (MCD) splits for any task that exposes atoms and compounds.

Keysers et al. 2020 ("Measuring Compositional Generalization", ICLR) build
train/test splits whose *compound* distributions diverge as much as possible
while their *atom* distributions stay alike (atom divergence under 0.02), with
a greedy search over a large pool of examples. This module does the same on a
pool drawn from a task's own training distribution (the ``iid`` splits of its
default plan), using ``task.structure(record)`` for atoms and compounds:

1. Greedy growth: the two sides grow in proportion to their target sizes; each
   step draws ``candidates`` unused pool examples and adds to the growing side
   the one that gives the highest compound divergence, penalising atom
   divergence above the bound.
2. Repair and improvement: random swaps between the sides and the unused pool,
   accepted when they lower an atom divergence over the bound or raise the
   compound divergence without breaking the bound.
3. A random part of the train side becomes ``test_id`` (same distribution as
   train), so the usual ID-OOD gap can be read.

Every draw comes from a :class:`RandomStream` seeded by (task, version,
params, seed, search seed, sizes), so the split is a pure function of the
request. Divergences reported in the manifest are recomputed exactly from the
written records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from genforge.core.errors import InfeasibleError
from genforge.core.rng import RandomStream
from genforge.science.divergence import (ATOM_ALPHA, COMPOUND_ALPHA, RunningChernoff, atom_divergence,
                                         compound_divergence, count)

#: Weight of atom divergence above the bound against compound divergence during the search.
ATOM_PENALTY = 8.0
OBJECTIVE_DIGITS = 10


@dataclass(frozen=True)
class McdResult:
    train: list[int]
    test: list[int]
    atom_divergence: float
    compound_divergence: float


def _intern(structures: Sequence[tuple[list[str], list[str]]]) -> tuple[list[dict], list[dict], int, int]:
    """Integer-coded atom and compound multisets per record (codes in order of first appearance)."""
    atom_codes: dict[str, int] = {}
    compound_codes: dict[str, int] = {}
    atoms, compounds = [], []
    for record_atoms, record_compounds in structures:
        atoms.append(dict(Counter(atom_codes.setdefault(a, len(atom_codes)) for a in record_atoms)))
        compounds.append(dict(Counter(compound_codes.setdefault(c, len(compound_codes)) for c in record_compounds)))
    return atoms, compounds, len(atom_codes), len(compound_codes)


class _Search:
    def __init__(self, atoms, compounds, atom_count, compound_count, bound):
        self.atoms, self.compounds, self.bound = atoms, compounds, bound
        self.atom_state = RunningChernoff(ATOM_ALPHA, atom_count)
        self.compound_state = RunningChernoff(COMPOUND_ALPHA, compound_count)

    def score_after(self, index: int, train_change: int, test_change: int) -> tuple[float, float]:
        """(D_A, D_C) if record ``index`` moved by the given side changes."""
        values = []
        for state, items in ((self.atom_state, self.atoms[index]), (self.compound_state, self.compounds[index])):
            weight = sum(items.values())
            raw = state.raw + state.delta(items, train_change, test_change)
            values.append(1.0 - state.value(raw, state.train_total + train_change * weight,
                                            state.test_total + test_change * weight))
        return values[0], values[1]

    def score_swap(self, leaving: int, entering: int, side: str) -> tuple[float, float]:
        """(D_A, D_C) if ``leaving`` left ``side`` and ``entering`` joined it (applied and undone)."""
        train_change = 1 if side == "train" else 0
        test_change = 1 - train_change
        self.move(leaving, -train_change, -test_change)
        result = self.score_after(entering, train_change, test_change)
        self.move(leaving, train_change, test_change)
        return result

    def move(self, index: int, train_change: int, test_change: int) -> None:
        self.atom_state.apply(self.atoms[index], train_change, test_change)
        self.compound_state.apply(self.compounds[index], train_change, test_change)

    def objective(self, atom_value: float, compound_value: float) -> float:
        # Rounded so that a last-bit difference in a platform's pow() cannot flip a choice:
        # near-ties then go to the first candidate drawn, on every machine.
        return round(compound_value - ATOM_PENALTY * max(0.0, atom_value - self.bound), OBJECTIVE_DIGITS)

    def current(self) -> tuple[float, float]:
        return 1.0 - self.atom_state.value(), 1.0 - self.compound_state.value()


def mcd_split(structures: Sequence[tuple[list[str], list[str]]], train_size: int, test_size: int,
              rng: RandomStream, *, max_atom_divergence: float = 0.02, candidates: int = 32,
              swap_rounds: int | None = None) -> McdResult:
    """Choose ``train_size`` and ``test_size`` disjoint pool indices maximising D_C with D_A <= the bound."""
    if train_size < 1 or test_size < 1:
        raise InfeasibleError("an mcd split needs at least one train and one test record")
    if train_size + test_size > len(structures):
        raise InfeasibleError(
            f"the pool holds {len(structures)} distinct records, {train_size + test_size} requested for the mcd "
            f"split; ask for fewer (train + test) or a larger pool (--plan-option pool_size=N)")
    atoms, compounds, atom_count, compound_count = _intern(structures)
    search = _Search(atoms, compounds, atom_count, compound_count, max_atom_divergence)
    unused = list(range(len(structures)))
    rng.shuffle(unused)
    train: list[int] = [unused.pop()]
    test: list[int] = [unused.pop()]
    search.move(train[0], 1, 0)
    search.move(test[0], 0, 1)
    while len(train) < train_size or len(test) < test_size:
        grow_test = len(test) < test_size and (len(train) >= train_size or len(test) * train_size <= len(train) * test_size)
        side, changes = (test, (0, 1)) if grow_test else (train, (1, 0))
        best_position, best_value = -1, float("-inf")
        for position in rng.indices(len(unused), min(candidates, len(unused))):
            value = search.objective(*search.score_after(unused[position], *changes))
            if value > best_value:
                best_position, best_value = position, value
        chosen = unused[best_position]
        unused[best_position] = unused[-1]
        unused.pop()
        side.append(chosen)
        search.move(chosen, *changes)
    rounds = swap_rounds if swap_rounds is not None else 2 * (train_size + test_size)
    _improve(search, train, test, unused, rng, rounds)
    train_atoms = count(structures[i][0] for i in train)
    test_atoms = count(structures[i][0] for i in test)
    train_compounds = count(structures[i][1] for i in train)
    test_compounds = count(structures[i][1] for i in test)
    return McdResult(train, test, atom_divergence(train_atoms, test_atoms),
                     compound_divergence(train_compounds, test_compounds))


def _improve(search: _Search, train: list[int], test: list[int], unused: list[int], rng: RandomStream,
             rounds: int) -> None:
    """Random swaps of one side's member for a pool record (unused, or from the other side)."""
    for _ in range(rounds):
        now = search.objective(*search.current())
        if rng.below(2) == 0:
            side, name, other = test, "test", (unused if unused and rng.below(2) else train)
        else:
            side, name, other = train, "train", (unused if unused and rng.below(2) else test)
        if not other or other is side:
            continue
        leaving_position = rng.below(len(side))
        entering_position = rng.below(len(other))
        leaving, entering = side[leaving_position], other[entering_position]
        if other is unused:
            after = search.score_swap(leaving, entering, name)
            if search.objective(*after) > now:
                changes = (1, 0) if name == "train" else (0, 1)
                search.move(leaving, -changes[0], -changes[1])
                search.move(entering, *changes)
                side[leaving_position], unused[entering_position] = entering, leaving
        else:
            # Exchange across sides: leaving goes to the other side, entering comes here.
            sign = 1 if name == "train" else -1
            search.move(leaving, -sign, sign)
            search.move(entering, sign, -sign)
            if search.objective(*search.current()) > now:
                side[leaving_position], other[entering_position] = entering, leaving
            else:
                search.move(entering, -sign, sign)
                search.move(leaving, sign, -sign)
