"""Privacy: the personal-data map, export, erasure (by an admin and by a prospect's signed link), retention."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.inbox.search import matching
from leads.models import AuditEntry, Base, ErasureTombstone, Lead, OutboxMessage, QuestionnaireDraft
from leads.privacy.data_map import NOT_ABOUT_PROSPECTS, PERSONAL_DATA
from leads.privacy.requests import link_token
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import csrf_token, persona_answers, walk_questionnaire

NAME = "Zebulon Quixotic"
EMAIL = "zebulon.quixotic@privately.example"
WORDS = ("flabbergasting", "snorkelwhistle")


def _person(ready_answers: dict[str, Any]) -> dict[str, Any]:
    return {**ready_answers, "name": NAME, "email": EMAIL, "company": "Quixotic Holdings",
            "current_situation": f"Our pipeline is {WORDS[0]} and slow.", "desired_change": f"Less {WORDS[1]}."}


def _deliver_all(app: Flask) -> None:
    from leads.delivery.worker import run

    with app.app_context():
        run(threading.Event(), 0.01, once=True)


def _everything_stored(app: Flask) -> str:
    """Every row of every table the database has (FTS shadow tables too), as one lower-cased text."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            names = connection.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        else:
            names = sa.inspect(connection).get_table_names()
        parts = []
        for name in names:
            for row in connection.execute(sa.text(f'SELECT * FROM "{name}"')):
                parts += [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row]
        return "\n".join(parts).lower()


def _search(app: Flask, text: str) -> list[int]:
    with app.app_context():
        where = matching(text, db.session.get_bind().dialect.name)
        assert where is not None
        return list(db.session.scalars(sa.select(Lead.id).where(where)))


def test_every_table_with_a_lead_or_an_address_is_in_the_personal_data_map() -> None:
    mapped = {entry.name for entry in PERSONAL_DATA}
    for table in Base.metadata.tables.values():
        columns = set(table.c.keys())
        personal = "lead_id" in columns or any("email" in c or c == "recipient" for c in columns)
        if personal:
            assert table.name in mapped or table.name in NOT_ABOUT_PROSPECTS, (
                f"{table.name} holds a lead_id or an address: add it to leads/privacy/data_map.py")
    assert mapped <= set(Base.metadata.tables), "the map names a table the models do not have"


@pytest.fixture
def admin_client(app: Flask, make_user, auth, client: FlaskClient) -> FlaskClient:
    admin = make_user("admin")
    make_user("sales")  # a rep, so that the ready lead is handed over and alerted about
    auth.login(admin.email)
    return client


def test_admin_export_has_answers_events_receipt_and_mails(app: Flask, admin_client: FlaskClient,
                                                           ready_answers: dict[str, Any]) -> None:
    walk_questionnaire(app.test_client(), _person(ready_answers))
    _deliver_all(app)
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == EMAIL))
    # The lead page's button, as an admin presses it.
    page = admin_client.get(f"/inbox/leads/{lead_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/admin/privacy/export".*?</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    response = admin_client.post("/admin/privacy/export", data=fields)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("your-data.json"))
    tables = data["tables"]
    assert tables["leads"]["rows"][0]["name"] == NAME
    assert WORDS[0] in tables["submissions"]["rows"][0]["answers"]["current_situation"]
    assert tables["submissions"]["rows"][0]["receipt"]
    assert {e["kind"] for e in tables["lead_events"]["rows"]} >= {"submitted"}
    assert tables["outbox"]["rows"] and tables["delivery_attempts"]["rows"]
    assert tables["questionnaire_drafts"]["rows"]
    summary = archive.read("summary.csv").decode()
    assert f"details,name,{NAME}" in summary and "records," in summary


def test_erasure_leaves_nothing_of_the_person_but_a_tombstone_and_they_can_come_back(
        app: Flask, admin_client: FlaskClient, ready_answers: dict[str, Any]) -> None:
    prospect = app.test_client()
    walk_questionnaire(prospect, _person(ready_answers))
    _deliver_all(app)
    assert _search(app, WORDS[0]) and EMAIL in _everything_stored(app)

    token = csrf_token(admin_client, "/admin/privacy")
    response = admin_client.post("/admin/privacy/erase", data={"csrf_token": token, "email": EMAIL, "confirm": "y"})
    assert response.status_code == 303

    stored = _everything_stored(app)
    for trace in (EMAIL, NAME.lower(), "quixotic", *WORDS):
        assert trace not in stored, f"{trace!r} is still stored"
    for text in (EMAIL, "Zebulon", *WORDS):
        assert _search(app, text) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ErasureTombstone)) == 1
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person.erased")).one()
        assert entry.detail["rows"]["leads"] == 1 and entry.detail["how"] == "admin"
        from leads.privacy.people import was_erased
        assert was_erased(EMAIL.upper())

    # The same address answers again: a new lead, stored and found.
    again = walk_questionnaire(app.test_client(), _person(ready_answers))
    assert again.status_code == 303
    assert len(_search(app, WORDS[1])) == 1


