"""Who may frame the questionnaire and booking, which cookies they set there, and the studio's snippet."""

from __future__ import annotations

import html

import pytest

from leads.config import ConfigError, embed_origins
from tests.fixtures.factories import PASSWORD

PARTNER = "https://www.partner.example"
FRAMED = {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture
def framing_app(make_app):
    return make_app(EMBED_ORIGINS=f"{PARTNER}, http://127.0.0.1:8123/")


def test_origins_are_read_and_checked():
    assert embed_origins("https://a.example, http://127.0.0.1:8123/ https://a.example") == (
        "https://a.example", "http://127.0.0.1:8123")
    assert embed_origins("") == ()
    for wrong in ("https://*.example.com", "www.example.com", "https://a.example/page", "ftp://a.example"):
        with pytest.raises(ConfigError, match="DOORSTEP_EMBED_ORIGINS"):
            embed_origins(wrong)


def test_only_the_listed_origins_may_frame_the_questionnaire_and_booking(framing_app, client):
    framed = framing_app.test_client().get("/questionnaire")
    assert f"frame-ancestors 'self' {PARTNER} http://127.0.0.1:8123" in framed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed.headers
    elsewhere = framing_app.test_client().get("/")
    assert "frame-ancestors 'none'" in elsewhere.headers["Content-Security-Policy"]
    assert elsewhere.headers["X-Frame-Options"] == "DENY"
    unlisted = client.get("/questionnaire")  # no origin listed: nobody may frame it
    assert "frame-ancestors 'none'" in unlisted.headers["Content-Security-Policy"]
    assert unlisted.headers["X-Frame-Options"] == "DENY"


def test_framed_pages_keep_their_cookies_partitioned_and_the_site_keeps_its_own(framing_app):
    host = f"{PARTNER}/pricing?utm_source=partner"
    framed = framing_app.test_client().get("/questionnaire", headers=FRAMED,
                                           query_string={"host": host, "utm_source": "partner"})
    cookies = framed.headers.getlist("Set-Cookie")
    assert cookies and all("Partitioned" in c and "Secure" in c and "SameSite=None" in c for c in cookies)
    page = framed.get_data(as_text=True)
    assert f'data-embed-origin="{PARTNER}"' in page and "js/embedded." in page and "site-header" not in page
    first_party = framing_app.test_client().get("/questionnaire", query_string={"utm_source": "partner"})
    assert first_party.headers.getlist("Set-Cookie")
    assert all("Partitioned" not in c and "SameSite=Lax" in c for c in first_party.headers.getlist("Set-Cookie"))
    assert "data-embed-origin" not in first_party.get_data(as_text=True)


def test_a_host_not_on_the_list_gets_no_events(framing_app):
    page = framing_app.test_client().get("/questionnaire", headers=FRAMED,
                                         query_string={"host": "https://evil.example/"}).get_data(as_text=True)
    assert "data-embed-origin" not in page and "js/embedded." not in page


def test_the_script_has_a_stable_address(client):
    with client.get("/embed.js") as script:  # a file, streamed: closed once read
        assert script.status_code == 200 and script.mimetype == "text/javascript"
        assert "doorstep:resize" in script.get_data(as_text=True)
        assert "max-age=300" in script.headers["Cache-Control"]


def test_marketers_copy_the_snippet_from_the_studio(client, auth, make_user):
    marketer = make_user("marketer")
    auth.login(marketer.email, PASSWORD)
    page = html.unescape(client.get("/studio/embed").get_data(as_text=True))  # the snippets are shown as text
    assert 'data-doorstep="questionnaire"' in page and 'data-doorstep-open="questionnaire"' in page
    assert "/embed.js" in page and 'data-copy="#snippet-inline"' in page and 'id="no-origins"' in page


def test_sales_do_not_see_the_studios_snippet(client, auth, make_user):
    rep = make_user("sales")
    auth.login(rep.email, PASSWORD)
    assert client.get("/studio/embed").status_code == 403
