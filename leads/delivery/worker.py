"""The outbox worker: claim the next due message, deliver it, log the attempt, and retry or give up.

Each message is claimed, sent and recorded in one transaction of its own. On PostgreSQL the claim is
``SELECT … FOR UPDATE SKIP LOCKED``, so several workers share the queue and never hold the same row; a
worker that dies mid-send loses its connection, the row unlocks unchanged, and the next worker sends it
again under the same idempotency key. On SQLite one worker runs.

A mail is written by the renderer its topic's capability registered (``leads.delivery.registry``); the
worker knows no capability. A failure that trying again cannot mend ends the message at once, its reason
in the delivery log: a mail server's 5xx refusal of an address (the capabilities that registered for it
are told: nurture suppresses the address, in the one list it checks), and a webhook receiver's 410 Gone
(the endpoint is then paused, with the reason, until an admin resumes it). Every failed try is logged,
with when the next one is.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy import orm

from leads import clock, languages
from leads.dates import Reader, reading_as, team_zone, zone_of, zone_or_default
from leads.delivery import PING, NothingToSend, Undeliverable, schedule, webhooks
from leads.delivery.email import Bounced, build_email, message_id, send_email
from leads.delivery.outbox import DOORBELL
from leads.delivery.payload import encode as encode_body
from leads.delivery.payload import receipt_summary, webhook_body
from leads.delivery.registry import registry, renderer_for
from leads.extensions import db
from leads.models import DeliveryAttempt, Lead, OutboxMessage, User, WebhookEndpoint

log = logging.getLogger(__name__)

MAX_DETAIL = 2000
# Standard Webhooks: a receiver answering 410 Gone asks not to be sent anything more.
GONE = 410


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def due(now: dt.datetime) -> sa.Select[OutboxMessage]:
    """The next message to send: pending, due, and not for a paused endpoint; locked, skipping others' rows."""
    return (
        sa.select(OutboxMessage)
        .outerjoin(OutboxMessage.endpoint)
        .options(orm.contains_eager(OutboxMessage.endpoint))  # the endpoint comes with the claim: one query
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
               sa.or_(OutboxMessage.endpoint_id.is_(None), WebhookEndpoint.paused.is_(False)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )


def deliver_next(name: str) -> bool:
    """Deliver one due message, if there is one, and say whether there was."""
    message = db.session.scalar(due(clock.now()))
    if message is None:
        db.session.rollback()  # ends the read, so the next poll sees rows committed since
        return False
    dead = False
    try:
        ok, detail = True, deliver(message)
    except NothingToSend as exc:
        ok, detail = True, str(exc)
    except Bounced as exc:
        ok, detail, dead = False, f"{exc}; no marketing mail goes there again", True
        for handler in registry().bounce_handlers:
            handler(exc.address, str(exc))
    except Undeliverable as exc:
        ok, detail, dead = False, str(exc), True
    except Exception as exc:  # noqa: BLE001 - any failure of the other side is logged and retried, never fatal
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    record(message, ok, detail, clock.now(), name, dead)
    db.session.commit()
    return True


def record(message: OutboxMessage, ok: bool, detail: str, now: dt.datetime, name: str, dead: bool = False) -> None:
    """Log the attempt on the message and in the delivery log; schedule the next try or mark it dead."""
    detail = detail[:MAX_DETAIL]
    message.attempts += 1
    db.session.add(DeliveryAttempt(message_id=message.id, at=now, ok=ok, detail=detail, worker=name))
    if ok:
        message.status, message.sent_at, message.last_error = "sent", now, ""
        if message.attempts > 1:
            _bring_forward(message, now)
        return
    message.last_error = detail
    retry_at = None if dead else schedule.next_attempt(message.give_up_at, message.attempts, now)
    if retry_at is None:
        message.status = "dead"
        log.warning("Outbox message %s (%s) failed try %d and is given up%s: %s", message.key, message.topic,
                    message.attempts, " at once" if dead else ", 72 hours on", detail)
    else:
        message.next_attempt_at = retry_at
        log.warning("Outbox message %s (%s) failed try %d, tries again at %s: %s", message.key, message.topic,
                    message.attempts, retry_at.isoformat(timespec="seconds"), detail)


def _bring_forward(recovered: OutboxMessage, now: dt.datetime) -> None:
    """The other side answers again after failing: what waits for it goes now, not at its backed-off time
    (after a five-minute outage that could be five more). Rows another worker holds are left to it."""
    same_place = (OutboxMessage.endpoint_id == recovered.endpoint_id if recovered.endpoint_id is not None
                  else OutboxMessage.channel == recovered.channel)
    waiting = (sa.select(OutboxMessage.id)
               .where(same_place, OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > now,
                      OutboxMessage.id != recovered.id)
               .with_for_update(skip_locked=True))
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(waiting.scalar_subquery()))
                       .values(next_attempt_at=now))


