"""Writing to the outbox: the one way to send a mail or a webhook, added to the caller's transaction, never
committed here. The worker sends what commits, rendered by the renderer the topic's capability registered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from leads import clock
from leads.delivery.alerts import DIGESTED, audience
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.extensions import db
from leads.models import Lead, OutboxMessage, User, WebhookEndpoint


@dataclass(frozen=True)
class Webhook:
    """A webhook endpoint, as a message's destination (an email address is a plain string)."""

    endpoint_id: int


To = str | Webhook


def post(topic: str, to: To, payload: Mapping[str, Any], *, at: dt.datetime | None = None) -> None:
    """Send ``payload`` about ``topic`` to an email address or a webhook, once the caller's transaction commits.

    ``at`` is when the event happened (the caller's now), by default the clock's now; a ``lead_id`` in the
    payload files the message under that lead, for an export or an erasure to find."""
    post_many(topic, [(to, payload)], at=at)


def post_many(topic: str, messages: Iterable[tuple[To, Mapping[str, Any]]], *, at: dt.datetime | None = None) -> int:
    """``post`` for each (destination, payload), in one insert and one ring of the doorbell; says how many.

    The rows go in at once, on the transaction's connection, and leave whatever else the session holds to
    its own flush: they are only ever added here, never changed, so they need no place in its unit of work."""
    now = at or clock.now()
    rows = [{"topic": topic, "payload": dict(payload), "lead_id": payload.get("lead_id"),
             "channel": "webhook" if isinstance(to, Webhook) else "email",
             "endpoint_id": to.endpoint_id if isinstance(to, Webhook) else None,
             "recipient": "" if isinstance(to, Webhook) else to,
             "created_at": now, "next_attempt_at": now, "give_up_at": now + GIVE_UP_AFTER}
            for to, payload in messages]
    if rows:
        db.session.connection().execute(sa.insert(OutboxMessage), rows)
        ring_doorbell()
    return len(rows)


def announce(topic: str, lead: Lead, now: dt.datetime, facts: Mapping[str, Any]) -> None:
    """Tell whoever should hear about ``topic``: a mail to the rep or the admins, a webhook to each endpoint
    subscribed (a paused one too: its messages wait for it). The rows commit, or not, with the change."""
    payload = {"lead_id": lead.id, **facts}
    # Who hears of it depends on nothing the caller has yet to write, so the look-ups, like the rows, leave the
    # session's pending changes (the lead's new owner, say) to its own flush at the commit.
    with db.session.no_autoflush:
        destinations: list[To] = [*_addresses(topic, lead), *(Webhook(e) for e in subscribers(topic))]
    post_many(topic, [(to, payload) for to in destinations], at=now)


# The channel idle workers LISTEN on (PostgreSQL); SQLite's single worker polls.
DOORBELL = "doorstep_outbox"


def ring_doorbell() -> None:
    """Wake idle workers when this transaction commits (NOTIFY waits for the commit, and is dropped with a
    rollback), so a new message goes within milliseconds rather than at the next poll."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_notify(DOORBELL, "")))


def subscribers(topic: str) -> list[int]:
    """The endpoints that chose ``topic``; a handful of rows, filtered here so that SQLite and PostgreSQL agree."""
    rows = db.session.execute(sa.select(WebhookEndpoint.id, WebhookEndpoint.events).order_by(WebhookEndpoint.id))
    return [endpoint_id for endpoint_id, events in rows if topic in events]


def _addresses(topic: str, lead: Lead) -> list[str]:
    who = audience(topic, lead.owner_id is not None)
    if who == "owner":
        owner = db.session.get(User, lead.owner_id)
        if owner is None or not owner.active or (owner.alerts == "digest" and topic in DIGESTED):
            return []
        return [owner.email]
    if who == "admins":
        return list(db.session.scalars(sa.select(User.email).where(User.role == "admin", User.active.is_(True))
                                       .order_by(User.id)))
    return []
