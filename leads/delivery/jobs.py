"""What the clock, not a change, makes due, run by the outbox worker between deliveries: the jobs capabilities
scheduled at app creation (the service level and the reps' digests, meetings' reminders and calendars, nurture
emails whose day has come, retention), each in its turn, one worker at a time on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from leads.delivery.registry import registry
from leads.extensions import db


def scheduled_work() -> None:
    """Run every scheduled job once, in the order they were scheduled."""
    for job in registry().jobs:
        job()


def waiting_work(stop: threading.Event) -> None:
    """Every task a page asked for (``registry.asks``), once: looked for whenever the worker is idle."""
    for task in registry().tasks:
        task(stop)


def only_worker(job: str) -> bool:
    """On PostgreSQL, one worker at a time does ``job``: a lock held until this transaction ends (and the
    next worker then sees what it wrote). SQLite runs one worker."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(
        sa.func.hashtext(f"doorstep.{job}")))))


def in_a_thread(app: Flask, lock: threading.Lock, claim: Callable[[], int | None], work: Callable[[int], None],
                name: str) -> bool:
    """For a task a page asked for (``registry.asks``): claim the next row waiting with ``claim`` and hand it to
    ``work`` in a thread of its own, so deliveries go on meanwhile; one at a time per ``lock`` (a worker
    process). Whether one was started."""
    if not lock.acquire(blocking=False):
        return False
    try:
        row_id = claim()
    except Exception:
        lock.release()
        raise
    if row_id is None:
        lock.release()
        return False

    def run() -> None:
        try:
            with app.app_context():
                try:
                    work(row_id)
                finally:
                    db.session.remove()
        finally:
            lock.release()

    threading.Thread(target=run, name=f"{name}-{row_id}").start()
    return True


def claim_waiting(table: Any, now: dt.datetime, stale: dt.timedelta, **values: Any) -> int | None:
    """The id of the oldest row of ``table`` waiting for a task (``registry.asks``): "queued", or "running" with no
    sign of life (``heartbeat_at``) for ``stale``, its worker gone. It is marked running, with ``values`` too, by
    whoever flips it first, so two workers never take the same row. ``table`` is a mapped class with ``id``,
    ``status``, ``requested_at``, ``started_at`` and ``heartbeat_at``. Commits."""
    waiting = (table.status == "queued") | ((table.status == "running") & (table.heartbeat_at < now - stale))
    for row_id in db.session.scalars(sa.select(table.id).where(waiting)
                                     .order_by(table.requested_at, table.id).limit(3)).all():
        claimed = db.session.execute(sa.update(table).where(table.id == row_id, waiting)
                                     .values(status="running", started_at=now, heartbeat_at=now, **values))
        db.session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE's result has a row count
            return int(row_id)
    return None
