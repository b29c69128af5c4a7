"""Outbox delivery on PostgreSQL: webhook throughput with 1 and 4 workers, and how soon a ready lead's rep hears.

Throughput: N webhook messages are committed to the outbox in one transaction while the workers
(``doorstep outbox work``, separate processes) sit idle; the clock runs from that commit until the
receiver has acknowledged all N. The baseline, in the same run, is a bare loop in one process that
signs and POSTs the same N bodies with the same HTTP client (``leads.delivery.webhooks.post``) and
nothing else: no claim, no lock, no delivery log, no commit. The receiver is a separate process
(threaded ``http.server``) that answers 204 and counts distinct ``webhook-id`` values.

Alert latency: with one idle worker (woken by NOTIFY, polling every second), submissions are stored one at a
time through the real submission service; each one's commit to the SMTP server (aiosmtpd, in this
process) accepting its alert is timed (p50, p95). The baseline is the same mail sent straight
with smtplib. The pause between submissions is random, so they land anywhere in the poll cycle.

Outage (``--outage``, five real minutes unless told): 200 messages wait while the receiver is down,
retried with the real backoff; the receiver comes back, and the run reports how long until every
message arrived, and whether any was lost or repeated. Its yardstick is the outage itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import operator
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import ROOT, free_port, median, p95, save, table, wait_for_port
from leads.extensions import site_content

RECEIVER = textwrap.dedent("""
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    seen, total = set(), [0]
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.add(self.headers.get("webhook-id")); total[0] += 1
            self.send_response(204); self.send_header("content-length", "0"); self.end_headers()
        def do_GET(self):
            body = f"{len(seen)} {total[0]}".encode()
            self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        def do_DELETE(self):
            seen.clear(); total[0] = 0
            self.send_response(204); self.send_header("content-length", "0"); self.end_headers()
        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
