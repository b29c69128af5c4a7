"""Staff accounts: two-factor sign-in, sessions that end with a password change, the audit log, and who may
open each new page."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import AuditEntry, User
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import PASSWORD, csrf_token

NEW_PASSWORD = "violet staircase harbour 1987"


def _sign_in(client: FlaskClient, email: str, remember: bool = False):
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def _enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on from the account page, as a person with an authenticator app would."""
    page = client.get("/account").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "<script" not in svg and "style" not in svg  # drawn under the strict CSP
    secret = re.search(r"<code class=\"two-factor-key\">([A-Z2-7]{16,})</code>", page)
    assert secret, "the key is shown as text too"
    code = pyotp.TOTP(secret.group(1)).now()
    response = client.post("/account/two-factor", data={"csrf_token": csrf_token(client, "/account"), "code": code})
    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret.group(1), codes


def _code(client: FlaskClient, code: str):
    return client.post("/login/code", data={"csrf_token": csrf_token(client, "/login/code"), "code": code})


@pytest.fixture
def clock(app: Flask) -> MovingClock:
    moving = MovingClock()
    app.config["CLOCK"] = moving
    return moving


def test_enrolment_then_sign_in_asks_for_the_code_and_refuses_a_wrong_or_reused_one(
        app: Flask, client: FlaskClient, make_user, clock: MovingClock) -> None:
    user = make_user("sales")
    _sign_in(client, user.email)
    secret, _ = _enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    response = _sign_in(client, user.email)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/inbox").status_code == 302  # the password alone signs no one in
    assert _code(client, "000000").status_code == 401
    clock.move(seconds=60)  # past the step used at enrolment
    code = pyotp.TOTP(secret).at(clock())
    assert _code(client, code).headers["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200

    other = app.test_client()
    _sign_in(other, user.email)
    assert _code(other, code).status_code == 401  # a code works once


def test_the_two_factor_secret_is_stored_encrypted_and_a_copy_of_the_database_alone_cannot_make_codes(
        app: Flask, client: FlaskClient, make_user, make_app, clock: MovingClock) -> None:
    user = make_user("sales")
    _sign_in(client, user.email)
    secret, _ = _enrol(client)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None and stored.two_factor
        assert secret not in stored.totp_secret and pyotp.TOTP(secret).now() not in stored.totp_secret
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    clock.move(seconds=60)
    _sign_in(client, user.email)
    assert _code(client, pyotp.TOTP(secret).at(clock())).headers["Location"] == "/inbox"

    other_key = make_app(SECRET_KEY="another-secret-key", CALENDAR_KEY="", CLOCK=clock).test_client()
    clock.move(seconds=60)
    _sign_in(other_key, user.email)
    assert _code(other_key, pyotp.TOTP(secret).at(clock())).status_code == 401  # the key is not in the database


def test_a_recovery_code_signs_in_once(client: FlaskClient, make_user, clock: MovingClock) -> None:
    user = make_user("marketer")
    _sign_in(client, user.email)
    _, codes = _enrol(client)
    for attempt, expected in ((1, "/studio"), (2, None)):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
        _sign_in(client, user.email)
        response = _code(client, codes[0].upper())
        assert response.headers.get("Location") == expected, attempt


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/login/code").headers["Location"] == "/login"


def test_keep_me_signed_in_with_two_factor_survives_a_browser_restart(client: FlaskClient, make_user,
                                                                      clock: MovingClock) -> None:
    user = make_user("sales")
    _sign_in(client, user.email)
    secret, _ = _enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    clock.move(seconds=60)
    _sign_in(client, user.email, remember=True)
    _code(client, pyotp.TOTP(secret).at(clock()))
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")  # the browser restarts: the remember-me cookie is all it keeps
    assert client.get("/inbox").status_code == 200
    assert client.get("/inbox").status_code == 200
    assert client.get_cookie("remember_token") is not None


def test_a_password_change_signs_out_every_other_session_and_remember_cookie(app: Flask, make_user) -> None:
    user = make_user("sales")
    here, laptop, phone = app.test_client(), app.test_client(), app.test_client()
    for client in (here, laptop, phone):
        _sign_in(client, user.email, remember=client is phone)
    phone.delete_cookie("session")  # only its remember-me cookie would bring it back
    assert laptop.get("/inbox").status_code == 200

    response = here.post("/account/password", data={"csrf_token": csrf_token(here, "/account"),
                                                    "current": PASSWORD, "new": NEW_PASSWORD})
    assert response.status_code == 303
    assert here.get("/inbox").status_code == 200
    assert laptop.get("/inbox").headers["Location"].startswith("/login")
    assert phone.get("/inbox").headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.get(User, user.id).session_version == 1


def test_a_weak_or_unproven_password_change_is_refused_with_a_message(client: FlaskClient, make_user) -> None:
    user = make_user("sales")
    _sign_in(client, user.email)
    for current, new, message in ((PASSWORD, "password123", "Use at least 12"),
                                  ("not my password at all", NEW_PASSWORD, "current password is not right")):
        response = client.post("/account/password", data={"csrf_token": csrf_token(client, "/account"),
                                                          "current": current, "new": new})
        assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_an_admin_can_require_two_factor_for_admins(app: Flask, client: FlaskClient, make_user,
                                                   clock: MovingClock) -> None:
    admin = make_user("admin")
    _sign_in(client, admin.email)
    # The switch lives where admins manage the team's accounts, not in the audit log.
    assert 'name="admins_need_two_factor"' in client.get("/admin/users").get_data(as_text=True)
    assert 'name="admins_need_two_factor"' not in client.get("/admin/audit").get_data(as_text=True)
    saved = client.post("/admin/policy", data={"csrf_token": csrf_token(client, "/admin/users"),
                                               "admins_need_two_factor": "y"})
    assert saved.status_code == 303 and saved.headers["Location"].startswith("/admin/users")
    response = client.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/admin/users").headers["Location"] == "/account"
    _enrol(client)
    assert client.get("/admin/users").status_code == 200
    # Required, it cannot be turned off by the admin alone.
    response = client.post("/account/two-factor/off", data={"csrf_token": csrf_token(client, "/account"),
                                                            "password": PASSWORD})
    assert response.status_code == 400
    # Sales are not held to it.
    sales = app.test_client()
    _sign_in(sales, make_user("sales").email)
    assert sales.get("/inbox").status_code == 200


def test_the_audit_log_records_admin_actions_without_personal_data(app: Flask, client: FlaskClient, make_user,
                                                                   make_lead) -> None:
    admin = make_user("admin")
    rep = make_user("sales")
    _sign_in(client, admin.email)
    token = csrf_token(client, "/admin/users")
    client.post("/admin/users", data={"csrf_token": token, "email": "new.rep@team.example", "name": "New Rep",
                                      "role": "sales", "password": NEW_PASSWORD})
    client.post(f"/admin/users/{rep.id}", data={"csrf_token": token, f"u{rep.id}-role": "sales",
                                                f"u{rep.id}-active": "y", f"u{rep.id}-weight": "2"})
    lead = make_lead(name="Wilhelmina Auditable")
    with app.app_context():
        other = db.session.scalar(sa.select(User.id).where(User.role == "sales", User.id != lead.owner_id))
    client.post("/admin/leads/assign", data={"csrf_token": token, "lead_ids": [str(lead.id)], "rep": str(other)})
    client.post("/admin/privacy/erase", data={"csrf_token": token, "email": lead.email, "confirm": "y"})
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-4:] == ["user.created", "user.changed", "leads.reassigned", "person.erased"]
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Erased a person" in page and "Wilhelmina" not in page and lead.email not in page
    # Every value in words: no action names, roles, booleans or dictionaries as stored.
    assert "Created an account" in page and "Role: Sales" in page and "Can sign in: Yes" in page
    assert "How: by an admin; Records removed: " in page and "1 submission, 1 lead<" in page
    assert f"Leads: #{lead.id}" in page
    for raw in ("person.erased", "user.created", "True", "{'", "role: sales"):
        assert raw not in page, raw


