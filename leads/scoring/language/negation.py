"""Negation cues in the supported languages, and the words each one negates.

Hand-written (a NegEx-style window), because no maintained library covers negation scope in English,
German, French and Spanish together: a cue negates the next SCOPE words of its clause, and a clause
ends at punctuation or at a word such as "but". Cues of all four languages are read in every text, so
a mis-detected language still hears "not".
"""

from __future__ import annotations

from collections.abc import Sequence

from .words import BREAK

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
    return word in CUES or word.endswith(("n't", "n’t"))


def cue_positions(words: Sequence[str]) -> list[int]:
    """Where the cues stand that negate what follows them."""
    if CUES.isdisjoint(words) and not any("'t" in w or "’t" in w for w in words):
        return []
    last = len(words) - 1
    return [i for i, w in enumerate(words) if (w in CUES or w.endswith(("n't", "n’t")))
            and not (i < last and words[i + 1] in NOT_NEGATING_NEXT)]


def negated_positions(stems: Sequence[str], cues: Sequence[int]) -> dict[int, int]:
    """Each word in a negated scope, mapped to the position of the cue that negates it."""
    negated: dict[int, int] = {}
    for i in cues:
        for j in range(i + 1, min(len(stems), i + 1 + SCOPE)):
            if stems[j] == BREAK:
                break
            negated.setdefault(j, i)
    return negated
