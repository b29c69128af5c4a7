"""Which supported language a text is written in, through py3langid (a maintained fork of langid.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

SUPPORTED_LANGUAGES = ("en", "de", "fr", "es")
DEFAULT_LANGUAGE = "en"
# Below this probability (or under a few words) the guess is noise: "none" reads as French to a
# character model, so short or unsure texts count as the default language.
MIN_PROBABILITY = 0.8
MIN_LETTERS = 12


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # Loaded on first use (under a second), restricted to the languages the lexicon can hold.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED_LANGUAGES))
    return identifier


@lru_cache(maxsize=8192)
def detect_language(text: str) -> str:
    """One of SUPPORTED_LANGUAGES; never raises, whatever the text holds."""
    if sum(c.isalpha() for c in text[:400]) < MIN_LETTERS:
        return DEFAULT_LANGUAGE
    try:
        language, probability = _identifier().classify(text[:2000])
    except Exception:  # noqa: BLE001 - a guess that fails is the default language, never an error page
        return DEFAULT_LANGUAGE
    if language not in SUPPORTED_LANGUAGES or probability < MIN_PROBABILITY:
        return DEFAULT_LANGUAGE
    return str(language)
