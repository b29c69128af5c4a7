"""The slot picker: the times a prospect may book, in their time zone, as a partial any page can show (booking's own
pages, and the result page of the questionnaire for a ready buyer who asked to talk)."""

from __future__ import annotations

from flask import current_app, request, url_for

from leads.booking.availability import Slot as OfferedSlot
from leads.booking.forms import SlotForm, ZoneForm
from leads.booking.mails import when_text
from leads.booking.meetings import Offer, book_token, can_book, meeting_token, offer, upcoming_meeting
from leads.dates import ZONES, zone_or_default
from leads.models import Submission
from leads.scoring.score import Verdict

# The zones people pick from: Area/City names and UTC, not the legacy aliases (US/Eastern, Etc/GMT+5…).
SORTED_ZONES = sorted(z for z in ZONES if z == "UTC" or ("/" in z and z.split("/")[0] in {
    "Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}))


def chosen_zone() -> str:
    """The zone the page was asked to show times in, else the team's."""
    return zone_or_default(request.values.get("tz"), current_app.config["WORKING_TIMEZONE"])


def _slot_form(slots: list[OfferedSlot], zone: str, chosen: str = "") -> SlotForm:
    form = SlotForm(formdata=None, tz=zone, slot=chosen or None)
    form.slot.choices = [(slot.value, when_text(slot.start, zone).rsplit(" (", 1)[0]) for slot in slots]
    return form


def slots_context(shown: Offer, zone: str, action: str, limit: int | None = None) -> dict[str, object]:
    """What the slot picker needs, on the booking, meeting and result pages alike."""
    return {"offer": shown, "zone": zone, "zone_form": ZoneForm(SORTED_ZONES, formdata=None, tz=zone),
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


