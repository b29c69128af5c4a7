"""Retention: what outlives its configured window is purged by the outbox worker, and each purge is logged.

- unsent questionnaire drafts, after ``RETENTION_DRAFT_DAYS`` untouched;
- quarantined and disqualified submissions, after ``RETENTION_HELD_DAYS`` (a person with nothing else is erased);
- nurture leads with no activity for ``RETENTION_NURTURE_MONTHS`` (erased, through the personal-data map).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.delivery.jobs import only_worker
from leads.extensions import db
from leads.models import Lead, LeadEvent, QuestionnaireDraft, Submission
from leads.privacy import audit
from leads.privacy.data_map import find_person
from leads.privacy.people import forget_search_terms, remove_rows
from leads.scoring.routing import Route
from leads.scoring.score import Verdict

log = logging.getLogger(__name__)

# Kept for the short window: people held for review or ruled out, and such answers in a kept lead's name.
HELD_ROUTES = (Route.QUARANTINED, Route.DISQUALIFIED)
HELD_VERDICTS = (Verdict.HELD, Verdict.DISQUALIFIED)
BATCH = 500  # people erased per run at most, so one run never holds a long transaction


@dataclass(frozen=True)
class Windows:
    """The configured windows, as the worker applies them and the privacy page states them."""

    draft_days: int
    held_days: int
    nurture_months: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Windows:
        return cls(int(config["RETENTION_DRAFT_DAYS"]), int(config["RETENTION_HELD_DAYS"]),
                   int(config["RETENTION_NURTURE_MONTHS"]))

    def nurture_cutoff(self, now: dt.datetime) -> dt.datetime:
        # Calendar months, counted back; a day the month lacks becomes its last (31 March -> 28 February).
        year, month = divmod(now.year * 12 + now.month - 1 - self.nurture_months, 12)
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)


# When each database was last purged by this process, in the app's clock (so a test that moves it sees the next run).
_last_run: dict[str, dt.datetime] = {}


def due(config: Mapping[str, Any], now: dt.datetime | None = None) -> bool:
    """Whether this process should look for expired data again; at most every ``RETENTION_CHECK_MINUTES``."""
    now = now or clock.now()
    every = dt.timedelta(minutes=float(config["RETENTION_CHECK_MINUTES"]))
    key = str(config["SQLALCHEMY_DATABASE_URI"])
    # A clock that went back (a test's, or a corrected server clock) makes it due rather than silent.
    if every <= dt.timedelta() or (key in _last_run and dt.timedelta() <= now - _last_run[key] < every):
        return False
    _last_run[key] = now
    return True


def purge_when_due() -> dict[str, int]:
    """Purge what outlived its retention window, when this process has not looked lately; one worker at a time
    (the worker's scheduled work runs it)."""
    config = current_app.config
    if not due(config) or not only_worker("retention"):
        db.session.rollback()
        return {}
    return purge_expired(Windows.from_config(config))


def purge_expired(windows: Windows, now: dt.datetime | None = None) -> dict[str, int]:
    """Purge what has outlived its window; return the counts, which also go to the audit log when not all zero."""
    now = now or clock.now()
    counts = {"drafts": _purge_drafts(now - dt.timedelta(days=windows.draft_days))}
    held_before = now - dt.timedelta(days=windows.held_days)
    counts["held_people"] = _erase_people(
        sa.select(Lead.email).where(Lead.route.in_(HELD_ROUTES), Lead.routed_at < held_before))
    # A held-back submission in the name of a lead that is otherwise kept goes on its own.
    counts["held_submissions"] = db.session.connection().execute(
        sa.delete(Submission).where(Submission.verdict.in_(HELD_VERDICTS), Submission.created_at < held_before)
    ).rowcount
    last_event = sa.select(sa.func.max(LeadEvent.at)).where(LeadEvent.lead_id == Lead.id).scalar_subquery()
    counts["nurture_people"] = _erase_people(
        sa.select(Lead.email).where(Lead.route == Route.NURTURE, Lead.routed_at < windows.nurture_cutoff(now),
                                    sa.func.coalesce(last_event, Lead.routed_at) < windows.nurture_cutoff(now)))
    if counts["held_people"] or counts["nurture_people"]:
        forget_search_terms()
    if any(counts.values()):
        audit.note(None, "retention.purged", "retention", counts)
        log.info("Retention purge: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    db.session.commit()
    return counts


def _purge_drafts(before: dt.datetime) -> int:
    return db.session.connection().execute(
        sa.delete(QuestionnaireDraft).where(QuestionnaireDraft.submission_id.is_(None),
                                            QuestionnaireDraft.updated_at < before)).rowcount


def _erase_people(emails: sa.Select[str]) -> int:
    erased = 0
    for email in db.session.scalars(emails.order_by(Lead.id).limit(BATCH)).all():
        remove_rows(find_person(email))
        erased += 1
    return erased