def deliver(message: OutboxMessage) -> str:
    """Send one message by its channel: a webhook signed and posted, or the mail its topic's renderer writes
    (times in its reader's zone); return what the receiver said, or raise."""
    if message.channel == "webhook":
        return _call_webhook(message)
    render = renderer_for(message.topic)
    if render is None:
        raise Undeliverable(f"Nothing writes the mails of {message.topic!r}.")
    with reading_as(recipient_reader(message)):
        mail = render(message)
    config = current_app.config
    headers = {"X-Doorstep-Event": message.topic, **mail.headers}
    built = build_email(config["MAIL_FROM"], message.recipient, mail.subject, mail.text, mail.html,
                        message_id(message.key, config["SITE_URL"]), headers)
    if mail.calendar:
        built.add_alternative(mail.calendar, subtype="calendar", params={"method": mail.method})
    return send_email(built, config)


def _call_webhook(message: OutboxMessage) -> str:
    config = current_app.config
    endpoint = message.endpoint
    if endpoint is None:
        raise Undeliverable("The endpoint was removed.")
    body = encode_body(_webhook_body(message))
    # The real time, even under a test's CLOCK: receivers check it against their own clocks (5 minutes).
    headers = webhooks.signed_headers(endpoint.secret, message.key, dt.datetime.now(dt.UTC), body)
    response = webhooks.post(endpoint.url, headers, body, float(config["WEBHOOK_TIMEOUT_SECONDS"]))
    if response.status == GONE:
        endpoint.paused = True
        endpoint.paused_reason = f"The receiver answered HTTP {response.status} {response.reason}: it is gone."
        raise Undeliverable(f"HTTP {response.status} {response.reason}: the receiver says this endpoint is gone, "
                            "so it is paused until an admin resumes it")
    if not response.ok:
        raise RuntimeError(f"HTTP {response.status} {response.reason}")
    return f"HTTP {response.status} {response.reason}"


def _webhook_body(message: OutboxMessage) -> dict[str, Any]:
    lead = db.session.get(Lead, message.payload["lead_id"]) if "lead_id" in message.payload else None
    facts = {k: v for k, v in message.payload.items() if k != "lead_id"}
    if message.topic == PING or lead is None:
        return webhook_body(message.topic, message.created_at, message.payload)
    latest = lead.submissions[-1] if lead.submissions else None
    submission = ({**{c: getattr(latest, c) for c in ("model_version", "verdict", "total", "gates_missed", "receipt")},
                   **latest.points} if latest else {})
    return webhook_body(message.topic, message.created_at, facts, lead_facts(lead),
                        latest.answers if latest else {}, receipt_summary(submission))


def lead_facts(lead: Lead) -> dict[str, Any]:
    """The lead as a receiver sees it: who, where it stands, its scores, its owner, and its page."""
    owner = {"name": lead.owner.name, "email": lead.owner.email} if lead.owner else None
    return {
        "id": lead.id, "name": lead.name, "email": lead.email, "company": lead.company, "job_role": lead.job_role,
        "route": lead.route, "status": lead.status, "stage": lead.stage, "source": lead.source,
        "score": lead.score, **lead.points,
        "owner": owner, "created_at": lead.created_at.isoformat(), "routed_at": lead.routed_at.isoformat(),
        "url": url_for("inbox.lead_detail", lead_id=lead.id, _external=True),
    }


