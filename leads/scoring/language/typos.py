"""Typos: a word within one edit of a lexicon word of five letters or more reads as that word, in the text's language.

rapidfuzz finds the nearest lexicon word within one edit: an insertion, a deletion, a substitution or two letters
swapped ("urgnet"), the optimal string alignment distance, as typists slip.
and pyspellchecker's word lists guard it: a word the language knows is never a typo of another ("argent" is not
"urgent", "hunting" is not "hurting", "plaza" is not "plazo"). Only the common words of each list are kept, so the
four languages cost a few megabytes, loaded on first need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .words import BREAK

MIN_LETTERS = 5  # a lexicon word shorter than this is too close to too many others
MAX_EDITS = 1
# Words the dictionary saw at least this often count as real words. Rarer entries are mostly typos and names
# themselves, and keeping them all would hold some 700,000 words in every process.
KNOWN_WORD_MIN_COUNT = 200
_CACHE_WORDS = 50_000


@cache
def known_words(language: str) -> frozenset[str]:
    """The common words of ``language`` (pyspellchecker's frequency list)."""
    from spellchecker import SpellChecker

    frequencies = SpellChecker(language=language, distance=1).word_frequency.dictionary
    return frozenset(word for word, count in frequencies.items() if count >= KNOWN_WORD_MIN_COUNT)


class TypoReader:
    """The lexicon's words per language, and what a text's unknown words are typos of."""

    def __init__(self, words_by_language: Mapping[str, Mapping[str, str]]) -> None:
        # language -> lexicon word as written -> its stem, for words long enough to correct towards.
        self.words = {language: {w: s for w, s in words.items() if len(w) >= MIN_LETTERS and w.isalpha()}
                      for language, words in words_by_language.items()}
        self.choices = {language: list(words) for language, words in self.words.items()}
        self.stems = {language: frozenset(words.values()) for language, words in words_by_language.items()}
        # Per language: the words seen that are no typo, and those that are, with what they read as.
        self._clean: dict[str, set[str]] = {}
        self._typos: dict[str, dict[str, tuple[str, str]]] = {}

    def read(self, words: Sequence[str], keys: Sequence[str], language: str) -> dict[int, tuple[str, str]]:
        """Position -> (the lexicon word it reads as, that word's stem), for each word that is a typo of one."""
        if language not in self.choices:
            return {}
        clean = self._clean.setdefault(language, set())
        typos = self._typos.setdefault(language, {})
        hits: dict[str, tuple[str, str]] = {}
        # Set arithmetic first: nearly every word of a text was seen before, and is no typo.
        for word in set(words) - clean:
            hit = typos.get(word)
            if hit is None and word not in typos:
                if len(clean) + len(typos) >= _CACHE_WORDS:
                    clean.clear()
                    typos.clear()
                hit = self._typo_of(word, keys[words.index(word)], language)
                if hit is None:
                    clean.add(word)
                    continue
                typos[word] = hit
            if hit is not None:
                hits[word] = hit
        if not hits:
            return {}
        return {i: hits[word] for i, word in enumerate(words) if word in hits}

    def _typo_of(self, word: str, key: str, language: str) -> tuple[str, str] | None:
        if len(word) < MIN_LETTERS - MAX_EDITS or key in self.stems[language] or key == BREAK:
            return None
        return self._nearest(word, language)

    def _nearest(self, word: str, language: str) -> tuple[str, str] | None:
        if not word.isalpha():
            return None
        best = process.extractOne(word, self.choices[language], scorer=OSA.distance,
                                  score_cutoff=MAX_EDITS)
        if best is None or best[1] == 0 or word in known_words(language):
            return None
        lexicon_word = str(best[0])
        return lexicon_word, self.words[language][lexicon_word]
