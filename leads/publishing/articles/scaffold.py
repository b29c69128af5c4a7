"""Writes the starting text of a new article, for `doorstep content new`."""

from __future__ import annotations

import datetime
import re
import unicodedata

from .model import STAGES

MAX_SLUG_WORDS = 8


def slug_for(title: str) -> str:
    """A URL slug from a title: lowercase ASCII words joined by hyphens ("Café & Co." -> "cafe-co")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:MAX_SLUG_WORDS])


def new_article(title: str, today: datetime.date, stage: str | None = None) -> str:
    """The Markdown source of a draft article called ``title`` dated ``today``."""
    title = " ".join(title.split())
    if not title:
        raise ValueError("the title must not be empty")
    if stage is not None and stage not in STAGES:
        raise ValueError(f"the stage must be one of {', '.join(STAGES)}")
    quoted_title = title.replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        "---",
        f'title: "{quoted_title}"',
        f"date: {today.isoformat()}",
        "summary: One sentence, under 160 characters, shown in lists and search results.",
        "tags: []",
        f"stage: {stage or 'awareness'}  # awareness | consideration | decision",
        "author:",
        "draft: true  # remove this line to publish",
        "---",
        "",
        "Start with the problem your reader has, in their words.",
        "",
        "## A first heading",
        "",
        "Your text.",
        "",
    ]
    return "\n".join(lines)
