"""Template filters: dates as the reader reads them (``leads.dates``), and the prospect's phrases that scored,
highlighted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from flask import Flask
from markupsafe import Markup, escape

from leads import dates
from leads.web.labels import details_in_words, in_words


def human_date(value: dt.date | dt.datetime | None, style: str = "datetime") -> str:
    """``value`` in the reader's zone and language (see ``leads.dates`` for the styles); "" for nothing."""
    return "" if value is None else dates.show(value, dates.reader(), style)


def reader_zone() -> str:
    """The zone the page's times are shown in, named as people read it (for a <time>'s title)."""
    return dates.zone_label(dates.reader().zone)


def highlight(text: str, spans: Iterable[Sequence[int] | None]) -> Markup:
    """Escape ``text`` and wrap each (start, end) span in <mark>, merging overlaps."""
    ordered = sorted((int(s[0]), int(s[1])) for s in spans if s)
    out, cursor = [], 0
    for start, end in ordered:
        start = max(start, cursor)
        if start >= end:
            continue
        out.append(escape(text[cursor:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def as_datetime(value: str) -> dt.datetime | None:
    """An ISO time kept in an event's data, for ``local_time``; None for anything else."""
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def duration(value: dt.timedelta | None) -> str:
    """A wait as people say it: "45 minutes", "3 hours", "2 days"."""
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if minutes < 48 * 60:
        return f"{minutes // 60} hours"
    return f"{minutes // 1440} days"


def words(value: object, kind: str) -> str:
    """A stored value in words (``leads/web/labels.py``): ``{{ lead.route | words('route') }}``."""
    return in_words(kind, value)


def register(app: Flask) -> None:
    app.add_template_filter(words)
    app.add_template_filter(details_in_words, "details_in_words")
    app.add_template_filter(human_date)
    app.add_template_filter(highlight)
    app.add_template_global(reader_zone)
    app.add_template_filter(as_datetime)
    app.add_template_filter(duration)
