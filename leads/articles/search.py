"""Ranks articles against a visitor's query and builds highlighted snippets."""

from __future__ import annotations

import bisect
import html
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Article

TITLE_WEIGHT = 10.0
SUMMARY_WEIGHT = 4.0
BODY_WEIGHT = 1.0
# A word that merely starts with the term ("qualify" -> "qualifying") counts for less.
PREFIX_FACTOR = 0.5
SNIPPET_CHARS = 180
MAX_TERMS = 10

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchHit:
    """One search result: the article, its score, and an escaped snippet with <mark> highlights."""

    article: Article
    score: float
    snippet_html: str


@dataclass(frozen=True)
class FieldWords:
    """Word counts of one field, with the words sorted so prefixes are found by bisection."""

    counts: Counter[str]
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> FieldWords:
        counts = Counter(_WORD.findall(text.lower()))
        return cls(counts, tuple(sorted(counts)))

    def frequency(self, term: str) -> float:
        """Saturated count of ``term``, with words that merely start with it counting for less."""
        exact = self.counts.get(term, 0)
        prefixed = 0
        if len(term) >= 3:
            position = bisect.bisect_right(self.words, term)
            while position < len(self.words) and self.words[position].startswith(term):
                prefixed += self.counts[self.words[position]]
                position += 1
        raw = exact + PREFIX_FACTOR * prefixed
        # Saturate, so a long article that repeats a word does not bury a short focused one.
        return 1.0 + math.log(raw) if raw >= 1 else raw


@dataclass(frozen=True)
class SearchDocument:
    """The searchable fields of one article, computed once per parse."""

    article: Article
    title: FieldWords
    summary: FieldWords
    body: FieldWords

    @classmethod
    def of(cls, article: Article) -> SearchDocument:
        fields = (article.title, article.summary, article.text)
        return cls(article, *(FieldWords.of(text) for text in fields))


def query_terms(query: str) -> list[str]:
    """Distinct lowercase words of ``query``, at most MAX_TERMS of them."""
    return list(dict.fromkeys(_WORD.findall(query.lower())))[:MAX_TERMS]


def search_documents(documents: Iterable[SearchDocument], query: str, limit: int = 20) -> list[SearchHit]:
    """Rank ``documents`` for ``query``: title over summary over body, by term frequency."""
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    scored: list[tuple[float, SearchDocument]] = []
    for document in documents:
        score, matched = 0.0, 0
        for term in terms:
            term_score = (
                TITLE_WEIGHT * document.title.frequency(term)
                + SUMMARY_WEIGHT * document.summary.frequency(term)
                + BODY_WEIGHT * document.body.frequency(term)
            )
            if term_score:
                matched += 1
                score += term_score
        if matched:
            # Articles that match every term beat those matching only some.
            scored.append((round(score * matched / len(terms), 6), document))
    scored.sort(key=lambda item: (-item[0], -item[1].article.date.toordinal(), item[1].article.slug))
    return [SearchHit(doc.article, score, snippet_html(doc.article, terms)) for score, doc in scored[:limit]]


def snippet_html(article: Article, terms: list[str]) -> str:
    """A short excerpt around the first match, HTML-escaped, with matches wrapped in <mark>."""
    pattern = _term_pattern(terms)
    source = article.text
    first = pattern.search(source) if pattern else None
    if first is None:
        summary_match = pattern.search(article.summary) if pattern else None
        if summary_match is not None or not source:
            source, first = article.summary, summary_match
    start = 0
    if first is not None and first.start() > SNIPPET_CHARS // 3:
        start = first.start() - SNIPPET_CHARS // 3
        space = source.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(len(source), start + SNIPPET_CHARS)
    if end < len(source):
        space = source.rfind(" ", start, end)
        end = space if space > start else end
    excerpt = source[start:end]
    parts = ["…"] if start > 0 else []
    position = 0
    for match in pattern.finditer(excerpt) if pattern else ():
        parts.append(html.escape(excerpt[position : match.start()]))
        parts.append(f"<mark>{html.escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(html.escape(excerpt[position:]))
    if end < len(source):
        parts.append("…")
    return "".join(parts)


def _term_pattern(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # Terms of three letters or more also match longer words, as in scoring.
    alternatives = "|".join(
        re.escape(term) + (r"\w*" if len(term) >= 3 else r"\b")
        for term in sorted(terms, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{alternatives})", re.IGNORECASE)
