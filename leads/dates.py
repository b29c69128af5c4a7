"""Dates and times as a person reads them: in their own time zone, in their language's one date style.

Every date or time a page or a mail shows goes through ``show``: the templates' ``local_time`` macro and
``human_date`` filter, and meeting mails' ``when_text``. So a reader sees one style everywhere, and a
language added to ``LANGUAGES`` brings its own (Babel's CLDR formats: word order, month names, clock).
``show`` is pure; ``reader()``, like the clock, asks the app who is reading: a mail's recipient (the
worker renders each mail ``reading_as`` them), a signed-in team member in their own zone (their account
setting, which for a rep is also the zone of their working hours), or else a prospect, in the zone a page
knows for them (booking passes it) or the team's working zone. The styles, the same date in each:

- ``date``: "7 December 2026";
- ``datetime``: "7 December 2026, 10:00";
- ``meeting``: "Monday, 7 December 2026, 10:00 (Europe/Berlin)": the weekday and the zone, for a time
  someone plans their day around and may read in another zone than the one it was booked in;
- ``day``: "7 Dec", the abbreviation a chart's axis has room for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel import dates as cldr
from flask import current_app, g, has_request_context
from flask_babel import force_locale, get_locale
from flask_login import current_user

from leads import languages

# The site's languages, each with the CLDR locale whose formats it reads (``leads.languages``).
LANGUAGES = {code: languages.locale_of(code) for code in languages.CODES}
DEFAULT_LANGUAGE = languages.FALLBACK
STYLES = ("date", "datetime", "meeting", "day")
ZONES = frozenset(available_timezones())


def zone_or_default(name: str | None, default: str = "UTC") -> str:
    """A known IANA time zone name, else ``default``: what someone typed never reaches ZoneInfo unchecked."""
    return name if name in ZONES else default


def zone_label(zone: str) -> str:
    """A zone's name as people read it: "America/New York"."""
    return zone.replace("_", " ")


@dataclass(frozen=True)
class Reader:
    """Who reads a date: their time zone (an IANA name) and their language (a key of ``LANGUAGES``)."""

    zone: str = "UTC"
    language: str = DEFAULT_LANGUAGE

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(zone_or_default(self.zone))

    @property
    def locale(self) -> str:
        return LANGUAGES.get(self.language, LANGUAGES[DEFAULT_LANGUAGE])


def show(value: dt.date | dt.datetime, reader: Reader, style: str = "datetime") -> str:
    """``value`` in ``reader``'s zone and language, in ``style`` (one of ``STYLES``).

    A datetime without a zone is taken as UTC, as Doorstep stores every time; a plain date is a calendar
    day (an article's date, a chart's day) and is shown as it is, in no zone.
    """
    if style not in STYLES:
        raise ValueError(f"Unknown date style {style!r}; use one of {', '.join(STYLES)}.")
    moment = None
    if isinstance(value, dt.datetime):
        moment = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(reader.tzinfo)
        value = moment.date()
    if style == "day":
        return cldr.format_skeleton("MMMd", value, locale=reader.locale)
    day = cldr.format_date(value, "full" if style == "meeting" else "long", locale=reader.locale)
    if style == "date" or moment is None:
        return day
    time = cldr.format_time(moment, "short", tzinfo=reader.tzinfo, locale=reader.locale)
    # The locale's own way to join a date and a time (its quotes mark literal words, as Babel reads them).
    joined = str(cldr.get_datetime_format("medium", locale=reader.locale)).replace("'", "")
    text = joined.replace("{0}", time).replace("{1}", day)
    return f"{text} ({zone_label(zone_or_default(reader.zone))})" if style == "meeting" else text


# --- who is reading (the app decides, as it does the time) -------------------------------------------------------


def team_zone() -> str:
    return zone_or_default(current_app.config["WORKING_TIMEZONE"])


def zone_of(user: Any) -> str:
    """A team member's own zone, or the team's working zone until they choose one."""
    return zone_or_default(getattr(user, "timezone", ""), team_zone())


def reader() -> Reader:
    """Who reads what is being drawn now: the mail's recipient, the signed-in team member, or a prospect."""
    chosen = g.get("doorstep_reader")
    if isinstance(chosen, Reader):
        return chosen
    if has_request_context() and current_user.is_authenticated:
        return Reader(zone_of(current_user), spoken_language())
    return Reader(team_zone(), spoken_language())


def spoken_language() -> str:
    """The language of the page or mail being drawn (Flask-Babel's, which ``leads.web.locale`` selects)."""
    locale = get_locale()
    language = locale.language if locale is not None else ""
    return language if languages.is_shipped(language) else str(current_app.config["DEFAULT_LANGUAGE"])


@contextmanager
def reading_as(who: Reader) -> Iterator[Reader]:
    """Draw pages or mails for ``who`` inside the block, in their language (its words through Flask-Babel, its
    links through ``leads.web.locale``); the reader before it is back afterwards."""
    before = g.get("doorstep_reader")
    g.doorstep_reader = who
    try:
        with force_locale(who.language):
            yield who
    finally:
        g.doorstep_reader = before
