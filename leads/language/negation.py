"""Negation cues in the supported languages, and the words each one negates.

Hand-written (a NegEx-style window), because no maintained library covers negation scope in English,
German, French and Spanish together: a cue negates the next SCOPE words of its clause, and a clause
ends at punctuation or at a word such as "but". Cues of all four languages are read in every text, so
a mis-detected language still hears "not".
"""

from __future__ import annotations

from collections.abc import Sequence

from .words import BREAK, Word

SCOPE = 5
CUES = frozenset({
    # English ("n't" endings are cues too: isn't, hasn't, don't, won't)
    "no", "not", "never", "without", "none", "nobody", "nothing", "neither", "nor", "cannot", "hardly", "lack",
    "lacking",
    # German
    "kein", "keine", "keinen", "keinem", "keiner", "keines", "nicht", "nie", "niemals", "ohne", "weder",
    # French ("n'" arrives as the word "n")
    "ne", "n", "pas", "jamais", "sans", "aucun", "aucune", "rien", "ni",
    # Spanish
    "nunca", "sin", "ningún", "ninguna", "ninguno", "nada", "tampoco", "jamás",
})
# A cue followed by one of these does not negate what follows: "not only", "no doubt", "nicht nur".
NOT_NEGATING_NEXT = frozenset({"only", "just", "doubt", "matter", "nur", "seulement", "solo", "sólo", "cesse"})


def is_cue(word: str) -> bool:
    return word in CUES or word.endswith("n't")


def negated_positions(text_words: Sequence[Word]) -> dict[int, int]:
    """Each word in a negated scope, mapped to the position of the cue that negates it."""
    negated: dict[int, int] = {}
    for i, word in enumerate(text_words):
        if not is_cue(word.lower):
            continue
        following = text_words[i + 1].lower if i + 1 < len(text_words) else ""
        if following in NOT_NEGATING_NEXT:
            continue
        for j in range(i + 1, min(len(text_words), i + 1 + SCOPE)):
            if text_words[j].stem == BREAK:
                break
            negated.setdefault(j, i)
    return negated


def cue_positions(text_words: Sequence[Word]) -> list[int]:
    return [i for i, w in enumerate(text_words) if is_cue(w.lower)
            and not (i + 1 < len(text_words) and text_words[i + 1].lower in NOT_NEGATING_NEXT)]
