"""Articles in several languages: a folder per language, each translation naming its original with translation_of.

Each version has its own URL, its own canonical and hreflang alternates that point both ways; lists, search,
tags, stages and the feed are per language; the sitemap names every version of a page; `content check` finds a
translation without its original, a folder of a language the site does not ship and two translations of one
original into one language, while the rest keeps serving.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import ArticleDay
from leads.publishing.articles import ArticleIndex, check_articles
from leads.publishing.problems import ContentError
from leads.publishing.stage_guides import load_stage_guides
from leads.studio.counts import READ
from tests.fixtures.app import doorstep

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SITE = "http://127.0.0.1:5000"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ATOM = "{http://www.w3.org/2005/Atom}"
# The shipped demo: one article in four languages, each under its own slug.
GAP = {"en": "/articles/qualifying-by-the-gap", "de": "/de/articles/qualifizieren-nach-der-luecke",
       "fr": "/fr/articles/qualifier-par-l-ecart", "es": "/es/articles/cualificar-por-la-brecha"}
ENGLISH_ONLY = "running-a-discovery-call"


def write(directory: Path, stem: str, body: str = "Some text.\n", **fields: Any) -> Path:
    values: dict[str, Any] = {"title": stem.replace("-", " ").capitalize(), "date": "2026-03-01",
                              "summary": f"What {stem} is about."}
    values.update(fields)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.md"
    path.write_text("---\n" + "".join(f"{k}: {v}\n" for k, v in values.items()) + "---\n\n" + body,
                    encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    """Some tests add articles on disk, so the app serves a copy of the content."""
    return content_copy


# --- loading (pure) ------------------------------------------------------------------------------


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    write(folder, "renewals", "Renewals slip when nobody owns them.\n", tags="[renewals]")
    write(folder, "pricing", "How to price.\n", tags="[pricing]")
    write(folder / "de", "verlaengerungen", "Verlängerungen gehen verloren, wenn sich niemand zuständig fühlt.\n",
          translation_of="renewals", tags="[verlängerung]", title="Verlängerungen")
    write(folder / "de", "nur-auf-deutsch", "Ein Artikel, den es nur auf Deutsch gibt.\n", tags="[verlängerung]")
    write(folder / "fr", "renouvellements", "Les renouvellements se perdent.\n", translation_of="renewals")
    return folder


def test_a_translation_is_found_under_its_own_slug_and_names_its_original(articles: Path) -> None:
    index = ArticleIndex(articles)
    assert index.problems == []
    german = index.get("verlaengerungen", "de")
    assert german is not None and german.language == "de" and german.original == "renewals"
    assert index.get("verlaengerungen") is None, "a German slug is no English article"
    english = index.get("renewals")
    assert english is not None and english.language == "en"
    # Versions point both ways: from the original and from each translation.
    assert {code: a.slug for code, a in index.versions(english).items()} == \
        {"en": "renewals", "de": "verlaengerungen", "fr": "renouvellements"}
    assert index.versions(german) == index.versions(english)
    assert index.translation("renewals", "fr") is not None
    assert index.translation("pricing", "de") is None


def test_an_article_only_in_german_exists_only_in_german(articles: Path) -> None:
    index = ArticleIndex(articles)
    only = index.get("nur-auf-deutsch", "de")
    assert only is not None and only.translation_of is None
    assert index.versions(only) == {"de": only}
    assert index.get("nur-auf-deutsch") is None


def test_lists_tags_search_and_related_reading_keep_to_one_language(articles: Path) -> None:
    index = ArticleIndex(articles)
    assert [a.slug for a in index.published(NOW)] == ["pricing", "renewals"]
    assert {a.slug for a in index.published(NOW, "de")} == {"verlaengerungen", "nur-auf-deutsch"}
    assert index.tags(NOW, "de") == [("verlängerung", 2)]
    assert ("verlängerung", 2) not in index.tags(NOW)
    # German stemming: "Verlängerung" finds "Verlängerungen"; English articles are not searched in German.
    assert [hit.article.slug for hit in index.search("Verlängerung", NOW, language="de")] == ["verlaengerungen"]
    assert index.search("renewals", NOW, language="de") == []
    german = index.get("verlaengerungen", "de")
    assert german is not None
    assert [a.slug for a in index.related(german, NOW)] == ["nur-auf-deutsch"]


def test_the_default_language_decides_what_files_directly_in_articles_are(articles: Path) -> None:
    german_site = ArticleIndex(articles, default_language="de")
    assert german_site.get("renewals", "de") is not None
    problems = [str(p) for p in german_site.problems]
    assert any("articles/de" in p and "default language" in p for p in problems), problems


# --- content check ------------------------------------------------------------------------------


def test_content_check_finds_translation_mistakes_at_their_line_and_the_rest_keeps_serving(articles: Path) -> None:
    orphan = write(articles / "de", "waise", translation_of="no-such-article")
    second = write(articles / "de", "zweite-fassung", translation_of="renewals")
    write(articles / "it", "rinnovi")
    misplaced = write(articles, "misplaced", translation_of="renewals")
    found = {str(p) for p in check_articles(articles.parent).problems}

    assert f"{orphan}:{line_of(orphan, 'translation_of')}: error: translation_of: there is no article" \
           " 'no-such-article' directly in articles/ to be the original; this translation is left out" in found
    assert f"{second}:{line_of(second, 'translation_of')}: error: 'renewals' already has a Deutsch translation," \
           " verlaengerungen.md; this file is left out" in found
    assert any(p.startswith(f"{articles / 'it'}:0: error: the site does not ship a language 'it'") for p in found)
    assert any(p.startswith(f"{misplaced}:{line_of(misplaced, 'translation_of')}: warning: translation_of is for a"
                            " translation") for p in found)

    # The site serves the same findings and everything else.
    index = ArticleIndex(articles)
    assert {str(p) for p in index.problems} == found
    assert index.get("waise", "de") is None and index.get("zweite-fassung", "de") is None
    assert index.get("verlaengerungen", "de") is not None and index.get("misplaced") is not None


def test_a_translation_links_to_articles_in_its_language_or_by_the_originals_slug(articles: Path) -> None:
    good = write(articles / "de", "links", "[a](/de/articles/verlaengerungen) [b](/de/articles/pricing)\n")
    bad = write(articles / "de", "kaputt", "[c](/de/articles/gibt-es-nicht)\n")
    found = [str(p) for p in check_articles(articles.parent).problems]
    assert not [p for p in found if str(good) in p]
    line = line_of(bad, "gibt-es-nicht")
    assert f"{bad}:{line}: error: link to /de/articles/gibt-es-nicht points to no article" in found


def test_the_doorstep_command_reports_a_translation_without_its_original(content_copy: Path) -> None:
    orphan = write(content_copy / "articles" / "de", "waise", translation_of="gone")
    result = doorstep("content", "check", "--content-dir", str(content_copy))
    assert result.exit_code == 1
    assert f"articles/de/waise.md:{line_of(orphan, 'translation_of')}: error: translation_of:" in result.output


# --- stage guides --------------------------------------------------------------------------------


def test_stage_guides_speak_each_language_and_fall_back_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "stages.yaml"
    stage = ("  name: {{en: {0}, de: {0} DE}}\n  heading: Heading\n  blurb: Blurb\n  cta_heading: CTA\n"
             "  cta_text: Text\n  cta_label: {{en: Go, de: Los, fr: Allez}}\n")
    path.write_text("".join(f"{s}:\n{stage.format(s.capitalize())}" for s in ("awareness", "consideration",
                                                                             "decision")), encoding="utf-8")
    guides = load_stage_guides(path)
    assert guides["decision"].name == "Decision" and guides.speaking("de")["decision"].name == "Decision DE"
    assert guides.speaking("fr")["decision"].cta_label == "Allez"
    assert guides.speaking("fr")["decision"].name == "Decision", "a missing field shows the default's words"
    assert guides.speaking("es") == guides.by_stage
    warnings = [p.message for p in guides.warnings]
    assert "stage 'awareness': name has no fr words, so Français pages show the en ones" in warnings
    assert all(p.severity == "warning" for p in guides.warnings)


@pytest.mark.parametrize(("value", "message"), [
    ("{en: Go, it: Vai}", "'it' is not a language the site ships"),
    ("{de: Los}", "give its text in en, the site's default language"),
    ("{en: Go, de: 42}", "de: must be text"),
])
def test_stage_guide_words_in_an_unshipped_language_or_without_the_default_are_errors(
    tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "stages.yaml"
    fields = "  name: N\n  heading: H\n  blurb: B\n  cta_heading: C\n  cta_text: T\n"
    path.write_text("".join(f"{s}:\n{fields}  cta_label: {value}\n" for s in ("awareness", "consideration",
                                                                            "decision")), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_stage_guides(path)
    assert any(message in p.message and p.line == 7 for p in raised.value.problems), raised.value.problems


# --- pages ---------------------------------------------------------------------------------------


def alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([a-zA-Z-]+)" href="([^"]+)"', html))


def html_lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', html)
    assert found
    return found.group(1)


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def test_each_version_has_its_canonical_url_and_alternates_that_point_both_ways(client: FlaskClient) -> None:
    seen = {}
    for code, path in GAP.items():
        html = page(client, path)
        assert html_lang(html) == code
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
        assert canonical and canonical.group(1) == SITE + path
        seen[code] = alternates(html)
    expected = {**{code: SITE + path for code, path in GAP.items()}, "x-default": SITE + GAP["en"]}
    assert all(found == expected for found in seen.values()), seen
    # The switcher offers the same versions, each by its own slug.
    html = page(client, GAP["de"])
    switch = re.search(r'<a href="([^"]+)" hreflang="fr"', html)
    assert switch and "next=/fr/articles/qualifier-par-l-ecart" in switch.group(1).replace("%2F", "/")


def test_an_article_in_one_language_offers_no_other(client: FlaskClient) -> None:
    html = page(client, f"/articles/{ENGLISH_ONLY}")
    assert alternates(html) == {}
    assert 'class="language-switcher"' not in html


def test_an_originals_slug_in_another_language_leads_to_its_version_or_the_original(client: FlaskClient) -> None:
    moved = client.get("/de/articles/qualifying-by-the-gap")
    assert moved.status_code == 302 and moved.headers["Location"] == GAP["de"]
    moved = client.get(f"/fr/articles/{ENGLISH_ONLY}")
    assert moved.status_code == 302 and moved.headers["Location"] == f"/articles/{ENGLISH_ONLY}"
    assert client.get("/de/articles/no-such-article").status_code == 404
    assert client.get("/articles/qualifizieren-nach-der-luecke").status_code == 404


def test_a_bare_url_sends_a_german_browser_to_the_german_version_only_when_there_is_one(client: FlaskClient) -> None:
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    # Kept by the page cache for everyone else first: it must not be handed to the German browser.
    assert client.get(GAP["en"]).status_code == 200
    assert client.get(f"/articles/{ENGLISH_ONLY}").status_code == 200
    moved = client.get(GAP["en"], headers=german)
    assert moved.status_code == 302 and moved.headers["Location"] == GAP["de"]
    stays = client.get(f"/articles/{ENGLISH_ONLY}", headers=german)
    assert stays.status_code == 200 and html_lang(stays.get_data(as_text=True)) == "en"


def test_the_article_index_is_per_language_with_its_dates_and_reading_time(client: FlaskClient) -> None:
    html = page(client, "/de/articles/")
    assert 'href="/de/articles/qualifizieren-nach-der-luecke"' in html
    assert f'href="/de/articles/{ENGLISH_ONLY}"' not in html and "Qualifying by the gap" not in html
    assert "10. Februar 2026" in html and "Min. Lesezeit" in html and ">Optionen abwägen<" in html
    english = page(client, "/articles/")
    assert "10 February 2026" in english and "min read" in english and "Nach der Lücke" not in english


def test_the_index_pages_in_the_pages_language(content_copy: Path, client: FlaskClient) -> None:
    for number in range(12):
        write(content_copy / "articles" / "de", f"artikel-{number:02d}", date=f"2026-01-{number + 1:02d}")
    first = page(client, "/de/articles/")
    assert "Seite 1 von 2" in first and 'href="/de/articles/page/2"' in first and "Ältere Artikel" in first
    second = page(client, "/de/articles/page/2")
    assert "Neuere Artikel" in second and "(Seite 2)" in second


def test_search_is_per_language_with_its_stemming(client: FlaskClient) -> None:
    html = page(client, "/de/search?q=Verl%C3%A4ngerung")
    found = re.findall(r'<h2 class="card-title"><a href="([^"]+)"', html)
    assert found[0] == GAP["de"] and all(link.startswith("/de/articles/") for link in found)
    assert "<mark>Verlängerungen</mark>" in html and f"{len(found)} Artikel passen zu „Verlängerung“" in html
    assert "Kein Artikel passt zu" in page(client, "/de/search?q=renewals")
    assert 'href="/articles/qualifying-by-the-gap"' in page(client, "/search?q=renewals")


def test_tags_and_stages_are_per_language(client: FlaskClient) -> None:
    tag = page(client, "/de/tags/bedarfsanalyse")
    assert 'href="/de/articles/qualifizieren-nach-der-luecke"' in tag and "Artikel zum Thema bedarfsanalyse" in tag
    assert client.get("/de/tags/discovery").status_code == 404
    assert alternates(tag) == {}, "the German tag exists in German only"
    stage = page(client, "/fr/stages/consideration")
    assert "Comparer les options\u00a0: définir votre approche" in stage
    assert 'href="/fr/articles/qualifier-par-l-ecart"' in stage and "Échanger sur votre situation" in stage
    assert client.get("/fr/stages/decision").status_code == 404, "no French article for deciders yet"
    assert client.get("/stages/decision").status_code == 200


def test_the_feed_is_per_language(client: FlaskClient) -> None:
    root = ET.fromstring(client.get("/de/feed.xml").data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    links = {entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")}
    assert SITE + GAP["de"] in links and all(link and link.startswith(f"{SITE}/de/articles/") for link in links)
    assert len(links) == len(re.findall(r'<h2 class="card-title">', page(client, "/de/articles/")))
    english = ET.fromstring(client.get("/feed.xml").data)
    assert SITE + GAP["en"] in {entry.findtext(f"{ATOM}id") for entry in english.iter(f"{ATOM}entry")}
    assert SITE + GAP["de"] not in {entry.findtext(f"{ATOM}id") for entry in english.iter(f"{ATOM}entry")}


def test_the_sitemap_names_every_version_and_its_alternates_point_both_ways(client: FlaskClient) -> None:
    root = ET.fromstring(client.get("/sitemap.xml").data)
    entries: dict[str, dict[str, str]] = {}
    for url in root.iter(f"{SITEMAP}url"):
        loc = url.findtext(f"{SITEMAP}loc")
        assert loc and loc not in entries, f"{loc} is listed once"
        entries[loc] = {link.get("hreflang", ""): link.get("href", "") for link in url.iter(f"{XHTML}link")}
    assert set(GAP.values()) <= {loc.removeprefix(SITE) for loc in entries}
    assert entries[SITE + GAP["fr"]] == {**{c: SITE + p for c, p in GAP.items()}, "x-default": SITE + GAP["en"]}
    assert entries[f"{SITE}/articles/{ENGLISH_ONLY}"] == {}, "one language: no alternates"
    for loc, links in entries.items():
        if not links:
            continue
        assert loc in links.values(), f"{loc} names itself among its alternates"
        for code, href in links.items():
            assert entries.get(href) == links, f"{href} ({code}) must name the same versions as {loc}"
    assert client.get("/de/sitemap.xml").headers["Location"] == "/sitemap.xml"


@pytest.mark.parametrize("code", ["de", "fr", "es"])
def test_the_public_pages_leave_no_english_in_each_language(
    client: FlaskClient, code: str, english_left: Callable[[str, str], list[str]]
) -> None:
    prefix = f"/{code}"
    tag = {"de": "bedarfsanalyse", "fr": "découverte", "es": "presupuesto"}[code]
    paths = [f"{prefix}/", f"{prefix}/articles/", GAP[code], f"{prefix}/search", f"{prefix}/search?q=budget",
             f"{prefix}/search?q=zzzz", f"{prefix}/tags/{tag}", f"{prefix}/stages/consideration"]
    for path in paths:
        html = page(client, path)
        assert html_lang(html) == code
        assert english_left(html, code) == [], path
        assert " min read" not in html and "Related reading" not in html
    assert english_left(client.get(f"{prefix}/feed.xml").get_data(as_text=True), code) == []


def test_a_german_read_counts_for_the_article_it_translates(client: FlaskClient, app: Flask) -> None:
    assert client.post("/visit", data={"page": GAP["de"], "referrer": ""}).status_code == 204
    with app.app_context():
        read = db.session.scalars(sa.select(ArticleDay.article).where(ArticleDay.measure == READ)).all()
    assert read == ["qualifying-by-the-gap"]
