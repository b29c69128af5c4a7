"""The production stack from deploy/ on 127.0.0.1: articles through nginx's cache; submissions on one or two servers.

Usage: python -m bench servers [--seconds 10] [--rounds 3] [--submissions 160] [--skip-articles] [--skip-submissions]

Articles: the shipped nginx site (TLS, its proxy cache of public pages) in front of two gunicorn servers, against
the same nginx serving the same article's bytes as a static file over the same TLS settings, in the same run:
wrk, 32 connections, rounds alternating. Goal: the cached article at least 0.8x the static file.

Submissions: ready buyers walk the questionnaire (every step's GET and POST) through nginx, 16 clients at once,
with one app server behind nginx and then with two (2 gunicorn workers each, one PostgreSQL, one Redis), rounds
alternating, each round on a fresh stack. Printed: submissions per second, errors, acknowledged against stored.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import free_port, median, save, table, wrk
from bench.stack import Stack, Visitor, stack

ARTICLE = "/articles/qualifying-by-the-gap"
ARTICLE_GOAL = 0.8
CLIENTS = 16
# Many submissions from one machine: the per-address limits and the burst check would stop the load itself.
LIFTED = {"DOORSTEP_SUBMIT_RATE_LIMIT": "1000000 per minute", "DOORSTEP_STEP_RATE_LIMIT": "1000000 per minute",
          "DOORSTEP_BURST_LIMIT": "0", "DOORSTEP_MIN_SECONDS_TO_COMPLETE": "0"}


def static_server(port: int, root: Path, workdir: Path) -> str:
    """An nginx server block serving ``root`` as files, with the shipped site's TLS settings."""
    return f"""
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {workdir / 'tls.crt'};
        ssl_certificate_key {workdir / 'tls.key'};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:static_tls:10m;
        root {root};
        location / {{ default_type text/html; }}
    }}"""


def articles(seconds: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as tmp:
        workdir, static_port = Path(tmp), free_port()
        static_root = workdir / "static"
        with stack(workdir, app_servers=2, nginx_extra=static_server(static_port, static_root, workdir)) as running:
            with Visitor(running) as reader:
                status, headers, page = reader.request("GET", ARTICLE)
                assert status == 200, f"the article answered {status}"
                _, headers, _ = reader.request("GET", ARTICLE)
                assert headers["X-Cache"] == "HIT", f"nginx should keep the article: {headers['X-Cache']}"
            target = static_root / ARTICLE.lstrip("/")
            target.parent.mkdir(parents=True)
            target.write_text(page)
            cached_url = f"https://127.0.0.1:{running.https_port}{ARTICLE}"
            static_url = f"https://127.0.0.1:{static_port}{ARTICLE}"
            runs: dict[str, list[dict[str, float]]] = {"static file": [], "article through the cache": []}
            for _ in range(rounds):
                runs["static file"].append(wrk(static_url, seconds=seconds))
                runs["article through the cache"].append(wrk(cached_url, seconds=seconds))
    rps = {name: median([r["rps"] for r in samples]) for name, samples in runs.items()}
    rows = [{"what": name, "requests/s (median)": rps[name],
             "p50 ms": median([r["p50_ms"] for r in samples]),
             "non-2xx/3xx": sum(r["non_2xx_3xx"] for r in samples),
             "socket errors": sum(r["socket_errors"] for r in samples)} for name, samples in runs.items()]
    ratio = rps["article through the cache"] / rps["static file"]
    print(f"Article ({len(page.encode()):,} bytes) over TLS, wrk 32 connections, {rounds} x {seconds}s each, "
          "taking turns:")
    print(table(rows))
    print(f"cached article / static file: {ratio:.2f}x (goal >= {ARTICLE_GOAL}x)")
    return {"rows": rows, "ratio": ratio, "runs": runs}


def _stored(running: Stack) -> int:
    engine = sa.create_engine(running.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar_one())
    finally:
        engine.dispose()


def submissions(app_servers: int, count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as tmp, \
            stack(Path(tmp), app_servers=app_servers, settings=LIFTED) as running:
        errors: list[str] = []

        def send(n: int) -> bool:
            try:
                with Visitor(running, f"127.0.2.{n % 200 + 1}") as visitor:
                    return visitor.send_questionnaire(n)
            except Exception as exc:  # noqa: BLE001  a benchmark counts failures instead of stopping
                errors.append(f"{type(exc).__name__}: {exc}")
                return False

        with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(send, range(CLIENTS)))  # untimed: each worker's first requests open connections
            started = time.perf_counter()
            acknowledged = sum(pool.map(send, range(CLIENTS, CLIENTS + count)))
            elapsed = time.perf_counter() - started
        return {"submissions/s": acknowledged / elapsed, "errors": float(len(errors)),
                "acknowledged": float(acknowledged + CLIENTS), "stored": float(_stored(running))}


def several_servers(count: int, rounds: int) -> dict[str, Any]:
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for _ in range(rounds):
        for servers in (1, 2):
            runs[servers].append(submissions(servers, count))
    rate = {servers: median([r["submissions/s"] for r in samples]) for servers, samples in runs.items()}
    rows = [{"app servers": servers, "submissions/s (median)": rate[servers],
             "errors": sum(r["errors"] for r in samples), "acknowledged": sum(r["acknowledged"] for r in samples),
             "stored": sum(r["stored"] for r in samples)} for servers, samples in runs.items()]
    ratio = rate[2] / rate[1]
    print(f"Questionnaire submissions through nginx, {CLIENTS} clients, {count} timed per round, {rounds} rounds "
          "taking turns (2 gunicorn workers per server, one PostgreSQL, one Redis):")
    print(table(rows))
    print(f"two servers / one: {ratio:.2f}x")
    return {"rows": rows, "ratio": ratio, "runs": {str(k): v for k, v in runs.items()}}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench servers")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--submissions", type=int, default=160)
    parser.add_argument("--skip-articles", action="store_true")
    parser.add_argument("--skip-submissions", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if not args.skip_articles:
        results["articles"] = articles(args.seconds, args.rounds)
    if not args.skip_submissions:
        results["submissions"] = several_servers(args.submissions, args.rounds)
    print(f"saved: {save('servers', results)}")
    return 0
