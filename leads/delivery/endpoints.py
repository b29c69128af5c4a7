"""Deliveries as admins manage them (endpoints, log, replay, local mailbox), and the work the clock makes due."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import mailbox
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar

from leads import clock
from leads.booking.calendar_sync import sync_calendars
from leads.booking.reminders import nudge_unbooked, send_reminders
from leads.dates import zone_of
from leads.delivery import DIGEST, PING, TOPICS
from leads.delivery.alerts import digest_due
from leads.delivery.email import local_mailbox
from leads.delivery.outbox import announce, ring_doorbell
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.delivery.service_level import WorkingHours, is_late
from leads.delivery.webhooks import new_secret
from leads.extensions import db
from leads.inbox.statuses import NEW
from leads.inbox.workflow import hand_to
from leads.models import Assignment, Lead, LeadEvent, OutboxMessage, User, WebhookEndpoint
from leads.privacy import retention
from leads.scoring.handover import next_rep
from leads.scoring.score import SALES_READY

PAGE_SIZE = 50
# The log's filters, in the admins' words: "failed" is still being retried, "dead" needs a person.
LOG_FILTERS = {
    "pending": "Waiting",
    "failed": "Failing, will retry",
    "dead": "Gave up",
    "sent": "Delivered",
}


class DeliveryError(ValueError):
    """An admin action that cannot be done, in words for the admin."""


def endpoints() -> Sequence[WebhookEndpoint]:
    return db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, endpoint_id)


def create_endpoint(url: str, events: Sequence[str], description: str = "") -> WebhookEndpoint:
    """Add an endpoint with a fresh secret; the caller shows the secret once, as it is never shown again."""
    added = WebhookEndpoint(url=url, events=_known(events), description=description, secret=new_secret(),
                            created_at=clock.now())
    db.session.add(added)
    db.session.commit()
    return added


def update_endpoint(endpoint_id: int, url: str, events: Sequence[str], description: str,
                    paused: bool) -> WebhookEndpoint:
    """Change an endpoint; pausing holds its messages (they wait, and go when it is resumed). Resuming one the
    outbox paused (it answered 410 Gone) forgets why; the message that met the 410 is replayed from the log."""
    found = _endpoint(endpoint_id)
    found.url, found.events, found.description, found.paused = url, _known(events), description, paused
    if not paused:
        found.paused_reason = ""
        ring_doorbell()  # what it held is due now
    db.session.commit()
    return found


def rotate_secret(endpoint_id: int) -> WebhookEndpoint:
    """A new secret from the next delivery on, retries included; the old one stops working at once."""
    found = _endpoint(endpoint_id)
    found.secret = new_secret()
    db.session.commit()
    return found


def ping(endpoint_id: int) -> OutboxMessage:
    """A test message to one endpoint, through the outbox like any other, so the log shows how it went."""
    found = _endpoint(endpoint_id)
    now = clock.now()
    message = OutboxMessage(topic=PING, payload={"endpoint_id": found.id, "message": "Test from Doorstep"},
                            channel="webhook", endpoint_id=found.id, created_at=now, next_attempt_at=now,
                            give_up_at=now + GIVE_UP_AFTER)
    db.session.add(message)
    ring_doorbell()
    db.session.commit()
    return message


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


def replay(message_id: int) -> OutboxMessage:
    """Send one message again, now, with a fresh 72 hours and the same idempotency key."""
    found = db.session.get(OutboxMessage, message_id)
    if found is None:
        raise DeliveryError("That message no longer exists.")
    _revive(found, clock.now())
    ring_doorbell()
    db.session.commit()
    return found


def replay_dead(endpoint_id: int) -> int:
    """Send again every message an endpoint gave up on; say how many."""
    _endpoint(endpoint_id)
    now = clock.now()
    dead = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.endpoint_id == endpoint_id, OutboxMessage.status == "dead")).all()
    for found in dead:
        _revive(found, now)
    ring_doorbell()
    db.session.commit()
    return len(dead)


def scheduled_work() -> None:
    """What the clock, not a change, makes due: the service-level alerts, the reps' daily digests, the
    meetings' reminders, booking nudges and calendar writes, the nurture emails whose day has come, and
    retention."""
    from leads.nurture.sending import queue_due_emails  # nurture mail builds on delivery, not the reverse

    check_service_level()
    queue_digests()
    meeting_work()
    queue_due_emails()
    purge_when_due()


def purge_when_due() -> dict[str, int]:
    """Purge what outlived its retention window, when this process has not looked lately; one worker at a time."""
    config = current_app.config
    if not retention.due(config) or not only_worker("retention"):
        db.session.rollback()
        return {}
    return retention.purge_expired(retention.Windows.from_config(config))


def meeting_work() -> int:
    """Reminders before meetings, one nudge to ready leads who have not booked, and reps' calendars brought up
    to date; one worker at a time on PostgreSQL. Says how many reminders and nudges were queued."""
    if not only_worker("meetings"):
        db.session.rollback()
        return 0
    now = clock.now()
    queued = send_reminders(now) + nudge_unbooked(now)
    sync_calendars(now)
    db.session.commit()
    return queued


def queue_digests() -> int:
    """Write the daily digest of each rep who chose one and has leads handed to them since the last; it goes
    after ``DIGEST_TIME`` in the rep's own zone."""
    config = current_app.config
    now = clock.now()
    if not only_worker("digests"):
        db.session.rollback()
        return 0
    at = dt.time.fromisoformat(config["DIGEST_TIME"])
    reps = db.session.scalars(sa.select(User).where(User.role == "sales", User.active.is_(True),
                                                    User.alerts == "digest").order_by(User.id)).all()
    queued = 0
    for rep in reps:
        last = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.topic == DIGEST,
                                                                OutboxMessage.recipient == rep.email)
                                 .order_by(OutboxMessage.id.desc()).limit(1))
        last_until = dt.datetime.fromisoformat(last.payload["until"]) if last else None
        if not digest_due(last_until, now, at, ZoneInfo(zone_of(rep))):
            continue
        since = last_until or now - dt.timedelta(days=1)
        lead_ids = db.session.scalars(
            sa.select(Assignment.lead_id).join(Lead, Lead.id == Assignment.lead_id)
            .where(Assignment.user_id == rep.id, Assignment.at >= since, Assignment.at < now,
                   Lead.owner_id == rep.id, Lead.route == SALES_READY)
            .group_by(Assignment.lead_id).order_by(sa.func.min(Assignment.at))).all()
        if lead_ids:
            db.session.add(OutboxMessage(topic=DIGEST, channel="email", recipient=rep.email, created_at=now,
                                         next_attempt_at=now, give_up_at=now + GIVE_UP_AFTER, payload={
                                             "user_id": rep.id, "since": since.isoformat(),
                                             "until": now.isoformat(), "lead_ids": list(lead_ids)}))
            queued += 1
    db.session.commit()
    return queued


