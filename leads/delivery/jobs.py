"""What the clock, not a change, makes due, run by the outbox worker between deliveries: the service level,
the reps' digests, meetings' reminders and calendars, nurture emails whose day has come, and retention."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.booking.calendar_sync import sync_calendars
from leads.booking.reminders import nudge_unbooked, send_reminders
from leads.dates import zone_of
from leads.delivery import DIGEST
from leads.delivery.alerts import digest_due
from leads.delivery.outbox import announce
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.delivery.service_level import WorkingHours, is_late
from leads.extensions import db
from leads.inbox.statuses import NEW
from leads.inbox.workflow import hand_to
from leads.models import Assignment, Lead, LeadEvent, OutboxMessage, User
from leads.privacy import retention
from leads.scoring.handover import next_rep
from leads.scoring.routing import Route


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
                   Lead.owner_id == rep.id, Lead.route == Route.SALES_READY)
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
        Lead.route == Route.SALES_READY, Lead.status == NEW, Lead.routed_at <= now - dt.timedelta(hours=allowed),
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
