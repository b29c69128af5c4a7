"""Publishing over HTTP: scheduling, live edits, findability, caching and the `content new` command."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, message_flashed, request, request_started
from flask.testing import FlaskClient
from pygments.formatters import HtmlFormatter

from leads import create_app
from leads.extensions import db
from tests.fixtures.app import ROOT
from tests.fixtures.factories import Auth

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Clock:
    """The app's clock, fixed at a moment the test moves by hand."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    """These tests edit articles on disk, so the app serves a copy of the content."""
    return content_copy


@pytest.fixture
def articles_dir(content_dir: Path) -> Path:
    return content_dir / "articles"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app_config(app_config: dict[str, Any], clock: Clock) -> dict[str, Any]:
    return {**app_config, "CLOCK": clock}


def write_article(directory: Path, slug: str, body: str = "Some useful text.\n", **fields: Any) -> Path:
    values: dict[str, Any] = {"title": slug.replace("-", " ").capitalize(), "date": "2026-03-01",
                              "summary": f"What {slug} is about."}
    values.update(fields)
    front = "\n".join(f"{key}: {value}" for key, value in values.items())
    path = directory / f"{slug}.md"
    path.write_text(f"---\n{front}\n---\n\n{body}", encoding="utf-8")
    return path


def published_slugs(articles_dir: Path) -> set[str]:
    return {path.stem for path in articles_dir.glob("*.md")}


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


# --- drafts and scheduling --------------------------------------------------------------------


@pytest.fixture
def hidden_articles(articles_dir: Path) -> dict[str, Path]:
    return {
        "zeppelin-draft": write_article(articles_dir, "zeppelin-draft", "Zeppelin draft text.", draft="true",
                                        tags="[discovery]", stage="decision"),
        "zeppelin-scheduled": write_article(articles_dir, "zeppelin-scheduled", "Zeppelin scheduled text.",
                                            publish_at="2026-03-21T08:00:00Z", tags="[discovery]",
                                            stage="decision"),
    }


@pytest.mark.parametrize(
    "path",
    ["/", "/articles/", "/tags/discovery", "/stages/decision", "/search?q=zeppelin", "/feed.xml", "/sitemap.xml"],
)
def test_drafts_and_scheduled_articles_are_not_listed_anywhere_public(
    client: FlaskClient, hidden_articles: dict[str, Path], path: str
) -> None:
    body = text(client, path)
    for slug in hidden_articles:
        assert f"/articles/{slug}" not in body


def test_draft_and_scheduled_urls_are_not_found(client: FlaskClient, hidden_articles: dict[str, Path]) -> None:
    for slug in hidden_articles:
        response = client.get(f"/articles/{slug}")
        assert response.status_code == 404
        assert "Zeppelin" not in response.get_data(as_text=True)


def test_scheduled_article_appears_at_its_time_without_a_restart(
    client: FlaskClient, hidden_articles: dict[str, Path], clock: Clock
) -> None:
    assert client.get("/articles/zeppelin-scheduled").status_code == 404
    before = client.get("/feed.xml").headers["ETag"]

    clock.moment = dt.datetime(2026, 3, 21, 8, 0, tzinfo=dt.UTC)

    assert "Zeppelin scheduled text." in text(client, "/articles/zeppelin-scheduled")
    feed = client.get("/feed.xml", headers={"If-None-Match": before})
    assert feed.status_code == 200, "a go-live must change the ETag"
    assert "/articles/zeppelin-scheduled" in feed.get_data(as_text=True)
    assert "/articles/zeppelin-scheduled" in text(client, "/search?q=zeppelin")
    assert "/articles/zeppelin-draft" not in text(client, "/search?q=zeppelin")


def test_kept_pages_follow_the_apps_clock_to_a_go_live(app: Flask, client: FlaskClient,
                                                      hidden_articles: dict[str, Path], clock: Clock) -> None:
    """The page cache reads the time through leads.clock, as the views do: a kept feed is served
    without Flask until the app's clock reaches a go-live, then rendered afresh."""
    reached: list[str] = []
    with request_started.connected_to(lambda sender, **extra: reached.append(request.path), app):
        assert "/articles/zeppelin-scheduled" not in text(client, "/feed.xml")
        assert "/articles/zeppelin-scheduled" not in text(client, "/feed.xml")
        assert reached == ["/feed.xml"]
        clock.moment = dt.datetime(2026, 3, 21, 8, 0, tzinfo=dt.UTC)
        assert "/articles/zeppelin-scheduled" in text(client, "/feed.xml")
        assert reached == ["/feed.xml", "/feed.xml"]


