"""Inbox latency at 10,000 and 1,000,000 leads, on SQLite and PostgreSQL, with a fast bulk loader.

    python -m bench inbox [--db sqlite,postgres] [--sizes 10000,1000000] [--repeat 30] [--reuse]
                          [--pg-url postgresql+psycopg://doorstep@127.0.0.1:54332/postgres]

Each database is loaded once (SQLite files and PostgreSQL databases live under /tmp or on the given
server, never in the repo; --reuse keeps an already loaded one). The loader drops the leads
indexes and triggers, writes leads, submissions with receipts, events and assignments with
executemany (SQLite) or COPY (PostgreSQL), then rebuilds indexes, the full-text index and the
status counts. Requests go through the Flask test client, signed in as a sales rep, and the sizes take turns
request by request, so that load from others on a shared machine falls on both alike. The
smallest size is the baseline: each operation's median at the largest size is divided by it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import bench_database, median, p95, save, table, timed
from leads.inbox.search import search_text_for

BENCH_DIR = Path("/tmp/doorstep-bench")
PASSWORD = "bench password not for production"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
CHUNK = 20_000
PAGE = 50
GOALS = {"search": 3.0}

FIRST = ("Dana Priya Sam Lee Alex Maria Chen Omar Ines Tomas Yuki Ola Ravi Nora Pavel Lina Kofi Mei Jonas Sara "
         "Aiko Bruno Carla Dmitri Elif Farid Greta Hugo Ivana Jamal Kira Luca Mila Nikos Oren Petra Quinn Rosa "
         "Stefan Tara Umar Vera Wanda Xavi Yara Zane").split()
SYLLABLES = "ka lo mi ne ru sa ti vo be da fe gi ho ju ko la ma no pe ri so tu wa ye zo".split()
WORDS = ("pipeline qualified meetings reps wasting time losing deals cold lists budget approved quarter deadline "
         "conversion rate win percent procurement shortlist pilot frustrated struggling churn forecast board "
         "leadership referral webinar onboarding renewal expansion territory quota hiring enablement").split()
STAGES = ("researching", "comparing", "budgeting", "ready")
STATUSES = ("new",) * 8 + ("contacted",) * 5 + ("meeting_set",) * 3 + ("won", "won", "lost", "lost")
SOURCES = ("newsletter", "linkedin", "google", "webinar", "partner", "podcast", "") * 3
LANDINGS = ("qualifying-by-the-gap", "why-cold-outbound-fails", "running-a-discovery-call", "", "", "")


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(size: int, reps: Sequence[int], seed: int = 7) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Rows in chunks: leads (85% sales-ready), one submission each, two events, one assignment."""
    rng = random.Random(seed)
    receipt_template = [
        {"rule": "role=sales_leader", "label": "Which best describes your role?", "dimension": "fit",
         "input": "Sales or revenue leader", "points": 12, "question": "role", "span": None},
        {"rule": "buying_stage=ready", "label": "Where are you in deciding what to do?", "dimension": "intent",
         "input": "Ready to choose", "points": 16, "question": "buying_stage", "span": None},
        {"rule": "lexicon:pain", "label": "States a concrete pain", "dimension": "intent",
         "input": "wasting time", "points": 4, "question": "current_situation", "span": [0, 12]},
    ]
    receipt = json.dumps(receipt_template)
    chunk: dict[str, list[tuple[Any, ...]]] = {"leads": [], "submissions": [], "lead_events": [], "assignments": []}
    event_id = 0
    for lead_id in range(1, size + 1):
        at = T0 + dt.timedelta(seconds=lead_id * 30 + rng.randint(0, 20))
        name = f"{rng.choice(FIRST)} {surname(rng)}"
        company = f"{surname(rng)} {rng.choice(('Labs', 'Freight', 'Health', 'Systems', 'Foods'))}"
        email = f"{name.split()[0].lower()}.{lead_id}@{company.split()[0].lower()}.example"
        ready = rng.random() < 0.85
        owner = reps[lead_id % len(reps)] if ready and rng.random() > 0.05 else None
        fit, intent, engagement = rng.randint(10, 40), rng.randint(20, 60), rng.randint(0, 20)
        answers = {"name": name, "email": email, "company": company, "role": "sales_leader",
                   "current_situation": sentence(rng), "goals": sentence(rng, 8), "challenges": sentence(rng, 10),
                   "desired_change": sentence(rng, 8), "buying_stage": rng.choice(STAGES), "timeline": "this_quarter",
                   "talk_now": "yes", "consent": True}
        source, landing = rng.choice(SOURCES), rng.choice(LANDINGS)
        chunk["leads"].append((
            lead_id, email, name, company, "sales_leader", "sales_ready" if ready else "nurture",
            rng.choice(STATUSES) if ready else "new", answers["buying_stage"], source, landing,
            fit, intent, engagement, fit + intent + engagement, owner, at, at,
            search_text_for(name, email, company, answers),
        ))
        context = json.dumps({"utm_source": source, "landing_article": landing} if source else {})
        chunk["submissions"].append((
            lead_id, lead_id, at, json.dumps(answers), context, "bench", fit, intent, engagement,
            fit + intent + engagement, "sales_ready" if ready else "nurture", receipt, "[]", "[]",
        ))
        event_id += 1
        chunk["lead_events"].append((event_id, lead_id, at, "submitted", None,
                                     json.dumps({"submission_id": lead_id, "score": fit + intent + engagement})))
        if owner is not None:
            event_id += 1
            chunk["lead_events"].append((event_id, lead_id, at, "assigned", None,
                                         json.dumps({"to": f"Rep {owner}", "reason": "Weighted round robin"})))
            chunk["assignments"].append((lead_id, lead_id, owner, at, "Weighted round robin", True))
        if lead_id % CHUNK == 0 or lead_id == size:
            yield chunk
            chunk = {k: [] for k in chunk}


