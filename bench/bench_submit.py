"""Questionnaire submissions end to end under gunicorn (2 workers, 16 clients), against a bare insert route.

What is timed, per submission: GET the last step's page (for its CSRF token), then POST it; that
request validates every step, scores, routes and stores lead, submission, assignment and outbox.
The five earlier step posts (each saves the draft) run first for every client and are timed and
reported separately, so nothing is hidden. The baseline is a bare Flask route under the same
gunicorn setup that inserts one comparable row (answers and context as JSON) with SQLAlchemy.

Why this baseline is fair, and strict: it is its own minimal Flask app, so it pays none of
Doorstep's per-request costs (signed session cookie, CSRF, rate limiter, sign-in check, security,
caching and visit-cookie hooks); routing it through Doorstep's app would make it slower and flatter
the ratio. Both sides run under bench.common.gunicorn() with the same arguments: the default sync
worker class, 2 workers, the same environment; sync workers close the connection after every
response, so every request on both sides opens a new one. The app side makes two requests per
submission (the GET for the CSRF token, then the POST) where the baseline makes one, so even an app
that did no work at all would reach only about the ratio of one request's fixed cost to two: the
"floor ratio" column measures that, with the bare app answering a fixed GET page and then the insert.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from bench.common import ROOT, gunicorn, median, p95, save, table

CLIENTS = 16
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASELINE = sa.Table(
    "bench_rows", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("email", sa.String(254)),
    sa.Column("answers", sa.JSON),
    sa.Column("context", sa.JSON),
)


def baseline_app():  # type: ignore[no-untyped-def]
    """The baseline: one Flask route, one SQLAlchemy insert, nothing else."""
    from flask import Flask, request

    import leads.app  # noqa: F401  the same SQLite pragmas (WAL, busy timeout) as the real app

    app = Flask(__name__)
    engine = sa.create_engine(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"),
                              pool_pre_ping=True)

    @app.post("/insert")
    def insert():  # type: ignore[no-untyped-def]
        answers = request.form.to_dict(flat=False)
        with engine.begin() as conn:
            conn.execute(sa.insert(BASELINE).values(created_at=dt.datetime.now(dt.UTC),
                                                    email=request.form.get("email", ""), answers=answers,
                                                    context={"referrer": request.referrer or ""}))
        return "", 204

    @app.get("/form")
    def form():  # type: ignore[no-untyped-def]
        """For the floor only: a fixed page, so that a GET then a POST costs what two bare requests cost."""
        return '<form method="post" action="/insert"><input name="csrf_token" type="hidden" value="x"></form>'

    return app


def page_csrf_token(html: str) -> str:
    """The CSRF token a page prints; a page without one is a failed request."""
    found = TOKEN.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


class Browser:
    """A tiny cookie-keeping HTTP client on one keep-alive connection (stdlib only)."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                if attempt:
                    raise
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text


@functools.cache
def _ready_buyer() -> dict[str, Any]:
    from leads.publishing.check import load_personas

    return dict(load_personas(ROOT / "content" / "personas.yaml", dt.datetime.now(dt.UTC))[0].answers)


def ready_buyer_form(n: int) -> list[tuple[str, str]]:
    """The first persona's answers as a browser posts them, with an email of its own."""
    form: list[tuple[str, str]] = []
    for key, value in (_ready_buyer() | {"email": f"buyer{n}@bench.example"}).items():
        if value is True:
            form.append((key, "y"))
        elif isinstance(value, list):
            form += [(key, str(v)) for v in value]
        else:
            form.append((key, str(value)))
    return form


def _in_threads(work: Callable[[int], None], count: int) -> tuple[float, list[str]]:
    errors: list[str] = []
    lock = threading.Lock()
    queue = iter(range(count))

    def worker() -> None:
        while True:
            with lock:
                n = next(queue, None)
            if n is None:
                return
            try:
                work(n)
            except Exception as exc:  # noqa: BLE001  a benchmark counts failures instead of stopping
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, errors


