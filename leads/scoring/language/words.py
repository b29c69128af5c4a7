"""A text's words as Snowball stems (PyStemmer), with where each word stands, for phrase matching and search."""

from __future__ import annotations

import re

import Stemmer

STEMMERS = {"en": "english", "de": "german", "fr": "french", "es": "spanish"}
NUMBER = "#"  # in a phrase: any word holding a digit ("book # demos a week")
QUARTER = "q#"  # in a phrase: a quarter of the year, Q1 to Q4 ("go live by q#"), not any number
BREAK = "|"  # a clause break: punctuation, or a word such as "but" that starts a new thought

# A number with its decimals ("1.5x", "9,5"); letters and digits; English "n't" and "'d" stay on their word
# ("isn't", "we'd"), other apostrophes split ("c'est" is c, est); a percent sign; clause punctuation.
TOKEN = re.compile(r"\d+(?:[.,]\d+)+\w*|\w+(?:['’][td]\b)?|[%.;:!?,()]")
_QUARTER = re.compile(r"q[1-4]|q#")
_BREAK_WORDS = frozenset({"but", "however", "although", "though", "aber", "jedoch", "sondern", "mais", "cependant",
                          "pero", "sino", "aunque"})
_PUNCTUATION = frozenset(".;:!?,()")
# Stems by language, per word: prospects' texts all differ, their words do not. Bounded, then started afresh.
_CACHE: dict[str, dict[str, str]] = {}
_CACHE_WORDS = 200_000
_stemmers: dict[str, Stemmer.Stemmer] = {}


def stem(word: str, language: str) -> str:
    """The stem of one lowercase word in ``language``."""
    cache = _CACHE.get(language)
    if cache is None:
        cache = _CACHE[language] = {}
    found = cache.get(word)
    if found is None:
        if len(cache) >= _CACHE_WORDS:
            cache.clear()
        found = cache[word] = _stem(word, language)
    return found


def _stem(word: str, language: str) -> str:
    if _QUARTER.fullmatch(word):
        return QUARTER
    if any(c.isdigit() for c in word):
        return NUMBER
    if word in _BREAK_WORDS or word in _PUNCTUATION:
        return BREAK
    if word == "%":
        return word
    stemmer = _stemmers.get(language)
    if stemmer is None:
        stemmer = _stemmers[language] = Stemmer.Stemmer(STEMMERS.get(language, "english"))
    return str(stemmer.stemWord(word.replace("’", "'")))


def stems(words: list[str], language: str) -> list[str]:
    """The stems of many lowercase words, through the same cache as stem()."""
    cache = _CACHE.get(language)
    if cache is None or len(cache) >= _CACHE_WORDS:
        cache = _CACHE[language] = {}
    out = []
    for word in words:
        found = cache.get(word)
        if found is None:
            found = cache[word] = _stem(word, language)
        out.append(found)
    return out


def tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The lowercase words of ``text`` and where each stands in it."""
    lowered = text.lower()
    if len(lowered) == len(text):  # almost always: the places in the lowered text are the text's own
        found = list(TOKEN.finditer(lowered))
        return [m.group() for m in found], [m.span() for m in found]
    found = list(TOKEN.finditer(text))
    return [m.group().lower() for m in found], [m.span() for m in found]


def stem_phrase(phrase: str, language: str) -> tuple[str, ...]:
    """A lexicon phrase as the stems it matches; "#" stands for any number, hyphens split words."""
    words, _ = tokens(re.sub(r"(?<!q)#", " 0 ", phrase.replace("q#", "q1")))
    return tuple(s for s in stems(words, language) if s != BREAK)
