""""What wins", computed by the outbox worker and kept by what it depends on, so the page answers at once.

Reading every outcome's receipt and fitting the regressions took 2 to 5 s at 100,000 leads with outcomes: too long
for a page. The evidence depends only on the live model (its version is its file's hash, so points and threshold
too) and on the outcomes; ``evidence_key`` reads those in a few indexed queries. The page looks up the report kept
under today's key; when there is none it asks the worker for one (an ``EvidenceReport`` row, and the doorbell) and
shows the newest finished report meanwhile, saying it is being brought up to date. The worker claims the row as
it claims a what-if (``leads.delivery.jobs.in_a_thread``) and writes the result.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from leads import clock
from leads.delivery.jobs import claim_waiting, in_a_thread
from leads.delivery.outbox import ring_doorbell
from leads.delivery.registry import asks
from leads.extensions import db, site_content
from leads.inbox.statuses import LOST, NOT_READY, WON
from leads.models import EvidenceReport, Lead, LeadEvent, Meeting
from leads.studio.calibration import NO_SHOW
from leads.studio.drift import Drift, drift_as_data, drift_from_data
from leads.studio.evidence import Learning, as_data, from_data
from leads.studio.learning import evidence_and_drift
from leads.studio.what_if import DONE, FAILED, QUEUED, STALE

log = logging.getLogger(__name__)

_one_at_a_time = threading.Lock()  # one computation per worker process


@dataclass(frozen=True)
class StoredEvidence:
    """What the page shows: the newest finished report (None before the first), whether it is up to date, and
    the row the worker is on when it is not."""

    report: Learning | None
    drift: Drift | None
    computed_at: dt.datetime | None
    current: bool
    pending: EvidenceReport | None


def evidence_key(now: dt.datetime | None = None) -> str:
    """What the evidence depends on: the live model's version, the leads with an outcome, the latest status move
    (an outcome recorded, changed or undone), the meetings missed, and the day (the drift's windows move)."""
    model = site_content().questionnaire_or_none()
    with_outcome = db.session.scalar(sa.select(sa.func.count()).select_from(Lead)
                                     .where(Lead.status.in_((WON, LOST, NOT_READY))))
    # ORDER BY id DESC LIMIT 1 rather than max(): SQLite walks the key backwards and stops at the first.
    last_move = db.session.scalar(sa.select(LeadEvent.id).where(LeadEvent.kind == "status")
                                  .order_by(LeadEvent.id.desc()).limit(1))
    missed = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(Meeting.status == NO_SHOW))
    day = (now or clock.now()).date().isoformat()
    return f"{model.version if model else ''}:{with_outcome}:{last_move or 0}:{missed}:{day}"


def stored(now: dt.datetime | None = None) -> StoredEvidence:
    """The evidence for the page; asks the worker for it when the outcomes or the model moved. Commits."""
    now = now or clock.now()
    key = evidence_key(now)
    row = db.session.scalar(sa.select(EvidenceReport).where(EvidenceReport.key == key))
    if row is None:
        row = _queue(key, now)
    if row.status == DONE:
        return _read(row, None)
    newest = _newest_done()
    if newest is None:
        return StoredEvidence(None, None, None, False, row)
    return _read(newest, row)


def newest() -> Learning | None:
    """The newest evidence computed, up to date or not."""
    row = _newest_done()
    return from_data(row.result["evidence"]) if row else None


def _read(row: EvidenceReport, pending: EvidenceReport | None) -> StoredEvidence:
    found = row.result.get("drift")
    return StoredEvidence(from_data(row.result["evidence"]), drift_from_data(found) if found else None,
                          row.finished_at, pending is None, pending)


def ask_again(report_id: int, now: dt.datetime | None = None) -> EvidenceReport | None:
    """A failed computation asked for again. Commits."""
    row = db.session.get(EvidenceReport, report_id)
    if row is None or row.status != FAILED:
        return row
    row.status, row.error, row.requested_at, row.finished_at = QUEUED, "", now or clock.now(), None
    ring_doorbell()
    db.session.commit()
    return row


def status_of(row: EvidenceReport) -> dict[str, Any]:
    """What the page's script polls for."""
    return {"id": row.id, "status": row.status}


def find(report_id: int) -> EvidenceReport | None:
    return db.session.get(EvidenceReport, report_id)


def _newest_done() -> EvidenceReport | None:
    return db.session.scalar(sa.select(EvidenceReport).where(EvidenceReport.status == DONE)
                             .order_by(EvidenceReport.finished_at.desc(), EvidenceReport.id.desc()).limit(1))


def _queue(key: str, now: dt.datetime) -> EvidenceReport:
    model = site_content().questionnaire_or_none()
    row = EvidenceReport(key=key, live_version=model.version if model else "", requested_at=now)
    db.session.add(row)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # another page asked for the same key at the same moment: theirs it is
        db.session.rollback()
        found = db.session.scalar(sa.select(EvidenceReport).where(EvidenceReport.key == key))
        if found is None:
            raise
        return found
    ring_doorbell()
    db.session.commit()
    return row


def claim_next(now: dt.datetime | None = None) -> int | None:
    """The oldest waiting computation (or one whose worker went silent), marked as running. Commits."""
    return claim_waiting(EvidenceReport, now or clock.now(), STALE)


def compute(report_id: int) -> None:
    """Compute the claimed report from the outcomes as they are now. Commits."""
    started = time.monotonic()
    try:
        report, found = evidence_and_drift()
        data: dict[str, Any] = {"evidence": as_data(report), "drift": drift_as_data(found) if found else None}
        status, error = DONE, ""
    except Exception as exc:  # whatever broke, the page says so and the marketer may ask again
        log.exception("The evidence %s failed", report_id)
        data, status, error = {}, FAILED, exc.__class__.__name__  # the page words it in its reader's language
    db.session.rollback()  # it only read
    db.session.execute(sa.update(EvidenceReport).where(EvidenceReport.id == report_id).values(
        status=status, result=data, error=error, seconds=round(time.monotonic() - started, 2),
        finished_at=clock.now(), heartbeat_at=clock.now()))
    if status == DONE:  # the page shows only the newest: the others go
        db.session.execute(sa.delete(EvidenceReport).where(EvidenceReport.status.in_((DONE, FAILED)),
                                                           EvidenceReport.id != report_id))
    db.session.commit()


def register(app: Flask) -> None:
    asks(app, lambda stop: in_a_thread(app, _one_at_a_time, claim_next, compute, "evidence"))