def run_questionnaire(base: str, count: int) -> dict[str, Any]:
    browsers = [Browser(base) for _ in range(count)]
    last_step: list[str] = [""] * count

    def early_steps(n: int) -> None:
        browser, form = browsers[n], ready_buyer_form(n)
        status, _, html = browser.request("GET", "/questionnaire")
        url = "/questionnaire"
        for _ in range(5):
            status, location, _ = browser.request("POST", url, [("csrf_token", page_csrf_token(html)), *form])
            if status != 303:
                raise RuntimeError(f"step post answered {status}")
            url = urllib.parse.urlsplit(location).path
        last_step[n] = url

    def send(n: int) -> None:
        browser = browsers[n]
        status, _, html = browser.request("GET", last_step[n])
        status, location, _ = browser.request(
            "POST", last_step[n], [("csrf_token", page_csrf_token(html)), *ready_buyer_form(n)])
        if status != 303 or not location.endswith("/questionnaire/result"):
            raise RuntimeError(f"final post answered {status} {location}")
        acknowledged.append(n)

    acknowledged: list[int] = []
    steps_s, step_errors = _in_threads(early_steps, count)
    send_s, send_errors = _in_threads(send, count)
    return {"steps_per_s": count * 5 / steps_s, "submissions_per_s": len(acknowledged) / send_s,
            "acknowledged": len(acknowledged), "errors": len(step_errors) + len(send_errors),
            "error_sample": (step_errors + send_errors)[:3]}


def run_baseline(base: str, count: int) -> dict[str, Any]:
    done: list[int] = []

    def insert(n: int) -> None:
        status, _, _ = Browser(base).request("POST", "/insert", ready_buyer_form(n))
        if status != 204:
            raise RuntimeError(f"insert answered {status}")
        done.append(n)

    # Untimed, as the app side's earlier steps are: the workers' first requests open the database
    # and fill caches, which would otherwise be charged to the baseline and flatter the ratio.
    _in_threads(insert, count // 4)
    done.clear()
    seconds, errors = _in_threads(insert, count)
    pairs: list[int] = []

    def get_then_insert(n: int) -> None:
        browser = Browser(base)
        browser.request("GET", "/form")
        if browser.request("POST", "/insert", ready_buyer_form(n))[0] == 204:
            pairs.append(n)

    pair_seconds, pair_errors = _in_threads(get_then_insert, count)
    return {"inserts_per_s": len(done) / seconds, "pairs_per_s": len(pairs) / pair_seconds,
            "acknowledged": len(done), "errors": len(errors) + len(pair_errors)}


def final_post_in_process(count: int) -> dict[str, Any]:
    """The final post's server time alone: the app called in this process, no HTTP, no other clients.

    Each submission walks the five earlier steps untimed, then the post that sends the answers is
    timed around the test client's call (Flask's whole request cycle: session, CSRF, validation,
    scoring, routing and the one transaction). This is what a prospect waits on after clicking.
    """
    from leads import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'in-process.db'}"
        _prepare(url)
        app = create_app({
            "ENV": "test", "SECRET_KEY": "bench-secret", "SQLALCHEMY_DATABASE_URI": url,
            "SUBMIT_RATE_LIMIT": "1000000 per minute", "STEP_RATE_LIMIT": "1000000 per minute",
            "BURST_LIMIT": 0, "MIN_SECONDS_TO_COMPLETE": 0.0,
        })
        samples: list[float] = []
        cpu: list[float] = []  # this thread's CPU time: what the post costs, whatever else the machine does
        errors = 0
        for n in range(count):
            client = app.test_client()
            form = ready_buyer_form(n)
            url_path = "/questionnaire"
            html = client.get(url_path).get_data(as_text=True)
            for _ in range(5):
                response = client.post(url_path, data=MultiDict([("csrf_token", page_csrf_token(html)), *form]))
                url_path = urllib.parse.urlsplit(response.headers.get("Location", "")).path
            html = client.get(url_path).get_data(as_text=True)
            data = MultiDict([("csrf_token", page_csrf_token(html)), *form])
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.post(url_path, data=data)
            samples.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - cpu_started)
            if response.status_code != 303 or not response.headers["Location"].endswith("/questionnaire/result"):
                errors += 1
        with app.app_context():
            from leads.extensions import db

            db.engine.dispose()
        stored = _count(url, "submissions")
    return {"final post ms (median)": 1000 * median(samples), "final post ms (p95)": 1000 * p95(samples),
            "CPU ms (median)": 1000 * median(cpu), "submissions": count, "errors": errors, "stored": stored}


