"""Template filters: dates as the reader reads them (``leads.dates``), and the prospect's phrases highlighted:
those that scored, and, marked apart, those their context voided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask
from flask_babel import ngettext
from markupsafe import Markup, escape

from leads import dates
from leads.scoring.score import voided_by
from leads.web.labels import details_in_words, in_sentence, in_words


def human_date(value: dt.date | dt.datetime | None, style: str = "datetime") -> str:
    """``value`` in the reader's zone and language (see ``leads.dates`` for the styles); "" for nothing."""
    return "" if value is None else dates.show(value, dates.reader(), style)


def reader_zone() -> str:
    """The zone the page's times are shown in, named as people read it (for a <time>'s title)."""
    return dates.zone_label(dates.reader().zone)


def highlight(text: str, spans: Iterable[Sequence[Any] | None]) -> Markup:
    """Escape ``text`` and wrap each (start, end) span in <mark>, merging overlaps. A span with a third item,
    a reason ("hypothetical: Owns or has a budget"), is a phrase that earned nothing: marked apart, with the
    reason on hover and for screen readers."""
    ordered = sorted((int(s[0]), int(s[1]), str(s[2]) if len(s) > 2 else "") for s in spans if s)
    out, cursor = [], 0
    for start, end, reason in ordered:
        start = max(start, cursor)
        if start >= end:
            continue
        out.append(escape(text[cursor:start]))
        if reason:
            out.append(Markup('<mark class="voided" title="{}">{}<span class="visually-hidden"> ({}, no points)'
                              "</span></mark>").format(reason, text[start:end], reason))
        else:
            out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def own_words(receipt: Iterable[Mapping[str, Any]], question: str) -> list[tuple[int, int, str]]:
    """The places in an answer of the phrases the receipt names: those that scored, and those that earned nothing
    because of their context, with the reason (for ``highlight``)."""
    spans = []
    for row in receipt:
        span = row.get("span")
        if not span or row.get("question") != question:
            continue
        if int(row.get("points") or 0) > 0:
            spans.append((int(span[0]), int(span[1]), ""))
        elif reason := voided_by(row):
            spans.append((int(span[0]), int(span[1]), _reason(row, reason)))
    return spans


def receipt_marks(row: Mapping[str, Any]) -> list[tuple[int, int, str]]:
    """The words to mark in one receipt line's excerpt: the scored phrase, or a voided one with its reason."""
    mark = row.get("mark")
    if not mark:
        return []
    if int(row.get("points") or 0) > 0:
        return [(int(mark[0]), int(mark[1]), "")]
    reason = voided_by(row)
    return [(int(mark[0]), int(mark[1]), _reason(row, reason))] if reason else []


def voided_lines(receipt: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The receipt lines of phrases their context voided."""
    return [row for row in receipt if voided_by(row)]


def _reason(row: Mapping[str, Any], reason: str) -> str:
    label = str(row.get("label", ""))
    return label if label.startswith(f"{reason}:") else f"{reason}: {label}"


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
        return str(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    if minutes < 48 * 60:
        return str(ngettext("%(num)d hour", "%(num)d hours", minutes // 60))
    return str(ngettext("%(num)d day", "%(num)d days", minutes // 1440))


def language_name(code: str | None) -> str:
    """A language by its name in the reader's own: "German" for an English reader, "Deutsch" for a German one."""
    if not code:
        return ""
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(dates.spoken_language())) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]  # French and Spanish write "allemand", "alemán"; a label starts upper


def words(value: object, kind: str) -> str:
    """A stored value in words (``leads/web/labels.py``): ``{{ lead.route | words('route') }}``."""
    return in_words(kind, value)


def register(app: Flask) -> None:
    app.add_template_filter(words)
    app.add_template_filter(language_name)
    app.add_template_filter(in_sentence)
    app.add_template_filter(details_in_words, "details_in_words")
    app.add_template_filter(human_date)
    app.add_template_filter(highlight)
    app.add_template_filter(own_words)
    app.add_template_filter(receipt_marks)
    app.add_template_filter(voided_lines)
    app.add_template_global(reader_zone)
    app.add_template_filter(as_datetime)
    app.add_template_filter(duration)
