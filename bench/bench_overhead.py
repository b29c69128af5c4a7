"""The fixed cost of a request: Doorstep's hooks around a trivial view, against a bare Flask app.

    python -m bench overhead [--repeat 3000] [--profile NAME]

Every request goes through the Flask test client (no server, no network), in production settings
on a throwaway SQLite file. The scenarios take turns request by request, so that load from others
on a shared machine falls on all alike. A trivial route (``return "hi"``) is added to both apps;
Doorstep's extra time on it is what every request pays for sessions, sign-in, rate limits,
caching rules and security headers. ``--profile NAME`` prints a cProfile of one scenario.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import tempfile
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bench.common import median, p95, save, table

PASSWORD = "bench password not for production"


def doorstep_app(tmp: str) -> Flask:
    os.environ.update({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "DOORSTEP_ENV": "production",
                       "DOORSTEP_SECRET_KEY": "bench-only-secret-key", "DOORSTEP_RATELIMIT_ALLOW_MEMORY": "1"})
    from flask_migrate import upgrade

    from leads.accounts.users import create_user
    from leads.app import create_app
    from leads.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        create_user("sales@bench.example", "Sales Bench", "sales", PASSWORD)
        db.session.commit()

    @app.get("/__trivial")
    def trivial() -> str:
        return "hi"

    return app


def bare_app() -> Flask:
    app = Flask("bare")

    @app.get("/__trivial")
    def trivial() -> str:
        return "hi"

    return app


def signed_in(client: FlaskClient) -> FlaskClient:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, "no CSRF token on /login"
    response = client.post("/login", data={"email": "sales@bench.example", "password": PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 302, response.status_code
    return client


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench overhead")
    parser.add_argument("--repeat", type=int, default=3000)
    parser.add_argument("--profile", default="", help="a scenario name to profile after measuring")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        app = doorstep_app(tmp)
        visitor = app.test_client()
        visitor.get("/questionnaire")  # puts a CSRF token (and the questionnaire's start) in the session
        assert visitor.get_cookie("session") is not None
        sales = signed_in(app.test_client())
        bare_client, anonymous = bare_app().test_client(), app.test_client()  # never given a cookie
        scenarios: dict[str, Callable[[], Any]] = {
            "bare Flask, trivial": lambda: bare_client.get("/__trivial"),
            "trivial, no cookies": lambda: anonymous.get("/__trivial"),
            "trivial, visitor with a session": lambda: visitor.get("/__trivial"),
            "trivial, signed-in sales": lambda: sales.get("/__trivial"),
            "robots.txt, no cookies": lambda: anonymous.get("/robots.txt"),
            "questionnaire GET, visitor": lambda: visitor.get("/questionnaire"),
        }
        samples: dict[str, list[float]] = {name: [] for name in scenarios}
        for _ in range(20):
            for fn in scenarios.values():
                fn()
        for _ in range(args.repeat):
            for name, fn in scenarios.items():
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)

        bare = median(samples["bare Flask, trivial"])
        rows = [{"scenario": name, "median_us": median(s) * 1e6, "p95_us": p95(s) * 1e6,
                 "over_bare_us": (median(s) - bare) * 1e6} for name, s in samples.items()]
        print(f"Flask test client, production settings, {args.repeat} requests per scenario, taking turns")
        print(table(rows))
        save("overhead", {"rows": rows})

        if args.profile:
            profiler = cProfile.Profile()
            fn = scenarios[args.profile]
            profiler.enable()
            for _ in range(args.repeat):
                fn()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
    return 0
