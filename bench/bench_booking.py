"""Booking: slot computation for a team, and many prospects racing for the same slots under gunicorn.

1. Slots: a team of 50 reps over 14 days with 2,000 meetings already booked. The median time to compute every
   rep's free slots (``leads.booking.slots.free_slots``), against a bare loop over the same busy intervals
   (one pass touching each interval, no slots made) measured in the same run; the ratio is what the slot
   logic costs over just reading the bookings.
2. The race: 32 clients (threads, each a prospect with their own signed link and cookies) book the same
   20 slots of one rep, through the real pages (the slot list, the confirmation, the CSRF-checked post),
   under gunicorn (4 workers × 4 threads) on SQLite, and on PostgreSQL when ``--postgres`` gives a database.
   A client whose post is answered "taken" (409) tries another of the fresh slots until none is left.
   Goal: 0 double bookings, 0 errors, and every acknowledged booking (303) stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.bench_submit import Browser, _ready_buyer
from bench.common import gunicorn, median, save, table
from leads.booking.slots import Availability, free_slots
from leads.extensions import site_content

REPS, DAYS, BOOKINGS = 50, 14, 2000
CLIENTS, SLOTS = 32, 20
SECRET = "bench-booking-secret"


# --- 1. slot computation ---------------------------------------------------------------------------------------


def _team(seed: int = 7) -> tuple[list[Availability], list[list[tuple[dt.datetime, dt.datetime]]], dt.datetime]:
    """50 reps in a few zones, 9 to 5 on weekdays, with 2,000 half-hour meetings spread over their 14 days."""
    rng = random.Random(seed)
    zones = ["Europe/Berlin", "America/New_York", "Europe/London", "Asia/Tokyo", "UTC"]
    now = dt.datetime(2026, 3, 20, 6, tzinfo=dt.UTC)  # the fortnight spans both spring changes' aftermath
    reps = [Availability(zone=ZoneInfo(zones[i % len(zones)]), notice=dt.timedelta(hours=2), max_per_day=12)
            for i in range(REPS)]
    meetings: list[list[tuple[dt.datetime, dt.datetime]]] = [[] for _ in range(REPS)]
    for n in range(BOOKINGS):
        rep = n % REPS
        day = now.astimezone(reps[rep].zone).date() + dt.timedelta(days=rng.randrange(DAYS))
        local = dt.datetime.combine(day, dt.time(9), reps[rep].zone) + dt.timedelta(minutes=30 * rng.randrange(16))
        start = local.astimezone(dt.UTC)
        meetings[rep].append((start, start + dt.timedelta(minutes=30)))
    return reps, meetings, now


def measure_slots(repeat: int) -> dict[str, Any]:
    reps, meetings, now = _team()
    until = now + dt.timedelta(days=DAYS)

    def team_slots() -> int:
        return sum(len(free_slots(rep, booked, [], now, until)) for rep, booked in zip(reps, meetings, strict=True))

    def bare_loop() -> int:
        count = 0
        for booked in meetings:
            for start, end in booked:
                if start < until and end > now:
                    count += 1
        return count

    slots_found = team_slots()
    samples, baseline = [], []
    for _ in range(repeat):  # interleaved, so that both see the same machine
        started = time.perf_counter()
        team_slots()
        samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        bare_loop()
        baseline.append(time.perf_counter() - started)
    return {"reps": REPS, "days": DAYS, "bookings": BOOKINGS, "free slots found": slots_found,
            "team slots ms (median)": 1000 * median(samples), "bare loop ms (median)": 1000 * median(baseline),
            "ratio": median(samples) / median(baseline)}


# --- 2. the race -----------------------------------------------------------------------------------------------


def _prepare(url: str) -> tuple[list[str], int, dt.date]:
    """A fresh database: one rep with exactly 20 free half-hours (one day, 08:00-18:00 UTC, the days around it off),
    and 32 ready leads who asked to talk, each with a signed booking link."""
    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.booking.meetings import book_token
    from leads.extensions import db
    from leads.models import Availability as AvailabilityRow
    from leads.questionnaire.submissions import Arrival, submit_answers

    if url.startswith("postgresql"):
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"ENV": "development", "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date()
    with app.app_context():
        upgrade()
        rep = create_user("rep@bench.example", "Bench Rep", "sales", "a bench password for the rep")
        others = [(day + dt.timedelta(days=n)).isoformat() for n in range(-3, 120) if n != 0]
        db.session.add(AvailabilityRow(user_id=rep.id, hours={str(day.weekday()): [["08:00", "18:00"]]},
                                       meeting_minutes=30, buffer_minutes=0, notice_minutes=0, max_per_day=SLOTS,
                                       days_off=others, caldav_url="", caldav_username="", caldav_password=""))
        db.session.commit()
        model = site_content(app).questionnaire()
        tokens = []
        for n in range(CLIENTS):
            answers = {**_ready_buyer(), "email": f"prospect{n}@race{n}.example", "name": f"Prospect {n}"}
            submission = submit_answers(model, answers, Arrival({}))
            tokens.append(book_token(submission.lead_id))
        rep_id = rep.id
        db.engine.dispose()
    return tokens, rep_id, day


def _slots(html: str) -> list[str]:
    return re.findall(r'name="slot"[^>]*type="radio" value="([^"]+)"', html)


def _race(base: str, tokens: list[str]) -> dict[str, Any]:
    acknowledged: list[tuple[int, str]] = []
    errors: list[str] = []
    taken = 0
    lock = threading.Lock()
    start = threading.Barrier(len(tokens))

    def prospect(n: int) -> None:
        nonlocal taken
        browser, token, rng = Browser(base), tokens[n], random.Random(n)
        try:
            status, _, html = browser.request("GET", f"/book/{token}?tz=UTC")
            start.wait()
            for _ in range(SLOTS + 5):
                offered = _slots(html)
                if status not in (200, 409) or not offered:
                    if status not in (200, 409):
                        raise RuntimeError(f"slot page answered {status}")
                    return
                value = rng.choice(offered)
                query = urllib.parse.urlencode({"slot": value, "tz": "UTC"})
                status, _, page = browser.request("GET", f"/book/{token}/confirm?{query}")
                found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
                if status != 200 or found is None:
                    raise RuntimeError(f"confirmation page answered {status}")
                status, location, html = browser.request(
                    "POST", f"/book/{token}/confirm", [("slot", value), ("tz", "UTC"), ("csrf_token", found.group(1))])
                if status == 303:
                    with lock:
                        acknowledged.append((n, value))
                    return
                if status != 409:
                    raise RuntimeError(f"booking answered {status}")
                with lock:
                    taken += 1
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown, never hidden
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=prospect, args=(n,)) for n in range(len(tokens))]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return {"acknowledged": acknowledged, "errors": errors, "taken": taken, "seconds": time.perf_counter() - began}


def measure_race(label: str, url: str) -> dict[str, Any]:
    tokens, rep_id, day = _prepare(url)
    env = {"DATABASE_URL": url, "DOORSTEP_ENV": "production", "DOORSTEP_SECRET_KEY": SECRET,
           "DOORSTEP_BOOKING_RATE_LIMIT": "1000000 per minute"}
    with gunicorn("wsgi:app", env=env, workers=4, extra=("--threads", "4")) as base:
        run = _race(base, tokens)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        double = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT rep_id, slot FROM meetings WHERE slot IS NOT NULL "
            "GROUP BY rep_id, slot HAVING count(*) > 1) AS doubled")).scalar_one()
        stored = {(lead_id, start) for lead_id, start in conn.execute(sa.text(
            "SELECT lead_id, start FROM meetings WHERE status = 'booked'"))}
        meetings = conn.execute(sa.text("SELECT count(*) FROM meetings")).scalar_one()
    engine.dispose()
    stored_starts = {str(start)[:16] for _, start in stored}
    kept = sum(1 for _, value in run["acknowledged"]
               if dt.datetime.strptime(value.split("@")[1], "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%d %H:%M")
               in stored_starts)
    return {"database": label, "clients": len(tokens), "slots": SLOTS,
            "booked (acknowledged)": len(run["acknowledged"]),
            "stored meetings": meetings, "acknowledged and stored": kept, "double bookings": double,
            "taken, tried again": run["taken"], "errors": len(run["errors"]), "seconds": run["seconds"],
            "error sample": "; ".join(run["errors"][:3])}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench booking", description=__doc__)
    parser.add_argument("--repeat", type=int, default=30, help="slot computations timed (median reported)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", ""),
                        help="an empty PostgreSQL database URL; left out, the race runs on SQLite only")
    args = parser.parse_args(argv)
    slots = measure_slots(args.repeat)
    print("Slot computation (50 reps, 14 days, 2,000 bookings):")
    print(table([slots]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(measure_race("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
    if args.postgres:
        rows.append(measure_race("PostgreSQL", args.postgres))
    print(f"\n{CLIENTS} clients booking the same {SLOTS} slots under gunicorn (4 workers x 4 threads):")
    print(table(rows))
    sound = True
    for row in rows:
        ok = (not row["double bookings"] and not row["errors"]
              and row["acknowledged and stored"] == row["booked (acknowledged)"] == row["stored meetings"] == SLOTS)
        sound = sound and ok
        print(f"{row['database']}: {row['double bookings']} double bookings, {row['errors']} errors, "
              f"{row['acknowledged and stored']} of {row['booked (acknowledged)']} acknowledged bookings stored "
              f"(goal: 0, 0, all; all {SLOTS} slots booked): {'met' if ok else 'NOT met'}")
    save("booking", {"slots": slots, "race": rows})
    return 0 if sound else 1
