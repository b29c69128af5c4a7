"""The headless submit against the site's final post: the same answers, the same work, in one run.

Each round, in one process on one SQLite database: a fresh browser (Flask's test client) walks the
questionnaire's steps as a browser without JavaScript does, and the post that sends the answers (the last
step: every step checked again, scored, routed, stored, handed over) is timed; then the same answers, with an
email of their own, go to ``POST /api/v1/submissions`` with a token, timed the same way. The rounds alternate,
so both sides meet the same database size and the same warm caches. The earlier step posts are not counted:
the API has none. The API's answer carries the route, the receipt and the free times, which the site shows on
the result page after its post, so that page is timed too. Reported: medians and 95th percentiles, and the
ratios headless / site (below 1: faster).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from bench.bench_submit import _ready_buyer, ready_buyer_form
from bench.common import median, p95, save, table

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.api.tokens import create_token
    from leads.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="doorstep-bench-api-"))
    app = create_app({"ENV": "test", "SECRET_KEY": "bench-api", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db",
                      "MAILBOX_DIR": str(folder / "mail"), "CARD_DIR": str(folder / "cards"),
                      "SUBMIT_RATE_LIMIT": "100000 per minute", "STEP_RATE_LIMIT": "100000 per minute",
                      "API_RATE_LIMIT": "100000 per minute", "BURST_LIMIT": 0})
    with app.app_context():
        upgrade()
        admin = create_user("admin@bench.example", "Admin", "admin", "correct horse battery staple 9")
        create_user("rep@bench.example", "Rep", "sales", "correct horse battery staple 9")
        db.session.commit()
        _, secret = create_token("bench", ["answers:submit"], admin.id)
    headers = {"Authorization": f"Bearer {secret}"}

    site: list[float] = []
    with_result: list[float] = []
    headless: list[float] = []
    for n in range(args.rounds):
        post, page = _site_final_post(app, n)
        site.append(post)
        with_result.append(post + page)
        answers: dict[str, Any] = {**_ready_buyer(), "email": f"api{n}@bench.example"}
        body = {"answers": answers, "started_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)).isoformat()}
        client = app.test_client()
        start = time.perf_counter()
        response = client.post("/api/v1/submissions", json=body, headers=headers)
        headless.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json()["verdict"] == "sales_ready"

    rows = [{"path": "site: the post that sends the answers", "median ms": median(site), "p95 ms": p95(site)},
            {"path": "site: that post and the result page it sends the browser to", "median ms": median(with_result),
             "p95 ms": p95(with_result)},
            {"path": "API: POST /api/v1/submissions", "median ms": median(headless), "p95 ms": p95(headless)}]
    ratio, whole = median(headless) / median(site), median(headless) / median(with_result)
    print(table(rows))
    print(f"\nheadless / site's final post (medians): {ratio:.2f}; headless / final post and result page: "
          f"{whole:.2f}; {args.rounds} rounds each, alternating")
    save("api", {"rounds": args.rounds, "rows": rows, "ratio_to_post": ratio, "ratio_to_post_and_page": whole})
    return 0


def _site_final_post(app: Any, n: int) -> tuple[float, float]:
    """Walk the steps in a fresh browser: the milliseconds of the post that sent the answers, and of the result
    page it redirects to (which computes the free times the API's answer carries)."""
    client = app.test_client()
    page = client.get("/questionnaire").get_data(as_text=True)
    found = TOKEN.search(page)
    assert found, "the first step carries a CSRF token"
    form = MultiDict([*ready_buyer_form(100_000 + n), ("csrf_token", found.group(1))])
    url = "/questionnaire"
    for _ in range(20):
        start = time.perf_counter()
        response = client.post(url, data=form)
        took = (time.perf_counter() - start) * 1000
        location = response.headers.get("Location", "")
        if location.endswith("/questionnaire/result"):
            start = time.perf_counter()
            shown = client.get(location)
            assert shown.status_code == 200
            return took, (time.perf_counter() - start) * 1000
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        url = location
    raise AssertionError("the walk never sent the answers")
