"""The one rule for text people send: every character is kept, except invisible control characters.

Removed: NUL and the other C0 controls except tab, newline and carriage return; DEL; the C1
controls (U+0080 to U+009F); and Unicode's noncharacters (U+FDD0 to U+FDEF, and the last two code
points of every plane). None of them can be typed into a form, PostgreSQL refuses NUL, HTML
forbids the rest, and terminals and spreadsheets act on them. Everything else, emoji, right-to-left
text, zero-width joiners and markup included, is kept exactly and escaped wherever it is shown.
"""

from __future__ import annotations

import re

_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_UNWANTED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef{_NONCHARACTERS}]")


def clean_text(value: str) -> str:
    """``value`` without the characters the rule removes; unchanged when it has none."""
    return _UNWANTED.sub("", value)


def holds_unwanted(value: str) -> bool:
    """Whether ``value`` holds a character the rule removes."""
    return _UNWANTED.search(value) is not None
