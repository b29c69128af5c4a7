"""Bad input never takes Doorstep down: NUL and control characters are dropped by one rule at input."""

from __future__ import annotations

import csv
import http.client
import io
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Lead, Submission
from leads.web.text_input import clean_text

HOSTILE = "\x00\x01\x08\x0b\x0c\x0e\x1b[31m\x1f\x7f\x85\x9f\ufdd0\ufffe\U0010ffff"


@pytest.mark.parametrize(("typed", "kept"), [
    ("a\x00b", "ab"),
    ("Dana\x1b[31m Red\x7f", "Dana[31m Red"),
    ("tabs\tand\nnew lines\r\nstay", "tabs\tand\nnew lines\r\nstay"),
    ("😀 ‮right-to-left‬ zero‍width <b>&amp;</b>", "😀 ‮right-to-left‬ zero‍width <b>&amp;</b>"),
    (HOSTILE, "[31m"),
])
def test_the_text_rule_drops_control_characters_and_keeps_everything_else(typed: str, kept: str) -> None:
    assert clean_text(typed) == kept
    assert clean_text(kept) == kept


def test_nul_and_control_characters_in_answers_are_dropped_and_the_rest_stored(
        app: Flask, submit, ready_answers, make_user) -> None:
    make_user("sales")
    response = submit(ready_answers | {"name": "Dana\x00 Q\x1b[0m", "company": "Acme\x01\x7f Ltd",
                                       "goals": "Halve\x00 the cycle\x0c by Q3.\nThen grow."})
    assert response.status_code == 303 and response.headers["Location"].endswith("/questionnaire/result")
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead))
        assert (lead.name, lead.company) == ("Dana Q[0m", "Acme Ltd")
        assert lead.latest.answers["goals"] == "Halve the cycle by Q3.\nThen grow."


def test_a_campaign_link_with_nul_starts_a_questionnaire_that_can_be_sent(
        app: Flask, client: FlaskClient, ready_answers, make_user) -> None:
    make_user("sales")
    assert client.get("/questionnaire?utm_source=news%00letter&utm_campaign=%1b%00spring").status_code == 200
    from tests.fixtures.factories import walk_questionnaire

    response = walk_questionnaire(client, ready_answers)
    assert response.headers["Location"].endswith("/questionnaire/result")
    with app.app_context():
        context = db.session.scalar(sa.select(Submission)).context
    assert (context["utm_source"], context["utm_campaign"]) == ("newsletter", "spring")


@pytest.mark.parametrize("query", ["source=%00", "landing=%00", "q=%00", "source=a%00b&landing=%7f%1b"])
def test_inbox_filters_with_control_characters_answer_the_page_and_the_whole_export(
        client: FlaskClient, make_user, make_lead, auth, query: str) -> None:
    auth.login(make_user("sales").email)
    make_lead("Ann Example", context={"utm_source": "ab"})
    assert client.get(f"/inbox?{query}").status_code == 200
    export = client.get(f"/inbox/export.csv?{query}")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert export.status_code == 200 and rows[0][:2] == ["id", "name"]
    if query.startswith("source=a"):
        assert [row[1] for row in rows[1:]] == ["Ann Example"]


@pytest.mark.parametrize("query", ["q=caf%E9", "source=%C3%28", "landing=%FF", "q=caf\xe9"])
def test_an_inbox_filter_that_is_not_utf8_gets_the_same_clear_400_on_the_page_and_its_export(
        client: FlaskClient, make_user, make_lead, auth, query: str) -> None:
    auth.login(make_user("sales").email)
    make_lead("Ann Example")
    for path in ("/inbox", "/inbox/export.csv"):
        # QUERY_STRING as a server hands it over: its bytes as Latin-1, so "\xe9" is the raw byte 0xE9.
        response = client.get(path, environ_overrides={"QUERY_STRING": query})
        assert response.status_code == 400, path
        assert "couldn&#39;t read" in response.get_data(as_text=True) and response.mimetype == "text/html"


def test_a_public_link_that_is_not_utf8_is_refused_in_words_not_a_server_error(client: FlaskClient) -> None:
    for query in ("utm_campaign=caf%E9", "utm_campaign=caf\xe9"):
        response = client.get("/articles/", environ_overrides={"QUERY_STRING": query})
        assert response.status_code == 400 and "The address of this page" in response.get_data(as_text=True)
    assert client.get("/articles/", query_string={"utm_campaign": "café 100%"}).status_code == 200


@pytest.mark.parametrize("token", ["%00", "abc%00def" * 3, "x" * 65])
def test_an_edited_draft_link_is_a_fresh_start(client: FlaskClient, token: str) -> None:
    response = client.get(f"/questionnaire/continue/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/questionnaire")
    assert client.post(f"/questionnaire/continue/{token}/contact", data={}).status_code in (302, 400)


