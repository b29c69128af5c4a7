"""The marketers' weekly mail: whether the live model has drifted, and how many point changes the outcomes
suggest, with a link to the evidence. It goes only when there is something to say, at most once a week."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from leads import clock
from leads.delivery.email import Mail, mail_from
from leads.delivery.jobs import only_worker
from leads.delivery.outbox import post
from leads.delivery.registry import renders, schedule
from leads.extensions import db
from leads.models import OutboxMessage, User
from leads.studio.learning import evidence_and_drift

WEEKLY = "studio.weekly"
EVERY = dt.timedelta(days=7)
QUIET = "doorstep.studio.weekly_quiet_until"
QUIET_FOR = dt.timedelta(days=1)


def register(app: Flask) -> None:
    renders(app, weekly_mail, WEEKLY)
    schedule(app, queue_weekly)


def queue_weekly() -> int:
    """Write the weekly mail of each active marketer who keeps it (their account's choice), where a week has
    passed since their last and there is drift or a suggestion to tell of; how many were written."""
    if not only_worker("studio weekly"):
        db.session.rollback()
        return 0
    now = clock.now()
    marketers = db.session.scalars(sa.select(User).where(User.role == "marketer", User.active.is_(True),
                                                         User.weekly_mail.is_(True))
                                   .order_by(User.id)).all()
    due = [m for m in marketers if (last := _last(m.email)) is None or now - last >= EVERY]
    quiet_until = current_app.extensions.get(QUIET)
    if not due or (quiet_until is not None and now < quiet_until):
        return 0
    report, found = evidence_and_drift()
    drifted = [{"band": b.band, "then": b.then.percent, "then_leads": b.then.leads, "now": b.now.percent,
                "now_leads": b.now.leads} for b in (found.drifted if found else [])]
    suggestions = len(report.suggestions)
    if not drifted and not suggestions:
        # Reading every outcome costs seconds at 100,000 leads: with nothing to tell, look again tomorrow, not
        # at the worker's next turn.
        current_app.extensions[QUIET] = now + QUIET_FOR
        return 0
    for marketer in due:
        post(WEEKLY, marketer.email, {"until": now.isoformat(), "version": found.version if found else "",
                                      "drifted": drifted, "suggestions": suggestions}, at=now)
    db.session.commit()
    return len(due)


def _last(email: str) -> dt.datetime | None:
    last = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.topic == WEEKLY,
                                                            OutboxMessage.recipient == email)
                             .order_by(OutboxMessage.id.desc()).limit(1))
    return dt.datetime.fromisoformat(last.payload["until"]) if last else None


def weekly_mail(message: OutboxMessage) -> Mail:
    payload = message.payload
    drifted = payload.get("drifted") or []
    # The worker draws the mail in its recipient's language (their account's), so these words are theirs.
    subject = (_("The live scoring model has drifted") if drifted
               else ngettext("%(changes)s suggested change to the scoring model",
                             "%(changes)s suggested changes to the scoring model", payload["suggestions"],
                             changes=format_decimal(payload["suggestions"])))
    return mail_from("studio_weekly", subject, {"drifted": drifted, "suggestions": payload.get("suggestions", 0),
                                                "version": payload.get("version", ""),
                                                "evidence_url": url_for("studio.evidence", _external=True),
                                                "account_url": url_for("account.index", _external=True)})