""")


def _env(url: str, **more: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DOORSTEP_ENV": "development", "DOORSTEP_SECRET_KEY": "bench",
            "DOORSTEP_SLA_WORKING_HOURS": "0", **more}


def _doorstep() -> str:
    return str(Path(sys.executable).parent / "doorstep")


def _prepare(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    subprocess.run([_doorstep(), "db", "upgrade"], env=_env(url), check=True, capture_output=True)


def _counts(port: int) -> tuple[int, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
        distinct, total = response.read().decode().split()
    return int(distinct), int(total)


def _reset(port: int) -> None:
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/", method="DELETE")).close()


def _bodies(n: int) -> list[dict[str, Any]]:
    return [{"n": i, "message": "bench"} for i in range(n)]


def _queue_pings(engine: sa.Engine, endpoint_id: int, n: int) -> None:
    """N webhook messages for one endpoint, committed at once, as the app writes them."""
    from leads.models import OutboxMessage

    with sa.orm.Session(engine) as session:
        now = dt.datetime.now(dt.UTC)
        session.add_all(OutboxMessage(topic="endpoint.ping", payload=event, channel="webhook", endpoint_id=endpoint_id,
                                      created_at=now, next_attempt_at=now, give_up_at=now + dt.timedelta(hours=72))
                        for event in _bodies(n))
        session.commit()


def bare_loop(port: int, secret: str, n: int) -> float:
    """Sign and POST the same bodies with the same client, nothing else; messages per second."""
    from leads.delivery.payload import encode, webhook_body
    from leads.delivery.webhooks import post, signed_headers

    url = f"http://127.0.0.1:{port}/hooks"
    now = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    for i, event in enumerate(_bodies(n)):
        body = encode(webhook_body("endpoint.ping", now, event))
        response = post(url, signed_headers(secret, f"msg_bare_{i}", dt.datetime.now(dt.UTC), body), body)
        assert response.ok
    return n / (time.perf_counter() - start)


def with_workers(url: str, port: int, endpoint_id: int, n: int, workers: int) -> tuple[float, int, int]:
    """Workers idle, N messages committed at once, timed until the receiver has them all."""
    procs = [subprocess.Popen([_doorstep(), "outbox", "work", "--poll", "0.05"], env=_env(url), cwd=ROOT,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        time.sleep(3)  # started and idle
        engine = sa.create_engine(url)
        _queue_pings(engine, endpoint_id, n)
        start = time.perf_counter()
        while _counts(port)[0] < n:
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        engine.dispose()
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
    distinct, total = _counts(port)
    return n / elapsed, distinct, total


def throughput(url: str, n: int) -> list[dict[str, Any]]:
    from leads import create_app
    from leads.delivery.endpoints import create_endpoint
    from leads.extensions import db

    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    try:
        wait_for_port(port)
        app = create_app({"ENV": "development", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            endpoint = create_endpoint(f"http://127.0.0.1:{port}/hooks", ["lead.sales_ready"])
            endpoint_id, secret = endpoint.id, endpoint.secret
            db.engine.dispose()
        bare_loop(port, secret, min(n, 100))  # warm-up
        _reset(port)
        bare = bare_loop(port, secret, n)
        rows = [{"delivery": "bare loop (1 process)", "messages": n, "msg_per_s": bare, "ratio": 1.0,
                 "received": n, "duplicates": 0}]
        for workers in (1, 4):
            _reset(port)
            rate, distinct, total = with_workers(url, port, endpoint_id, n, workers)
            rows.append({"delivery": f"outbox, {workers} worker{'s' if workers > 1 else ''}", "messages": n,
                         "msg_per_s": rate, "ratio": rate / bare, "received": distinct,
                         "duplicates": total - distinct})
        return rows
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def outage(url: str, n: int, seconds: float) -> dict[str, Any]:
    """The receiver down for ``seconds`` (real time) while N messages wait, then back: how long until all
    of them arrive, and whether any is lost or repeated. One worker, at its default settings."""
    from leads import create_app
    from leads.delivery.endpoints import create_endpoint
    from leads.extensions import db

    port = free_port()
    app = create_app({"ENV": "development", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        endpoint_id = create_endpoint(f"http://127.0.0.1:{port}/hooks", ["lead.sales_ready"]).id
        db.engine.dispose()
    worker = subprocess.Popen([_doorstep(), "outbox", "work"], env=_env(url), cwd=ROOT, stderr=subprocess.DEVNULL)
    receiver = None
    engine = sa.create_engine(url)
    try:
        _queue_pings(engine, endpoint_id, n)
        time.sleep(seconds)
        with engine.connect() as conn:
            tries = conn.scalar(sa.text("SELECT count(*) FROM delivery_attempts")) or 0
        receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
        wait_for_port(port)
        back = time.perf_counter()
        while _counts(port)[0] < n and time.perf_counter() - back < 1800:
            time.sleep(0.05)
        drained = time.perf_counter() - back
        distinct, total = _counts(port)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        if receiver is not None:
            receiver.terminate()
            receiver.wait(timeout=10)
        engine.dispose()
    return {"messages": n, "down_s": seconds, "failed_tries_while_down": tries, "all_delivered_after_s": drained,
            "received": distinct, "lost": n - distinct, "duplicates": total - distinct}


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email

        subject = str(email.message_from_bytes(envelope.content)["Subject"])
        with self.lock:
            self.at[subject.split()[0]] = time.perf_counter()
            self.lock.notify_all()
        return "250 OK"


def alert_latency(url: str, samples: int) -> dict[str, Any]:
    """Commit of a ready submission → its alert accepted by SMTP, with one idle worker at the default poll."""
    import smtplib
    from email.message import EmailMessage

    from aiosmtpd.controller import Controller

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.extensions import db
    from leads.publishing.check import load_personas
    from leads.questionnaire.submissions import submit_answers

    arrivals = Arrivals()
    port = free_port()
    controller = Controller(arrivals, hostname="127.0.0.1", port=port)
    controller.start()
    mail_env = {"DOORSTEP_MAIL_BACKEND": "smtp", "DOORSTEP_SMTP_HOST": "127.0.0.1", "DOORSTEP_SMTP_PORT": str(port),
                "DOORSTEP_SMTP_SECURITY": "none"}
    worker = subprocess.Popen([_doorstep(), "outbox", "work"], env=_env(url, **mail_env), cwd=ROOT,
                              stderr=subprocess.DEVNULL)
    app = create_app({"ENV": "development", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    answers = next(dict(p.answers) for p in load_personas(ROOT / "content" / "personas.yaml", dt.datetime.now(dt.UTC))
                   if p.name == "Revenue leader with a deadline")
    latencies, direct = [], []
    try:
        with app.app_context():
            create_user("rep@bench.example", "Rep", "sales", "a bench password")
            model = site_content(app).questionnaire()
            time.sleep(3)
            for i in range(samples):
                time.sleep(random.uniform(0.2, 1.2))  # the worker idle, at any point of its poll cycle
                name = f"Latency{i}"
                submit_answers(model, {**answers, "name": name, "email": f"l{i}@bench{i}.example"})
                committed = time.perf_counter()
                with arrivals.lock:
                    arrivals.lock.wait_for(functools.partial(operator.contains, arrivals.at, name), timeout=30)
                    latencies.append(arrivals.at[name] - committed)
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = "a@bench.example", "b@bench.example", f"Direct{i}"
                message.set_content("bench")
                start = time.perf_counter()
                with smtplib.SMTP("127.0.0.1", port) as smtp:
                    smtp.send_message(message)
                direct.append(time.perf_counter() - start)
            db.engine.dispose()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        controller.stop()
    return {"path": "submission commit → alert accepted by SMTP", "samples": samples,
            "p50_ms": median(latencies) * 1000, "p95_ms": p95(latencies) * 1000,
            "direct_smtp_p50_ms": median(direct) * 1000, "poll_s": 1.0}


def main(argv: list[str]) -> int:
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    parser = argparse.ArgumentParser(prog="python -m bench delivery", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=40, help="submissions timed for the alert latency")
    parser.add_argument("--outage", type=float, default=300.0,
                        help="seconds the receiver is down in the outage run (0 skips it)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", ""),
                        help="an empty PostgreSQL database URL (its public schema is replaced)")
    args = parser.parse_args(argv)
    if not args.postgres.startswith("postgresql"):
        print("bench delivery needs --postgres or BENCH_POSTGRES_URL: several workers share the outbox there only.")
        return 2
    url = args.postgres.replace("postgresql://", "postgresql+psycopg://")
    _prepare(url)
    rows = throughput(url, args.messages)
    print("Webhook delivery to a local receiver, PostgreSQL:")
    print(table(rows))
    _prepare(url)
    latency = alert_latency(url, args.samples)
    print("\nSales alert latency, one idle worker (LISTEN/NOTIFY, poll 1 s):")
    print(table([latency]))
    down = None
    if args.outage:
        _prepare(url)
        down = outage(url, 200, args.outage)
        print(f"\nReceiver down for {args.outage:g} s, then back (one worker):")
        print(table([down]))
    save("delivery", {"throughput": rows, "latency": latency, "outage": down})
    sound = all(r["received"] == r["messages"] and r["duplicates"] == 0 for r in rows)
    sound = sound and (down is None or down["lost"] == 0)
    return 0 if sound else 1