def _prepare(url: str) -> None:
    """Migrate a fresh database, add the baseline table and one sales rep to route to."""
    env = {**os.environ, "DATABASE_URL": url, "DOORSTEP_ENV": "development", "DOORSTEP_SECRET_KEY": "bench"}
    doorstep = str(Path(sys.executable).parent / "doorstep")
    subprocess.run([doorstep, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([doorstep, "users", "create", "--email", "rep@bench.example", "--name", "Rep", "--role", "sales",
                    "--password", "a bench password"], env=env, check=True, capture_output=True)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    BASELINE.create(engine)
    engine.dispose()


def _count(url: str, table_name: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        count = conn.execute(sa.text(f"SELECT count(*) FROM {table_name}")).scalar_one()
    engine.dispose()
    return int(count)


def measure(label: str, url: str, count: int) -> dict[str, Any]:
    _prepare(url)
    env = {
        "DATABASE_URL": url, "DOORSTEP_ENV": "production", "DOORSTEP_SECRET_KEY": "bench-secret",
        "DOORSTEP_RATELIMIT_ALLOW_MEMORY": "1",  # the limits are lifted below anyway
        # One machine plays sixteen prospects: lift the per-address limits that would otherwise stop it.
        "DOORSTEP_SUBMIT_RATE_LIMIT": "1000000 per minute", "DOORSTEP_STEP_RATE_LIMIT": "1000000 per minute",
        "DOORSTEP_BURST_LIMIT": "0", "DOORSTEP_MIN_SECONDS_TO_COMPLETE": "0",
    }
    with gunicorn("wsgi:app", env=env) as base:
        app_run = run_questionnaire(base, count)
    with gunicorn("bench.bench_submit:baseline_app()", env=env) as base:
        base_run = run_baseline(base, count)
    stored = _count(url, "submissions")
    return {
        "database": label,
        "baseline inserts/s": base_run["inserts_per_s"],
        "submissions/s": app_run["submissions_per_s"],
        "ratio": app_run["submissions_per_s"] / base_run["inserts_per_s"],
        # The same bare app answering a GET and then the insert: the ratio an app doing no work would get.
        "floor ratio": base_run["pairs_per_s"] / base_run["inserts_per_s"],
        "earlier steps/s": app_run["steps_per_s"],
        "errors": app_run["errors"] + base_run["errors"],
        "acknowledged": app_run["acknowledged"],
        "stored": stored,
        "error sample": "; ".join(app_run["error_sample"]),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench submit", description=__doc__)
    parser.add_argument("--submissions", type=int, default=800)
    parser.add_argument("--in-process", type=int, default=200, metavar="N",
                        help="submissions whose final post is timed inside this process (0 skips it)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", ""),
                        help="an empty PostgreSQL database URL; left out, only SQLite is measured")
    args = parser.parse_args(argv)
    in_process = final_post_in_process(args.in_process) if args.in_process else None
    if in_process is not None:
        print("Final post, in process (SQLite):")
        print(table([in_process]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(measure("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.submissions))
    if args.postgres:
        rows.append(measure("PostgreSQL", args.postgres, args.submissions))
    print(table(rows))
    for row in rows:
        verdict = "met" if not row["errors"] and row["stored"] == row["acknowledged"] else "NOT met"
        print(f"{row['database']}: {row['errors']} errors, stored {row['stored']} of {row['acknowledged']} "
              f"acknowledged (goal: 0 errors, stored = acknowledged): {verdict}; ratio {row['ratio']:.2f}")
    save("submit", {"clients": CLIENTS, "workers": 2, "rows": rows, "in_process": in_process})
    sound = all(r["stored"] == r["acknowledged"] and not r["errors"] for r in rows)
    if in_process is not None:
        sound = sound and not in_process["errors"] and in_process["stored"] == in_process["submissions"]
    return 0 if sound else 1
