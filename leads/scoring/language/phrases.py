"""Lexicon phrases matched on stems, across small gaps, typos and note-style labels, each with its context (negated,
hypothetical, in the past, asked, hedged): the index a model compiles once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .context import Context, ContextRules, Marks
from .detect import DEFAULT_LANGUAGE, detect_language
from .typos import TypoReader
from .words import BREAK, stem_phrase, stems, tokens

MONTH = "m#"  # in a phrase: a month's name in any of the four languages ("by m#", "antes de m#")
# "May" is left out: it is a hedge ("we may need") far more often than a deadline.
MONTHS = frozenset(
    "january february march april june july august september october november december "
    "januar februar märz april juni juli oktober dezember "
    "janvier février mars avril juin juillet août septembre octobre novembre décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre".split())
LABEL_WORDS = 2  # "Budget: approved", "Decision maker: me": a colon after a short label joins, not breaks
_FILLER = ""  # a word that matches nothing but counts in a gap


@dataclass(frozen=True)
class PhraseSpec:
    """One phrase as the marketer wrote it: its group (by index), language and the gap its words allow."""

    group: int
    language: str
    phrase: str
    gap: int


class PhraseMatch(NamedTuple):
    """Where a phrase matched: characters and words of the text, and the context that voids it, if one does.
    (A named tuple: texts full of signals make a dozen of these each, and tuples are built fastest.)"""

    spec: PhraseSpec
    start: int
    end: int
    first_word: int
    last_word: int
    context: Context | None = None
    cue: str = ""  # the trigger's words as written ("if", "last year", "?")
    cue_start: int = -1  # where the trigger stands, so the receipt shows it with the phrase
    cue_end: int = -1
    stems: tuple[str, ...] = ()  # what it matched on: "urgent" and "urgently" are one phrase
    typos: tuple[tuple[str, str], ...] = ()  # (as written, the lexicon's word) for each word read as a typo


@dataclass(frozen=True)
class _Compiled:
    number: int  # its place among the index's phrases: a cheap key for "found already"
    spec: PhraseSpec
    stems: tuple[str, ...]
    rest: frozenset[str]  # its other stems: a text lacking any of them cannot match


class PhraseIndex:
    """Every phrase of a model, by language and first stem, so one pass over a text's words finds them all."""

    def __init__(self, specs: Iterable[PhraseSpec],
                 triggers: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> None:
        self.by_language: dict[str, dict[str, list[_Compiled]]] = {}
        self.context = ContextRules(triggers)
        written: set[tuple[int, str, tuple[str, ...]]] = set()
        words_by_language: dict[str, dict[str, str]] = {}
        for number, spec in enumerate(specs):
            phrase_stems = tuple(MONTH if s == "m" else s for s in stem_phrase(spec.phrase.replace("m#", "m"),
                                                                                 spec.language))
            # "waste time", "wasting time" and "wasted time" are one phrase once stemmed: index it once.
            if phrase_stems and (spec.group, spec.language, phrase_stems) not in written:
                written.add((spec.group, spec.language, phrase_stems))
                self.by_language.setdefault(spec.language, {}).setdefault(phrase_stems[0], []).append(
                    _Compiled(number, spec, phrase_stems, frozenset(phrase_stems[1:])))
                words = tokens(spec.phrase)[0]
                if len(words) == len(phrase_stems):
                    words_by_language.setdefault(spec.language, {}).update(zip(words, phrase_stems, strict=True))
        self.months = any(MONTH in c.stems for index in self.by_language.values() for listed in index.values()
                          for c in listed)
        self.typos = TypoReader(words_by_language)

    def find(self, text: str) -> list[PhraseMatch]:
        """Every phrase that matches ``text``, each at its first place, in context or not, in text order.

        English phrases are tried on every text (prospects mix in English words); the phrases of the
        text's own language too, when it is another. Typos are read in the text's own language only.
        """
        words, spans = tokens(text)
        if not words:
            return []
        language = detect_language(text, words)
        has_colon = ":" in words
        has_month = self.months and not MONTHS.isdisjoint(words)
        found: dict[int, PhraseMatch] = {}  # each phrase where it is affirmed, else where it first stood
        voided: list[PhraseMatch] = []
        marks: Marks | None = None
        for lang in (DEFAULT_LANGUAGE, language) if language != DEFAULT_LANGUAGE else (DEFAULT_LANGUAGE,):
            index = self.by_language.get(lang)
            if not index:
                continue
            keys = stems(words, lang)
            if has_colon:
                keys = _note_style(words, keys)
            if has_month:
                keys = [MONTH if w in MONTHS else k for w, k in zip(words, keys, strict=True)]
            read_as = self.typos.read(words, keys, lang) if lang == language else {}
            for i, typo_stem in read_as.items():
                keys[i] = typo_stem[1]
            present = set(keys)
            # Only phrases whose every stem is in the text can match: found once per text, not per word.
            viable = {first: ok for first in present.intersection(index)
                      if (ok := [c for c in index[first] if c.rest <= present])}
            if not viable:
                continue
            if marks is None:
                marks = self.context.marks(words, keys, language)
            for i, key in enumerate(keys):
                candidates = viable.get(key)
                if candidates is None:
                    continue
                for compiled in candidates:
                    number = compiled.number
                    earlier = found.get(number)
                    if earlier is not None and earlier.context is None:
                        continue
                    positions = [i] if len(compiled.stems) == 1 else _follow(keys, i, compiled.stems,
                                                                             compiled.spec.gap)
                    if positions is None:
                        continue
                    match = _match(text, spans, compiled, positions, marks, read_as)
                    if earlier is None:
                        found[number] = match
                    elif match.context is None:
                        # Voided where it first stood, affirmed later ("not short on demos, short on demos
                        # that close"): both show, and the later one counts.
                        voided.append(earlier)
                        found[number] = match
        # Longest first where two start together, so a negated long phrase is not undercut by a short one in it.
        return sorted([*voided, *found.values()], key=lambda m: (m.start, -m.end))


def _note_style(words: Sequence[str], keys: list[str]) -> list[str]:
    """A colon right after a short label ("Budget: approved", "Decision: me and the CEO") reads as the
    sentence it stands for: it joins label and value instead of ending the clause. (A dash needs nothing:
    it is no word, so "Timeline - ASAP" already reads as "Timeline ASAP".)"""
    since_break = 0
    for i, key in enumerate(keys):
        if key != BREAK:
            since_break += 1
        elif words[i] == ":" and 0 < since_break <= LABEL_WORDS and i + 1 < len(keys) and keys[i + 1] != BREAK:
            keys[i] = _FILLER
            since_break = LABEL_WORDS + 1
        else:
            since_break = 0
    return keys


def _follow(keys: Sequence[str], first: int, wanted: tuple[str, ...], gap: int) -> list[int] | None:
    """The positions of a phrase's words from ``first``, each within ``gap`` words of the one before."""
    positions = [first]
    at = first
    for stem in wanted[1:]:
        for j in range(at + 1, min(len(keys), at + 2 + gap)):
            if keys[j] == stem:
                at = j
                break
            if keys[j] == BREAK:
                return None
        else:
            return None
        positions.append(at)
    return positions


def _match(text: str, spans: Sequence[tuple[int, int]], compiled: _Compiled, positions: list[int],
           marks: Marks, read_as: Mapping[int, tuple[str, str]]) -> PhraseMatch:
    spec = compiled.spec
    first, last = positions[0], positions[-1]
    start, end = spans[first][0], spans[last][1]
    typos = tuple((text[spans[p][0]:spans[p][1]], read_as[p][0]) for p in positions if p in read_as)
    # The phrase's own words, and the words in its gaps ("budget hasn't been approved"): a trigger among them,
    # or one whose scope reaches them, sets the context; a trigger that is one of the phrase's words does not.
    for p in range(first, last + 1) if marks else ():
        mark = marks.get(p)
        # A trigger that shares a word with the phrase is the phrase ("never call back", "nobody can tell"; "back"
        # of "call back in a week" is no past "back in").
        if mark is not None and not any(mark[1] <= q < mark[2] for q in positions):
            context, cue_first, cue_last = mark
            cue_start, cue_end = spans[cue_first][0], spans[cue_last - 1][1]
            return PhraseMatch(spec, start, end, first, last, context, text[cue_start:cue_end], cue_start, cue_end,
                               compiled.stems, typos)
    return PhraseMatch(spec, start, end, first, last, stems=compiled.stems, typos=typos)