@pytest.mark.parametrize("typed", ["twenty", "10 people", "5.5", "~20", "1,5"])
def test_a_number_that_cannot_be_read_is_refused_in_words_with_the_rest_kept(
        client: FlaskClient, ready_answers, typed: str) -> None:
    from tests.fixtures.factories import walk_questionnaire

    response = walk_questionnaire(client, ready_answers | {"sales_team_size": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please enter a whole number, such as 12." in html
    assert f'value="{typed}"' in html and ready_answers["current_situation"][:40] in html


@pytest.mark.parametrize(("typed", "read"), [("12", 12), ("1,200", 1200), ("1 200", 1200), ("5.0", 5)])
def test_a_number_written_as_people_write_it_is_read(app: Flask, submit, ready_answers, make_user,
                                                     typed: str, read: int) -> None:
    make_user("sales")
    assert submit(ready_answers | {"sales_team_size": typed}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Submission)).answers["sales_team_size"] == read


@pytest.mark.parametrize("posted", ["no", "false", "0", "off", ""])
def test_consent_is_only_a_yes(client: FlaskClient, ready_answers, posted: str) -> None:
    from tests.fixtures.factories import walk_questionnaire

    response = walk_questionnaire(client, ready_answers | {"consent": False}, consent=posted)
    assert response.status_code == 400
    assert "Please tick this box so that we may keep your answers." in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["..%2f..%2fwsgi.py", "..%2fREADME.md", "css/..%2f..%2f..%2fpyproject.toml",
                                  "%2e%2e/%2e%2e/wsgi.0123456789ab.py"])
def test_static_names_that_lead_outside_the_folder_are_refused_before_any_file_is_read(
        app: Flask, client: FlaskClient, name: str) -> None:
    fingerprints = app.extensions["doorstep.static_fingerprints"]
    assert client.get(f"/static/{name}").status_code == 404
    assert fingerprints.digest("../../wsgi.py") is None and fingerprints.digest("/etc/passwd") is None
    assert fingerprints.digest("css/site.css") is not None


@pytest.mark.parametrize("bad", [b"caf\xe9 \xff", b"caf%E9 %FF", b"%C3%28"])
@pytest.mark.parametrize("path", ["/questionnaire", "/login"])
def test_a_form_that_is_not_utf8_raw_or_percent_encoded_gets_the_same_clear_400(
        client: FlaskClient, bad: bytes, path: str) -> None:
    from tests.fixtures.factories import csrf_token

    body = f"csrf_token={csrf_token(client, path)}&current_situation=".encode() + bad + b"&role=founder"
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "sent characters we couldn&#39;t read" in response.get_data(as_text=True)


def test_percent_signs_people_type_are_kept(app: Flask, submit, ready_answers, make_user) -> None:
    make_user("sales")
    assert submit(ready_answers | {"goals": "Grow 20% by Q3 (%FF is not a byte here)."}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Submission)).answers["goals"] == "Grow 20% by Q3 (%FF is not a byte here)."


def _post_in_chunks(base: str, path: str, body: bytes, cookie: str) -> tuple[int, str]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.request("POST", path, body=(body[i:i + 8192] for i in range(0, len(body), 8192)),
                       headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
                       encode_chunked=True)
    response = connection.getresponse()
    return response.status, response.read().decode()


@pytest.mark.parametrize(("size", "status"), [(300_000, 413), (20, 303)])
def test_a_body_sent_in_chunks_is_read_whole_and_refused_with_413_past_the_limit(
        live_server: str, size: int, status: int) -> None:
    first = urllib.request.urlopen(live_server + "/questionnaire")
    cookie = "; ".join(c.split(";")[0] for c in first.headers.get_all("Set-Cookie"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first.read().decode()).group(1)
    body = (f"csrf_token={token}&role=founder&company_size=1-10&current_situation=" + "x" * size).encode()
    answered, html = _post_in_chunks(live_server, "/questionnaire", body, cookie)
    assert answered == status, html[:3000]
    if status == 413:
        assert "That was more than we can accept" in html


@pytest.mark.parametrize("cookie", [b"session=\xff\xfe", b"remember_token=\xc3\x28abc", b"doorstep_visit=\xff"])
@pytest.mark.parametrize("path", ["/", "/articles/qualifying-by-the-gap", "/questionnaire", "/static/css/site.css"])
def test_a_cookie_that_is_not_utf8_is_ignored_with_the_page_served_as_usual(
        live_server: str, cookie: bytes, path: str) -> None:
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.putrequest("GET", path)
    connection.putheader("Cookie", cookie)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    assert "default-src" in response.getheader("Content-Security-Policy", "")
