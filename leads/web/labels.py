"""Stored values in words: the one mapping every page uses to show a route, a status, an event, an audit entry.

Pages never show a stored value as it is (``sales_ready``, ``sla_missed``, ``True``, ``{'leads': 1}``):
they ask ``in_words(kind, value)`` (the ``words`` template filter). A value this file does not know yet
is still shown as words (underscores and dots become spaces), so a new kind of event reads as a phrase,
never as an identifier, until it is named here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from leads import dates
from leads.inbox import statuses

# The sales workflow's words, named in its pure module (marked there for the catalogs), said in the reader's.
STATUSES = {value: _l(text) for value, text in statuses.LABELS.items()}
NOT_READY_REASONS = {value: _l(text) for value, text in statuses.NOT_READY_REASONS.items()}

ROUTES = {
    "sales_ready": _l("With sales"),
    "nurture": _l("Reading list"),
    "warming": _l("Ready, asked to wait"),
    "disqualified": _l("Not a buyer"),
    "quarantined": _l("Held for review"),
    "spam": _l("Spam"),
}

ROLES = {"admin": _l("Admin"), "marketer": _l("Marketer"), "sales": _l("Sales")}

# How a sales-ready lead ended, for calibration.
OUTCOMES = {"won": _l("Won"), "lost": _l("Lost"), "not_ready": _l("Not ready"), "no_show": _l("No-show")}

# A lead's journey: what each kind of LeadEvent says happened, when the page has nothing more to add.
EVENTS = {
    "submitted": _l("Answered the questionnaire"),
    "promoted": _l("Became sales-ready"),
    "rerouted": _l("Moved"),
    "route_kept": _l("Stayed where the team had put them"),
    "assigned": _l("Assigned"),
    "unassigned": _l("Not assigned"),
    "status": _l("Status changed"),
    "note": _l("Note added"),
    "article_read": _l("Read an article"),
    "hand_raised": _l("Asked to talk"),
    "rechecked": _l("Answered “Ready to talk?” again"),
    "released": _l("Released from review"),
    "confirmed_spam": _l("Confirmed as spam"),
    "sla_missed": _l("Waited past the service level: admins alerted"),
    "booking_nudge": _l("Sent one email with free times to book"),
    "meeting_booked": _l("Booked a meeting"),
    "meeting_rescheduled": _l("Moved the meeting"),
    "meeting_canceled": _l("Canceled the meeting"),
    "meeting_reminded": _l("Reminder sent for the meeting"),
    "meeting_held": _l("Meeting held"),
    "meeting_no_show": _l("No-show at the meeting"),
    "nurture_confirmed": _l("Confirmed the reading by email"),
    "unsubscribed": _l("Unsubscribed from the reading by email"),
    "resubscribed": _l("Subscribed to the reading by email again"),
}

# Who or what moved a lead (the ``by`` of a route change), as the journey says it.
MOVERS = {
    "submission": _l("their answers"),
    "rescore": _l("a rescore under a new model"),
    "release": _l("a release from review"),
    "hand_raised": _l("asking to talk"),
    "article_read": _l("reading an article from an email"),
    "ready to talk": _l("answering “Ready to talk?”"),
    "booking": _l("booking a meeting"),
    "no_show": _l("a missed meeting"),
    "sales": _l("sales"),
}

# The audit log's actions.
ACTIONS = {
    "user.created": _l("Created an account"),
    "user.changed": _l("Changed an account"),
    "user.password_changed": _l("Changed their password"),
    "leads.reassigned": _l("Reassigned leads"),
    "webhook.created": _l("Added a webhook"),
    "webhook.changed": _l("Changed a webhook"),
    "webhook.secret_rotated": _l("Gave a webhook a new secret"),
    "webhook.replayed": _l("Sent a webhook's failed messages again"),
    "delivery.replayed": _l("Sent a message again"),
    "two_factor.enabled": _l("Turned on two-factor sign-in"),
    "two_factor.disabled": _l("Turned off two-factor sign-in"),
    "two_factor.reset": _l("Reset two-factor sign-in"),
    "two_factor.recovery_code_used": _l("Signed in with a recovery code"),
    "policy.changed": _l("Changed the sign-in rule"),
    "person.exported": _l("Downloaded a person's data"),
    "person.erased": _l("Erased a person"),
    "retention.purged": _l("Purged what outlived its retention window"),
}

# How a person was erased (an audit entry's ``how``).
ERASED_BY = {"admin": _l("by an admin"), "request": _l("at the person's own request (a signed link)"),
             "retention": _l("by retention, after its window")}

# Names of the things audit entries and context rows describe (keys of their details).
FIELDS = {
    "role": _l("Role"),
    "active": _l("Can sign in"),
    "away": _l("Away"),
    "weight": _l("Share of leads"),
    "leads": _l("Leads"),
    "events": _l("Events"),
    "messages": _l("Messages"),
    "by": _l("By"),
    "required": _l("Admins must use two-factor sign-in"),
    "how": _l("How"),
    "rows": _l("Records removed"),
    "drafts": _l("Unsent drafts"),
    "held_people": _l("People held for review"),
    "held_submissions": _l("Held submissions"),
    "nurture_people": _l("Inactive readers"),
    "utm_source": _l("Source"),
    "utm_medium": _l("Medium"),
    "utm_campaign": _l("Campaign"),
    "utm_term": _l("Term"),
    "utm_content": _l("Content"),
    "referrer": _l("Referred by"),
    "landing_article": _l("Landing article"),
    "seconds_to_complete": _l("Seconds to complete"),
}

# Tables named in an erasure's or a purge's counts: how many, in words ("1 lead", "3 journey events").
RECORDS: dict[str, Callable[[int], str]] = {
    "leads": lambda n: ngettext("%(count)s lead", "%(count)s leads", n, count=format_number(n)),
    "submissions": lambda n: ngettext("%(count)s submission", "%(count)s submissions", n, count=format_number(n)),
    "lead_events": lambda n: ngettext("%(count)s journey event", "%(count)s journey events", n, count=format_number(n)),
    "assignments": lambda n: ngettext("%(count)s assignment", "%(count)s assignments", n, count=format_number(n)),
    "lead_reads": lambda n: ngettext("%(count)s read mark", "%(count)s read marks", n, count=format_number(n)),
    "outbox": lambda n: ngettext("%(count)s message", "%(count)s messages", n, count=format_number(n)),
    "delivery_attempts": lambda n: ngettext("%(count)s delivery attempt", "%(count)s delivery attempts", n,
                                            count=format_number(n)),
    "questionnaire_drafts": lambda n: ngettext("%(count)s questionnaire draft", "%(count)s questionnaire drafts", n,
                                               count=format_number(n)),
    "meetings": lambda n: ngettext("%(count)s meeting", "%(count)s meetings", n, count=format_number(n)),
    "consents": lambda n: ngettext("%(count)s consent record", "%(count)s consent records", n, count=format_number(n)),
    "nurture_sends": lambda n: ngettext("%(count)s reading email", "%(count)s reading emails", n,
                                        count=format_number(n)),
    "nurture_subscriptions": lambda n: ngettext("%(count)s reading subscription", "%(count)s reading subscriptions",
                                                n, count=format_number(n)),
}

KINDS: dict[str, Mapping[str, Any]] = {
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


def in_sentence(text: object) -> str:
    """A label inside a sentence ("moved to reading list"): lower case, but German nouns keep their capitals."""
    words = str(text)
    return words if dates.spoken_language() == "de" else words.lower()


def plain(value: str) -> str:
    """An identifier as words, for one this file does not name yet: ``sla_missed`` is "Sla missed"."""
    text = value.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def in_words(kind: str, value: Any) -> str:
    """``value`` (a stored route, status, reason, event kind, mover, audit action, role or field) in words."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(KINDS[kind].get(str(value)) or plain(str(value)))


def count_of(key: str, n: int) -> str:
    """``n`` records of ``key`` in words: "1 lead", "3 journey events"."""
    said = RECORDS.get(key)
    return str(said(n)) if said else f"{format_number(n)} {plain(key).lower()}"


def value_in_words(key: str, value: Any) -> str:
    """One detail of an audit entry: yes or no, a role by name, counts per table, lists joined."""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if key == "role":
        return in_words("role", value)
    if key == "how":
        return str(ERASED_BY.get(str(value)) or plain(str(value)))
    if isinstance(value, Mapping):
        parts = [count_of(str(k), int(v)) if isinstance(v, int) else f"{in_words('field', k)}: {v}"
                 for k, v in value.items() if v]
        return ", ".join(parts) or str(_("none"))
    if isinstance(value, list | tuple):
        return ", ".join(f"#{v}" if key == "leads" else str(v) for v in value) or str(_("none"))
    if isinstance(value, int):
        return str(format_number(value))
    return str(value)


def details_in_words(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An audit entry's details as (what, value) pairs in words."""
    return [(in_words("field", key), value_in_words(key, value)) for key, value in detail.items()]
