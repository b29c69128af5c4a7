"""Which supported language a text is written in: its common words first, else py3langid (a maintained fork
of langid.py) restricted to the supported languages."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .words import tokens

SUPPORTED_LANGUAGES = ("en", "de", "fr", "es")
DEFAULT_LANGUAGE = "en"
# Below this probability (or under a few letters) the guess is noise: "none" reads as French to a
# character model, so short or unsure texts count as the default language.
MIN_PROBABILITY = 0.8
MIN_LETTERS = 12
# Words that only one of the languages uses often. A text that clearly leans on one set is that language,
# without the character model (which costs about as much as the rest of scoring a text).
COMMON_WORDS = {
    "en": frozenset("the and we our to of is are for with this that have has they you my it was be".split()),
    "de": frozenset("der die das und wir unser unsere ist nicht mit für ein eine ich sie auf den dem von "
                    "kein keine haben sind".split()),
    "fr": frozenset("le les et nous notre nos est pas pour avec des une du ce je il qui sont ne au aux".split()),
    "es": frozenset("el los las y nosotros nuestro nuestra para con una del se por necesitamos tenemos lo muy "
                    "está estamos".split()),
}
CLEAR_LEAD = 3  # distinct common words, and at least twice the next language's


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # Loaded on first use (under a second), restricted to the languages the lexicon can hold.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED_LANGUAGES))
    return identifier


def detect_language(text: str, words: Sequence[str] | None = None) -> str:
    """One of SUPPORTED_LANGUAGES; never raises, whatever the text holds. ``words`` are its lowercase words,
    when the caller has them already."""
    if words is None:
        words = tokens(text[:2000])[0]
    if sum(map(len, words[:100])) < MIN_LETTERS:  # the words' characters: enough to tell a language by?
        return DEFAULT_LANGUAGE
    distinct = set(words)
    hits = sorted(((len(common & distinct), language) for language, common in COMMON_WORDS.items()), reverse=True)
    (best, language), (second, _) = hits[0], hits[1]
    if best >= CLEAR_LEAD and best >= 2 * second:
        return language
    try:
        language, probability = _identifier().classify(text[:2000])
    except Exception:  # noqa: BLE001 - a guess that fails is the default language, never an error page
        return DEFAULT_LANGUAGE
    if language not in SUPPORTED_LANGUAGES or probability < MIN_PROBABILITY:
        return DEFAULT_LANGUAGE
    return str(language)
