"""Lexicon phrases matched on stems, across small gaps, with negation: the index a model compiles once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .detect import DEFAULT_LANGUAGE, detect_language
from .negation import cue_positions, is_cue, negated_positions
from .words import BREAK, NUMBER, Word, stem_phrase, words


@dataclass(frozen=True)
class PhraseSpec:
    """One phrase as the marketer wrote it: its group (by index), language and the gap its words allow."""

    group: int
    language: str
    phrase: str
    gap: int


@dataclass(frozen=True)
class PhraseMatch:
    """Where a phrase matched: characters and words of the text, and the cue that negates it, if one does."""

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
    spec: PhraseSpec
    stems: tuple[str, ...]
    own_cues: int  # how many of the phrase's own words are negation cues ("no pipeline")


class PhraseIndex:
    """Every phrase of a model, by language and first stem, so one pass over a text's words finds them all."""

    def __init__(self, specs: Iterable[PhraseSpec]) -> None:
        self.by_language: dict[str, dict[str, list[_Compiled]]] = {}
        for spec in specs:
            stems = stem_phrase(spec.phrase, spec.language)
            if not stems:
                continue
            own = sum(is_cue(w) for w in spec.phrase.lower().replace("-", " ").split())
            self.by_language.setdefault(spec.language, {}).setdefault(stems[0], []).append(
                _Compiled(spec, stems, own))

    def find(self, text: str) -> list[PhraseMatch]:
        """Every phrase that matches ``text``, each at its first place, negated or not, in text order."""
        language = detect_language(text)
        text_words = words(text, language)
        if not text_words:
            return []
        negated = negated_positions(text_words)
        cues = set(cue_positions(text_words))
        tried = [DEFAULT_LANGUAGE] + ([language] if language != DEFAULT_LANGUAGE else [])
        found: dict[PhraseSpec, PhraseMatch] = {}
        for lang in tried:
            index = self.by_language.get(lang)
            if not index:
                continue
            english = lang == DEFAULT_LANGUAGE
            keys = [w.english if english else w.stem for w in text_words]
            for i, key in enumerate(keys):
                for compiled in index.get(key, ()):
                    spec = compiled.spec
                    if spec in found:
                        continue
                    positions = _follow(keys, i, compiled.stems, spec.gap)
                    if positions is None:
                        continue
                    found[spec] = _match(text, text_words, compiled, positions, negated, cues)
        # Longest first where two start together, so a negated long phrase is not undercut by a short one in it.
        return sorted(found.values(), key=lambda m: (m.start, -m.end))


def _follow(keys: Sequence[str], first: int, stems: tuple[str, ...], gap: int) -> list[int] | None:
    """The positions of a phrase's words from ``first``, each within ``gap`` words of the one before."""
    positions = [first]
    at = first
    for wanted in stems[1:]:
        for j in range(at + 1, min(len(keys), at + 2 + gap)):
            if keys[j] == BREAK:
                return None
            if keys[j] == wanted or (wanted == NUMBER and keys[j] == NUMBER):
                at = j
                break
        else:
            return None
        positions.append(at)
    return positions


def _match(text: str, text_words: Sequence[Word], compiled: _Compiled, positions: list[int],
           negated: dict[int, int], cues: set[int]) -> PhraseMatch:
    spec = compiled.spec
    first, last = positions[0], positions[-1]
    start, end = text_words[first].start, text_words[last].end
    cue = negated.get(first, -1)
    if cue < 0:
        # A cue in a gap between the phrase's words ("budget hasn't been approved") negates it too.
        inside = [k for k in range(first + 1, last) if k in cues and k not in positions]
        cue = inside[0] if inside else -1
    if cue < 0:
        return PhraseMatch(spec, start, end, first, last, stems=compiled.stems)
    return PhraseMatch(spec, start, end, first, last, text_words[cue].lower, text_words[cue].start, compiled.stems)