@pytest.mark.parametrize("role", ["marketer", "admin"])
def test_marketers_preview_drafts_with_a_banner_and_nobody_caches_it(
    client: FlaskClient, auth: Auth, make_user, hidden_articles: dict[str, Path], role: str
) -> None:
    auth.login(make_user(role).email)
    for slug, banner in (("zeppelin-draft", "Draft preview"), ("zeppelin-scheduled", "Scheduled preview")):
        response = client.get(f"/articles/{slug}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert banner in body and 'class="banner-draft"' in body
        assert '<meta name="robots" content="noindex">' in body
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers


def test_sales_cannot_preview_drafts(
    client: FlaskClient, auth: Auth, make_user, hidden_articles: dict[str, Path]
) -> None:
    auth.login(make_user("sales").email)
    assert client.get("/articles/zeppelin-draft").status_code == 404


# --- live publishing ---------------------------------------------------------------------------


def test_adding_editing_and_deleting_a_file_shows_on_the_next_request(
    client: FlaskClient, articles_dir: Path
) -> None:
    assert client.get("/articles/fresh-thoughts").status_code == 404

    path = write_article(articles_dir, "fresh-thoughts", "First version.", title="Fresh thoughts")
    assert "First version." in text(client, "/articles/fresh-thoughts")
    assert "/articles/fresh-thoughts" in text(client, "/")

    write_article(articles_dir, "fresh-thoughts", "Second, longer version of the text.", title="Fresh thoughts")
    assert "Second, longer version" in text(client, "/articles/fresh-thoughts")

    path.unlink()
    assert client.get("/articles/fresh-thoughts").status_code == 404
    assert "/articles/fresh-thoughts" not in text(client, "/")


def test_production_checks_the_folder_at_most_once_per_interval(
    app_config: dict[str, Any], articles_dir: Path
) -> None:
    app = create_app({**app_config, "CONTENT_CHECK_SECONDS": 3600})
    client = app.test_client()
    assert client.get("/").status_code == 200
    write_article(articles_dir, "between-checks")
    assert client.get("/articles/between-checks").status_code == 404
    with app.app_context():
        db.engine.dispose()


def test_one_broken_file_is_left_out_logged_with_its_line_and_the_rest_still_serve(
    client: FlaskClient, articles_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = published_slugs(articles_dir)
    broken = articles_dir / "broken-article.md"
    broken.write_text("---\ntitle: Broken\ndate: 2026-13-45\nsummary: Oops.\n---\nText.\n", encoding="utf-8")

    with caplog.at_level(logging.ERROR, logger="leads.publishing.articles"):
        home = text(client, "/")
    assert any(f"{broken}:3:" in record.getMessage() for record in caplog.records)
    assert client.get("/articles/broken-article").status_code == 404
    for slug in good:
        assert f"/articles/{slug}" in home or client.get(f"/articles/{slug}").status_code == 200
        assert client.get(f"/articles/{slug}").status_code == 200
    assert text(client, "/feed.xml").count("<entry>") == len(good)


# --- findability --------------------------------------------------------------------------------


def test_feed_is_atom_listing_exactly_the_published_articles(
    client: FlaskClient, articles_dir: Path, hidden_articles: dict[str, Path]
) -> None:
    response = client.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    links = {entry.find(f"{ATOM}link").get("href") for entry in root.iter(f"{ATOM}entry")}
    expected = published_slugs(articles_dir) - set(hidden_articles)
    assert links == {f"http://127.0.0.1:5000/articles/{slug}" for slug in expected}
    for entry in root.iter(f"{ATOM}entry"):
        for field in ("title", "id", "updated", "published", "summary", "content"):
            assert entry.find(f"{ATOM}{field}") is not None


def test_sitemap_lists_exactly_the_published_articles_with_lastmod(
    client: FlaskClient, articles_dir: Path, hidden_articles: dict[str, Path]
) -> None:
    root = ET.fromstring(client.get("/sitemap.xml").data)
    entries = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root}
    # The default language's: translations are at /de/articles/..., /fr/articles/...
    article_urls = {loc for loc in entries if loc and "/articles/" in loc and not loc.endswith("/articles/")
                    and loc.startswith("http://127.0.0.1:5000/articles/")}
    expected = published_slugs(articles_dir) - set(hidden_articles)
    assert article_urls == {f"http://127.0.0.1:5000/articles/{slug}" for slug in expected}
    for loc in article_urls:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entries[loc] or "")
    assert "http://127.0.0.1:5000/tags/discovery" in entries


