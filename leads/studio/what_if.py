"""The studio's what-if: a replay of the stored answers under the draft, asked for by the preview page and run by
the outbox worker, so that the page answers at once and shows a progress bar, then the result.

At about 550 µs a submission, a replay in the request took 5 s for 10,000 submissions and a minute for 100,000,
past a proxy's timeout. Here the page writes a ``WhatIf`` row and rings the worker's doorbell; the worker claims
the row, replays in a thread of its own (deliveries go on meanwhile), writes how far it got every so often, and
keeps the result (the route changes, at most ``LISTED`` of them by name). A draft that changes only thresholds
reuses the stored scores (``replay``'s ``scored_by``): a read of the stored points, no scoring at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from leads import clock
from leads.delivery.jobs import claim_waiting, in_a_thread
from leads.delivery.outbox import ring_doorbell
from leads.delivery.registry import asks
from leads.extensions import db, site_content
from leads.models import Lead, WhatIf
from leads.questionnaire import ModelError, parse_questionnaire
from leads.scoring.replay import ReplayReport, RouteChange, replay, submissions_to_replay
from leads.scoring.routing import Route

log = logging.getLogger(__name__)

LISTED = 500  # route changes kept by name; the counts cover them all
FRESH = dt.timedelta(minutes=10)  # a result this recent answers the same question again
KEEP = dt.timedelta(days=1)  # finished replays older than this are cleared
STALE = dt.timedelta(minutes=2)  # a running replay silent this long lost its worker: it is run again
PROGRESS_EVERY = 0.5  # seconds between two progress writes
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_one_at_a_time = threading.Lock()  # one replay per worker process


class Stopped(Exception):
    """The worker is stopping: the replay is handed back to the queue."""


@dataclass(frozen=True)
class WhatIfResult:
    """A finished replay as the page shows it."""

    submissions: int
    leads: int
    counts: list[tuple[Route, Route, int]]
    changes: list[RouteChange]
    changes_total: int
    kept: list[RouteChange]
    kept_total: int
    reused_scores: bool
    seconds: float


def ask(source: str, draft_version: str, days: int, user_id: int | None, now: dt.datetime | None = None) -> WhatIf:
    """The replay of the draft ``source`` over the leads who answered in the last ``days`` days: one already
    asked for (waiting, running, or finished or failed within ``FRESH``: a failure is shown, with a button to
    ask again, rather than tried over and over), else a new one for the worker. Commits."""
    now = now or clock.now()
    live = site_content().questionnaire_or_none()
    live_version = live.version if live is not None else ""
    found = db.session.scalars(
        sa.select(WhatIf).where(WhatIf.draft_version == draft_version, WhatIf.live_version == live_version,
                                WhatIf.days == days)
        .order_by(WhatIf.id.desc()).limit(1)).first()
    if found is not None and (found.status in (QUEUED, RUNNING) or
                              found.finished_at is not None and now - found.finished_at < FRESH):
        return found
    return _queue(source, draft_version, live_version, days, user_id, now)


def find(run_id: int) -> WhatIf | None:
    return db.session.get(WhatIf, run_id)


def ask_again(run_id: int, user_id: int | None) -> WhatIf | None:
    """The same question asked afresh (newer answers since, or a replay that failed). Commits."""
    old = db.session.get(WhatIf, run_id)
    if old is None:
        return None
    if old.status in (QUEUED, RUNNING):
        return old
    return _queue(old.source, old.draft_version, old.live_version, old.days, user_id, clock.now())


def _queue(source: str, draft_version: str, live_version: str, days: int, user_id: int | None,
           now: dt.datetime) -> WhatIf:
    # Finished replays answer for ``FRESH`` only: older ones (each holds a draft) are cleared as new ones come.
    db.session.execute(sa.delete(WhatIf).where(WhatIf.status.in_((DONE, FAILED)), WhatIf.finished_at < now - KEEP))
    run = WhatIf(draft_version=draft_version, live_version=live_version, source=source, days=days,
                 since=now - dt.timedelta(days=days), requested_by_id=user_id, requested_at=now)
    db.session.add(run)
    ring_doorbell()
    db.session.commit()
    return run


def result_of(run: WhatIf) -> WhatIfResult | None:
    """A finished run's result, with its lines in the words the page uses."""
    if run.status != DONE:
        return None
    data = run.result
    ids = {int(c[0]) for key in ("changes", "kept") for c in data.get(key, [])}
    people = {row.id: (row.name, row.email) for row in db.session.execute(
        sa.select(Lead.id, Lead.name, Lead.email).where(Lead.id.in_(ids)))} if ids else {}

    def changes(key: str) -> list[RouteChange]:
        return [RouteChange(int(c[0]), *people[int(c[0])], Route(c[1]), Route(c[2]), int(c[3]), int(c[4]))
                for c in data.get(key, []) if int(c[0]) in people]  # an erased lead is gone from here too

    return WhatIfResult(int(data.get("submissions", 0)), int(data.get("leads", 0)),
                        [(Route(a), Route(b), int(n)) for a, b, n in data.get("counts", [])],
                        changes("changes"), int(data.get("changes_total", 0)), changes("kept"),
                        int(data.get("kept_total", 0)), run.reused_scores, float(data.get("seconds", 0.0)))


