"""Behind proxies: the app believes only the X-Forwarded-* entries its trusted proxies added.

Zero, one and two proxies, with the forged X-Forwarded-For a client can always send; the sign-in limit,
the burst check and https links all follow the address and scheme the trusted proxies saw.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from leads import create_app
from leads.config import ConfigError
from tests.fixtures.factories import csrf_token, walk_questionnaire

PROXY = "10.0.0.1"  # the address the app sees a request come from: the nearest proxy, or the client itself


def _sign_in_attempts(app: Flask, forwarded_for: list[str]) -> list[int]:
    """One wrong sign-in per X-Forwarded-For value, each for an account of its own; the status codes."""
    codes = []
    for n, chain in enumerate(forwarded_for):
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"email": f"person{n}@example.org", "password": "not the one",
                                               "csrf_token": token})
        codes.append(response.status_code)
    return codes


@pytest.mark.parametrize(("proxies", "chains", "limited"), [
    # No proxy trusted: whatever X-Forwarded-For says, everyone here is PROXY, and the sixth attempt waits.
    (0, [f"203.0.113.{n}" for n in range(7)], True),
    # One proxy: seven real visitors behind it, each with an allowance of their own (the 429 on the sixth).
    (1, [f"203.0.113.{n}" for n in range(7)], False),
    # One proxy: one visitor forging a different first entry each time is still one visitor.
    (1, [f"198.51.100.{n}, 203.0.113.5" for n in range(7)], True),
    # Two proxies: the client is the entry the outer proxy appended, second from the right.
    (2, [f"203.0.113.{n}, 10.0.0.2" for n in range(7)], False),
    (2, [f"198.51.100.{n}, 203.0.113.5, 10.0.0.2" for n in range(7)], True),
], ids=["none-forged", "one-seven-visitors", "one-forged", "two-seven-visitors", "two-forged"])
def test_sign_in_limit_keys_on_the_client_the_trusted_proxies_saw(make_app, proxies: int, chains: list[str],
                                                                  limited: bool) -> None:
    app = make_app(TRUSTED_PROXIES=proxies, LOGIN_RATE_LIMIT="5 per minute")
    codes = _sign_in_attempts(app, chains)
    assert codes[:5] == [401] * 5
    assert codes[5:] == ([429, 429] if limited else [401, 401])


@pytest.mark.parametrize(("proxies", "quarantined"), [(0, True), (1, False)])
def test_burst_check_counts_the_real_client(make_app, researcher_answers: dict[str, Any], proxies: int,
                                            quarantined: bool) -> None:
    """Three visitors behind one proxy each send once; trusting no proxy, they look like one address's burst."""
    app = make_app(TRUSTED_PROXIES=proxies, BURST_LIMIT=2)
    for n in range(3):
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        walk_questionnaire(client, researcher_answers | {"email": f"person{n}@example.org"})
    from leads.extensions import db
    from leads.models import Submission

    with app.app_context():
        verdicts = [s.verdict for s in db.session.scalars(db.select(Submission).order_by(Submission.id))]
    assert verdicts == ["nurture", "nurture", "quarantined" if quarantined else "nurture"]


def _saved_link(client: FlaskClient) -> str:
    token = csrf_token(client, "/questionnaire")
    saved = client.post("/questionnaire", data={"csrf_token": token, "action": "save"}, follow_redirects=True)
    match = re.search(r'id="continue-link" value="([^"]+)"', saved.get_data(as_text=True))
    assert match, "the saved page shows a link to resume"
    return match.group(1)


@pytest.mark.parametrize(("proxies", "scheme"), [(0, "http"), (1, "https")])
def test_links_are_https_behind_a_trusted_tls_proxy(make_app, proxies: int, scheme: str) -> None:
    app = make_app(TRUSTED_PROXIES=proxies)
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9",
                               HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="leads.example.com",
                               # Over https Flask-WTF checks that a form post comes from this site, as browsers say.
                               HTTP_REFERER="https://leads.example.com/questionnaire")
    link = _saved_link(client)
    # The host is the site's (DOORSTEP_SITE_URL), whatever Host or X-Forwarded-Host said; the scheme is the request's.
    assert link.startswith(f"{scheme}://{app.config['SERVER_NAME']}/questionnaire/continue/")


def test_production_cookies_behind_the_proxy_are_secure(app_config: dict[str, Any]) -> None:
    app = create_app(app_config | {"ENV": "production", "TRUSTED_PROXIES": 1, "RATELIMIT_ALLOW_MEMORY": True})
    client = app.test_client()
    response = client.get("/login", environ_base={"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_PROTO": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_rate_limits_counted_in_each_process(app_config: dict[str, Any]) -> None:
    production = app_config | {"ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.raises(ConfigError) as refused:
        create_app(production)
    message = str(refused.value)
    assert "each worker process separately" in message
    assert "redis://" in message and "DOORSTEP_RATELIMIT_ALLOW_MEMORY=1" in message


@pytest.mark.parametrize("change", [{"RATELIMIT_ALLOW_MEMORY": True},
                                    {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1"}])
def test_production_starts_with_shared_or_deliberately_local_rate_limits(app_config: dict[str, Any],
                                                                         change: dict[str, Any]) -> None:
    app = create_app(app_config | {"ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"} | change)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith(("memory://", "redis://"))


def test_development_keeps_its_embedded_rate_limits(app_config: dict[str, Any]) -> None:
    app = create_app(app_config | {"ENV": "development", "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("value", ["-1", "two"])
def test_a_nonsense_proxy_count_is_refused(app_config: dict[str, Any], value: str) -> None:
    with pytest.raises(ConfigError, match="DOORSTEP_TRUSTED_PROXIES"):
        create_app(app_config | {"TRUSTED_PROXIES": value})