def test_robots_txt_allows_crawling_and_names_the_sitemap(client: FlaskClient) -> None:
    body = text(client, "/robots.txt")
    assert "User-agent: *" in body and "Disallow: /inbox" in body
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in body


def test_article_head_has_title_description_canonical_social_tags_and_feed(client: FlaskClient) -> None:
    body = text(client, "/articles/qualifying-by-the-gap")
    assert "<title>Qualifying by the gap, not by the budget question · Doorstep</title>" in body
    assert '<meta name="description" content="A buyer is ready when' in body
    assert '<link rel="canonical" href="http://127.0.0.1:5000/articles/qualifying-by-the-gap">' in body
    for tag in ('property="og:title"', 'property="og:description"', 'property="og:type" content="article"',
                'property="og:url" content="http://127.0.0.1:5000/articles/qualifying-by-the-gap"',
                'name="twitter:card"', 'property="article:published_time"'):
        assert tag in body
    assert '<link rel="alternate" type="application/atom+xml"' in body


def json_ld(body: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.DOTALL)
    assert match, "no JSON-LD block"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_article_carries_blog_posting_json_ld_that_cannot_close_its_script(
    client: FlaskClient, articles_dir: Path
) -> None:
    write_article(articles_dir, "hostile-title", title="'Tricky </script><script>alert(1)</script> & co'",
                  author="Ann Author", tags="[discovery]")
    body = text(client, "/articles/hostile-title")
    head = body.split("</head>", 1)[0]
    assert head.count("</script>") == 2, "only the JSON-LD block and site.js may close a script"
    data = json_ld(body)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Tricky </script><script>alert(1)</script> & co"
    assert data["author"] == {"@type": "Person", "name": "Ann Author"}
    assert data["url"] == "http://127.0.0.1:5000/articles/hostile-title"
    assert data["datePublished"].startswith("2026-03-01")


def test_front_matter_canonical_url_overrides_the_canonical_link(client: FlaskClient, articles_dir: Path) -> None:
    write_article(articles_dir, "cross-posted", canonical_url="https://blog.example.com/original")
    body = text(client, "/articles/cross-posted")
    assert '<link rel="canonical" href="https://blog.example.com/original">' in body
    assert json_ld(body)["mainEntityOfPage"] == "https://blog.example.com/original"


# --- pages --------------------------------------------------------------------------------------


def test_home_shows_latest_start_here_by_stage_and_a_soft_invitation(client: FlaskClient) -> None:
    body = text(client, "/")
    assert "Latest articles" in body and "Start here" in body
    for stage in ("awareness", "consideration", "decision"):
        assert f'href="/stages/{stage}"' in body
    assert 'href="/questionnaire"' in body and "No sales call, unless you ask for one." in body


def test_article_index_is_paginated(client: FlaskClient, articles_dir: Path) -> None:
    for n in range(12):
        write_article(articles_dir, f"extra-{n:02d}", date=f"2025-01-{n + 1:02d}")
    first = text(client, "/articles/")
    second = text(client, "/articles/page/2")
    assert "Page 1 of 2" in first and 'rel="next" href="/articles/page/2"' in first
    assert "Page 2 of 2" in second and 'rel="prev" href="/articles/"' in second
    total = len(list(articles_dir.glob("*.md")))
    assert first.count('class="card"') + second.count('class="card"') == total
    assert client.get("/articles/page/3").status_code == 404


def test_tag_and_stage_pages_list_their_articles(client: FlaskClient) -> None:
    tagged = text(client, "/tags/discovery")
    assert "Articles about discovery" in tagged
    assert "/articles/qualifying-by-the-gap" in tagged and "/articles/why-cold-outbound-fails" not in tagged
    decision = text(client, "/stages/decision")
    assert "/articles/running-a-discovery-call" in decision and "/articles/qualifying-by-the-gap" not in decision
    assert client.get("/tags/no-such-tag").status_code == 404
    assert client.get("/stages/no-such-stage").status_code == 404


def test_article_page_shows_reading_time_updated_date_and_related_articles(
    client: FlaskClient, articles_dir: Path
) -> None:
    write_article(articles_dir, "revised-piece", updated="2026-03-15", tags="[discovery, budget]",
                  stage="consideration")
    body = text(client, "/articles/revised-piece")
    assert "1 min read" in body
    assert 'Updated <time datetime="2026-03-15"' in body
    related = body.split('id="related-heading"', 1)[1]
    assert "/articles/qualifying-by-the-gap" in related


