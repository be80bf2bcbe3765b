"""A canonical form of kinship stories: people's names replaced by gender and order of first mention.

Names are drawn per story from the name sets, so one story (the same facts,
sentences and query) has thousands of texts; in version 1.0, 261 of 1,000
``test_id`` stories were ``train`` stories with other names. Names carry no
meaning beyond gender (which fixes the answer word), so the engine's dedup
and split buckets compare stories with each name replaced by ``M<i>`` or
``F<i>`` (i: order of first mention).
"""

from __future__ import annotations

import re
from typing import Optional

from genforge.core.records import Example
from genforge.generators.kinship_text import name_genders

_CAPITALISED = re.compile(r"[A-Z][a-z]+")


def canonical_story(text: str) -> str:
    genders = name_genders()
    seen: dict[str, str] = {}

    def person(match: re.Match) -> str:
        word = match.group(0)
        gender = genders.get(word)
        if gender is None:
            return word
        return seen.setdefault(word, f"{'M' if gender == 'male' else 'F'}{len(seen)}")

    return _CAPITALISED.sub(person, text)


def canonical_key(instruction: Optional[str], text: str) -> str:
    story = canonical_story(text)
    return story if instruction is None else instruction + "\x1f" + story


class StoryExample(Example):
    """An example whose dedup key is its story up to people's names (Task.canonical_key)."""

    __slots__ = ()

    def key(self) -> str:
        return canonical_key(self.instruction, self.input)
