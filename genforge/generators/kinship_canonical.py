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
from functools import lru_cache
from typing import Optional

from genforge.core.records import Example
from genforge.generators.kinship_text import QUERY_PREFIX, fact_forms, name_genders, sentence_forms

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


@lru_cache(maxsize=1)
def keys_from_structure() -> bool:
    """Whether a story's canonical form can be written from its facts instead of read back from its text.

    :func:`canonical_story` replaces every capitalised word that is a name,
    in text order. Rendering the same forms with ``M<i>``/``F<i>`` in place of
    names, numbered in the order the names appear in the text, gives the same
    string when every name is one whole capitalised word, no literal word of
    a form is a name, and no letter follows a name in a form (the regex would
    read it as part of the name). True for the bundled data; checked, not assumed.
    """
    genders = name_genders()
    if not all(_CAPITALISED.fullmatch(name) for name in genders):
        return False
    forms = [form for options in sentence_forms().values() for form, _ in options]
    forms += list(fact_forms().values()) + [QUERY_PREFIX + "(%s, %s)"]
    for form in forms:
        if re.search(r"%s[A-Za-z]", form) or any(w in genders for w in _CAPITALISED.findall(form.replace("%s", " "))):
            return False
    return True


#: Canonical labels by gender and order of first mention: LABELS["male"][2] == "M2".
LABELS = {gender: tuple(f"{letter}{i}" for i in range(256)) for gender, letter in (("male", "M"), ("female", "F"))}


class StoryExample(Example):
    """An example whose dedup key is its story up to people's names (Task.canonical_key).

    No ``__slots__``: the sampler stores the key it wrote from the story's
    structure as ``canonical`` (see :func:`keys_from_structure`), which spares
    reading the text back; an example made any other way computes it from its text.
    """

    canonical: Optional[str] = None

    def key(self) -> str:
        key = self.canonical
        return key if key is not None else canonical_key(self.instruction, self.input)
