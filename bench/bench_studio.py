"""The studio's funnel and attribution pages for 90 days, at 10,000 and 1,000,000 leads, on SQLite and PostgreSQL.

    python -m bench studio [--db sqlite,postgres] [--sizes 10000,1000000] [--repeat 30] [--reuse]
                           [--pg-url postgresql+psycopg://doorstep@127.0.0.1:54336/postgres]

Those pages read only the day summaries (funnel_days, funnel_totals, funnel_splits, article_days),
never leads or page views, so the loader writes the summaries the app would have kept for N leads
over the last 365 days: each lead with 10 page views, a start, every step, a submission, and for
some sales-ready, in conversation (most of them booked) and won; each read three articles (first,
middle, last touch). It writes them set-based in SQL: a series of people (a recursive CTE on SQLite,
generate_series on PostgreSQL) joined to the stages they reached, grouped straight into funnel_days,
from which the totals and splits are grouped in turn. Requests go through the Flask test client,
signed in as a marketer; the sizes take turns request by request, so that load from others on a
shared machine falls on both alike. The smallest size is the baseline: each page's median at the
largest size is divided by it. "funnel, one campaign" reads the summary split every way and is shown
for honesty; the goal is set for the two pages as they open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import ROOT, bench_database, median, p95, save, table, timed

BENCH_DIR = Path("/tmp/doorstep-bench")
PASSWORD = "bench password not for production"
GOAL = 2.0
SOURCES = ("newsletter", "linkedin", "google", "webinar", "partner", "podcast", "")
MEDIUMS = ("email", "social", "cpc", "event", "referral", "audio", "")
CAMPAIGNS = ("spring", "summer", "autumn", "winter", "launch", "")
ARTICLES = tuple(sorted(p.stem for p in (ROOT / "content" / "articles").glob("*.md")))
# Share of leads (per mille) that reach each stage after the steps; a lead at a later stage reached the earlier.
LATER = (("sales_ready", 300, False), ("in_conversation", 200, True), ("in_conversation:booked", 150, True),
         ("won", 50, True))
MEASURES = (("read", 1000), ("start", 1000), ("sales_ready", 300), ("won", 50))


def _case(expression: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"CASE {expression} {whens} END"


def _stages() -> list[tuple[str, int, bool, int]]:
    """(stage, per mille, has a wait, weight) for every stage, the questionnaire's steps read from the model."""
    from leads.questionnaire import load_questionnaire

    model = load_questionnaire(ROOT / "content" / "questionnaire.yaml")
    early = [("page_view", 1000, False, 10), ("started", 1000, True, 1)]
    steps = [(f"step:{step.id}", 1000, True, 1) for step in model.steps[1:]]
    return early + steps + [("sent", 1000, True, 1)] + [(s, p, w, 1) for s, p, w in LATER]


def load(engine: sa.Engine, size: int, today: dt.date) -> None:
    """Write the summaries for ``size`` leads, set-based; see the module docstring."""
    postgres = engine.dialect.name == "postgresql"
    series = ("SELECT i FROM generate_series(CAST(1 AS bigint), :n) AS s(i)" if postgres else
              "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s")
    day = ("(CAST(:today AS date) - CAST(i % 365 AS integer))" if postgres else
           "date(:today, '-' || (i % 365) || ' days')")
    people = (f"SELECT i, {day} AS day, {_case('i % 7', SOURCES)} AS source, {_case('i % 7', MEDIUMS)} AS medium, "
              f"{_case('(i / 7) % 6', CAMPAIGNS)} AS campaign, {_case('(i / 3) % ' + str(len(ARTICLES)), ARTICLES)} "
              f"AS landing, (i * 7919) % 1000 AS r FROM ({series}) AS series")
    stages = " UNION ALL ".join(f"SELECT '{s}' AS stage, {n} AS k, {p} AS per_mille, {int(w)} AS waits, "
                                f"{weight} AS weight" for n, (s, p, w, weight) in enumerate(_stages()))
    touches = "SELECT 0 AS j, 'any' AS touch UNION ALL SELECT 1, 'any' UNION ALL SELECT 2, 'any' " \
              "UNION ALL SELECT 0, 'first' UNION ALL SELECT 2, 'last'"
    measures = " UNION ALL ".join(f"SELECT '{m}' AS measure, {p} AS per_mille" for m, p in MEASURES)
    article = _case(f"(p.i + t.j * 2) % {len(ARTICLES)}", ARTICLES)
    bucket = "CASE WHEN s.waits = 1 THEN 10 + (p.i * 7 + s.k * 13) % 30 ELSE -1 END"
    with engine.begin() as conn:
        for name in ("funnel_days", "funnel_totals", "funnel_splits", "article_days"):
            conn.execute(sa.text(f"DELETE FROM {name}"))
        conn.execute(sa.text(
            f"INSERT INTO funnel_days (day, stage, source, medium, campaign, landing, wait_bucket, people) "
            f"SELECT p.day, s.stage, p.source, p.medium, p.campaign, p.landing, {bucket}, SUM(s.weight) "
            f"FROM ({people}) AS p JOIN ({stages}) AS s ON p.r < s.per_mille "
            f"GROUP BY p.day, s.stage, p.source, p.medium, p.campaign, p.landing, {bucket}"),
            {"n": size, "today": today.isoformat()})
        conn.execute(sa.text(
            "INSERT INTO funnel_totals (day, stage, wait_bucket, people) "
            "SELECT day, stage, wait_bucket, SUM(people) FROM funnel_days GROUP BY day, stage, wait_bucket"))
        for split in ("source", "medium", "campaign", "landing"):
            conn.execute(sa.text(
                f"INSERT INTO funnel_splits (split, day, value, stage, people) "
                f"SELECT '{split}', day, {split}, stage, SUM(people) FROM funnel_days GROUP BY day, {split}, stage"))
        conn.execute(sa.text(
            f"INSERT INTO article_days (day, article, measure, touch, people) "
            f"SELECT p.day, {article}, m.measure, t.touch, COUNT(*) "
            f"FROM ({people}) AS p JOIN ({measures}) AS m ON p.r < m.per_mille "
            f"JOIN ({touches}) AS t ON (m.measure <> 'read' OR t.touch = 'any') "
            f"GROUP BY p.day, {article}, m.measure, t.touch"), {"n": size, "today": today.isoformat()})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE" if postgres else "ANALYZE"))