def test_erasing_without_ticking_the_box_erases_nothing(app: Flask, admin_client: FlaskClient, make_lead) -> None:
    lead = make_lead()
    token = csrf_token(admin_client, "/admin/privacy")
    admin_client.post("/admin/privacy/erase", data={"csrf_token": token, "email": lead.email})
    with app.app_context():
        assert db.session.get(Lead, lead.id) is not None


def test_the_data_request_page_answers_alike_and_does_the_same_work_for_known_and_unknown_addresses(
        app: Flask, client: FlaskClient, make_lead) -> None:
    from leads.delivery.email import local_mailbox

    lead = make_lead()
    pages, work = [], []
    for email in (lead.email, "nobody@nowhere.example"):
        token = csrf_token(client, "/privacy/your-data")
        statements: list[str] = []

        def note(conn: Any, cursor: Any, statement: str, *rest: Any, kept: list[str] = statements) -> None:
            kept.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", note)
            try:
                response = client.post("/privacy/your-data", data={"csrf_token": token, "email": email,
                                                                   "purpose": "export"})
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", note)
        pages.append((response.status_code, response.get_data(as_text=True).replace(token, "")))
        work.append(statements)
    assert pages[0] == pages[1] and pages[0][0] == 200
    assert work[0] == work[1] and work[0]  # the same statements, whoever asked: nothing to time
    _deliver_all(app)
    with app.app_context():
        asked = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.topic == "privacy.link")
                                   .order_by(OutboxMessage.id)).all()
        assert [(m.recipient, m.lead_id, m.status) for m in asked] == [(lead.email, lead.id, "sent"),
                                                                       ("", None, "sent")]
        assert "nothing is kept about this address" in asked[1].tries[0].detail
    assert [m["To"] for m in local_mailbox(app.config["MAILBOX_DIR"])] == [lead.email]


def test_bad_data_requests_get_a_message_not_an_error(client: FlaskClient) -> None:
    token = csrf_token(client, "/privacy/your-data")
    response = client.post("/privacy/your-data", data={"csrf_token": token, "email": "not an address",
                                                       "purpose": "sell"})
    assert response.status_code == 400
    assert "Enter an email address" in response.get_data(as_text=True)
    assert client.post("/privacy/your-data", data={"email": "a@b.example", "purpose": "export"}).status_code == 400


def test_a_prospect_gets_a_mailed_link_to_their_data_and_can_erase_it(app: Flask, client: FlaskClient,
                                                                     make_lead) -> None:
    lead = make_lead(name=NAME)
    for purpose in ("export", "erase"):
        token = csrf_token(client, "/privacy/your-data")
        client.post("/privacy/your-data", data={"csrf_token": token, "email": lead.email, "purpose": purpose})
    _deliver_all(app)
    from leads.delivery.email import local_mailbox

    mails = [m for m in local_mailbox(app.config["MAILBOX_DIR"]) if m["To"] == lead.email]
    assert len(mails) == 2
    links = {}
    for mail in mails:
        text = mail.get_payload(0).get_payload(decode=True).decode()
        link = next(word for word in text.split() if "/privacy/your-data/" in word)
        links[link.split("/privacy/your-data/")[1].split("/")[0]] = link.split(app.config["SITE_URL"])[1]

    export = client.get(links["export"])
    assert export.status_code == 200
    assert json.loads(zipfile.ZipFile(io.BytesIO(export.data)).read("your-data.json"))["tables"]["leads"]["rows"][0][
        "name"] == NAME
    # An export link cannot erase, nor the other way round.
    assert client.get(links["export"].replace("/export/", "/erase/")).status_code == 400
    assert client.get(links["erase"].replace("/erase/", "/export/")).status_code == 400

    page = client.get(links["erase"])
    assert page.status_code == 200 and "Erase my data" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Lead, lead.id) is not None  # opening the link erases nothing
    token = csrf_token(client, links["erase"])
    assert client.post(links["erase"], data={"csrf_token": token, "confirm": "y"}).status_code == 200
    with app.app_context():
        assert db.session.get(Lead, lead.id) is None
        assert db.session.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == "person.erased")).one()[
            "how"] == "request"


