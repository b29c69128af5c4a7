"""The languages Doorstep speaks to people: which ones ship, how each is named, and which is chosen.

Pure: no Flask. The web layer (``leads.web.locale``) asks ``choose`` with what a request offers; the content
loader, the mails and the dates read the same table, so a language added here is added everywhere at once
(with its catalog in ``leads/translations/<code>``, its CLDR formats from Babel and its stemmer in scoring).
"""

from __future__ import annotations

from collections.abc import Iterable

# Each shipped language: its CLDR locale (whose date, number and zone formats it reads) and its name in
# itself, as a switcher shows it. English is written in British style (day before month, a 24-hour clock).
SHIPPED: dict[str, tuple[str, str]] = {
    "en": ("en_GB", "English"),
    "de": ("de_DE", "Deutsch"),
    "fr": ("fr_FR", "Français"),
    "es": ("es_ES", "Español"),
}
CODES = tuple(SHIPPED)
# The site's default unless DOORSTEP_DEFAULT_LANGUAGE says otherwise: its pages carry no /xx/ prefix.
FALLBACK = "en"


def N_(text: str) -> str:
    """Marks words for the catalogs (Babel extracts ``N_``) without translating them: a pure module words things
    in English, and the page or mail says them in its reader's language."""
    return text


def is_shipped(code: object) -> bool:
    return isinstance(code, str) and code in SHIPPED


def locale_of(code: str) -> str:
    """The CLDR locale a language's dates and numbers are written in."""
    return SHIPPED.get(code, SHIPPED[FALLBACK])[0]


def name_of(code: str) -> str:
    """A language's name in itself: "Deutsch"."""
    return SHIPPED.get(code, SHIPPED[FALLBACK])[1]


def choose(in_url: str | None, remembered: str | None, accepted: Iterable[str], default: str) -> str:
    """The language to speak: the one in the URL, else the visitor's remembered choice, else the first of their
    browser's languages (best first) that ships, else the site's default."""
    for candidate in (in_url, remembered, *(tag.split("-")[0].split("_")[0].lower() for tag in accepted)):
        if is_shipped(candidate):
            return str(candidate)
    return default
