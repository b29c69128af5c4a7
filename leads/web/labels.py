"""Stored values in words: the one mapping every page uses to show a route, a status, an event, an audit entry.

Pages never show a stored value as it is (``sales_ready``, ``sla_missed``, ``True``, ``{'leads': 1}``):
they ask ``in_words(kind, value)`` (the ``words`` template filter). A value this file does not know yet
is still shown as words (underscores and dots become spaces), so a new kind of event reads as a phrase,
never as an identifier, until it is named here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leads.inbox.statuses import LABELS as STATUSES
from leads.inbox.statuses import NOT_READY_REASONS

ROUTES = {
    "sales_ready": "With sales",
    "nurture": "Reading list",
    "warming": "Ready, asked to wait",
    "disqualified": "Not a buyer",
    "quarantined": "Held for review",
    "spam": "Spam",
}

ROLES = {"admin": "Admin", "marketer": "Marketer", "sales": "Sales"}

# How a sales-ready lead ended, for calibration.
OUTCOMES = {"won": "Won", "lost": "Lost", "not_ready": "Not ready", "no_show": "No-show"}

# A lead's journey: what each kind of LeadEvent says happened, when the page has nothing more to add.
EVENTS = {
    "submitted": "Answered the questionnaire",
    "promoted": "Became sales-ready",
    "rerouted": "Moved",
    "route_kept": "Stayed where the team had put them",
    "assigned": "Assigned",
    "unassigned": "Not assigned",
    "status": "Status changed",
    "note": "Note added",
    "article_read": "Read an article",
    "hand_raised": "Asked to talk",
    "rechecked": "Answered “Ready to talk?” again",
    "released": "Released from review",
    "confirmed_spam": "Confirmed as spam",
    "sla_missed": "Waited past the service level: admins alerted",
    "booking_nudge": "Sent one email with free times to book",
    "meeting_booked": "Booked a meeting",
    "meeting_rescheduled": "Moved the meeting",
    "meeting_canceled": "Canceled the meeting",
    "meeting_reminded": "Reminder sent for the meeting",
    "meeting_held": "Meeting held",
    "meeting_no_show": "No-show at the meeting",
    "nurture_confirmed": "Confirmed the reading by email",
    "unsubscribed": "Unsubscribed from the reading by email",
    "resubscribed": "Subscribed to the reading by email again",
}

# Who or what moved a lead (the ``by`` of a route change), as the journey says it.
MOVERS = {
    "submission": "their answers",
    "rescore": "a rescore under a new model",
    "release": "a release from review",
    "hand_raised": "asking to talk",
    "article_read": "reading an article from an email",
    "ready to talk": "answering “Ready to talk?”",
    "booking": "booking a meeting",
    "no_show": "a missed meeting",
    "sales": "sales",
}

# The audit log's actions.
ACTIONS = {
    "user.created": "Created an account",
    "user.changed": "Changed an account",
    "user.password_changed": "Changed their password",
    "leads.reassigned": "Reassigned leads",
    "webhook.created": "Added a webhook",
    "webhook.changed": "Changed a webhook",
    "webhook.secret_rotated": "Gave a webhook a new secret",
    "webhook.replayed": "Sent a webhook's failed messages again",
    "delivery.replayed": "Sent a message again",
    "two_factor.enabled": "Turned on two-factor sign-in",
    "two_factor.disabled": "Turned off two-factor sign-in",
    "two_factor.reset": "Reset two-factor sign-in",
    "two_factor.recovery_code_used": "Signed in with a recovery code",
    "policy.changed": "Changed the sign-in rule",
    "person.exported": "Downloaded a person's data",
    "person.erased": "Erased a person",
    "retention.purged": "Purged what outlived its retention window",
}

# How a person was erased (an audit entry's ``how``).
ERASED_BY = {"admin": "by an admin", "request": "at the person's own request (a signed link)",
             "retention": "by retention, after its window"}

# Names of the things audit entries and context rows describe (keys of their details).
FIELDS = {
    "role": "Role",
    "active": "Can sign in",
    "away": "Away",
    "weight": "Share of leads",
    "leads": "Leads",
    "events": "Events",
    "messages": "Messages",
    "by": "By",
    "required": "Admins must use two-factor sign-in",
    "how": "How",
    "rows": "Records removed",
    "drafts": "Unsent drafts",
    "held_people": "People held for review",
    "held_submissions": "Held submissions",
    "nurture_people": "Inactive readers",
    "utm_source": "Source",
    "utm_medium": "Medium",
    "utm_campaign": "Campaign",
    "utm_term": "Term",
    "utm_content": "Content",
    "referrer": "Referred by",
    "landing_article": "Landing article",
    "seconds_to_complete": "Seconds to complete",
}

# Tables named in an erasure's or a purge's counts: (one, many).
RECORDS = {
    "leads": ("lead", "leads"),
    "submissions": ("submission", "submissions"),
    "lead_events": ("journey event", "journey events"),
    "assignments": ("assignment", "assignments"),
    "lead_reads": ("read mark", "read marks"),
    "outbox": ("message", "messages"),
    "delivery_attempts": ("delivery attempt", "delivery attempts"),
    "questionnaire_drafts": ("questionnaire draft", "questionnaire drafts"),
    "meetings": ("meeting", "meetings"),
    "consents": ("consent record", "consent records"),
    "nurture_sends": ("reading email", "reading emails"),
    "nurture_subscriptions": ("reading subscription", "reading subscriptions"),
}

KINDS: dict[str, Mapping[str, str]] = {
    "route": ROUTES,
    "status": STATUSES,
    "reason": NOT_READY_REASONS,
    "event": EVENTS,
    "mover": MOVERS,
    "action": ACTIONS,
    "role": ROLES,
    "outcome": OUTCOMES,
    "field": FIELDS,
}


def plain(value: str) -> str:
    """An identifier as words, for one this file does not name yet: ``sla_missed`` is "Sla missed"."""
    text = value.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def in_words(kind: str, value: Any) -> str:
    """``value`` (a stored route, status, reason, event kind, mover, audit action, role or field) in words."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return KINDS[kind].get(str(value)) or plain(str(value))


def count_of(key: str, n: int) -> str:
    """``n`` records of ``key`` in words: "1 lead", "3 journey events"."""
    one, many = RECORDS.get(key, (plain(key).lower(), plain(key).lower()))
    return f"{n:,} {one if n == 1 else many}"


def value_in_words(key: str, value: Any) -> str:
    """One detail of an audit entry: yes or no, a role by name, counts per table, lists joined."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "role":
        return in_words("role", value)
    if key == "how":
        return ERASED_BY.get(str(value)) or plain(str(value))
    if isinstance(value, Mapping):
        parts = [count_of(str(k), int(v)) if isinstance(v, int) else f"{in_words('field', k)}: {v}"
                 for k, v in value.items() if v]
        return ", ".join(parts) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(f"#{v}" if key == "leads" else str(v) for v in value) or "none"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def details_in_words(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An audit entry's details as (what, value) pairs in words."""
    return [(in_words("field", key), value_in_words(key, value)) for key, value in detail.items()]