@pytest.mark.parametrize(
    ("stage", "cta", "expected"),
    [
        ("awareness", None, ["Curious where you stand?", "No sales call", ">See where you stand</a>"]),
        ("decision", None, ["Ready to talk it through?", ">Start the conversation</a>"]),
        ("decision", "Book a 30-minute conversation", [">Book a 30-minute conversation</a>"]),
    ],
)
def test_call_to_action_suits_the_stage_and_front_matter_chooses_the_prompt(
    client: FlaskClient, articles_dir: Path, stage: str, cta: str | None, expected: list[str]
) -> None:
    fields = {"stage": stage, **({"cta": cta} if cta else {})}
    write_article(articles_dir, "cta-piece", **fields)
    cta_box = text(client, "/articles/cta-piece").split('class="cta', 1)[1].split("</aside>", 1)[0]
    assert 'href="/questionnaire"' in cta_box
    for phrase in expected:
        assert phrase in cta_box


def test_search_ranks_title_matches_first_and_highlights_them(client: FlaskClient) -> None:
    body = text(client, "/search?q=discovery+call")
    results = re.findall(r'<h2 class="card-title"><a href="/articles/([a-z0-9-]+)"', body)
    assert results[0] == "running-a-discovery-call"
    assert "<mark>discovery</mark>" in body.lower() or "<mark>Discovery</mark>" in body


def test_search_escapes_the_query_and_says_when_nothing_matches(client: FlaskClient) -> None:
    body = text(client, "/search?q=%3Cxyzzy%3E")
    assert "<xyzzy>" not in body and "&lt;xyzzy&gt;" in body
    assert "No article matches" in body


def test_not_found_page_offers_search(client: FlaskClient) -> None:
    response = client.get("/articles/gone-missing")
    assert response.status_code == 404
    assert 'action="/search"' in response.get_data(as_text=True)


# --- HTTP caching -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/articles/", "/articles/qualifying-by-the-gap", "/tags/discovery",
                                  "/stages/decision", "/feed.xml", "/sitemap.xml"])
