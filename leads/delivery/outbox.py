"""Writing to the outbox: one row per destination, added to the caller's transaction, never committed here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from leads.delivery.alerts import DIGESTED, audience
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.extensions import db
from leads.models import Lead, OutboxMessage, User, WebhookEndpoint


def announce(topic: str, lead: Lead, now: dt.datetime, facts: Mapping[str, Any]) -> None:
    """Tell whoever should hear about ``topic``: a mail to the rep or the admins, a webhook to each endpoint
    subscribed (a paused one too: its messages wait for it). The rows commit, or not, with the change."""
    payload = {"lead_id": lead.id, **facts}
    # Who hears of it depends on nothing the caller has yet to write, so the look-ups leave the session's
    # pending changes (the lead's new owner, say) to the one flush at the commit.
    with db.session.no_autoflush:
        addresses, endpoint_ids = _addresses(topic, lead), subscribers(topic)
    rows = [OutboxMessage(topic=topic, payload=payload, channel="email", recipient=address, lead_id=lead.id,
                          created_at=now, next_attempt_at=now, give_up_at=now + GIVE_UP_AFTER) for address in addresses]
    rows += [OutboxMessage(topic=topic, payload=payload, channel="webhook", endpoint_id=endpoint_id, lead_id=lead.id,
                           created_at=now, next_attempt_at=now, give_up_at=now + GIVE_UP_AFTER)
             for endpoint_id in endpoint_ids]
    db.session.add_all(rows)
    if rows:
        ring_doorbell()


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
