"""Deliveries as admins manage them: webhook endpoints, the delivery log, and replay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from leads import clock
from leads.delivery import PING, TOPICS
from leads.delivery.outbox import Webhook, post, ring_doorbell
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.delivery.webhooks import new_secret
from leads.extensions import db
from leads.models import OutboxMessage, WebhookEndpoint
from leads.privacy import audit

PAGE_SIZE = 50


# The log's filters, in the admins' words: "failed" is still being retried, "dead" needs a person.
LOG_FILTERS = {
    "pending": _l("Waiting"),
    "failed": _l("Failing, will retry"),
    "dead": _l("Gave up"),
    "sent": _l("Delivered"),
}


class DeliveryError(ValueError):
    """An admin action that cannot be done, in words for the admin."""


def endpoints() -> Sequence[WebhookEndpoint]:
    return db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, endpoint_id)


def create_endpoint(url: str, events: Sequence[str], description: str = "",
                    actor_id: int | None = None) -> WebhookEndpoint:
    """Add an endpoint with a fresh secret; the caller shows the secret once, as it is never shown again.
    ``actor_id`` is the admin who acted, whose action the audit log records in the same transaction (here
    and in each admin action below)."""
    added = WebhookEndpoint(url=url, events=_known(events), description=description, secret=new_secret(),
                            created_at=clock.now())
    db.session.add(added)
    if actor_id is not None:
        db.session.flush()  # the entry names the endpoint by id
        audit.note(actor_id, "webhook.created", f"endpoint #{added.id}", {"events": added.events})
    db.session.commit()
    return added


def update_endpoint(endpoint_id: int, url: str, events: Sequence[str], description: str,
                    paused: bool, actor_id: int | None = None) -> WebhookEndpoint:
    """Change an endpoint; pausing holds its messages (they wait, and go when it is resumed). Resuming one the
    outbox paused (it answered 410 Gone) forgets why; the message that met the 410 is replayed from the log."""
    found = _endpoint(endpoint_id)
    found.url, found.events, found.description, found.paused = url, _known(events), description, paused
    if not paused:
        found.paused_reason = ""
        ring_doorbell()  # what it held is due now
    if actor_id is not None:
        audit.note(actor_id, "webhook.changed", f"endpoint #{endpoint_id}", {"paused": paused})
    db.session.commit()
    return found


def rotate_secret(endpoint_id: int, actor_id: int | None = None) -> WebhookEndpoint:
    """A new secret from the next delivery on, retries included; the old one stops working at once."""
    found = _endpoint(endpoint_id)
    found.secret = new_secret()
    if actor_id is not None:
        audit.note(actor_id, "webhook.secret_rotated", f"endpoint #{endpoint_id}")
    db.session.commit()
    return found


def ping(endpoint_id: int) -> None:
    """A test message to one endpoint, through the outbox like any other, so the log shows how it went."""
    found = _endpoint(endpoint_id)
    post(PING, Webhook(found.id), {"endpoint_id": found.id, "message": "Test from Doorstep"})
    db.session.commit()


@dataclass(frozen=True)
class LogPage:
    messages: Sequence[OutboxMessage]
    counts: dict[str, int]


def delivery_log(shown: str = "", endpoint_id: int | None = None, before: int | None = None) -> LogPage:
    """Messages newest first, a page at a time (``before`` an id), optionally one filter and one endpoint."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    if shown:
        query = query.where(_shown(shown))
    if endpoint_id is not None:
        query = query.where(OutboxMessage.endpoint_id == endpoint_id)
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(_shown(name))) or 0
              for name in LOG_FILTERS}
    return LogPage(db.session.scalars(query).all(), counts)


def message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def replay(message_id: int, actor_id: int | None = None) -> OutboxMessage:
    """Send one message again, now, with a fresh 72 hours and the same idempotency key."""
    found = db.session.get(OutboxMessage, message_id)
    if found is None:
        raise DeliveryError(_("That message no longer exists."))
    _revive(found, clock.now())
    ring_doorbell()
    if actor_id is not None:
        audit.note(actor_id, "delivery.replayed", f"message #{message_id}")
    db.session.commit()
    return found


def replay_dead(endpoint_id: int, actor_id: int | None = None) -> int:
    """Send again every message an endpoint gave up on; say how many."""
    _endpoint(endpoint_id)
    now = clock.now()
    dead = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.endpoint_id == endpoint_id, OutboxMessage.status == "dead")).all()
    for found in dead:
        _revive(found, now)
    ring_doorbell()
    if actor_id is not None:
        audit.note(actor_id, "webhook.replayed", f"endpoint #{endpoint_id}", {"messages": len(dead)})
    db.session.commit()
    return len(dead)


def _revive(found: OutboxMessage, now: dt.datetime) -> None:
    """A replay is a person asking for another full try: due now, with 72 hours again, under the same key."""
    found.status, found.next_attempt_at, found.give_up_at = "pending", now, now + GIVE_UP_AFTER


def _shown(name: str) -> sa.ColumnElement[bool]:
    if name == "failed":
        return sa.and_(OutboxMessage.status == "pending", OutboxMessage.attempts > 0)
    if name == "pending":
        return OutboxMessage.status == "pending"
    if name in ("dead", "sent"):
        return OutboxMessage.status == name
    raise DeliveryError(_("Choose one of the filters offered."))


def _known(events: Sequence[str]) -> list[str]:
    unknown = [e for e in events if e not in TOPICS]
    if unknown:
        raise DeliveryError(f"Unknown event {unknown[0]!r}; choose among those offered.")
    if not events:
        raise DeliveryError(_("Choose at least one event to send."))
    return list(dict.fromkeys(events))


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    found = db.session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise DeliveryError(_("That endpoint no longer exists."))
    return found