def test_conditional_get_answers_304_until_the_content_changes(
    client: FlaskClient, articles_dir: Path, path: str
) -> None:
    first = client.get(path)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=60"

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304

    write_article(articles_dir, "qualifying-by-the-gap", "Rewritten.", tags="[discovery]", stage="decision")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_signed_in_pages_are_never_cached(client: FlaskClient, auth: Auth, make_user) -> None:
    auth.login(make_user("marketer").email)
    for path in ("/", "/articles/qualifying-by-the-gap", "/search?q=budget"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers
        assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_a_page_showing_a_flashed_message_is_not_cached(app: Flask, client: FlaskClient, auth: Auth,
                                                        make_user) -> None:
    auth.login(make_user("marketer").email)
    flashed: list[str] = []
    with message_flashed.connected_to(lambda sender, message, category: flashed.append(message), app):
        auth.logout()  # flashes "You are signed out." for the next page
    assert flashed == ["You are signed out."]
    response = client.get("/")
    assert "You are signed out." in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/").headers["Cache-Control"] == "public, max-age=60"


def test_a_flashed_message_is_shown_to_a_browser_holding_the_public_copy(client: FlaskClient, auth: Auth,
                                                                         make_user) -> None:
    shared = client.get("/")
    auth.login(make_user("marketer").email)
    auth.logout()  # flashes "You are signed out." for the next page
    response = client.get("/", headers={"If-None-Match": shared.headers["ETag"]})
    assert response.status_code == 200 and "You are signed out." in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/", headers={"If-None-Match": shared.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("path", ["/login", "/questionnaire"])
def test_a_visitors_pages_with_a_csrf_token_stay_out_of_shared_caches(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "ETag" not in response.headers


def test_static_assets_get_content_hashed_urls_cached_for_a_year(client: FlaskClient) -> None:
    body = text(client, "/")
    match = re.search(r'href="(/static/css/site\.([0-9a-f]{12})\.css)"', body)
    assert match, "the stylesheet URL carries a content hash"
    with client.get(match.group(1)) as response:
        assert response.status_code == 200
        assert response.data == (ROOT / "site/static/css/site.css").read_bytes()
        cache_control = response.headers["Cache-Control"]
        assert "immutable" in cache_control and "max-age=31536000" in cache_control
        assert "Vary" not in response.headers
    with client.get("/static/css/site.000000000000.css") as stale:
        assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert client.get("/static/css/nothing.000000000000.css").status_code == 404


def test_code_is_highlighted_with_classes_and_a_static_stylesheet(client: FlaskClient) -> None:
    body = text(client, "/articles/scoring-readiness-with-rules")
    assert '<div class="highlight">' in body and " style=" not in body
    match = re.search(r'href="(/static/css/code\.[0-9a-f]{12}\.css)"', body)
    assert match
    with client.get(match.group(1)) as response:
        stylesheet = response.get_data(as_text=True)
    for rule in HtmlFormatter(style="default").get_style_defs(".highlight").splitlines():
        selector = rule.split("{", 1)[0].strip()
        if selector.startswith(".highlight"):
            assert selector + " {" in stylesheet, f"code.css lacks {selector}: run `make code-css`"


# --- the command line ---------------------------------------------------------------------------


def test_content_new_scaffolds_a_draft_dated_today_that_passes_the_check(
    runner, articles_dir: Path, client: FlaskClient
) -> None:
    where = ["--content-dir", str(articles_dir.parent)]
    result = runner.invoke(args=["content", "new", "Pricing pages that earn trust", "--stage", "decision", *where])
    assert result.exit_code == 0, result.output
    path = articles_dir / "pricing-pages-that-earn-trust.md"
    source = path.read_text(encoding="utf-8")
    assert 'title: "Pricing pages that earn trust"' in source
    assert f"date: {dt.date.today().isoformat()}" in source and "draft: true" in source
    assert client.get("/articles/pricing-pages-that-earn-trust").status_code == 404

    check = runner.invoke(args=["content", "check", *where])
    assert check.exit_code == 0, check.output
    again = runner.invoke(args=["content", "new", "Pricing pages that earn trust", *where])
    assert again.exit_code != 0 and "already exists" in again.output


def test_cached_copies_keep_the_security_headers_and_match_what_flask_renders(client: FlaskClient) -> None:
    first = client.get("/articles/qualifying-by-the-gap")
    repeat = client.get("/articles/qualifying-by-the-gap")
    assert repeat.data == first.data
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "ETag", "Cache-Control", "Vary"):
        assert repeat.headers[name] == first.headers[name]

    client.set_cookie("session", "not-a-valid-session")  # a session cookie sends the request through Flask
    through_flask = client.get("/articles/qualifying-by-the-gap")
    assert through_flask.data == first.data and through_flask.headers["ETag"] == first.headers["ETag"]
    assert client.get("/articles/qualifying-by-the-gap",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_head_request_never_leaves_an_empty_page_in_the_cache(client: FlaskClient) -> None:
    assert client.head("/articles/qualifying-by-the-gap").status_code == 200
    assert b"Qualifying by the gap" in client.get("/articles/qualifying-by-the-gap").data


def test_a_signed_in_person_never_gets_the_shared_copy(client: FlaskClient, make_user, auth) -> None:
    shared = client.get("/articles/qualifying-by-the-gap")
    assert shared.headers["Cache-Control"].startswith("public")
    client.set_cookie("doorstep_visit", "anything")  # cookies that never shape a public page
    assert client.get("/articles/qualifying-by-the-gap").data == shared.data
    auth.login(make_user("marketer").email)
    personal = client.get("/articles/qualifying-by-the-gap")
    assert personal.headers["Cache-Control"] == "private, no-store"
    assert b"Sign out" in personal.data and b"Sign out" not in shared.data


def test_a_visitor_with_a_session_gets_the_public_page_and_its_304(client: FlaskClient) -> None:
    shared = client.get("/articles/qualifying-by-the-gap")
    client.get("/questionnaire")  # a session now: a CSRF token, no sign-in, no flash
    through_flask = client.get("/articles/qualifying-by-the-gap")
    assert through_flask.data == shared.data and "Set-Cookie" not in through_flask.headers
    assert through_flask.headers["Cache-Control"] == "public, max-age=60"
    assert through_flask.headers["ETag"] == shared.headers["ETag"]
    assert "Cookie" in through_flask.headers["Vary"]
    again = client.get("/articles/qualifying-by-the-gap", headers={"If-None-Match": shared.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("check_seconds", [0.0, 3600.0])
def test_static_urls_follow_an_edited_file_at_the_content_checks_pace(tmp_path: Path, check_seconds: float) -> None:
    from leads.web.assets import StaticFingerprints

    (tmp_path / "site.css").write_text("body { color: black }")
    fingerprints = StaticFingerprints(tmp_path, check_seconds=check_seconds)
    before = fingerprints.hashed_name("site.css")
    (tmp_path / "site.css").write_text("body { color: navy }  /* a different size, too */")
    after = fingerprints.hashed_name("site.css")
    assert (after == before) is (check_seconds > 0)
    # Serving compares with the file as it is now, so an old hash never gets the year-long lifetime.
    assert fingerprints.digest("site.css") != before.split(".")[1]
