"""The admin's team page, password rules, sign-in limits, and the CSV export that spreadsheets can't run."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.accounts.users import password_problem
from leads.extensions import db
from leads.models import User
from leads.web.spreadsheet import csv_lines, safe_cell
from tests.fixtures.browser import sign_in
from tests.fixtures.factories import PASSWORD, csrf_token


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("short", True),
        ("password1234", True),
        ("Password1234!", True),
        ("qwertyuiop2024!", True),
        ("aaaaaaaaaaaaaaaa", True),
        ("1234567890123", True),
        (PASSWORD, False),
        ("violet kettle under the bridge", False),
    ],
)
def test_passwords_need_length_and_must_not_be_common(password: str, refused: bool) -> None:
    assert (password_problem(password) is not None) is refused


def test_admin_creates_a_user_and_a_common_password_is_refused_keeping_the_form(
    app: Flask, client: FlaskClient, make_user, auth
) -> None:
    auth.login(make_user("admin").email)
    token = csrf_token(client, "/admin/users")
    form = {"name": "Nia New", "email": "nia@team.example", "role": "sales", "csrf_token": token}
    response = client.post("/admin/users", data={**form, "password": "password1234"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "very common password" in html and 'value="nia@team.example"' in html and 'value="Nia New"' in html
    response = client.post("/admin/users", data={**form, "password": "violet kettle under the bridge"})
    assert response.status_code == 303
    assert "Nia New" in client.get("/admin/users").get_data(as_text=True)


def test_admin_sets_role_away_weight_and_deactivates(app: Flask, client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("admin").email)
    rep = make_user("sales")
    token = csrf_token(client, "/admin/users")
    data = {f"u{rep.id}-role": "sales", f"u{rep.id}-away": "y", f"u{rep.id}-weight": "3", "csrf_token": token}
    assert client.post(f"/admin/users/{rep.id}", data=data).status_code == 303
    with app.app_context():
        user = db.session.get(User, rep.id)
        assert (user.active, user.away, user.weight) == (False, True, 3)


def test_only_sales_reps_have_a_weight_field_on_the_team_page(client: FlaskClient, make_user, auth) -> None:
    admin, marketer, rep = make_user("admin"), make_user("marketer"), make_user("sales")
    auth.login(admin.email)
    html = client.get("/admin/users").get_data(as_text=True)
    assert f'<label for="u{rep.id}-weight">Weight</label>' in html
    assert re.search(rf'<input[^>]*id="u{rep.id}-weight"[^>]*type="number"', html)
    for user in (admin, marketer):
        assert f'for="u{user.id}-weight"' not in html
        assert re.search(rf'<input[^>]*id="u{user.id}-weight"[^>]*type="hidden"[^>]*value="1"', html)


@pytest.mark.browser
def test_admin_saves_a_marketer_without_a_weight_field_and_their_weight_is_kept(
    app: Flask, live_server: str, page, make_user
) -> None:
    admin, marketer = make_user("admin"), make_user("marketer", name="Mo Marketer", weight=4)
    sign_in(page, live_server, admin.email)
    page.goto(live_server + "/admin/users")
    settings = page.get_by_role("form", name="Settings for Mo Marketer")
    assert settings.get_by_label("Weight").count() == 0
    settings.get_by_label("Away").check()
    settings.get_by_role("button", name="Save Mo Marketer").click()
    page.wait_for_selector("text=Saved Mo Marketer.")
    with app.app_context():
        user = db.session.get(User, marketer.id)
        assert (user.role, user.away, user.weight) == ("marketer", True, 4)


def test_deactivated_rep_cannot_sign_in(app: Flask, client: FlaskClient, make_user, auth) -> None:
    admin = make_user("admin")
    rep = make_user("sales")
    auth.login(admin.email)
    token = csrf_token(client, "/admin/users")
    client.post(f"/admin/users/{rep.id}", data={f"u{rep.id}-role": "sales", f"u{rep.id}-weight": "1",
                                                "csrf_token": token})
    auth.logout()
    assert auth.login(rep.email).status_code == 401


@pytest.mark.parametrize("changes", [{"role": "sales", "active": "y"}, {"role": "admin"}])
def test_an_admin_cannot_lock_themselves_out(app: Flask, client: FlaskClient, make_user, auth,
                                             changes: dict[str, str]) -> None:
    admin = make_user("admin")
    auth.login(admin.email)
    token = csrf_token(client, "/admin/users")
    data = {f"u{admin.id}-{k}": v for k, v in {**changes, "weight": "1"}.items()}
    response = client.post(f"/admin/users/{admin.id}", data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert "can&#39;t remove your own admin access" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.id == admin.id)) == "admin"


def test_admin_sees_per_rep_counts(client: FlaskClient, make_user, make_lead, auth) -> None:
    rep = make_user("sales", name="Rita Rep")
    make_lead(), make_lead()
    auth.login(make_user("admin").email)
    html = client.get("/admin/users").get_data(as_text=True)
    row = html[html.index("Rita Rep"):]
    row = row[: row.index("</tr>")]
    assert len(re.findall(r'<td class="num"[^>]*>2</td>', row)) == 2  # two new leads, two counted assignments
    assert rep.email in row


def test_login_is_limited_per_account_across_addresses(client: FlaskClient, make_user, auth) -> None:
    user = make_user("sales")
    for n in range(5):
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"
        assert auth.login(user.email, password="not the password at all").status_code == 401
    client.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert auth.login(user.email).status_code == 429


def test_login_is_limited_per_address_across_accounts(client: FlaskClient, make_user, auth) -> None:
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    for n in range(5):
        assert auth.login(f"someone{n}@team.example", password="not the password at all").status_code == 401
    response = auth.login(make_user("sales").email)
    assert response.status_code == 429
    assert "a lot of requests" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Dana = buyer", "Dana = buyer"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_that_would_run_as_formulas_are_neutralized(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_lines_quote_and_neutralize() -> None:
    text = "".join(csv_lines(["name", "company"], [["=cmd|' /C calc'!A0", 'Acme, "Ltd"']]))
    assert list(csv.reader(io.StringIO(text))) == [["name", "company"], ["'=cmd|' /C calc'!A0", 'Acme, "Ltd"']]


def test_export_is_the_filtered_view_and_neutralized(client: FlaskClient, make_user, make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    make_lead("=HYPERLINK(\"http://evil.example\",\"click\")", company="@Acme")
    make_lead("Filtered Out", company="Other")
    response = client.get("/inbox/export.csv?q=acme")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "name", "email", "company"]
    assert [r[1:4:2] for r in rows[1:]] == [["'=HYPERLINK(\"http://evil.example\",\"click\")", "'@Acme"]]
