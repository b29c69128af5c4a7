"""Who may see what: sign-in, roles, CSRF, safe redirects, hashed passwords and rate limits."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads import create_app
from leads.extensions import db
from leads.models import User
from tests.fixtures.factories import PASSWORD, csrf_token

PROTECTED_PREFIXES = ("/inbox", "/studio", "/admin", "/account")
ALLOWED = {"/inbox": {"sales", "admin"}, "/studio": {"marketer", "admin"}, "/admin": {"admin"},
           "/account": {"sales", "marketer", "admin"}}
# Pages of an area that only some of its roles have: the studio's weekly mail goes to marketers only.
NARROWER = {"/account/weekly-mail": {"marketer"}}


def _protected_urls() -> list[tuple[str, str]]:
    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PROTECTED_PREFIXES):
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    assert urls, "no protected routes found"
    return urls


PROTECTED = _protected_urls()


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_visitor_is_sent_to_login(client: FlaskClient, method: str, path: str) -> None:
    # A valid CSRF token, so that what turns the visitor away is the sign-in check, not the token check.
    response = client.open(path, method=method, data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["admin", "marketer", "sales"])
@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_each_role_gets_only_its_own_areas(client: FlaskClient, make_user, auth, role: str, method: str,
                                           path: str) -> None:
    user = make_user(role)
    auth.login(user.email)
    response = client.open(path, method=method, data={"csrf_token": csrf_token(client, "/")})
    prefix = next(p for p in PROTECTED_PREFIXES if path.startswith(p))
    if role in NARROWER.get(path, ALLOWED[prefix]):
        # 404: lead 1 does not exist; 400 or 303: an empty form was refused with a message.
        assert response.status_code in (200, 303, 400, 404)
        assert not response.headers.get("Location", "").startswith("/login")
    else:
        assert response.status_code == 403


def test_marketer_is_refused_the_inbox(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("marketer").email)
    response = client.get("/inbox")
    assert response.status_code == 403
    assert "isn&#39;t part of your role" in response.get_data(as_text=True)


def test_login_lands_on_the_role_home_and_logout_ends_the_session(client: FlaskClient, make_user, auth) -> None:
    user = make_user("sales")
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200
    auth.logout()
    assert client.get("/inbox").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "http:/evil.example", "javascript:alert(1)",
     "\\\\evil.example"],
)
def test_next_never_redirects_off_site(make_user, auth, target: str) -> None:
    user = make_user("sales")
    response = auth.login(user.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"


def test_next_keeps_a_path_on_this_site(make_user, auth) -> None:
    user = make_user("sales")
    response = auth.login(user.email, next_url="/inbox/leads/7")
    assert response.headers["Location"] == "/inbox/leads/7"


def test_wrong_password_gets_a_generic_message(make_user, auth) -> None:
    user = make_user("sales")
    for email in (user.email, "nobody@team.example"):
        response = auth.login(email, password="wrong password entirely")
        assert response.status_code == 401
        assert "don&#39;t match an active account" in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(app: Flask, make_user, auth) -> None:
    user = make_user("sales", active=False)
    assert auth.login(user.email).status_code == 401


def test_passwords_are_stored_hashed(app: Flask, make_user) -> None:
    user = make_user("sales")
    with app.app_context():
        stored = db.session.scalars(sa.select(User.password_hash).where(User.id == user.id)).one()
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_login_attempts_are_rate_limited(client: FlaskClient, make_user, auth) -> None:
    user = make_user("sales")
    codes = [auth.login(user.email, password="not the password at all").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    assert auth.login(user.email).status_code == 429


def test_login_without_csrf_token_is_refused(client: FlaskClient, make_user) -> None:
    user = make_user("sales")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_logout_needs_csrf(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("sales").email)
    assert client.post("/logout").status_code == 400
    assert client.get("/inbox").status_code == 200


def test_session_cookie_is_httponly_and_lax(client: FlaskClient, make_user, auth) -> None:
    response = auth.login(make_user("sales").email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from leads.config import ConfigError

    monkeypatch.delenv("DOORSTEP_SECRET_KEY", raising=False)
    monkeypatch.setenv("DOORSTEP_ENV", "production")
    with pytest.raises(ConfigError, match="DOORSTEP_SECRET_KEY"):
        create_app()


def test_every_process_of_a_development_run_signs_with_one_kept_key(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path) -> None:
    """The server signs pages and the worker signs mailed links: without a set key they share one, kept in the
    instance folder, so a link the worker mails opens on the server, and so do the keys derived from it."""
    import threading

    from leads.config import load_config

    monkeypatch.delenv("DOORSTEP_SECRET_KEY", raising=False)
    monkeypatch.setenv("DOORSTEP_ENV", "development")
    keys: list[str] = []
    starts = [threading.Thread(target=lambda: keys.append(load_config(str(tmp_path))["SECRET_KEY"]))
              for _ in range(8)]
    for start in starts:
        start.start()
    for start in starts:
        start.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0, "the key is readable by its owner alone"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["secret_key"]
    (tmp_path / "secret_key").unlink()
    assert load_config(str(tmp_path))["SECRET_KEY"] != keys[0], "a new instance folder gets a key of its own"


def test_production_cookies_are_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_SECRET_KEY", "k" * 64)
    app = create_app({"ENV": "production", "RATELIMIT_ALLOW_MEMORY": True})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


# --- cookies are written only when something changed ---------------------------------------------


def _cookies_set(response) -> set[str]:
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def test_a_visitors_requests_that_change_nothing_send_no_session_cookie(client: FlaskClient) -> None:
    assert "session" in _cookies_set(client.get("/questionnaire"))  # a CSRF token and the start time
    issued = client.get_cookie("session").value
    for path in ("/", "/articles/qualifying-by-the-gap", "/robots.txt", "/login", "/questionnaire"):
        response = client.get(path)
        assert response.status_code == 200
        assert not _cookies_set(response) & {"session", "remember_token"}, path
    assert client.get_cookie("session").value == issued


def test_a_signed_in_persons_requests_that_change_nothing_send_no_cookie(client: FlaskClient, make_user,
                                                                          auth) -> None:
    auth.login(make_user("sales").email)
    client.get("/inbox")  # the first page after signing in puts a fresh CSRF token in the session
    for path in ("/inbox", "/", "/robots.txt"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
        assert "Set-Cookie" not in response.headers, path


def test_a_signed_in_persons_beacon_stays_private_without_loading_them(app: Flask, client: FlaskClient, make_user,
                                                                        auth) -> None:
    auth.login(make_user("sales").email)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post("/visit", data={"page": "/articles/qualifying-by-the-gap"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 204 and response.headers["Cache-Control"] == "private, no-store"
    assert statements == []


# --- sign-in protection and remember-me ----------------------------------------------------------


def _sign_in_remembered(client: FlaskClient, email: str) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token,
                                           "remember": "y"})
    assert response.status_code == 302 and client.get_cookie("remember_token") is not None


def test_a_session_taken_to_another_browser_is_refused(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("sales").email)
    assert client.get("/inbox").status_code == 200
    stolen = client.get("/inbox", headers={"User-Agent": "another browser"})
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]


def test_remember_me_signs_a_returning_person_in_after_the_browser_restarts(client: FlaskClient,
                                                                            make_user) -> None:
    _sign_in_remembered(client, make_user("sales").email)
    client.delete_cookie("session")  # the browser closed: session cookies are gone, remember-me is not
    assert client.get("/inbox").status_code == 200


def test_signing_out_deletes_the_remember_me_cookie(client: FlaskClient, make_user, auth) -> None:
    _sign_in_remembered(client, make_user("sales").email)
    response = auth.logout()
    assert response.status_code == 302 and "remember_token" in _cookies_set(response)
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert client.get("/inbox").status_code == 302


def test_a_visitors_session_with_a_stale_remember_me_cookie_is_not_signed_in(client: FlaskClient,
                                                                             make_user) -> None:
    _sign_in_remembered(client, make_user("sales").email)
    remembered = client.get_cookie("remember_token").value
    client.delete_cookie("session")
    client.get("/")  # nothing loaded yet
    client.delete_cookie("session")
    client.get("/questionnaire")  # an anonymous session: a CSRF token, no sign-in
    client.set_cookie("remember_token", remembered)
    response = client.get("/inbox")
    # Strong session protection: a session without a sign-in, beside a remember-me cookie, is refused
    # as before, and the cookie is deleted.
    assert response.status_code == 302 and "remember_token" in _cookies_set(response)


# --- rate limits ----------------------------------------------------------------------------------


def test_only_limited_routes_are_counted_and_report_their_limit(client: FlaskClient, make_user, auth) -> None:
    attempt = auth.login(make_user("sales").email, password="not the password at all")
    assert attempt.status_code == 401
    assert attempt.headers["X-RateLimit-Limit"] == "5" and attempt.headers["X-RateLimit-Remaining"] == "4"
    page = client.get("/robots.txt")
    assert page.status_code == 200 and "X-RateLimit-Limit" not in page.headers
