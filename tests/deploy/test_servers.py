"""Several servers, for real: PostgreSQL, Redis, two gunicorn servers and nginx with the shipped config, on 127.0.0.1.

Everything is started here from deploy/ (bench/stack.py): the web unit's ExecStart with deploy/doorstep.env, the
outbox worker's unit, and deploy/nginx/doorstep.conf with only its ports and paths replaced. Visitors are
separate source addresses on the loopback (127.0.0.x), so the real client differs the way it does on the web.
Without redis-server, nginx or PostgreSQL the test skips, unless DOORSTEP_REQUIRE_SERVERS=1 (as `.ci/run`
sets), when it fails.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.bench_submit import page_csrf_token
from bench.stack import (
    HOST,
    Stack,
    Visitor,
    deploy_file,
    main_config,
    missing_tools,
    nginx_test,
    requests_served,
    site_config,
    stack,
    wait_until,
)
from tests.fixtures.app import REQUIRE_SERVERS

ARTICLE = "qualifying-by-the-gap"
SUBMISSIONS = 48  # a multiple of the three reps, so a fair round robin gives each the same number
pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    missing = missing_tools()
    if missing:
        message = f"the several-server test needs {', '.join(missing)}"
        if REQUIRE_SERVERS:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    settings = {
        "DOORSTEP_LOGIN_RATE_LIMIT": "5 per minute",
        # Many submissions from few addresses: only the sign-in limit is under test here.
        "DOORSTEP_SUBMIT_RATE_LIMIT": "100000 per minute", "DOORSTEP_STEP_RATE_LIMIT": "100000 per minute",
        "DOORSTEP_BURST_LIMIT": "0", "DOORSTEP_MIN_SECONDS_TO_COMPLETE": "0",
        # Pages expire from nginx's cache in 2 seconds, so a content edit shows through it within the test.
        "DOORSTEP_PUBLIC_CACHE_SECONDS": "2",
    }
    with stack(tmp_path_factory.mktemp("servers"), app_servers=2, workers=2, reps=3, settings=settings,
               outbox_worker=True) as started:
        yield started


def _query(running: Stack, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(running.database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_the_shipped_site_passes_nginx_t(running: Stack, tmp_path: Path) -> None:
    site = site_config(running.app_ports, running.http_port, running.https_port, running.workdir)
    for folder in ("cache", "acme"):
        (tmp_path / folder).mkdir()
    checked = nginx_test(main_config(tmp_path, site), tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr


def test_plain_http_is_sent_to_https(running: Stack) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", running.http_port, timeout=10)
    try:
        conn.request("GET", "/articles?page=2", headers={"Host": HOST})
        response = conn.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == f"https://{HOST}/articles?page=2"
    finally:
        conn.close()


def _sign_in(running: Stack, source: str, email: str) -> int:
    with Visitor(running, source) as visitor:
        return visitor.sign_in(email, "wrong password")


def test_sign_in_limit_is_shared_by_both_servers_and_keyed_on_the_real_visitor(running: Stack) -> None:
    # One visitor, seven accounts, a forged X-Forwarded-For each time: both servers count the same attempts.
    with Visitor(running, "127.0.0.2") as one:
        codes = [one.sign_in(f"person{n}@example.org", "wrong password") for n in range(5)]
    codes += [_sign_in(running, "127.0.0.2", f"other{n}@example.org") for n in range(2)]
    assert codes == [401] * 5 + [429] * 2
    with Visitor(running, "127.0.0.2") as forged:
        _, _, page = forged.request("GET", "/login")
        status, _, _ = forged.request("POST", "/login", [("email", "forged@example.org"), ("password", "x"),
                                                          ("csrf_token", page_csrf_token(page))],
                                      headers={"X-Forwarded-For": "203.0.113.99"})
    assert status == 429, "an X-Forwarded-For the visitor wrote is not believed"
    assert all(requests_served(log, "POST", "/login") >= 2 for log in running.access_logs), \
        "nginx shares the attempts between both servers"
    # Seven visitors behind the same nginx: each has an allowance of their own.
    visitors = [_sign_in(running, f"127.0.0.{10 + n}", f"buyer{n}@example.org") for n in range(7)]
    assert visitors == [401] * 7


def test_submissions_through_nginx_are_all_stored_and_turns_go_round_fairly(running: Stack) -> None:
    def send(n: int) -> bool:
        with Visitor(running, f"127.0.1.{n % 50 + 1}") as visitor:
            return visitor.send_questionnaire(n)

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        acknowledged = sum(pool.map(send, range(SUBMISSIONS)))
    assert acknowledged == SUBMISSIONS
    stored = _query(running, "SELECT count(*) FROM submissions WHERE verdict = 'sales_ready'")[0][0]
    assert stored == acknowledged
    assert all(requests_served(log, "POST", "/questionnaire/continue/") > 0 for log in running.access_logs)
    turns = _query(running, "SELECT user_id, count(*) FROM assignments GROUP BY user_id ORDER BY user_id")
    assert [count for _, count in turns] == [SUBMISSIONS // 3] * 3, f"no rep gets a turn twice: {turns}"
    # Every alert the hand-overs wrote is delivered by the outbox worker (its systemd unit's command).
    # A shared, loaded machine can take a while; what is left is named, so a failure says why.
    delivered = wait_until(lambda: _query(running, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] == 0,
                           timeout=180)
    left = _query(running, "SELECT topic, status, attempts, last_error FROM outbox WHERE sent_at IS NULL LIMIT 5")
    assert delivered, f"the outbox worker delivers every alert; not yet sent: {left}"


def _title(page: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return found.group(1).strip() if found else ""


def _direct(port: int, path: str) -> tuple[int, str]:
    """A request straight to one app server, past nginx, as nginx sends it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_public_pages_are_cached_by_nginx_but_never_for_a_session(running: Stack) -> None:
    with Visitor(running, "127.0.0.3") as reader:
        reader.request("GET", f"/articles/{ARTICLE}")
        status, headers, _ = reader.request("GET", f"/articles/{ARTICLE}")
        assert status == 200 and headers["X-Cache"] == "HIT"
        assert "public" in headers["Cache-Control"]
        _, headers, _ = reader.request("GET", f"/articles/{ARTICLE}", headers={"Cookie": "session=anything"})
        assert headers["X-Cache"] == "BYPASS"
        _, headers, _ = reader.request("GET", "/login")
        assert headers["X-Cache"] in ("MISS", "EXPIRED") and "private" in headers["Cache-Control"]
        _, headers, _ = reader.request("GET", "/articles/", headers={"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip"


def test_a_content_deploy_is_seen_by_both_servers(running: Stack) -> None:
    source = (running.content_dirs[0] / "articles" / f"{ARTICLE}.md").read_text()
    old_title = re.search(r"^title: (.+)$", source, re.M).group(1)
    with Visitor(running, "127.0.0.4") as reader:
        reader.request("GET", f"/articles/{ARTICLE}")  # cached by nginx under the old title
    edited = source.replace(f"title: {old_title}", "title: Qualifying by the gap, revised", 1)
    deploy_file(running.content_dirs, f"articles/{ARTICLE}.md", edited)
    deploy_file(running.content_dirs, "articles/several-servers.md", source.replace(
        f"title: {old_title}", "title: Written once, served by every server", 1))

    def both_show(path: str, title: str) -> bool:
        return all(_title(_direct(port, path)[1]) == title for port in running.app_ports)

    assert wait_until(lambda: both_show(f"/articles/{ARTICLE}", "Qualifying by the gap, revised"), timeout=15)
    assert wait_until(lambda: both_show("/articles/several-servers", "Written once, served by every server"),
                      timeout=15)
    # Through nginx: the cached copy lasts its max-age (2 s here), then the edit shows.
    with Visitor(running, "127.0.0.4") as reader:
        assert wait_until(lambda: _title(reader.request("GET", f"/articles/{ARTICLE}")[2])
                          == "Qualifying by the gap, revised", timeout=15)
    before = [requests_served(log, "GET", "/articles/several-servers") for log in running.access_logs]
    for _ in range(4):
        with Visitor(running, "127.0.0.5") as visitor:
            status, _, page = visitor.request("GET", "/articles/several-servers", headers={"Cookie": "session=bypass"})
        assert status == 200 and _title(page) == "Written once, served by every server"
    after = [requests_served(log, "GET", "/articles/several-servers") for log in running.access_logs]
    assert all(a > b for a, b in zip(after, before, strict=True)), "both servers answered with the new article"


def test_a_hand_over_waits_for_the_one_in_progress(running: Stack) -> None:
    """While one transaction holds the round robin's turn, another asking for it waits, on any server."""
    from leads import create_app
    from leads.extensions import db
    from leads.scoring.handover import next_rep

    app = create_app({"ENV": "test", "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": running.database_url})
    picked: list[int] = []

    def second_server() -> None:
        with app.app_context():
            pick = next_rep()
            picked.append(pick.rep.id if pick else 0)
            db.session.rollback()

    with app.app_context():
        assert next_rep() is not None  # this transaction now holds the turn
        other = threading.Thread(target=second_server)
        other.start()
        other.join(timeout=1.5)
        assert other.is_alive() and not picked, "the second hand-over waits while the first is open"
        db.session.rollback()
    other.join(timeout=10)
    assert picked, "and takes its turn once the first ends"
    with app.app_context():
        db.engine.dispose()
