"""The marketers' studio: where leads went, drawn as bars, and the health of the content."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient


def test_studio_charts_where_leads_went(client: FlaskClient, make_user, make_lead, researcher_answers,
                                        auth) -> None:
    make_user("sales")
    for _ in range(3):
        make_lead()
    make_lead(**researcher_answers | {"email": "early@brightpath.example"})
    auth.login(make_user("marketer").email)
    html = client.get("/studio").get_data(as_text=True)
    rows = dict(re.findall(r'<span class="dim-label">([^<]+)</span>\s*<svg class="bar".*?<rect width="([\d.]+)"', html,
                           flags=re.S))
    assert rows == {"With sales": "100.0", "Reading list": "33.3", "Not a buyer": "0.0", "Held for review": "0.0"}
    assert "75%" in html and "25%" in html


def test_studio_names_the_model_version_and_lists_drafts(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("marketer").email)
    html = client.get("/studio").get_data(as_text=True)
    assert re.search(r"Model version <code>[0-9a-f]{12}</code>", html)
    assert "Qualifying by the gap" in html


def test_the_studio_names_broken_files_as_marketers_know_them_not_by_the_servers_path(
        make_app, content_copy: Path, make_user) -> None:
    from tests.fixtures.factories import Auth

    (content_copy / "articles" / "half-written.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    app = make_app(CONTENT_DIR=str(content_copy))
    client = app.test_client()
    Auth(client).login(make_user("marketer").email)
    html = client.get("/studio").get_data(as_text=True)
    assert "Some files need attention" in html and "articles/half-written.md:" in html
    assert str(content_copy) not in html