def prepare(kind: str, size: int, pg_url: str, reuse: bool, today: dt.date) -> tuple[str, float | None]:
    """A migrated database with the summaries of ``size`` leads; its URL and the load time (None when reused)."""
    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.extensions import db

    url, kept = bench_database(kind, f"studio-{size}" if kind == "sqlite" else f"doorstep_bench_studio_{size}",
                               pg_url, reuse, BENCH_DIR)
    if kept:
        return url, None
    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        create_user("marketer@bench.example", "Bench Marketer", "marketer", PASSWORD)
        engine = db.engine
        start = time.perf_counter()
        load(engine, size, today)
        seconds = time.perf_counter() - start
        engine.dispose()
    return url, seconds


def pages(url: str) -> dict[str, Callable[[], Any]]:
    from leads import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"email": "marketer@bench.example", "password": PASSWORD})
    assert response.status_code == 302, "bench login failed"
    ops: dict[str, Callable[[], Any]] = {
        "funnel, 90 days": lambda: client.get("/studio/funnel?days=90"),
        "attribution, 90 days": lambda: client.get("/studio/attribution?days=90"),
        "funnel, one campaign": lambda: client.get("/studio/funnel?days=90&campaign=spring"),
    }
    for name, op in ops.items():
        response = op()
        assert response.status_code == 200, name
    return ops


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench studio")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--pg-url", default="postgresql+psycopg://doorstep@127.0.0.1:54336/postgres")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    today = dt.datetime.now(dt.UTC).date()
    rows: list[dict[str, Any]] = []
    ratios: list[dict[str, Any]] = []
    payload: dict[str, Any] = {}
    for kind in args.db.split(","):
        ops_by_size = {}
        for size in sizes:
            url, seconds = prepare(kind, size, args.pg_url, args.reuse, today)
            loaded = "reused" if seconds is None else f"summaries loaded in {seconds:.1f} s"
            print(f"{kind} {size:,} leads: {loaded}", flush=True)
            payload[f"{kind}-{size}"] = {"load_seconds": seconds}
            ops_by_size[size] = pages(url)
        samples: dict[int, dict[str, list[float]]] = {size: {name: [] for name in ops}
                                                      for size, ops in ops_by_size.items()}
        for _ in range(args.repeat):
            for size, ops in ops_by_size.items():
                for name, op in ops.items():
                    samples[size][name] += timed(op, repeat=1, warmup=0)
        for size, per_op in samples.items():
            for name, s in per_op.items():
                rows.append({"db": kind, "leads": f"{size:,}", "page": name, "median ms": median(s) * 1000,
                             "p95 ms": p95(s) * 1000})
            payload[f"{kind}-{size}"]["pages"] = {n: {"median": median(s), "p95": p95(s)} for n, s in per_op.items()}
        print(table([r for r in rows if r["db"] == kind]), flush=True)
        if len(sizes) > 1:
            base, top = sizes[0], sizes[-1]
            for name in samples[top]:
                ratio = median(samples[top][name]) / median(samples[base][name])
                goal = "" if name == "funnel, one campaign" else f"<= {GOAL:g}x"
                ratios.append({"db": kind, "page": name, f"ratio {top:,}/{base:,}": ratio, "goal": goal or "(none)",
                               "met": ("yes" if ratio <= GOAL else "NO") if goal else "-"})
    print("\n" + table(rows))
    if ratios:
        print("\n" + table(ratios))
    payload["ratios"] = ratios
    print(f"\nsaved {save('studio', payload)}")
    return 0
