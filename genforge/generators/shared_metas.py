"""Meta dicts shared by the examples of equal complexity: one dict per complexity code, kept in a memo.

A dict per example costs more than the rest of a light task's record, and the
engine copies an example's meta before adding its difficulty, so examples of
equal complexity may share one. Block samplers encode each example's
complexity as an integer code and look the dicts up here; a memo past
``META_LIMIT`` entries starts over (a new dict, so a block reading the old one
keeps it whole), which changes no example (tests/test_shared_metas.py).
"""

from __future__ import annotations

from typing import Callable, MutableMapping

#: Most dicts one memo keeps before it starts over.
META_LIMIT = 1 << 14


def shared_metas(memos: MutableMapping[str, dict], name: str, codes: list[int],
                 build: Callable[[int], dict]) -> list[dict]:
    """The meta dict of each complexity code, from the memo ``memos[name]``, building missing ones with ``build``."""
    metas = memos.get(name)
    if metas is None or len(metas) > META_LIMIT:
        metas = memos[name] = {}
    try:
        return list(map(metas.__getitem__, codes))
    except KeyError:  # a code not seen yet
        pass
    for code in codes:
        if code not in metas:
            metas[code] = build(code)
    return list(map(metas.__getitem__, codes))