# --- who may open each new page -------------------------------------------------------------------------

ADMIN_ONLY = [("GET", "/admin/privacy"), ("POST", "/admin/privacy"), ("GET", "/admin/privacy/leads/{lead}"),
              ("POST", "/admin/privacy/export"), ("POST", "/admin/privacy/erase"), ("GET", "/admin/audit"),
              ("POST", "/admin/policy")]
SIGNED_IN = [("GET", "/account"), ("POST", "/account/password"), ("POST", "/account/two-factor"),
             ("POST", "/account/two-factor/off"), ("POST", "/account/time-zone")]
PUBLIC = [("GET", "/privacy"), ("GET", "/privacy/your-data"), ("POST", "/privacy/your-data"),
          ("GET", "/privacy/your-data/export/forged"), ("GET", "/privacy/your-data/erase/forged")]


@pytest.mark.parametrize("role", [None, "sales", "marketer", "admin"])
def test_access_matrix_of_the_new_pages(app: Flask, client: FlaskClient, make_user, make_lead,
                                        role: str | None) -> None:
    lead = make_lead()
    if role:
        _sign_in(client, make_user(role).email)
    token = csrf_token(client, "/privacy/your-data")
    for method, path in ADMIN_ONLY + SIGNED_IN + PUBLIC:
        url = path.format(lead=lead.id)
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        if (method, path) in PUBLIC:
            assert response.status_code in (200, 400), (url, response.status_code)
        elif role is None:
            assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
        elif (method, path) in ADMIN_ONLY and role != "admin":
            assert response.status_code == 403, (url, role)
        else:
            assert response.status_code in (200, 303, 400), (url, role, response.status_code)


