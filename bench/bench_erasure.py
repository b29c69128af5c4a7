"""Erasure of one person among many leads, on PostgreSQL: milliseconds, against the same among 1,000 leads.

    python -m bench erasure [--size 1000000] [--repeat 9] [--pg postgresql+psycopg://…/db] [--reuse]

Every table of the personal-data map is filled at scale with set-based INSERT … SELECT generate_series:
per lead one submission, two events and a sent draft; per sales-ready lead an assignment, an alert and its
delivery attempt; a few thousand unsent drafts. Each timed erasure is the real service (``erase_person``)
of a different sales-ready person, in its own transaction, committed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import bench_database, median

PASSWORD = "correct horse battery staple 42"

FILL = """
INSERT INTO leads (id, email, name, company, job_role, route, status, stage, source, landing_article, fit, intent,
                   engagement, score, owner_id, created_at, routed_at, search_text)
SELECT g, 'person' || g || '@bench.example', 'Person ' || g, 'Company ' || (g % 5000),
       'Head of sales',
       (ARRAY['sales_ready', 'nurture', 'nurture', 'disqualified'])[g % 4 + 1], 'new', 'evaluating', 'search', '',
       10, 10, 5, 25, CASE WHEN g % 4 = 0 THEN :rep END, now() - g * interval '1 minute',
       now() - g * interval '1 minute',
       'Person ' || g || ' person' || g || '@bench.example Company ' || (g % 5000) || ' our pipeline is slow ' || g
FROM generate_series(1, :size) AS g;

INSERT INTO submissions (id, lead_id, created_at, answers, context, model_version, fit, intent, engagement, total,
                         verdict, receipt, gates_missed, quarantine_reasons, client_key)
SELECT g, g, now() - g * interval '1 minute',
       json_build_object('name', 'Person ' || g, 'email', 'person' || g || '@bench.example',
                         'current_situation', 'our pipeline is slow ' || g),
       '{}'::json, 'bench', 10, 10, 5, 25, (ARRAY['sales_ready', 'nurture', 'nurture', 'disqualified'])[g % 4 + 1],
       '[]'::json, '[]'::json, '[]'::json, md5(g::text)
FROM generate_series(1, :size) AS g;

INSERT INTO lead_events (lead_id, at, kind, data)
SELECT g, now() - g * interval '1 minute', k, '{}'::json
FROM generate_series(1, :size) AS g, unnest(ARRAY['submitted', 'routed']) AS k;

INSERT INTO questionnaire_drafts (token, started_at, updated_at, step, answers, context, submission_id)
SELECT md5('draft' || g), now(), now(), 'contact',
       json_build_object('email', json_build_array('person' || g || '@bench.example')),
       '{}'::json, g
FROM generate_series(1, :size) AS g;

INSERT INTO questionnaire_drafts (token, started_at, updated_at, step, answers, context)
SELECT md5('open' || g), now(), now(), 'needs',
       json_build_object('email', json_build_array('open' || g || '@bench.example')),
       '{}'::json
FROM generate_series(1, greatest(:size / 200, 10)) AS g;

INSERT INTO assignments (lead_id, user_id, at, reason, counts)
SELECT g, :rep, now(), 'round robin', true FROM generate_series(4, :size, 4) AS g;

INSERT INTO outbox (created_at, topic, payload, sent_at, attempts, last_error, key, channel, recipient, status,
                    next_attempt_at, give_up_at, lead_id)
SELECT now(), 'lead.sales_ready', json_build_object('lead_id', g), now(), 1, '', 'msg_bench_' || g, 'email',
       'rep@bench.example', 'sent', now(), now() + interval '72 hours', g
FROM generate_series(4, :size, 4) AS g;

INSERT INTO delivery_attempts (message_id, at, ok, detail, worker)
SELECT id, now(), true, 'accepted', 'bench' FROM outbox;
"""


def prepare(base_url: str, size: int, reuse: bool) -> str:
    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.extensions import db

    url, kept = bench_database("postgresql", f"doorstep_bench_erasure_{size}", base_url, reuse, Path("."))
    if kept:
        return url
    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        rep = create_user("rep@bench.example", "Rep", "sales", PASSWORD).id
        db.engine.dispose()
    start = time.perf_counter()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE leads DISABLE TRIGGER inbox_count"))
        for statement in FILL.split(";\n"):
            if statement.strip():
                conn.execute(sa.text(statement), {"size": size, "rep": rep})
        conn.execute(sa.text("ALTER TABLE leads ENABLE TRIGGER inbox_count"))
        conn.execute(sa.text("INSERT INTO inbox_counts (status, leads) SELECT status, count(*) FROM leads "
                             "WHERE route = 'sales_ready' GROUP BY status"))
        for table in ("leads", "submissions"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :size)"), {"size": size})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"loaded {size:,} leads in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return url


def erasures(url: str, size: int, repeat: int, seed: int = 11) -> list[float]:
    """Milliseconds of ``repeat`` erasures (after one unmeasured), each of a different sales-ready person."""
    from leads import create_app
    from leads.extensions import db
    from leads.privacy.people import erase_person

    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    samples: list[float] = []
    with app.app_context():
        emails: list[Any] = list(db.session.scalars(sa.select(sa.column("email")).select_from(sa.table("leads"))
                                                    .where(sa.column("id").in_([rng.randrange(4, size + 1, 4)
                                                                                for _ in range(repeat * 3)]))
                                                    .limit(repeat + 1)))
        db.session.rollback()
        for n, email in enumerate(emails):
            start = time.perf_counter()
            erased = erase_person(email, None, "admin")
            elapsed = (time.perf_counter() - start) * 1000
            assert erased.rows["leads"] == 1 and erased.rows["outbox"] == 1, erased
            if n:
                samples.append(elapsed)
        db.engine.dispose()
    return samples


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench erasure")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--baseline-size", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--reuse", action="store_true", help="Keep an already loaded database of that size.")
    args = parser.parse_args(argv)
    if not args.pg.startswith("postgresql"):
        print("erasure: needs PostgreSQL; pass --pg postgresql+psycopg://user@host:port/db (or DATABASE_URL)",
              file=sys.stderr)
        return 2
    results = {}
    for size in (args.baseline_size, args.size):
        url = prepare(args.pg, size, args.reuse)
        results[size] = erasures(url, size, args.repeat)
    base, big = (median(results[s]) for s in (args.baseline_size, args.size))
    for size, samples in results.items():
        print(f"erasure of one person among {size:>9,} leads: median {median(samples):7.1f} ms "
              f"(min {min(samples):.1f}, max {max(samples):.1f}, stdev {statistics.pstdev(samples):.1f}; "
              f"{len(samples)} erasures)")
    print(f"ratio {args.size:,} / {args.baseline_size:,} leads: {big / base:.2f}x")
    return 0
