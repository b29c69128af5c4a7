"""Words of a text as Snowball stems (PyStemmer), with where each word stands, for phrase matching."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

STEMMERS = {"en": "english", "de": "german", "fr": "french", "es": "spanish"}
NUMBER = "#"  # in a phrase: any word holding a digit ("book # demos a week")
QUARTER = "q#"  # in a phrase: a quarter of the year, Q1 to Q4 ("go live by q#"), not any number
BREAK = "|"  # a clause break: punctuation, or a word such as "but" that starts a new thought

# Letters and digits with inner apostrophes ("isn't", "n'est"), a percent sign, or clause punctuation.
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|%|[.;:!?,()]")
_QUARTER = re.compile(r"q[1-4]|q#")
_BREAK_WORDS = frozenset({"but", "however", "although", "though", "aber", "jedoch", "sondern", "mais", "cependant",
                          "pero", "sino", "aunque"})


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: its stem in the text's language, its English stem, and where it stands."""

    stem: str
    english: str
    start: int
    end: int
    lower: str


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMERS.get(language, "english"))


@lru_cache(maxsize=65536)
def stem(token: str, language: str) -> str:
    """The stem of one lowercase word; cached, since prospects reuse the same few thousand words."""
    if _QUARTER.fullmatch(token):
        return QUARTER
    if any(c.isdigit() for c in token):
        return NUMBER
    if token in _BREAK_WORDS or not token[0].isalnum():
        return BREAK if token not in ("%",) else token
    return str(_stemmer(language).stemWord(token))


def _pieces(token: str) -> list[tuple[str, int]]:
    """A token split at apostrophes ("c'est" -> c, est), keeping English "n't" whole as the negation it is."""
    lower = token.lower().replace("’", "'")
    if "'" not in lower or lower.endswith("n't"):
        return [(lower, 0)]
    out, at = [], 0
    for piece in lower.split("'"):
        if piece:
            out.append((piece, at))
        at += len(piece) + 1
    return out


def words(text: str, language: str) -> tuple[Word, ...]:
    """Every word of ``text`` with its stem in ``language`` and in English (English phrases are always tried)."""
    return _words(text, language)


@lru_cache(maxsize=4096)
def _words(text: str, language: str) -> tuple[Word, ...]:
    out = []
    for match in _TOKEN.finditer(text):
        for piece, offset in _pieces(match.group()):
            start = match.start() + offset
            english = stem(piece, "en")
            local = english if language == "en" else stem(piece, language)
            out.append(Word(local, english, start, start + len(piece), piece))
    return tuple(out)


def stem_phrase(phrase: str, language: str) -> tuple[str, ...]:
    """A lexicon phrase as the stems it matches; "#" stands for any number, hyphens split words."""
    stems = []
    for match in _TOKEN.finditer(re.sub(r"(?<!q)#", " 0 ", phrase.replace("q#", "q1"))):
        for piece, _ in _pieces(match.group()):
            stems.append(stem(piece, language))
    return tuple(s for s in stems if s != BREAK)
