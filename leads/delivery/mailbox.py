"""The development mailbox as admins read it: each kept mail, with a calendar invitation summed up."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from icalendar import Calendar

from leads.delivery.email import local_mailbox


@dataclass(frozen=True)
class Invitation:
    """The calendar invitation a kept mail carries (its text/calendar part), summed up as a calendar shows it."""

    method: str  # REQUEST (new or moved) or CANCEL
    summary: str
    start: dt.datetime | None
    end: dt.datetime | None
    organizer: str
    attendee: str
    ics: str


@dataclass(frozen=True)
class Mail:
    """A mail kept by the development mailbox, as the admins' mailbox page shows it."""

    key: str
    to: str
    subject: str
    date: dt.datetime | None
    message_id: str
    text: str
    html: str
    invitation: Invitation | None = None


def mailbox_mails(limit: int = 100) -> list[Mail]:
    """The mails the development mailbox kept, newest first."""
    box = local_mailbox(current_app.config["MAILBOX_DIR"])
    mails = [_mail(key, box.get_bytes(key)) for key in box.iterkeys()]
    return sorted(mails, key=lambda mail: mail.key, reverse=True)[:limit]


def mailbox_mail(key: str) -> Mail | None:
    box = local_mailbox(current_app.config["MAILBOX_DIR"])
    try:
        return _mail(key, box.get_bytes(key))
    except KeyError:
        return None


def _mail(key: str, stored: bytes) -> Mail:
    # The bytes as kept: a MaildirMessage written out again would fold a long encoded subject anew, and it
    # would read back with a leading space (" Réservé : …").
    parsed = email.message_from_bytes(stored, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    parts = {kind: parsed.get_body(preferencelist=(kind,)) for kind in ("plain", "html")}
    date = parsed["Date"]
    return Mail(key=key, to=str(parsed["To"] or ""), subject=str(parsed["Subject"] or ""),
                date=getattr(date, "datetime", None), message_id=str(parsed["Message-ID"] or ""),
                invitation=_invitation(parsed),
                **{name: part.get_content() if isinstance(part, EmailMessage) else ""
                   for name, part in (("text", parts["plain"]), ("html", parts["html"]))})


def _invitation(parsed: EmailMessage) -> Invitation | None:
    """The mail's calendar part, read with icalendar as a calendar would; None without one (or unreadable)."""
    part = next((p for p in parsed.walk() if p.get_content_type() == "text/calendar"), None)
    if not isinstance(part, EmailMessage):
        return None
    ics = str(part.get_content())
    try:
        calendar = Calendar.from_ical(ics)
        event = next(iter(calendar.walk("VEVENT")))
    except (ValueError, StopIteration):
        return None

    def moment(name: str) -> dt.datetime | None:
        value = event.decoded(name) if name in event else None
        return value if isinstance(value, dt.datetime) else None

    def who(name: str) -> str:
        found = event.get(name)
        return str(found.params.get("CN") or str(found).removeprefix("mailto:")) if found is not None else ""

    return Invitation(method=str(calendar.get("method", "")), summary=str(event.get("summary", "")),
                      start=moment("dtstart"), end=moment("dtend"), organizer=who("organizer"),
                      attendee=who("attendee"), ics=ics)
