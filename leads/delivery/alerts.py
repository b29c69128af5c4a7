"""Who hears about an event by email, and what the mail says: decisions from plain data, no sending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from leads.delivery.payload import why_ready

Audience = Literal["owner", "admins"]

# Which events are mailed, and to whom. A ready lead nobody could be given to goes to the admins instead.
EMAIL_AUDIENCE: dict[str, Audience] = {
    "lead.sales_ready": "owner",
    "lead.assigned": "owner",
    "lead.sla_missed": "admins",
}

HEADLINES = {
    "lead.sales_ready": "is ready to talk",
    "lead.assigned": "has been handed to you",
    "lead.sla_missed": "is still waiting for a first reply",
}


def audience(topic: str, has_owner: bool) -> Audience | None:
    """Who gets a mail about ``topic``: the lead's rep, the admins, or nobody (webhooks only)."""
    who = EMAIL_AUDIENCE.get(topic)
    if who == "owner" and not has_owner:
        return "admins" if topic == "lead.sales_ready" else None
    return who


@dataclass(frozen=True)
class Alert:
    """A sales alert, ready for the mail templates: every string in it may be the prospect's and is escaped there."""

    topic: str
    subject: str
    headline: str
    name: str
    company: str
    link: str
    own_words: list[tuple[str, str]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def sales_alert(topic: str, lead: Mapping[str, Any], answers: Mapping[str, Any], receipt: Sequence[Mapping[str, Any]],
                labels: Mapping[str, str], link: str, facts: Mapping[str, Any] | None = None) -> Alert:
    """The mail for one event about one lead: their own words (the questions in ``labels``, answered),
    the rules that counted most, and the link to the lead page."""
    name = _one_line(str(lead.get("name") or lead.get("email") or "A lead"))
    company = _one_line(str(lead.get("company") or ""))
    headline = HEADLINES.get(topic, topic)
    words = [(label, str(answers[key]).strip()) for key, label in labels.items() if str(answers.get(key) or "").strip()]
    return Alert(topic=topic, subject=f"{name}{f' ({company})' if company else ''} {headline}", headline=headline,
                 name=name, company=company, link=link, own_words=words, reasons=why_ready(receipt, 3),
                 facts=dict(facts or {}))


# The events a rep who chose the daily digest hears about in it rather than at once.
DIGESTED = ("lead.sales_ready", "lead.assigned")


def digest_due(last_until: dt.datetime | None, now: dt.datetime, at: dt.time, zone: ZoneInfo) -> bool:
    """Whether a rep's digest goes now: once a day, at the first look after ``at`` in the team's time zone."""
    local = now.astimezone(zone)
    todays = dt.datetime.combine(local.date(), at, zone)
    return local >= todays and (last_until is None or last_until < todays)


def _one_line(text: str) -> str:
    """A header never carries a line break; names are cleaned at input, this holds if one slips through."""
    return " ".join(text.split())[:150]