def recipient_reader(message: OutboxMessage) -> Reader:
    """Who reads a mail: a team member in their own zone and language (the site's default until they choose
    one); else a prospect, in the zone they chose when booking (the meeting's mails carry it), else the team's,
    and in the language the mail was asked in (a privacy request's page), else their lead's (the language they
    answered in), else the site's default."""
    default = str(current_app.config["DEFAULT_LANGUAGE"])
    member = db.session.scalar(sa.select(User).where(User.email == message.recipient.strip().lower()))
    if member is not None:
        return Reader(zone_of(member), member.language if languages.is_shipped(member.language) else default)
    language = message.payload.get("language")
    if not languages.is_shipped(language):
        lead_id = message.lead_id or message.payload.get("lead_id")
        language = db.session.scalar(sa.select(Lead.language).where(Lead.id == lead_id)) if lead_id else None
    return Reader(zone_or_default(message.payload.get("timezone"), team_zone()),
                  str(language) if languages.is_shipped(language) else default)


class Doorbell:
    """An idle worker's wait: on PostgreSQL until a NOTIFY on the outbox channel (or ``poll_seconds``,
    for messages whose retry time comes), elsewhere simply ``poll_seconds``."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.connection: Any = None
        url = db.engine.url
        if url.get_backend_name() == "postgresql":
            import psycopg  # installed with PostgreSQL support only (the postgres and prod extras)

            try:
                conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
                self.connection = psycopg.connect(conninfo, autocommit=True)
                self.connection.execute(f"LISTEN {DOORBELL}")
            except psycopg.Error as exc:  # polling still delivers everything, a little later
                log.warning("Outbox worker polls: LISTEN failed: %s", exc)
                self.connection = None

    def wait(self, seconds: float) -> None:
        if self.connection is None:
            self.stop.wait(seconds)
            return
        try:
            for _ in self.connection.notifies(timeout=seconds, stop_after=1):
                pass
        except Exception as exc:  # noqa: BLE001 - psycopg's errors, the server gone among them: back to polling
            log.warning("Outbox worker polls: the LISTEN connection failed: %s", exc)
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run(stop: threading.Event, poll_seconds: float, once: bool = False,
        between: Callable[[], object] | None = None, between_seconds: float = 30.0,
        idle: Callable[[], object] | None = None) -> int:
    """Deliver until ``stop`` is set (or, with ``once``, until nothing is due); return how many were tried.

    An idle worker looks again every ``poll_seconds``; ``between`` runs when idle, at most every
    ``between_seconds`` (the service level and the digests, which the clock rather than a change makes due);
    ``idle`` runs every time it is idle (work a page asked for, such as the studio's what-if).
    """
    doorbell = Doorbell(stop) if not once else None
    try:
        return _deliver_until_stopped(stop, poll_seconds, doorbell, between, between_seconds, idle)
    finally:
        if doorbell is not None:
            doorbell.close()


def _deliver_until_stopped(stop: threading.Event, poll_seconds: float, doorbell: Doorbell | None,
                           between: Callable[[], object] | None, between_seconds: float,
                           idle: Callable[[], object] | None = None) -> int:
    name, tried, between_at = worker_name(), 0, -math.inf
    while not stop.is_set():
        try:
            if deliver_next(name):
                tried += 1
                continue
            if idle is not None:
                idle()
            if between is not None and time.monotonic() - between_at >= between_seconds:
                between_at = time.monotonic()
                between()
        except sa.exc.SQLAlchemyError as exc:  # the database restarting, busy or gone: wait and try again
            db.session.rollback()
            log.warning("Outbox worker could not reach the database: %s", exc)
        if doorbell is None:
            break
        doorbell.wait(poll_seconds)
    return tried
