"""The object ``genforge.load`` and ``genforge.load_snapshot`` return: records read from disk on demand.

>>> import genforge
>>> test = genforge.load("rewrite", split="test_id", params={"input_length": 30})  # doctest: +SKIP
>>> len(test), test[0]["split"], len(test[:10])                                    # doctest: +SKIP
(1000, 'test_id', 10)
>>> small = test.shuffle(seed=1).select(range(100)).map(lambda r: r["input"])      # doctest: +SKIP
>>> small.to_list()[:2]                                                            # doctest: +SKIP
['...', '...']

Iterating streams one line at a time; indexing, slicing, ``shuffle`` and
``select`` first note where each line starts (8 bytes a record), so memory
stays small for large splits. Transformations return new datasets and
never change the files.
"""

from __future__ import annotations

from array import array
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

import orjson

from genforge.core.errors import UsageError
from genforge.core.rng import RandomStream

#: A part of a dataset: a file and the [start, stop) range of its lines.
Part = tuple[Path, int, int]


def _line_offsets(path: Path, start: int, stop: int) -> array:
    """Byte offsets of lines start..stop-1 of a file."""
    offsets = array("q")
    position = 0
    with open(path, "rb") as lines:
        for number, line in enumerate(lines):
            if number >= stop:
                break
            if number >= start:
                offsets.append(position)
            position += len(line)
    return offsets


class Dataset:
    """A re-iterable sequence of records (dicts) from one or more split slices.

    Supports ``len``, ``dataset[i]``, ``dataset[a:b]`` (a Dataset), iteration,
    `shuffle`, `select`, `map`, `to_list`,
    `to_hf` and `to_pandas`.

    Examples:
        >>> import genforge
        >>> train = genforge.load("scan", split="train", split_plan="length")  # doctest: +SKIP
        >>> train.shuffle(seed=0)[:3].to_list()                              # doctest: +SKIP
    """

    def __init__(self, parts: Sequence[Part], name: str, rows: Optional[Sequence[int]] = None,
                 transforms: tuple[Callable[[Any], Any], ...] = ()):
        self._parts = list(parts)
        self.name = name
        self._rows = rows  # positions into the parts' concatenation, or None for all of them in order
        self._transforms = transforms
        self._offsets: Optional[list[array]] = None

    # --- reading ---

    def _total(self) -> int:
        return sum(stop - start for _, start, stop in self._parts)

    def __len__(self) -> int:
        return self._total() if self._rows is None else len(self._rows)

    def _apply(self, record: Any) -> Any:
        for transform in self._transforms:
            record = transform(record)
        return record

    def _locate(self, position: int) -> tuple[int, int]:
        """(part number, line within the part's range) of a position in the concatenation."""
        for number, (_, start, stop) in enumerate(self._parts):
            if position < stop - start:
                return number, position
            position -= stop - start
        raise IndexError(position)

    def _read_at(self, positions: Iterable[int]) -> Iterator[Any]:
        if self._offsets is None:
            self._offsets = [_line_offsets(path, start, stop) for path, start, stop in self._parts]
        files: dict[int, Any] = {}
        try:
            for position in positions:
                number, line = self._locate(position)
                if number not in files:
                    files[number] = open(self._parts[number][0], "rb")
                handle = files[number]
                handle.seek(self._offsets[number][line])
                yield self._apply(orjson.loads(handle.readline()))
        finally:
            for handle in files.values():
                handle.close()

    def __iter__(self) -> Iterator[Any]:
        if self._rows is not None:
            yield from self._read_at(self._rows)
            return
        for path, start, stop in self._parts:
            with open(path, "rb") as lines:
                for line in islice(lines, start, stop):
                    yield self._apply(orjson.loads(line))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.select(range(len(self))[key])
        if isinstance(key, bool) or not hasattr(key, "__index__"):
            raise TypeError(f"dataset indices are integers or slices, not {type(key).__name__}")
        index = key.__index__()
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range for a dataset of {size} records")
        return next(self._read_at([self._position(index % size)]))

    def _position(self, index: int) -> int:
        return index if self._rows is None else self._rows[index]

    # --- new views ---

    def _derived(self, rows: Optional[Sequence[int]] = None, transforms=None) -> "Dataset":
        view = Dataset(self._parts, self.name, rows, self._transforms if transforms is None else transforms)
        view._offsets = self._offsets
        return view

    def select(self, indices: Iterable[int]) -> "Dataset":
        """The records at ``indices`` (in that order; repeats allowed), e.g. ``select(range(100))``."""
        size = len(self)
        rows = array("q")
        for index in indices:
            if isinstance(index, bool) or not hasattr(index, "__index__"):
                raise UsageError(f"select: indices are integers, not {type(index).__name__}")
            if not -size <= index < size:
                raise UsageError(f"select: index {index} is out of range for a dataset of {size} records")
            rows.append(self._position(index % size))
        return self._derived(rows)

    def shuffle(self, seed: int = 0) -> "Dataset":
        """The records in an order drawn from ``seed``: the same order on every machine."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise UsageError(f"shuffle: seed = {seed!r} is not allowed: expected a whole number >= 0")
        order = RandomStream.from_parts("genforge.Dataset.shuffle", seed).permutation(len(self))
        return self.select(int(index) for index in order)

    def map(self, function: Callable[[Any], Any]) -> "Dataset":
        """A dataset whose records are ``function(record)``, computed when read."""
        if not callable(function):
            raise UsageError(f"map: {function!r} is not callable")
        return self._derived(self._rows, self._transforms + (function,))

    # --- conversions ---

    def to_list(self) -> list:
        """Every record, in a list."""
        return list(self)

    def to_hf(self):
        """A Hugging Face ``datasets.Dataset`` of the records (needs the ``datasets`` package)."""
        try:
            import datasets
        except ImportError:
            raise UsageError("to_hf needs the Hugging Face datasets package: pip install datasets") from None
        return datasets.Dataset.from_list(self.to_list())

    def to_pandas(self):
        """A ``pandas.DataFrame`` of the records, one row each (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise UsageError("to_pandas needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.to_list())

    def __repr__(self) -> str:
        return f"<genforge Dataset {self.name!r}: {len(self)} records>"
