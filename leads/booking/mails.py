"""The meeting mails the outbox worker sends: what each says, to the prospect or the rep, with its invitation; and
what booking hands delivery at app creation (``register``): the renderer of these mails, and the meetings' work
the clock makes due."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import gettext as _

from leads import clock
from leads.booking.invite import Invite, invite_ics
from leads.booking.meetings import MAIL_NEEDS, MEETING_MAIL, book_url, meeting_url
from leads.booking.reminders import meeting_work
from leads.dates import ZONES as ZONES  # booking's pages and forms take the zones from here
from leads.dates import Reader, show, spoken_language, zone_of
from leads.dates import zone_or_default as zone_or_default
from leads.delivery import Undeliverable
from leads.delivery.email import Mail, mail_from
from leads.delivery.registry import renders, schedule
from leads.extensions import db
from leads.inbox.statuses import LABELS
from leads.models import Lead, Meeting, OutboxMessage


def register(app: Flask) -> None:
    renders(app, meeting_message, MEETING_MAIL)
    schedule(app, meeting_work)


class NoLongerDue(LookupError):
    """A mail written for a state that has changed since: sending it now would be wrong."""


@dataclass(frozen=True)
class MeetingMail:
    """What the worker needs to send one meeting mail: the subject, the template's context, and the invite."""

    subject: str
    context: dict[str, Any]
    ics: str = ""
    method: str = ""


def when_text(start: dt.datetime, zone: str) -> str:
    """A meeting's time as a person reads it, in ``zone`` and the language being spoken (a page's, or a mail's
    reader's): "Tuesday, 3 March 2026, 10:00 (Europe/Berlin)"."""
    return show(start, Reader(zone_or_default(zone), spoken_language()), "meeting")


def meeting_mail(payload: dict[str, Any], stamp: dt.datetime) -> MeetingMail:
    """The mail an outbox row stands for. Raises LookupError when its lead or meeting is gone, or when what it
    assumes no longer holds (the lead closed, the meeting moved)."""
    lead = db.session.get(Lead, payload.get("lead_id"))
    if lead is None:
        raise LookupError("The lead no longer exists.")
    kind, zone = str(payload["kind"]), zone_or_default(payload.get("timezone"))
    if kind in MAIL_NEEDS and lead.status not in MAIL_NEEDS[kind]:
        raise NoLongerDue(f"Not sent: the lead is {LABELS.get(lead.status, lead.status).lower()} now.")
    context: dict[str, Any] = {"kind": kind, "lead": lead, "audience": payload.get("audience", "prospect"),
                               "book_url": book_url(lead.id)}
    if kind in ("nudge", "after_review"):
        context["slots"] = [when_text(dt.datetime.fromisoformat(s), zone) for s in payload.get("slots", [])]
        return MeetingMail(_("Pick a time to talk, whenever suits you") if kind == "nudge"
                           else _("We've read your answers: pick a time to talk"), context)
    meeting = db.session.get(Meeting, payload.get("meeting_id"))
    if meeting is None:
        raise LookupError("The meeting no longer exists.")
    if kind.startswith("reminder") and (meeting.status != "booked" or meeting.sequence != payload.get("sequence")):
        raise NoLongerDue("Not sent: the meeting was moved or called off after this reminder was written.")
    rep = meeting.rep
    start, end = dt.datetime.fromisoformat(payload["start"]), dt.datetime.fromisoformat(payload["end"])
    rep_zone = zone_of(rep)
    shown_zone = zone if context["audience"] == "prospect" else rep_zone
    context.update(meeting=meeting, rep=rep, when=when_text(start, shown_zone), manage_url=meeting_url(meeting),
                   lead_url=url_for("inbox.lead_detail", lead_id=lead.id, _external=True))
    other = rep.name if context["audience"] == "prospect" else lead.name
    when = context["when"]
    subjects = {
        "booked": _("Booked: a conversation with %(name)s, %(when)s", name=other, when=when),
        "rescheduled": _("Moved: your conversation with %(name)s is now %(when)s", name=other, when=when),
        "canceled": _("Canceled: the conversation with %(name)s, %(when)s", name=other, when=when),
        "reminder_day": _("Tomorrow: your conversation with %(name)s, %(when)s", name=other, when=when),
        "reminder_hour": _("In an hour: your conversation with %(name)s, %(when)s", name=other, when=when),
        "rebook": _("Sorry we missed each other. Pick another time?"),
    }
    # One line, whatever a name holds; a no-break space (French "Réservé : …") stays.
    subject = re.sub(r"[^\S\u00a0]+", " ", subjects.get(kind, kind)).strip()[:200]
    if kind not in ("booked", "rescheduled", "canceled"):
        return MeetingMail(subject, context)
    invite = Invite(
        uid=meeting.uid, sequence=int(payload["sequence"]), start=start, end=end, zone=rep_zone,
        summary=_("%(site)s: %(lead)s and %(rep)s", site=current_app.config["SITE_NAME"], lead=lead.name, rep=rep.name),
        description=_("A conversation about what %(lead)s wrote. Move or cancel it: %(url)s", lead=lead.name,
                      url=meeting_url(meeting)),
        organizer_name=rep.name, organizer_email=rep.email, attendee_name=lead.name, attendee_email=lead.email,
        canceled=kind == "canceled", language=spoken_language())
    return MeetingMail(subject, context, invite_ics(invite, stamp), "CANCEL" if invite.canceled else "REQUEST")


def meeting_message(message: OutboxMessage) -> Mail:
    """An invite, a change, a reminder or a booking link; invites carry the iCalendar part calendars read."""
    try:
        mail = meeting_mail(message.payload, clock.now())
    except LookupError as exc:
        raise Undeliverable(str(exc)) from None
    return mail_from("meeting", mail.subject, mail.context, calendar=mail.ics, method=mail.method)