def test_every_new_form_checks_csrf(client: FlaskClient, make_user) -> None:
    _sign_in(client, make_user("admin").email)
    for path in ("/admin/privacy/erase", "/admin/policy", "/account/password", "/account/time-zone",
                 "/privacy/your-data"):
        assert client.post(path, data={"email": "x@y.example", "confirm": "y"}).status_code == 400, path


def test_enrolment_time_uses_the_clock(app: Flask, clock: MovingClock) -> None:
    from leads.accounts.two_factor import matching_step

    secret = pyotp.random_base32()
    with app.app_context():
        stale = pyotp.TOTP(secret).at(clock() - dt.timedelta(minutes=5))
        assert matching_step(secret, stale, 0) is None
        assert matching_step(secret, pyotp.TOTP(secret).at(clock()), 0) is not None


def test_an_operator_can_reset_two_factor_for_someone_locked_out(app: Flask, client: FlaskClient, make_user,
                                                                 clock: MovingClock) -> None:
    user = make_user("sales")
    _sign_in(client, user.email)
    _enrol(client)
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "--email", user.email])
    assert result.exit_code == 0, result.output
    fresh = app.test_client()
    assert _sign_in(fresh, user.email).headers["Location"] == "/inbox"
    assert app.test_cli_runner().invoke(args=["users", "reset-two-factor", "--email", "no@one.example"]).exit_code == 1


# --- times in each reader's own zone, in one style ------------------------------------------------------

ONE_STYLE = re.compile(r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November"
                       r"|December) \d{4}(, \d{2}:\d{2})?$")
TIMES = re.compile(r"<time [^>]*>([^<]*)</time>")


def test_every_team_member_reads_times_in_their_own_zone_in_one_style(app: Flask, client: FlaskClient, make_user,
                                                                      make_lead) -> None:
    from leads.models import Meeting

    rep = make_user("sales", name="Nora New-York")
    lead = make_lead(at=dt.datetime(2026, 12, 7, 3, 30, tzinfo=dt.UTC))  # the 6th, 22:30, in New York
    with app.app_context():
        start = dt.datetime(2026, 12, 9, 15, 0, tzinfo=dt.UTC)
        db.session.add(Meeting(lead_id=lead.id, rep_id=lead.owner_id, start=start, end=start + dt.timedelta(minutes=30),
                               slot=start, uid="zone-test", timezone="Europe/Berlin"))
        db.session.commit()
    _sign_in(client, rep.email)
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "9 December 2026, 15:00" in page  # the team's zone (UTC) until she chooses hers

    form = {"csrf_token": csrf_token(client, "/account"), "timezone": "America/New_York"}
    assert client.post("/account/time-zone", data=form).status_code == 303
    assert client.post("/account/time-zone", data={**form, "timezone": "Mars/Olympus"}).status_code == 400
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "9 December 2026, 10:00" in page and "2026, 15:00" not in page
    assert "6 December 2026, 22:30" in page and 'title="America/New York"' in page
    shown = TIMES.findall(page) + TIMES.findall(client.get("/inbox").get_data(as_text=True))
    assert shown and [text for text in shown if not ONE_STYLE.match(text)] == []

    admin = app.test_client()
    _sign_in(admin, make_user("admin").email)
    admin.post("/admin/users", data={"csrf_token": csrf_token(admin, "/admin/users"), "email": "x@team.example",
                                     "name": "X", "role": "sales", "password": NEW_PASSWORD})
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert TIMES.findall(audit) and [t for t in TIMES.findall(audit) if not ONE_STYLE.match(t)] == []
    with app.app_context():
        assert db.session.get(User, rep.id).timezone == "America/New_York"
