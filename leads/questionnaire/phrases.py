"""Lexicon phrases as patterns: how a phrase the marketers list matches a prospect's own words."""

from __future__ import annotations

import re
from functools import lru_cache

WORD_START = r"(?<!\w)"


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a regex: whole words, any spacing, each word with or without a plural ending."""
    return re.compile(phrase_regex(phrase), re.IGNORECASE)


def phrase_regex(phrase: str) -> str:
    """The source of phrase_pattern; it starts with WORD_START when the phrase starts with a letter or digit."""
    words = []
    for word in phrase.split():
        stem = re.sub(r"(?:es|s)$", "", word) if len(word) > 3 else word
        words.append(re.escape(stem) + r"(?:s|es)?" if stem.isalpha() else re.escape(word))
    before = WORD_START if phrase[:1].isalnum() else ""
    after = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return before + r"\s+".join(words) + after
