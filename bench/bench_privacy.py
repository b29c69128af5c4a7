""""Send me my data": how long the page takes to answer for an address Doorstep knows, against one it does not.

    python -m bench privacy [--repeat 60] [--leads 2000] [--pg postgresql+psycopg://…/db]

The page must answer alike either way, so that its timing tells nobody whether an address is on file. Each
try is the real form post (``POST /privacy/your-data``, CSRF token and all) through the Flask test client,
in production settings, on a database with ``--leads`` leads; the known and the unknown address take turns
try by try, so that load from others on a shared machine falls on both alike. The baseline is the unknown
address, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import bench_database, median, p95, save, table


def make_app(url: str, leads: int):  # type: ignore[no-untyped-def]
    os.environ.update({"DATABASE_URL": url, "DOORSTEP_ENV": "production",
                       "DOORSTEP_SECRET_KEY": "bench-only-secret-key", "DOORSTEP_RATELIMIT_ALLOW_MEMORY": "1",
                       "DOORSTEP_SUBMIT_RATE_LIMIT": "100000 per minute"})
    from flask_migrate import upgrade

    from leads.app import create_app
    from leads.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        db.session.execute(sa.text(
            "INSERT INTO leads (email, name, company, job_role, route, status, stage, source, landing_article, fit,"
            " intent, engagement, score, created_at, routed_at, search_text) VALUES (:email, :name, '', '',"
            " 'nurture', 'new', '', '', '', 0, 0, 0, 0, :now, :now, '')"),
            [{"email": f"person{n}@bench.example", "name": f"Person {n}", "now": "2026-12-01 09:00:00+00:00"}
             for n in range(leads)])
        db.session.commit()
    return app


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench privacy")
    parser.add_argument("--repeat", type=int, default=60, help="tries of each address (at least 25)")
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--pg", default="", help="a PostgreSQL URL to run on instead of a SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = bench_database("postgresql" if args.pg else "sqlite", "doorstep_bench_privacy", args.pg, False,
                                Path(tmp))
        app = make_app(url, args.leads)
        client = app.test_client()
        page = client.get("/privacy/your-data").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token is not None, "no CSRF token on the page"
        addresses = {"known": "person7@bench.example", "unknown": "nobody-here@bench.example"}
        samples: dict[str, list[float]] = {name: [] for name in addresses}
        for n in range(max(args.repeat, 25) + 2):
            for name, email in (addresses.items() if n % 2 else reversed(addresses.items())):
                start = time.perf_counter()
                response = client.post("/privacy/your-data", data={
                    "csrf_token": token.group(1), "email": email, "purpose": "export"})
                took = time.perf_counter() - start
                assert response.status_code == 200, response.status_code
                if n >= 2:  # two warm-up rounds
                    samples[name].append(took * 1000)
    baseline = median(samples["unknown"])
    rows = [{"address": name, "tries": len(values), "median_ms": median(values), "p95_ms": p95(values),
             "ratio": median(values) / baseline} for name, values in samples.items()]
    print(table(rows))
    print(f"known minus unknown: {median(samples['known']) - baseline:+.2f} ms (medians of {len(samples['known'])})")
    save("privacy", {"rows": rows, "database": "postgresql" if args.pg else "sqlite", "leads": args.leads})
    return 0