def test_a_link_expires(app: Flask, client: FlaskClient, make_lead) -> None:
    lead = make_lead()
    moving = MovingClock()
    app.config["CLOCK"] = moving
    with app.test_request_context():
        token = link_token(lead.email, "export")
    assert client.get(f"/privacy/your-data/export/{token}").status_code == 200
    assert client.get(f"/privacy/your-data/export/{token}x").status_code == 400
    moving.move(hours=23, minutes=59)  # the app's clock ages the link: it works for PRIVACY_LINK_HOURS, then not
    assert client.get(f"/privacy/your-data/export/{token}").status_code == 200
    moving.move(minutes=2)
    assert client.get(f"/privacy/your-data/export/{token}").status_code == 400


def test_the_privacy_page_states_the_configured_windows(make_app) -> None:
    other = make_app(RETENTION_DRAFT_DAYS=17, RETENTION_HELD_DAYS=45, RETENTION_NURTURE_MONTHS=13)
    page = other.test_client().get("/privacy").get_data(as_text=True)
    assert "17 days" in page and "45 days" in page and "13 months" in page
    assert 'href="/privacy"' in other.test_client().get("/").get_data(as_text=True)


# --- retention ------------------------------------------------------------------------------------------


def test_retention_purges_each_kind_after_its_window_and_logs_counts(app: Flask, make_lead, client: FlaskClient,
                                                                     ready_answers: dict[str, Any]) -> None:
    from leads.privacy.retention import Windows, purge_expired
    from tests.fixtures.factories import draft_steps

    moving = MovingClock()
    app.config["CLOCK"] = moving
    def persona(name: str) -> dict[str, Any]:
        return {k: v for k, v in persona_answers(name).items() if k not in ("name", "email", "company")}

    ready = make_lead()
    nurture = make_lead(**persona("Early researcher"))
    held = make_lead(**persona("Student writing a thesis"))
    draft_steps(client, ready_answers)  # an unsent draft
    with app.app_context():
        routes = {lead_id: db.session.get(Lead, lead_id).route for lead_id in (ready.id, nurture.id, held.id)}
    windows = Windows.from_config(app.config)

    def purge() -> dict[str, int]:
        with app.app_context():
            return purge_expired(windows)

    assert purge() == {"drafts": 0, "held_people": 0, "held_submissions": 0, "nurture_people": 0}
    moving.move(days=31)
    assert purge()["drafts"] == 1
    moving.move(days=60)
    counts = purge()
    assert routes == {ready.id: "sales_ready", nurture.id: "nurture", held.id: "disqualified"}
    assert counts["held_people"] == 1
    moving.move(days=365 * 2)
    counts = purge()
    assert counts["nurture_people"] == 1
    with app.app_context():
        assert db.session.get(Lead, ready.id) is not None  # sales-ready leads stay
        assert db.session.get(Lead, nurture.id) is None
        logged = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "retention.purged")).all()
        assert len(logged) == 3 and logged[0].detail["drafts"] == 1


def test_the_outbox_worker_runs_retention_beside_the_digests(app: Flask, client: FlaskClient,
                                                             ready_answers: dict[str, Any]) -> None:
    from leads.delivery.jobs import scheduled_work
    from leads.delivery.worker import run
    from tests.fixtures.factories import draft_steps

    moving = MovingClock()
    app.config["CLOCK"] = moving
    draft_steps(client, ready_answers)
    moving.move(days=31)
    with app.app_context():
        run(threading.Event(), 0.01, once=True, between=scheduled_work)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireDraft)) == 0
        assert db.session.scalar(sa.select(AuditEntry.detail).where(AuditEntry.action == "retention.purged")) == {
            "drafts": 1, "held_people": 0, "held_submissions": 0, "nurture_people": 0}


def test_nurture_cutoff_counts_calendar_months() -> None:
    from leads.privacy.retention import Windows

    windows = Windows(30, 90, 24)
    assert windows.nurture_cutoff(dt.datetime(2027, 3, 31, tzinfo=dt.UTC)) == dt.datetime(2025, 3, 31, tzinfo=dt.UTC)
    assert Windows(30, 90, 1).nurture_cutoff(dt.datetime(2027, 3, 31, tzinfo=dt.UTC)).day == 28


def test_what_a_prospect_typed_is_data_in_the_export_never_a_formula(app: Flask, admin_client: FlaskClient,
                                                                    make_lead) -> None:
    lead = make_lead(name='=HYPERLINK("http://evil.example","<b>Click</b>")')
    token = csrf_token(admin_client, "/admin/privacy")
    archive = zipfile.ZipFile(io.BytesIO(admin_client.post("/admin/privacy/export", data={
        "csrf_token": token, "email": lead.email}).data))
    assert "details,name,\"'=HYPERLINK(" in archive.read("summary.csv").decode()
    assert json.loads(archive.read("your-data.json"))["tables"]["leads"]["rows"][0]["name"].startswith("=HYPERLINK")
