"""Article page throughput under gunicorn (2 workers) and wrk (32 connections), against a bare Flask baseline.

Usage: python -m bench article_http [--seconds 10] [--rounds 2] [--slug qualifying-by-the-gap]

The baseline is a bare Flask app in the same gunicorn setup that returns the same article's
bytes from memory. Rounds alternate baseline, article and 304 runs so drift hits all alike;
medians are compared. Goals: article >= 85% of the baseline, a 304 >= 95%. Two last rows,
with no goal: a reader carrying the visit cookie (served from the page cache like anyone
without a session), and a visitor with a session cookie, whose requests go through Flask's
full request cycle (session, sign-in, hooks).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import urllib.request
from pathlib import Path

from flask import Flask, Response

from bench.common import gunicorn, median, save, table, wrk

ARTICLE_GOAL = 0.85
NOT_MODIFIED_GOAL = 0.95


def baseline_app() -> Flask:
    """gunicorn factory: one route answering the saved article bytes, nothing else."""
    body = Path(os.environ["BENCH_ARTICLE_FILE"]).read_bytes()
    path = os.environ["BENCH_ARTICLE_PATH"]
    app = Flask("baseline")

    @app.get(path)
    def article() -> Response:
        return Response(body, mimetype="text/html")

    return app


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench article_http")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--slug", default="qualifying-by-the-gap")
    args = parser.parse_args(argv)
    path = f"/articles/{args.slug}"

    with tempfile.TemporaryDirectory(prefix="bench-article-http-") as tmp:
        env = {
            "DOORSTEP_ENV": "production",
            # No limit is hit here; each worker counting alone costs the bench nothing.
            "DOORSTEP_RATELIMIT_ALLOW_MEMORY": "1",
            "DOORSTEP_SECRET_KEY": "bench-only-secret-key",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        }
        with gunicorn("wsgi:app", env=env) as site:
            with urllib.request.urlopen(site + path) as response:
                body = response.read()
                etag = response.headers["ETag"]
            article_file = Path(tmp) / "article.html"
            article_file.write_bytes(body)
            baseline_env = {"BENCH_ARTICLE_FILE": str(article_file), "BENCH_ARTICLE_PATH": path}
            with gunicorn("bench.bench_article_http:baseline_app()", env=baseline_env) as baseline:
                with urllib.request.urlopen(baseline + path) as response:
                    assert response.read() == body, "the baseline must answer the same bytes"
                runs: dict[str, list[dict[str, float]]] = {
                    "baseline": [], "article": [], "article 304": [], "article, reader with the visit cookie": [],
                    "article, visitor with a session cookie": []}
                for _ in range(args.rounds):
                    runs["baseline"].append(wrk(baseline + path, seconds=args.seconds))
                    runs["article"].append(wrk(site + path, seconds=args.seconds))
                    runs["article 304"].append(
                        wrk(site + path, seconds=args.seconds, headers={"If-None-Match": etag})
                    )
                    runs["article, reader with the visit cookie"].append(
                        wrk(site + path, seconds=args.seconds, headers={"Cookie": "doorstep_visit=x"})
                    )
                    runs["article, visitor with a session cookie"].append(
                        wrk(site + path, seconds=args.seconds, headers={"Cookie": "session=x"})
                    )

    base_rps = median([run["rps"] for run in runs["baseline"]])
    rows = []
    for name, results in runs.items():
        rps = median([run["rps"] for run in results])
        rows.append({
            "server": name,
            "median_rps": rps,
            "p50_ms": median([run["p50_ms"] for run in results]),
            "ratio_vs_baseline": rps / base_rps,
            "bad_responses": sum(run["non_2xx_3xx"] + run["socket_errors"] for run in results),
        })
    print(f"{len(body):,} byte article {path}; gunicorn 2 workers, wrk 32 connections, "
          f"{args.rounds} x {args.seconds}s per server")
    print(table(rows))
    article_ratio, not_modified_ratio = rows[1]["ratio_vs_baseline"], rows[2]["ratio_vs_baseline"]
    print(f"article page: {article_ratio:.0%} of baseline (goal {ARTICLE_GOAL:.0%}); "
          f"304: {not_modified_ratio:.0%} (goal {NOT_MODIFIED_GOAL:.0%})")
    save("article_http", {"rows": rows, "runs": runs, "bytes": len(body)})
    # 304s count as "bad" in wrk's Non-2xx-or-3xx only if they are not 3xx, so any count is a real failure.
    failed = any(row["bad_responses"] for row in rows)
    return 1 if failed else 0