def only_worker(job: str) -> bool:
    """On PostgreSQL, one worker at a time does ``job``: a lock held until this transaction ends (and the
    next worker then sees what it wrote). SQLite runs one worker."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(
        sa.func.hashtext(f"doorstep.{job}")))))


def check_service_level() -> int:
    """Alert the admins about each sales-ready lead still new past the service level, once per hand-over;
    with ``SLA_REASSIGN`` on, the lead also goes to the next rep in the round robin, the reason logged."""
    config = current_app.config
    allowed = float(config["SLA_WORKING_HOURS"])
    if allowed <= 0 or not only_worker("service level"):
        db.session.rollback()
        return 0
    hours = WorkingHours.parse(config["WORKING_HOURS"], config["WORKING_DAYS"], config["WORKING_TIMEZONE"])
    now = clock.now()
    alerted = sa.select(LeadEvent.id).where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == "sla_missed",
                                            LeadEvent.at >= Lead.routed_at)
    waiting = db.session.scalars(sa.select(Lead).where(
        Lead.route == SALES_READY, Lead.status == NEW, Lead.routed_at <= now - dt.timedelta(hours=allowed),
        ~sa.exists(alerted)).order_by(Lead.routed_at).limit(200)).all()
    late = [lead for lead in waiting if is_late(lead.routed_at, now, allowed, hours)]
    for lead in late:
        facts: dict[str, object] = {"working_hours": allowed, "waiting_since": lead.routed_at.isoformat(),
                                    "owner": lead.owner.name if lead.owner else ""}
        if config["SLA_REASSIGN"] and (pick := next_rep(passing_over=lead.owner_id)) is not None:
            rep = db.session.get(User, pick.rep.id)
            assert rep is not None
            facts["reassigned_to"] = rep.name
            hand_to(lead, rep, f"Still new after {allowed:g} working hours with {facts['owner'] or 'nobody'}", now)
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="sla_missed", data=facts))
        announce("lead.sla_missed", lead, now, facts)
    if late:
        db.session.commit()
    else:
        db.session.rollback()
    return len(late)


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
    raise DeliveryError("Choose one of the filters offered.")


def _known(events: Sequence[str]) -> list[str]:
    unknown = [e for e in events if e not in TOPICS]
    if unknown:
        raise DeliveryError(f"Unknown event {unknown[0]!r}; choose among those offered.")
    if not events:
        raise DeliveryError("Choose at least one event to send.")
    return list(dict.fromkeys(events))


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    found = db.session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise DeliveryError("That endpoint no longer exists.")
    return found


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
    mails = [_mail(key, message) for key, message in box.iteritems()]
    return sorted(mails, key=lambda mail: mail.key, reverse=True)[:limit]


def mailbox_mail(key: str) -> Mail | None:
    box = local_mailbox(current_app.config["MAILBOX_DIR"])
    try:
        return _mail(key, box[key])
    except KeyError:
        return None


def _mail(key: str, message: mailbox.MaildirMessage) -> Mail:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
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
