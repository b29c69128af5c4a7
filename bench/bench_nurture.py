"""The nurture job at 100,000 nurture leads: finding and queueing the day's due emails, on SQLite and PostgreSQL.

    python -m bench nurture [--db sqlite,postgres] [--leads 100000] [--repeat 5]
                            [--pg-url postgresql+psycopg://doorstep@127.0.0.1:54333/doorstep_bench]

Each database is migrated and loaded once per run (SQLite under /tmp, PostgreSQL in the database given,
whose tables are emptied first): N nurture leads with a submission each (answers of the shipped personas),
an active subscription whose next email falls on one of the next seven days (so about a seventh is due
today) with 0 to 2 emails already sent, the reading list already sent (4 articles each), and 1% of the
addresses suppressed.

Measured: ``queue_due_emails`` (the worker's periodic job: the due rows, each lead's latest answers and
everything already read or sent, ``recommend_reading`` for each, then the outbox rows, sends and the
subscriptions' next times written and committed in batches of 1,000). Baseline, in the same run and the
same database: a bare ``SELECT`` of the due subscription rows. After each run the queued rows are removed
and the subscriptions restored, so every repeat finds the same work; the two take turns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import median, save, table
from leads.extensions import site_content

BENCH_DIR = Path("/tmp/doorstep-bench-nurture")
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
CHUNK = 10_000
PERSONAS = ("Early researcher", "Keen but no timeline or request yet", "Strong fit without a timeline or a request",
            "Solo founder who asks to talk but is early")


def _app(url: str) -> Any:
    from leads import create_app

    return create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                       "MAIL_BACKEND": "mailbox", "MAILBOX_DIR": str(BENCH_DIR / "mailbox"), "SLA_WORKING_HOURS": 0})


def _empty(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def load(app: Any, leads: int, seed: int = 14) -> int:
    """Migrate and fill the database; return how many subscriptions are due at T0."""
    from flask_migrate import upgrade

    from leads.extensions import db
    from leads.models import Lead, NurtureSend, NurtureSubscription, Submission, Suppression
    from leads.privacy.people import address_key
    from leads.publishing.check import load_personas

    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        content = site_content(app)
        slugs = [a.slug for a in content.fresh_articles().published(T0)]
        personas = load_personas(content.directory / "personas.yaml", T0)
        answers = [dict(p.answers) for p in personas if p.name in PERSONAS]
        due = 0
        for start in range(1, leads + 1, CHUNK):
            ids = range(start, min(start + CHUNK, leads + 1))
            lead_rows, submission_rows, subscription_rows, send_rows, suppressed = [], [], [], [], []
            for i in ids:
                given = {**rng.choice(answers), "email": f"reader{i}@nurture{i % 997}.example", "name": f"Reader {i}"}
                email = given["email"]
                lead_rows.append({"id": i, "email": email, "name": given["name"], "route": "nurture",
                                  "created_at": T0 - dt.timedelta(days=30), "routed_at": T0 - dt.timedelta(days=30)})
                submission_rows.append({"id": i, "lead_id": i, "answers": given, "context": {"events": []},
                                        "model_version": "bench", "verdict": "nurture",
                                        "created_at": T0 - dt.timedelta(days=30)})
                next_at = T0 - dt.timedelta(hours=1) + dt.timedelta(days=rng.randrange(7))
                due += next_at <= T0
                address = address_key(email)
                subscription_rows.append({"lead_id": i, "state": "active", "address_hash": address,
                                          "track": rng.choice(("default", "early")), "reading": slugs[:4],
                                          "created_at": T0 - dt.timedelta(days=30),
                                          "confirmed_at": T0 - dt.timedelta(days=30),
                                          "emails_sent": rng.randrange(3), "next_email_at": next_at, "stop_reason": ""})
                send_rows += [{"lead_id": i, "email": "reading-list", "article": slug, "at": T0 - dt.timedelta(days=30)}
                              for slug in rng.sample(slugs, 4)]
                if rng.random() < 0.01:
                    suppressed.append({"address_hash": address, "reason": "unsubscribed", "at": T0, "detail": ""})
            for model, rows in ((Lead, lead_rows), (Submission, submission_rows),
                                (NurtureSubscription, subscription_rows), (NurtureSend, send_rows),
                                (Suppression, suppressed)):
                if rows:
                    db.session.execute(sa.insert(model), rows)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("SELECT setval('leads_id_seq', :n)"), {"n": leads})
            db.session.execute(sa.text("SELECT setval('submissions_id_seq', :n)"), {"n": leads})
        db.session.execute(sa.text("CREATE TABLE bench_subscriptions AS SELECT * FROM nurture_subscriptions"))
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        return due


def bare_select(app: Any) -> int:
    from leads.extensions import db
    from leads.models import NurtureSubscription

    with app.app_context():
        rows = db.session.execute(sa.select(NurtureSubscription.__table__).where(
            NurtureSubscription.state == "active", NurtureSubscription.next_email_at <= T0)).all()
        db.session.rollback()
        return len(rows)


def queue(app: Any) -> int:
    from leads.nurture.sending import queue_due_emails

    with app.app_context():
        return queue_due_emails(T0)


def restore(app: Any) -> None:
    """Undo a run: the queued mails and sends go, the subscriptions are as loaded."""
    from leads.extensions import db

    with app.app_context():
        for statement in ("DELETE FROM outbox", "DELETE FROM nurture_sends WHERE at = :t0",
                          "DELETE FROM nurture_subscriptions",
                          "INSERT INTO nurture_subscriptions SELECT * FROM bench_subscriptions"):
            db.session.execute(sa.text(statement), {"t0": T0})
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def measure(name: str, url: str, leads: int, repeat: int) -> dict[str, Any]:
    _empty(url)
    app = _app(url)
    started = time.perf_counter()
    due = load(app, leads)
    print(f"{name}: loaded {leads:,} nurture leads in {time.perf_counter() - started:.0f} s; {due:,} due today",
          flush=True)
    selects, queues, queued = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = bare_select(app)
        selects.append(time.perf_counter() - start)
        start = time.perf_counter()
        queued = queue(app)
        queues.append(time.perf_counter() - start)
        restore(app)
    from leads.extensions import db

    with app.app_context():
        db.engine.dispose()
    return {"database": name, "leads": leads, "due rows": found, "emails queued": queued,
            "bare SELECT ms": round(1000 * median(selects), 1), "find and queue ms": round(1000 * median(queues), 1),
            "ratio": round(median(queues) / median(selects), 1),
            "per email ms": round(1000 * median(queues) / max(queued, 1), 3)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench nurture")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default="postgresql+psycopg://doorstep@127.0.0.1:54333/doorstep_bench")
    args = parser.parse_args(argv)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    urls = {"sqlite": f"sqlite:///{BENCH_DIR / 'nurture.db'}", "postgres": args.pg_url}
    rows = [measure(name, urls[name], args.leads, args.repeat) for name in args.db.split(",")]
    print()
    print(f"The day's due nurture emails at {args.leads:,} nurture leads (median of {args.repeat}):")
    print(table(rows))
    save("nurture", {"rows": rows, "repeat": args.repeat})
    return 0