COLUMNS = {
    "leads": ("id", "email", "name", "company", "job_role", "route", "status", "stage", "source", "landing_article",
              "fit", "intent", "engagement", "score", "owner_id", "created_at", "routed_at", "search_text"),
    "submissions": ("id", "lead_id", "created_at", "answers", "context", "model_version", "fit", "intent",
                    "engagement", "total", "verdict", "receipt", "gates_missed", "quarantine_reasons"),
    "lead_events": ("id", "lead_id", "at", "kind", "actor_id", "data"),
    "assignments": ("id", "lead_id", "user_id", "at", "reason", "counts"),
}
RECOUNT = ("INSERT INTO inbox_counts (status, leads) SELECT status, count(*) FROM leads "
           "WHERE route = 'sales_ready' GROUP BY status")


def load_sqlite(path: Path, size: int, reps: Sequence[int]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    saved = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'leads' "
                         "AND type IN ('index', 'trigger') AND sql IS NOT NULL").fetchall()
    for kind, name, _ in saved:
        conn.execute(f"DROP {kind} {name}")
    conn.execute("BEGIN")
    for chunk in generate(size, reps):
        for tbl, rows in chunk.items():
            cols = COLUMNS[tbl]
            values = [tuple(_sqlite_value(v) for v in row) for row in rows]
            conn.executemany(f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
    conn.execute("COMMIT")
    for _, _, sql in saved:
        conn.execute(sql)
    conn.execute("INSERT INTO lead_search (lead_search) VALUES ('rebuild')")
    conn.execute("DELETE FROM inbox_counts")
    conn.execute(RECOUNT)
    conn.execute("PRAGMA analysis_limit=1000")
    conn.execute("ANALYZE")
    conn.close()


def _sqlite_value(value: Any) -> Any:
    # The same text SQLAlchemy writes for a DateTime on SQLite, so comparisons line up.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, dt.datetime) else value


def load_postgres(url: str, size: int, reps: Sequence[int]) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False) as conn:
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leads' "
                               "AND indexname NOT LIKE 'pk_%' AND indexname NOT LIKE 'uq_%'").fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.execute("ALTER TABLE leads DISABLE TRIGGER inbox_count")
        for chunk in generate(size, reps):
            for tbl, rows in chunk.items():
                with conn.cursor().copy(f"COPY {tbl} ({', '.join(COLUMNS[tbl])}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.execute("ALTER TABLE leads ENABLE TRIGGER inbox_count")
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("DELETE FROM inbox_counts")
        conn.execute(RECOUNT)
        for tbl in COLUMNS:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), (SELECT max(id) FROM {tbl}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def prepare(kind: str, size: int, pg_url: str, reuse: bool) -> tuple[str, float | None]:
    """A migrated, loaded database for ``size`` leads; its URL and the load time (None when reused)."""
    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.extensions import db

    url, kept = bench_database(kind, f"inbox-{size}" if kind == "sqlite" else f"doorstep_bench_{size}", pg_url,
                               reuse, BENCH_DIR)
    if kept:
        return url, None
    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        reps = [create_user(f"rep{n}@bench.example", f"Rep {n}", "sales", PASSWORD).id for n in range(3)]
        db.engine.dispose()
    start = time.perf_counter()
    if kind == "sqlite":
        load_sqlite(Path(url.removeprefix("sqlite:///")), size, reps)
    else:
        load_postgres(url, size, reps)
    return url, time.perf_counter() - start


def operations(url: str, size: int) -> dict[str, Callable[[], Any]]:
    """The five requests to time against one loaded database, through a signed-in test client."""
    from leads import create_app
    from leads.extensions import db

    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"email": "rep0@bench.example", "password": PASSWORD})
    assert response.status_code == 302, "bench login failed"
    with app.app_context():
        ready = sa.text("SELECT count(*) FROM leads WHERE route = 'sales_ready'")
        total = db.session.scalar(ready) or 0
        depth = min(500, max(1, total // PAGE - 1))
        # The cursor of page ``depth`` as the app itself would have written it after paging there.
        row = db.session.execute(sa.text(
            "SELECT id FROM leads WHERE route = 'sales_ready' ORDER BY routed_at DESC, id DESC "
            f"LIMIT 1 OFFSET {depth * PAGE - 1}")).scalar_one()
        from leads.inbox.reading import encode_cursor
        from leads.models import Lead

        cursor = encode_cursor(db.session.get_one(Lead, row), "newest")
        middle = db.session.get_one(Lead, db.session.scalar(sa.text(
            f"SELECT id FROM leads WHERE route = 'sales_ready' AND id >= {size // 2} ORDER BY id LIMIT 1")))
        who = middle.name
        lead_id = middle.id
        db.engine.dispose()
    ops: dict[str, Callable[[], Any]] = {
        "first page": lambda: client.get("/inbox"),
        "filtered page": lambda: client.get("/inbox?owner=mine&status=new&sort=score"),
        f"page {depth} deep": lambda: client.get("/inbox", query_string={"after": cursor}),
        "search": lambda: client.get("/inbox", query_string={"q": who}),
        "lead page": lambda: client.get(f"/inbox/leads/{lead_id}"),
    }
    for name, op in ops.items():
        response = op()
        assert response.status_code == 200, (name, response.status_code, response.get_data(as_text=True)[-3000:])
    return ops


def interleaved(ops_by_size: dict[int, dict[str, Callable[[], Any]]], repeat: int) -> dict[int, list[list[float]]]:
    """Samples per size and operation, taken in turns, so a busy shared machine slows every size alike."""
    samples: dict[int, list[list[float]]] = {size: [[] for _ in ops] for size, ops in ops_by_size.items()}
    for _ in range(repeat):
        for size, ops in ops_by_size.items():
            for i, op in enumerate(ops.values()):
                samples[size][i] += timed(op, repeat=1, warmup=0)
    return samples


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench inbox")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--pg-url", default="postgresql+psycopg://doorstep@127.0.0.1:54332/postgres")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rows: list[dict[str, Any]] = []
    ratios: list[dict[str, Any]] = []
    payload: dict[str, Any] = {}
    for kind in args.db.split(","):
        ops_by_size = {}
        for size in sizes:
            url, load_seconds = prepare(kind, size, args.pg_url, args.reuse)
            loaded = "reused" if load_seconds is None else f"loaded in {load_seconds:.1f} s"
            print(f"{kind} {size:,} leads: {loaded}", flush=True)
            payload[f"{kind}-{size}"] = {"load_seconds": load_seconds}
            ops_by_size[size] = operations(url, size)
        samples = interleaved(ops_by_size, args.repeat)
        medians = {size: [median(s) for s in per_op] for size, per_op in samples.items()}
        for size, ops in ops_by_size.items():
            for name, s in zip(ops, samples[size], strict=True):
                rows.append({"db": kind, "leads": f"{size:,}", "op": name, "median ms": median(s) * 1000,
                             "p95 ms": p95(s) * 1000})
            payload[f"{kind}-{size}"]["ops"] = {name: {"median": median(s), "p95": p95(s)}
                                                for name, s in zip(ops, samples[size], strict=True)}
        print(table([r for r in rows if r["db"] == kind]), flush=True)
        if len(sizes) > 1:
            base, top = sizes[0], sizes[-1]
            names = [r["op"] for r in rows if r["db"] == kind and r["leads"] == f"{top:,}"]
            for i, op in enumerate(names):
                ratio = medians[top][i] / medians[base][i]
                goal = GOALS.get(op, 2.0)
                ratios.append({"db": kind, "op": op, f"ratio {top:,}/{base:,}": ratio, "goal": f"<= {goal:g}x",
                               "met": "yes" if ratio <= goal else "NO"})
    print("\n" + table(rows))
    if ratios:
        print("\n" + table(ratios))
    payload["ratios"] = ratios
    print(f"\nsaved {save('inbox', payload)}")
    return 0
