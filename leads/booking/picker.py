"""The slot picker: the times a prospect may book, in their time zone, as a partial any page can show (booking's own
pages, and the result page of the questionnaire for a ready buyer who asked to talk)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone, get_timezone_gmt, get_timezone_location
from flask import current_app, request, url_for
from flask_babel import gettext as _

from leads import clock
from leads.booking.availability import Slot as OfferedSlot
from leads.booking.forms import SlotForm, ZoneForm
from leads.booking.mails import when_text
from leads.booking.meetings import Offer, book_token, can_book, meeting_token, offer, upcoming_meeting
from leads.dates import ZONES, reader, zone_or_default
from leads.models import Submission
from leads.scoring.score import Verdict

# The zones people pick from: Area/City names and UTC, not the legacy aliases (US/Eastern, Etc/GMT+5…).
SORTED_ZONES = sorted(z for z in ZONES if z == "UTC" or ("/" in z and z.split("/")[0] in {
    "Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}))


ZoneChoices = list[tuple[str, str]]


def _sort_key(label: str) -> str:
    """Alphabetical as a reader of any of the shipped languages expects: accents and case aside."""
    return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=32)
def _zone_names(locale: str, day: dt.date) -> tuple[tuple[str, str, str], ...]:
    """Each zone of the picker as (zone, label, its country's code) in ``locale``, on ``day`` (whose offsets,
    daylight saving included, the labels show): "Deutschland – Berlin (GMT+01:00)", in CLDR's words."""
    countries = Locale.parse(locale).territories
    territory_of = get_global("zone_territories")
    noon = dt.datetime.combine(day, dt.time(12), dt.UTC)
    named = []
    for zone in SORTED_ZONES:
        tz = get_timezone(zone)
        offset = get_timezone_gmt(noon.astimezone(tz), locale=locale)
        if zone == "UTC":
            named.append((zone, f"UTC ({offset})", ""))
            continue
        city = get_timezone_location(tz, locale=locale, return_city=True)
        country = countries.get(territory_of.get(zone, ""), "")
        place = f"{country} – {city}" if country and country != city else city
        named.append((zone, f"{place} ({offset})", territory_of.get(zone, "")))
    return tuple(sorted(named, key=lambda item: _sort_key(item[1])))


def zone_choices(chosen: str) -> dict[str, ZoneChoices]:
    """The time zones a prospect picks from, named in their language by Babel (CLDR), not as IANA names: the
    likely ones first (the one shown now, the team's, and those of the reader's own country), then every other
    zone by country. The value sent stays the IANA name."""
    locale = reader().locale
    named = _zone_names(locale, clock.now().date())
    home = Locale.parse(locale).territory or ""
    likely = [chosen, zone_or_default(current_app.config["WORKING_TIMEZONE"])]
    likely += [zone for zone, _label, country in named if country and country == home]
    labels = {zone: label for zone, label, _country in named}
    first = dict.fromkeys(likely)
    suggested = [(zone, labels.get(zone, zone.replace("_", " "))) for zone in first]
    # Each zone once: a select may hold only one selected option, and one name per value reads best.
    return {_("Suggested"): suggested,
            _("All time zones"): [(zone, label) for zone, label, _c in named if zone not in first]}


def chosen_zone() -> str:
    """The zone the page was asked to show times in, else the team's."""
    return zone_or_default(request.values.get("tz"), current_app.config["WORKING_TIMEZONE"])


def _slot_form(slots: list[OfferedSlot], zone: str, chosen: str = "") -> SlotForm:
    form = SlotForm(formdata=None, tz=zone, slot=chosen or None)
    form.slot.choices = [(slot.value, when_text(slot.start, zone).rsplit(" (", 1)[0]) for slot in slots]
    return form


def slots_context(shown: Offer, zone: str, action: str, limit: int | None = None) -> dict[str, object]:
    """What the slot picker needs, on the booking, meeting and result pages alike."""
    return {"offer": shown, "zone": zone, "zone_form": ZoneForm(zone_choices(zone), formdata=None, tz=zone),
            "slot_form": _slot_form(shown.slots[:limit], zone), "slot_action": action}


def booking_context(submission: Submission) -> dict[str, object]:
    """On a ready buyer's result page: the booked meeting, or the slots to book one, when they asked to talk."""
    lead = submission.lead
    if submission.verdict != Verdict.SALES_READY or not can_book(lead):
        return {}
    if (booked := upcoming_meeting(lead.id)) is not None:
        return {"booked": booked, "booked_url": url_for("booking.meeting", token=meeting_token(booked)),
                "booked_when": when_text(booked.start, booked.timezone)}
    shown = offer(lead)
    if not shown.slots:  # nobody can take a meeting: the page promises a reply instead
        return {}
    token = book_token(lead.id)
    action = url_for("booking.confirm", token=token)
    return {**slots_context(shown, chosen_zone(), action, limit=12), "book_token": token}


