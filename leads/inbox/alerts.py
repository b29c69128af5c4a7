"""What sales hear by mail: an alert per lead event, or the daily digest a rep chose instead, and the admins' alert
about a lead left untouched past the service level. The renderers of those topics and the jobs the clock makes due,
handed to delivery at app creation (``register``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import gettext, ngettext

from leads import clock
from leads.dates import zone_of
from leads.delivery import Undeliverable
from leads.delivery.alerts import EMAIL_AUDIENCE, Alert, digest_due, sales_alert
from leads.delivery.email import Mail, mail_from
from leads.delivery.jobs import only_worker
from leads.delivery.outbox import announce, post
from leads.delivery.registry import renders, schedule
from leads.delivery.service_level import WorkingHours, is_late
from leads.extensions import db, site_content
from leads.inbox.statuses import NEW
from leads.inbox.workflow import hand_to
from leads.models import Assignment, Lead, LeadEvent, OutboxMessage, User
from leads.questionnaire import OWN_WORDS
from leads.scoring.handover import next_rep
from leads.scoring.routing import Route

# A rep's daily digest, instead of a mail per lead; mail only, never a webhook.
DIGEST = "rep.digest"


def register(app: Flask) -> None:
    renders(app, alert_mail, *EMAIL_AUDIENCE)
    renders(app, digest_mail, DIGEST)
    schedule(app, check_service_level)
    schedule(app, queue_digests)


def alert_mail(message: OutboxMessage) -> Mail:
    lead = db.session.get(Lead, message.payload.get("lead_id"))
    if lead is None:
        raise Undeliverable("The lead no longer exists.")
    alert = _lead_alert(message.topic, lead, message.payload)
    return mail_from("alert", _subject(alert), {"alert": alert})


def _subject(alert: Alert) -> str:
    """The alert's subject in its reader's language (the headlines of ``leads.delivery.alerts``, in words)."""
    who = f"{alert.name} ({alert.company})" if alert.company else alert.name
    words = {"lead.sales_ready": gettext("%(lead)s is ready to talk", lead=who),
             "lead.assigned": gettext("%(lead)s has been handed to you", lead=who),
             "lead.sla_missed": gettext("%(lead)s is still waiting for a first reply", lead=who)}
    return str(words.get(alert.topic, alert.subject))


def digest_mail(message: OutboxMessage) -> Mail:
    """One mail for the leads handed to a rep since the last digest, each as its own alert would say it."""
    leads = [db.session.get(Lead, lead_id) for lead_id in message.payload["lead_ids"]]
    alerts = [_lead_alert("lead.sales_ready", lead, {}) for lead in leads if lead is not None]
    if not alerts:
        raise Undeliverable("None of its leads exists any more.")
    subject = ngettext("%(num)d lead for you since your last digest", "%(num)d leads for you since your last digest",
                       len(alerts))
    return mail_from("digest", subject, {"alerts": alerts})


def _lead_alert(topic: str, lead: Lead, facts: Mapping[str, Any]) -> Alert:
    latest = lead.submissions[-1] if lead.submissions else None
    model = site_content().questionnaire()
    labels = {q.id: q.label for q in model.questions if q.id in OWN_WORDS}
    return sales_alert(topic, {"name": lead.name, "email": lead.email, "company": lead.company},
                       latest.answers if latest else {}, latest.receipt if latest else [], labels,
                       url_for("inbox.lead_detail", lead_id=lead.id, _external=True), facts)


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
            post(DIGEST, rep.email, {"user_id": rep.id, "since": since.isoformat(), "until": now.isoformat(),
                                     "lead_ids": list(lead_ids)}, at=now)
            queued += 1
    db.session.commit()
    return queued


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
