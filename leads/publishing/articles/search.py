"""Ranks articles against a visitor's query and builds highlighted snippets."""

from __future__ import annotations

import bisect
import html
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from leads.scoring.language import (
    BREAK,
    DEFAULT_LANGUAGE,
    NUMBER,
    SUPPORTED_LANGUAGES,
    detect_language,
    stem,
    stems,
    tokens,
)

from .model import Article

TITLE_WEIGHT = 10.0
SUMMARY_WEIGHT = 4.0
BODY_WEIGHT = 1.0
# A word that merely starts with the term ("qualify" -> "qualifying") counts for less.
PREFIX_FACTOR = 0.5
SNIPPET_CHARS = 180
MAX_TERMS = 10

_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class SearchHit:
    """One search result: the article, its score, and an escaped snippet with <mark> highlights."""

    article: Article
    score: float
    snippet_html: str


@dataclass(frozen=True)
class FieldWords:
    """Stem counts of one field (stems sorted, so prefixes are found by bisection), and the stems in order
    for quoted phrases. Stems come from the same tools as scoring (leads/scoring/language): "budgets" is "budget"."""

    counts: Counter[str]
    words: tuple[str, ...]
    sequence: tuple[str, ...]

    @classmethod
    def of(cls, text: str, language: str = DEFAULT_LANGUAGE) -> FieldWords:
        sequence = tuple(stems(tokens(text)[0], language))
        counts = Counter(s for s in sequence if s not in (BREAK, NUMBER))
        return cls(counts, tuple(sorted(counts)), sequence)

    def frequency(self, term: str) -> float:
        """Saturated count of the stem ``term``, with words whose stem merely starts with it counting for less."""
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

    def phrase_frequency(self, stems: tuple[str, ...]) -> float:
        """Saturated count of the stems standing next to each other, in order."""
        if not stems or stems[0] not in self.counts:
            return 0.0
        size = len(stems)
        raw = sum(1 for i in range(len(self.sequence) - size + 1) if self.sequence[i:i + size] == stems)
        return 1.0 + math.log(raw) if raw >= 1 else 0.0


@dataclass(frozen=True)
class SearchDocument:
    """The searchable fields of one article, computed once per parse, in the article's own language."""

    article: Article
    title: FieldWords
    summary: FieldWords
    body: FieldWords
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def of(cls, article: Article) -> SearchDocument:
        fields = (article.title, article.summary, article.text)
        # The language its folder says; a language scoring cannot stem is guessed from the words.
        language = article.language if article.language in SUPPORTED_LANGUAGES else detect_language(
            " ".join(fields)[:2000])
        title, summary, body = (FieldWords.of(text, language) for text in fields)
        return cls(article, title, summary, body, language)


@dataclass(frozen=True)
class Query:
    """What a visitor typed: loose words, and "quoted phrases" that must appear as written (inflected alike)."""

    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        phrases = [tuple(_WORD.findall(p.lower())) for p in _QUOTED.findall(text)]
        phrases = [p for p in phrases if len(p) > 1]
        loose = _QUOTED.sub(" ", text)
        single = [p[0] for p in (tuple(_WORD.findall(q.lower())) for q in _QUOTED.findall(text)) if len(p) == 1]
        terms = list(dict.fromkeys([*_WORD.findall(loose.lower()), *single]))
        phrases = list(dict.fromkeys(phrases))[:MAX_TERMS]
        return cls(tuple(terms[: MAX_TERMS - len(phrases)]), tuple(phrases))

    def words(self) -> list[str]:
        return [*self.terms, *(w for p in self.phrases for w in p)]


def query_terms(query: str) -> list[str]:
    """Distinct lowercase words of ``query``, at most MAX_TERMS of them."""
    return Query.parse(query).words()[:MAX_TERMS]


def _weighted(document: SearchDocument, frequency: Callable[[FieldWords], float]) -> float:
    return (TITLE_WEIGHT * frequency(document.title) + SUMMARY_WEIGHT * frequency(document.summary)
            + BODY_WEIGHT * frequency(document.body))


def search_documents(documents: Iterable[SearchDocument], query: str, limit: int = 20) -> list[SearchHit]:
    """Rank ``documents`` for ``query``: title over summary over body, by how often the stems occur.

    Query words are stemmed in each article's language, so search works alike in English, German,
    French and Spanish; a quoted phrase must occur, its words in order.
    """
    parsed = Query.parse(query)
    wanted = len(parsed.terms) + len(parsed.phrases)
    if not wanted or limit <= 0:
        return []
    scored: list[tuple[float, SearchDocument]] = []
    for document in documents:
        language = document.language
        score, matched = 0.0, 0
        for term in parsed.terms:
            term_stem = stem(term, language)
            term_score = _weighted(document, lambda f, s=term_stem: f.frequency(s))  # type: ignore[misc]
            if term_score:
                matched += 1
                score += term_score
        missing_phrase = False
        for phrase in parsed.phrases:
            stems = tuple(stem(w, language) for w in phrase)
            phrase_score = _weighted(document, lambda f, s=stems: f.phrase_frequency(s))  # type: ignore[misc]
            if not phrase_score:
                missing_phrase = True
                break
            matched += 1
            score += 2 * phrase_score  # a phrase found as written says more than its words apart
        if matched and not missing_phrase:
            # Articles that match every term beat those matching only some.
            scored.append((round(score * matched / wanted, 6), document))
    scored.sort(key=lambda item: (-item[0], -item[1].article.date.toordinal(), item[1].article.slug))
    return [SearchHit(doc.article, score, snippet_html(doc.article, parsed, doc.language))
            for score, doc in scored[:limit]]


def _marks(text: str, query: Query, language: str) -> list[tuple[int, int]]:
    """Where the query's words (by stem or stem prefix) and phrases stand in ``text``."""
    words, places = tokens(text)
    text_stems = stems(words, language)
    spans: list[tuple[int, int]] = []
    for phrase in query.phrases:
        wanted = stems(list(phrase), language)
        for i in range(len(text_stems) - len(wanted) + 1):
            if text_stems[i:i + len(wanted)] == wanted:
                spans.append((places[i][0], places[i + len(wanted) - 1][1]))
    term_stems = [stem(t, language) for t in query.terms]
    for word_stem, place in zip(text_stems, places, strict=True):
        if any(word_stem == t or (len(t) >= 3 and word_stem.startswith(t)) for t in term_stems):
            spans.append(place)
    return sorted(spans)


def snippet_html(article: Article, query: Query, language: str = DEFAULT_LANGUAGE) -> str:
    """A short excerpt around the first match, HTML-escaped, with matches wrapped in <mark>."""
    source = article.text
    marks = _marks(source, query, language)
    if not marks:
        summary_marks = _marks(article.summary, query, language)
        if summary_marks or not source:
            source, marks = article.summary, summary_marks
    first = marks[0][0] if marks else 0
    start = 0
    if marks and first > SNIPPET_CHARS // 3:
        start = first - SNIPPET_CHARS // 3
        space = source.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(source), start + SNIPPET_CHARS)
    if end < len(source):
        space = source.rfind(" ", start, end)
        end = space if space > start else end
    parts = ["…"] if start > 0 else []
    position = start
    for mark_start, mark_end in marks:
        if mark_start < position or mark_end > end:
            continue
        parts.append(html.escape(source[position:mark_start]))
        parts.append(f"<mark>{html.escape(source[mark_start:mark_end])}</mark>")
        position = mark_end
    parts.append(html.escape(source[position:end]))
    if end < len(source):
        parts.append("…")
    return "".join(parts)
