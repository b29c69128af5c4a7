"""Lexicon phrases matched on stems, across small gaps, with negation: the index a model compiles once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .detect import DEFAULT_LANGUAGE, detect_language
from .negation import cue_positions, negated_positions
from .words import BREAK, stem_phrase, stems, tokens


@dataclass(frozen=True)
class PhraseSpec:
    """One phrase as the marketer wrote it: its group (by index), language and the gap its words allow."""

    group: int
    language: str
    phrase: str
    gap: int


class PhraseMatch(NamedTuple):
    """Where a phrase matched: characters and words of the text, and the cue that negates it, if one does.
    (A named tuple: texts full of signals make a dozen of these each, and tuples are built fastest.)"""

    spec: PhraseSpec
    start: int
    end: int
    first_word: int
    last_word: int
    negated_by: str = ""
    cue_start: int = -1  # where the negating cue starts, so the receipt shows it with the phrase
    stems: tuple[str, ...] = ()  # what it matched on: "urgent" and "urgently" are one phrase


@dataclass(frozen=True)
class _Compiled:
    number: int  # its place among the index's phrases: a cheap key for "found already"
    spec: PhraseSpec
    stems: tuple[str, ...]
    rest: frozenset[str]  # its other stems: a text lacking any of them cannot match


class PhraseIndex:
    """Every phrase of a model, by language and first stem, so one pass over a text's words finds them all."""

    def __init__(self, specs: Iterable[PhraseSpec]) -> None:
        self.by_language: dict[str, dict[str, list[_Compiled]]] = {}
        written: set[tuple[int, str, tuple[str, ...]]] = set()
        for number, spec in enumerate(specs):
            phrase_stems = stem_phrase(spec.phrase, spec.language)
            # "waste time", "wasting time" and "wasted time" are one phrase once stemmed: index it once.
            if phrase_stems and (spec.group, spec.language, phrase_stems) not in written:
                written.add((spec.group, spec.language, phrase_stems))
                self.by_language.setdefault(spec.language, {}).setdefault(phrase_stems[0], []).append(
                    _Compiled(number, spec, phrase_stems, frozenset(phrase_stems[1:])))

    def find(self, text: str) -> list[PhraseMatch]:
        """Every phrase that matches ``text``, each at its first place, negated or not, in text order.

        English phrases are tried on every text (prospects mix in English words); the phrases of the
        text's own language too, when it is another.
        """
        words, spans = tokens(text)
        if not words:
            return []
        language = detect_language(text, words)
        cues = cue_positions(words)
        found: dict[int, PhraseMatch] = {}
        negated: dict[int, int] | None = None
        for lang in (DEFAULT_LANGUAGE, language) if language != DEFAULT_LANGUAGE else (DEFAULT_LANGUAGE,):
            index = self.by_language.get(lang)
            if not index:
                continue
            keys = stems(words, lang)
            present = set(keys)
            # Only phrases whose every stem is in the text can match: found once per text, not per word.
            viable = {first: ok for first in present.intersection(index)
                      if (ok := [c for c in index[first] if c.rest <= present])}
            if not viable:
                continue
            if negated is None:
                negated = negated_positions(keys, cues)
            for i, key in enumerate(keys):
                candidates = viable.get(key)
                if candidates is None:
                    continue
                for compiled in candidates:
                    number = compiled.number
                    if number in found:
                        continue
                    positions = [i] if len(compiled.stems) == 1 else _follow(keys, i, compiled.stems,
                                                                             compiled.spec.gap)
                    if positions is not None:
                        found[number] = _match(words, spans, compiled, positions, negated, cues)
        # Longest first where two start together, so a negated long phrase is not undercut by a short one in it.
        return sorted(found.values(), key=lambda m: (m.start, -m.end))


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


def _match(words: Sequence[str], spans: Sequence[tuple[int, int]], compiled: _Compiled, positions: list[int],
           negated: dict[int, int], cues: Sequence[int]) -> PhraseMatch:
    spec = compiled.spec
    first, last = positions[0], positions[-1]
    start, end = spans[first][0], spans[last][1]
    cue = negated.get(first, -1)
    if cue < 0:
        # A cue in a gap between the phrase's words ("budget hasn't been approved") negates it too.
        inside = [k for k in cues if first < k < last and k not in positions]
        cue = inside[0] if inside else -1
    if cue < 0:
        return PhraseMatch(spec, start, end, first, last, stems=compiled.stems)
    return PhraseMatch(spec, start, end, first, last, words[cue], spans[cue][0], compiled.stems)