def status_of(run: WhatIf) -> dict[str, Any]:
    """What the page's script polls for."""
    percent = 100 if run.status == DONE else min(99, 100 * run.done // run.total) if run.total > 0 else 0
    return {"id": run.id, "status": run.status, "done": run.done, "total": run.total, "percent": percent}


def claim_next(now: dt.datetime | None = None) -> int | None:
    """The oldest waiting replay (or one whose worker went silent), marked as running. Commits."""
    return claim_waiting(WhatIf, now or clock.now(), STALE, done=0)


def run(run_id: int, stop: threading.Event | None = None) -> None:
    """Replay the claimed run ``run_id``, writing its progress as it goes, then its result. Commits."""
    started = time.monotonic()
    run_row = db.session.get(WhatIf, run_id)
    if run_row is None:
        return
    source, since = run_row.source, run_row.since
    try:
        draft = parse_questionnaire(source.encode("utf-8"), site_content().directory / "questionnaire.draft.yaml",
                                    site_content().default_language)
    except ModelError as exc:
        _finish(run_id, FAILED, error="; ".join(f"{p.line}: {p.message}" for p in exc.problems))
        return
    live = site_content().questionnaire_or_none()
    total = submissions_to_replay(since)
    _write(run_id, total=total)
    done, written_at = 0, time.monotonic()

    def progress(n: int) -> None:
        nonlocal done, written_at
        done += n
        if stop is not None and stop.is_set():
            raise Stopped
        if time.monotonic() - written_at >= PROGRESS_EVERY:
            written_at = time.monotonic()
            _write(run_id, done=done)

    try:
        report = replay(draft, progress=progress, since=since, scored_by=live)
    except Stopped:
        db.session.rollback()
        _write(run_id, status=QUEUED, done=0)
        return
    except Exception as exc:  # whatever broke, the page says so and the marketer may ask again
        log.exception("The what-if replay %s failed", run_id)
        db.session.rollback()
        _finish(run_id, FAILED, error=f"The replay failed: {exc.__class__.__name__}.")
        return
    db.session.rollback()  # the replay only read
    _finish(run_id, DONE, report=report, seconds=time.monotonic() - started, total=total)


def _write(run_id: int, **values: Any) -> None:
    """Progress on a connection of its own, so the page sees it while the replay's read goes on."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(WhatIf).where(WhatIf.id == run_id).values(heartbeat_at=clock.now(), **values))


def _finish(run_id: int, status: str, report: ReplayReport | None = None, seconds: float = 0.0, total: int = 0,
            error: str = "") -> None:
    result: Mapping[str, Any] = {}
    values: dict[str, Any] = {"status": status, "finished_at": clock.now(), "error": error}
    if report is not None:
        result = {"submissions": report.submissions, "leads": report.leads,
                  "counts": [[str(a), str(b), n] for a, b, n in report.counts()],
                  "changes": [_row(c) for c in report.changes[:LISTED]], "changes_total": len(report.changes),
                  "kept": [_row(c) for c in report.kept[:LISTED]], "kept_total": len(report.kept),
                  "seconds": round(seconds, 2)}
        values.update(result=result, done=report.submissions, total=max(total, report.submissions),
                      reused_scores=report.reused_scores)
    _write(run_id, **values)


def _row(change: RouteChange) -> list[Any]:
    # Lead ids, never names or addresses: the page looks them up, so an erased lead leaves nothing here.
    return [change.lead_id, str(change.before), str(change.after), change.score_before, change.score_after]


def register(app: Flask) -> None:
    asks(app, lambda stop: start_next(app, stop))


def start_next(app: Flask, stop: threading.Event) -> bool:
    """For the outbox worker when idle: claim the next waiting replay and run it in a thread, so deliveries go on
    meanwhile; one replay at a time per worker. Whether one was started."""
    return in_a_thread(app, _one_at_a_time, claim_next, lambda run_id: run(run_id, stop), "what-if")
