"""Specifications of the articles core: front matter, rendering, sanitizing, indexing, search and checks."""

from __future__ import annotations

import datetime
import logging
import os
import re
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leads.publishing.articles import STAGES, Article, ArticleIndex, Problem, check_content
from tests.fixtures.app import ROOT

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REPO_CONTENT = ROOT / "content"


def front_matter(**fields: str | None) -> str:
    values: dict[str, str | None] = {"title": "A title", "date": "2026-03-01", "summary": "A short summary."}
    values.update(fields)
    lines = [f"{key}: {value}" for key, value in values.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def write_article(directory: Path, stem: str, /, body: str = "Some text.\n", **fields: str | None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.md"
    path.write_text(front_matter(**fields) + "\n" + body, encoding="utf-8")
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "media").mkdir()
    return tmp_path


@pytest.fixture
def articles(content: Path) -> Path:
    return content / "articles"


def render(articles: Path, body: str, **fields: str) -> Article:
    write_article(articles, "sample", body, **fields)
    index = ArticleIndex(articles)
    article = index.get("sample")
    assert article is not None, index.problems
    return article


def problems_of(index_or_list: ArticleIndex | list[Problem], severity: str = "error") -> list[Problem]:
    found = index_or_list.problems if isinstance(index_or_list, ArticleIndex) else index_or_list
    return [problem for problem in found if problem.severity == severity]


def touch_later(path: Path) -> None:
    """Move the file's mtime forward, so an edit is seen even on coarse filesystem clocks."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


# Front matter


def test_valid_front_matter_fills_every_field(articles: Path) -> None:
    article = render(
        articles,
        "Body.\n",
        tags="[Discovery, pipeline, discovery]",
        stage="decision",
        author="Ann",
        updated="2026-04-02",
        draft="false",
        publish_at="2026-03-05 09:30:00",
        canonical_url="https://example.com/a",
        cta="Book a call",
        image="/media/x.svg",
        image_alt="A chart",
    )
    assert article.slug == "sample"
    assert article.title == "A title"
    assert article.date == datetime.date(2026, 3, 1)
    assert article.tags == ("discovery", "pipeline")
    assert article.stage == "decision"
    assert article.updated == datetime.date(2026, 4, 2)
    assert article.last_modified == datetime.date(2026, 4, 2)
    assert article.publish_at == datetime.datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    assert (article.author, article.cta) == ("Ann", "Book a call")
    assert article.canonical_url == "https://example.com/a"
    assert (article.image, article.image_alt, article.draft) == ("/media/x.svg", "A chart", False)
    assert article.path == articles / "sample.md"


def test_last_modified_falls_back_to_date(articles: Path) -> None:
    assert render(articles, "Body.\n").last_modified == datetime.date(2026, 3, 1)


def test_slug_field_overrides_the_file_name(articles: Path) -> None:
    write_article(articles, "file-name", slug="chosen-slug")
    index = ArticleIndex(articles)
    assert index.get("chosen-slug") is not None
    assert index.get("file-name") is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "soon", "'date' must be a date like 2026-03-01"),
        ("date", "2026-13-01", "'date' has a value that cannot be read"),
        ("updated", "[2026]", "'updated' must be a date like 2026-03-01"),
        ("title", "[a, b]", "'title' must be text"),
        ("summary", "''", "'summary' must not be empty"),
        ("stage", "buying", "'stage' must be one of awareness, consideration, decision"),
        ("tags", "discovery", "'tags' must be a list of words"),
        ("tags", "[discovery, 3]", "'tags' must be a list of words"),
        ("draft", "maybe", "'draft' must be true or false"),
        ("publish_at", "tomorrow", "'publish_at' must be a date or date and time"),
        ("slug", "Not_A_Slug", "'slug' must use only lowercase letters, digits and single hyphens"),
        ("canonical_url", "/relative", "'canonical_url' must be a full URL"),
        ("author", "42", "'author' must be text"),
    ],
)
def test_wrong_field_value_is_an_error_at_its_line_and_hides_the_file(
    articles: Path, field: str, value: str, message: str
) -> None:
    path = write_article(articles, "bad", **{field: value})
    index = ArticleIndex(articles)
    [problem] = problems_of(index)
    expected_line = path.read_text().splitlines().index(f"{field}: {value}") + 1
    assert message in problem.message
    assert (problem.path, problem.line) == (path, expected_line)
    assert index.get("bad") is None


@pytest.mark.parametrize("field", ["title", "date", "summary"])
def test_missing_required_field_is_an_error(articles: Path, field: str) -> None:
    path = write_article(articles, "bad", "Some text.\n", **{field: None})
    [problem] = problems_of(ArticleIndex(articles))
    assert problem.message == f"missing required field '{field}'"
    assert problem.path == path


def test_empty_required_field_is_reported_as_empty(articles: Path) -> None:
    write_article(articles, "bad", title="")
    [problem] = problems_of(ArticleIndex(articles))
    assert problem.message == "'title' must not be empty"
    assert problem.line == 2


def test_unknown_field_is_a_warning_and_the_article_is_still_served(articles: Path) -> None:
    write_article(articles, "ok", colour="blue")
    index = ArticleIndex(articles)
    [warning] = problems_of(index, "warning")
    assert "unknown field 'colour'" in warning.message
    assert warning.line == 5
    assert problems_of(index) == []
    assert index.get("ok") is not None


def test_field_given_twice_is_an_error(articles: Path) -> None:
    path = articles / "twice.md"
    path.write_text("---\ntitle: A\ndate: 2026-01-01\nsummary: S\ntitle: B\n---\nBody\n")
    [problem] = problems_of(ArticleIndex(articles))
    assert (problem.line, problem.message) == (5, "field 'title' is given twice")


@pytest.mark.parametrize(
    ("yaml_line", "line"),
    [
        ("summary: one: two", 4),
        ("  summary: indented", 4),
        ("tags: [open, list", 4),  # where the list opens, not where the parser noticed
    ],
)
def test_yaml_syntax_error_reports_the_line_in_the_markdown_file(
    articles: Path, yaml_line: str, line: int
) -> None:
    path = articles / "broken.md"
    path.write_text(f"---\ntitle: ok\ndate: 2026-01-01\n{yaml_line}\nstage: decision\n---\nBody\n")
    [problem] = problems_of(ArticleIndex(articles))
    assert problem.message.startswith("YAML syntax error in front matter")
    assert (problem.path, problem.line) == (path, line)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# No front matter\n", "missing front matter"),
        ("---\ntitle: never closed\n", "front matter is never closed"),
        ("---\n- a\n- list\n---\nBody\n", "front matter must be a mapping"),
        ("---\ntitle: !!python/object:os.system x\ndate: 2026-01-01\nsummary: s\n---\n", "cannot be read"),
    ],
)
def test_malformed_file_is_an_error(articles: Path, text: str, message: str) -> None:
    (articles / "odd.md").write_text(text)
    problems = problems_of(ArticleIndex(articles))
    assert any(message in problem.message for problem in problems), problems


def test_file_name_that_is_not_a_slug_is_an_error(articles: Path) -> None:
    (articles / "My Post.md").write_text(front_matter() + "Body\n")
    [problem] = problems_of(ArticleIndex(articles))
    assert "is not a valid slug" in problem.message


def test_publish_at_is_stored_in_utc(articles: Path) -> None:
    article = render(articles, "Body\n", publish_at="2026-05-01T10:00:00+02:00")
    assert article.publish_at == datetime.datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert render(articles, "Body\n", publish_at="2026-05-01").publish_at == datetime.datetime(
        2026, 5, 1, tzinfo=UTC
    )


def test_problem_reads_like_a_compiler_message() -> None:
    problem = Problem(Path("content/articles/x.md"), 3, "bad stage", "error")
    assert str(problem) == "content/articles/x.md:3: error: bad stage"


def test_stages_are_the_three_buyer_journey_stages() -> None:
    assert STAGES == ("awareness", "consideration", "decision")


# Markdown rendering


def test_headings_get_anchors_and_a_table_of_contents(articles: Path) -> None:
    article = render(articles, "## First part\n\nText.\n\n### A detail\n\nMore.\n\n## Second part\n")
    assert '<h2 id="first-part">First part</h2>' in article.html
    assert '<a href="#a-detail">A detail</a>' in article.toc_html
    assert '<a href="#second-part">Second part</a>' in article.toc_html


@pytest.mark.parametrize("body", ["Just text.\n", "## Only one heading\n\nText.\n"])
def test_table_of_contents_is_empty_with_fewer_than_two_headings(articles: Path, body: str) -> None:
    assert render(articles, body).toc_html == ""


def test_tables_render_with_alignment(articles: Path) -> None:
    html = render(articles, "| a | b |\n|:--|--:|\n| 1 | 2 |\n").html
    assert '<th align="left">a</th>' in html
    assert '<td align="right">2</td>' in html
    assert "style=" not in html


def test_footnotes_render_with_links_both_ways(articles: Path) -> None:
    html = render(articles, "A claim.[^1]\n\n[^1]: The source.\n").html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in html
    assert '<div class="footnote">' in html
    assert '<li id="fn:1">' in html
    assert 'class="footnote-backref" href="#fnref:1"' in html


def test_fenced_code_is_highlighted_with_css_classes_not_inline_styles_and_scrolls_by_keyboard(articles: Path) -> None:
    html = render(articles, "```yaml\npoints: 5\n```\n").html
    assert '<div class="highlight"><pre tabindex="0">' in html
    assert '<span class="nt">points</span>' in html
    assert "style" not in html


def test_sane_lists_keep_the_start_number(articles: Path) -> None:
    assert '<ol start="3">' in render(articles, "3. three\n4. four\n").html


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x02\x00\x00\x00"


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + bytes(9)
    frame = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, height, width) + bytes(12)
    return b"\xff\xd8" + app0 + frame + b"\xff\xd9"


@pytest.mark.parametrize(
    ("name", "data", "size"),
    [
        ("chart.svg", b'<?xml version="1.0"?>\n<svg xmlns="x" viewBox="0 0 640 200"/>', (640, 200)),
        ("sized.svg", b'<svg width="300px" height="100" viewBox="0 0 30 10"></svg>', (300, 100)),
        ("wide.svg", b'<svg width="320" viewBox="0 0 640 200"></svg>', (320, 100)),
        ("photo.png", png(800, 600), (800, 600)),
        ("anim.gif", gif(120, 90), (120, 90)),
        ("photo.jpg", jpeg(1024, 768), (1024, 768)),
    ],
)
def test_images_are_lazy_with_width_and_height_from_the_media_file(
    content: Path, articles: Path, name: str, data: bytes, size: tuple[int, int]
) -> None:
    (content / "media" / name).write_bytes(data)
    html = render(articles, f"![A picture](/media/{name})\n").html
    [img] = re.findall(r"<img [^>]*>", html)
    assert 'loading="lazy"' in img
    assert 'decoding="async"' in img
    assert f'width="{size[0]}"' in img
    assert f'height="{size[1]}"' in img
    assert 'alt="A picture"' in img


def test_image_without_a_media_file_is_lazy_but_has_no_size(articles: Path) -> None:
    [img] = re.findall(r"<img [^>]*>", render(articles, "![x](/media/missing.png)\n").html)
    assert 'loading="lazy"' in img
    assert "width" not in img


@pytest.mark.parametrize(
    "src", ["/media/../media/chart.svg", "/media/%2e%2e/media/chart.svg", "//media/chart.svg"]
)
def test_image_size_is_never_read_outside_the_media_directory(
    content: Path, articles: Path, src: str
) -> None:
    (content / "media" / "chart.svg").write_text('<svg viewBox="0 0 10 10"></svg>')
    [img] = re.findall(r"<img [^>]*>", render(articles, f"![x]({src})\n").html)
    assert "width" not in img


def test_external_links_get_noopener_and_internal_links_do_not(articles: Path) -> None:
    html = render(articles, "[out](https://example.com/x) and [in](/articles/other)\n").html
    assert '<a href="https://example.com/x" rel="noopener noreferrer">out</a>' in html
    assert '<a href="/articles/other">in</a>' in html


def test_plain_text_and_reading_time_come_from_the_body(articles: Path) -> None:
    article = render(articles, "## Heading\n\nThe *quick* fox.[^n]\n\n[^n]: A note.\n\n" + "word " * 460)
    assert article.text.startswith("Heading The quick fox. ")
    assert "<" not in article.text
    assert "↩" not in article.text
    assert article.reading_minutes == 2


def test_short_article_reads_in_at_least_one_minute(articles: Path) -> None:
    assert render(articles, "Tiny.\n").reading_minutes == 1


# Sanitizing hostile Markdown

HOSTILE = [
    ("<script>alert(1)</script>", ["<script", "alert(1)"]),
    ("Inline <script>steal()</script> text", ["<script", "steal()"]),
    ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert"]),
    ('<div onmouseover="steal()">hover</div>', ["onmouseover", "steal"]),
    ('<svg onload="alert(1)"><circle/></svg>', ["onload", "<svg"]),
    ("[click](javascript:alert(1))", ["javascript:"]),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript"]),
    ('<a href="java&#x09;script:alert(1)">x</a>', ["script:"]),
    ("![x](data:image/svg+xml;base64,PHN2Zz4=)", ["data:"]),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["data:", "<script"]),
    ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
    ("<style>body { display: none }</style>", ["<style", "display"]),
    ('<p style="position: fixed">cover</p>', ["style="]),
    ('<form action="/steal"><input name="card"></form>', ["<form", "<input"]),
    ('<object data="x.swf"></object><embed src="y.swf">', ["<object", "<embed", ".swf"]),
    ('<div class="highlight sneaky">x</div>', ["sneaky"]),
    ('<a href="/x" target="_blank" rel="opener">x</a>', ["target", "opener\""]),
    ("<!-- secret --><p>x</p>", ["secret"]),
]


@pytest.mark.parametrize(("markdown", "forbidden"), HOSTILE)
def test_hostile_markdown_is_sanitized(articles: Path, markdown: str, forbidden: list[str]) -> None:
    html = render(articles, f"Intro.\n\n{markdown}\n\nOutro.\n").html
    for fragment in forbidden:
        assert fragment.lower() not in html.lower()
    assert "Intro." in html and "Outro." in html


def test_harmless_raw_html_survives_sanitizing(articles: Path) -> None:
    html = render(articles, "<p>Line one<br>line <strong>two</strong></p>\n").html
    assert "<p>Line one<br>line <strong>two</strong></p>" in html


# Visibility


@pytest.mark.parametrize(
    ("fields", "visible"),
    [
        ({}, True),
        ({"draft": "true"}, False),
        ({"draft": "false"}, True),
        ({"publish_at": "2026-06-01 12:00:00"}, True),
        ({"publish_at": "2026-06-01 12:00:01"}, False),
        ({"publish_at": "2026-06-01T13:30:00+02:00"}, True),
        ({"publish_at": "2026-06-02"}, False),
        ({"publish_at": "2026-05-01", "draft": "true"}, False),
    ],
)
def test_drafts_and_scheduled_articles_are_hidden_until_due(
    articles: Path, fields: dict[str, str], visible: bool
) -> None:
    write_article(articles, "post", **fields)
    index = ArticleIndex(articles)
    article = index.get("post")
    assert article is not None
    assert article.is_published(NOW) is visible
    assert [a.slug for a in index.published(NOW)] == (["post"] if visible else [])
    assert [a.slug for a in index.all()] == ["post"]


def test_naive_now_is_taken_as_utc(articles: Path) -> None:
    article = render(articles, "Body\n", publish_at="2026-06-01 12:00:00")
    assert article.is_published(datetime.datetime(2026, 6, 1, 12, 0))
    assert not article.is_published(datetime.datetime(2026, 6, 1, 11, 59))


def test_scheduled_article_appears_once_its_time_comes(articles: Path) -> None:
    write_article(articles, "later", publish_at="2026-06-02 08:00:00")
    index = ArticleIndex(articles)
    assert index.published(NOW) == []
    assert [a.slug for a in index.published(NOW + datetime.timedelta(days=1))] == ["later"]


def test_articles_are_listed_newest_first_then_by_slug(articles: Path) -> None:
    write_article(articles, "b-same-day", date="2026-03-02")
    write_article(articles, "a-same-day", date="2026-03-02")
    write_article(articles, "oldest", date="2026-01-01")
    write_article(articles, "newest", date="2026-04-01", draft="true")
    index = ArticleIndex(articles)
    assert [a.slug for a in index.all()] == ["newest", "a-same-day", "b-same-day", "oldest"]
    assert [a.slug for a in index.published(NOW)] == ["a-same-day", "b-same-day", "oldest"]


def test_tags_are_counted_over_published_articles_and_sorted(articles: Path) -> None:
    write_article(articles, "one", tags="[pipeline, discovery]")
    write_article(articles, "two", tags="[discovery]")
    write_article(articles, "hidden", tags="[budget, discovery]", draft="true")
    assert ArticleIndex(articles).tags(NOW) == [("discovery", 2), ("pipeline", 1)]


# Live reload


def test_refresh_sees_added_edited_and_deleted_files(articles: Path) -> None:
    index = ArticleIndex(articles)
    assert index.all() == []

    path = write_article(articles, "live", title="First")
    index.refresh()
    first = index.get("live")
    assert first is not None and first.title == "First"

    write_article(articles, "live", title="Second, longer title")
    touch_later(path)
    index.refresh()
    second = index.get("live")
    assert second is not None and second.title == "Second, longer title"

    path.unlink()
    index.refresh()
    assert index.get("live") is None
    assert index.all() == []


def test_refresh_without_changes_does_not_reparse(articles: Path) -> None:
    write_article(articles, "stable")
    index = ArticleIndex(articles)
    before, version = index.get("stable"), index.version
    index.refresh()
    assert index.get("stable") is before
    assert index.version == version


def test_refresh_reparses_only_the_changed_file(articles: Path) -> None:
    write_article(articles, "kept")
    changed = write_article(articles, "changed")
    index = ArticleIndex(articles)
    kept = index.get("kept")
    changed.write_text(front_matter(title="New title") + "Body\n")
    touch_later(changed)
    index.refresh()
    assert index.get("kept") is kept
    assert index.get("changed").title == "New title"


def test_version_changes_when_any_article_changes(articles: Path) -> None:
    path = write_article(articles, "one")
    index = ArticleIndex(articles)
    versions = {index.version}
    path.write_text(front_matter(summary="Changed summary.") + "Body\n")
    touch_later(path)
    index.refresh()
    versions.add(index.version)
    write_article(articles, "two")
    index.refresh()
    versions.add(index.version)
    assert len(versions) == 3
    assert all(re.fullmatch(r"[0-9a-f]{16}", version) for version in versions)


def test_one_bad_file_does_not_hide_the_others(articles: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_article(articles, "good")
    bad = write_article(articles, "bad", stage="someday")
    with caplog.at_level(logging.ERROR, logger="leads.publishing.articles"):
        index = ArticleIndex(articles)
    assert [a.slug for a in index.published(NOW)] == ["good"]
    [problem] = problems_of(index)
    assert (problem.path, problem.line) == (bad, 5)
    assert str(problem).startswith(f"{bad}:5: error: 'stage' must be one of")
    assert [r.getMessage() for r in caplog.records if r.name == "leads.publishing.articles"] == [str(problem)]


def test_fixing_a_bad_file_clears_its_problem(articles: Path) -> None:
    bad = write_article(articles, "bad", stage="someday")
    index = ArticleIndex(articles)
    assert problems_of(index)
    bad.write_text(front_matter(stage="decision") + "Body\n")
    touch_later(bad)
    index.refresh()
    assert index.problems == []
    assert index.get("bad") is not None


def test_concurrent_refreshes_and_reads_never_fail(articles: Path) -> None:
    paths = [write_article(articles, f"post-{n}", body=f"Pipeline note {n}.\n") for n in range(5)]
    index = ArticleIndex(articles)

    def save_atomically(path: Path, text: str) -> None:
        temporary = path.with_name(f".{path.name}.tmp")  # hidden names are not scanned
        temporary.write_text(text)
        os.replace(temporary, path)

    def work(worker: int) -> int:
        for round_ in range(20):
            if worker == 0:
                text = front_matter(title=f"Edit {round_}") + "Pipeline again" + "!" * round_
                save_atomically(paths[round_ % 5], text)
            index.refresh()
            assert len(index.search("pipeline", NOW)) == 5
        return worker

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(work, range(4))) == [0, 1, 2, 3]
    index.refresh()
    assert index.problems == []
    assert index.get("post-4").title == "Edit 19"


def test_missing_directory_is_an_empty_index(tmp_path: Path) -> None:
    index = ArticleIndex(tmp_path / "nowhere")
    assert index.all() == []
    assert index.search("anything", NOW) == []


def test_duplicate_slug_keeps_the_first_file_and_reports_the_second(articles: Path) -> None:
    write_article(articles, "alpha", title="Alpha")
    duplicate = write_article(articles, "beta", title="Beta", slug="alpha")
    index = ArticleIndex(articles)
    assert index.get("alpha").title == "Alpha"
    assert len(index.all()) == 1
    [problem] = problems_of(index)
    assert (problem.path, problem.line) == (duplicate, 5)
    assert "slug 'alpha' is already used by alpha.md" in problem.message


# Search


def test_search_ranks_title_over_summary_over_body(articles: Path) -> None:
    write_article(articles, "in-body", body="We talk about renewals here.\n", date="2026-03-03")
    write_article(articles, "in-summary", summary="All about renewals.", date="2026-03-02")
    write_article(articles, "in-title", title="Renewals explained", date="2026-03-01")
    write_article(articles, "elsewhere", body="Nothing relevant.\n")
    hits = ArticleIndex(articles).search("renewals", NOW)
    assert [hit.article.slug for hit in hits] == ["in-title", "in-summary", "in-body"]
    assert hits[0].score > hits[1].score > hits[2].score > 0


def test_search_prefers_more_frequent_and_more_complete_matches(articles: Path) -> None:
    write_article(articles, "once", body="One mention of pipeline.\n")
    write_article(articles, "often", body="Pipeline, pipeline and more pipeline.\n")
    write_article(articles, "both-terms", body="A pipeline needs discovery.\n")
    index = ArticleIndex(articles)
    assert [h.article.slug for h in index.search("pipeline", NOW)] == ["often", "both-terms", "once"]
    assert index.search("pipeline discovery", NOW)[0].article.slug == "both-terms"


def test_search_matches_word_beginnings(articles: Path) -> None:
    write_article(articles, "qualify", body="Qualifying buyers takes care.\n")
    assert [h.article.slug for h in ArticleIndex(articles).search("qualif", NOW)] == ["qualify"]


def test_search_snippet_marks_matches_and_escapes_everything_else(articles: Path) -> None:
    write_article(articles, "escaped", body='Use `<b>` tags & "quotes" in the pipeline, said O\'Neil.\n')
    [hit] = ArticleIndex(articles).search("pipeline", NOW)
    assert "<mark>pipeline</mark>" in hit.snippet_html
    assert "&lt;b&gt;" in hit.snippet_html
    assert "&amp;" in hit.snippet_html
    assert "&quot;quotes&quot;" in hit.snippet_html
    assert re.sub(r"</?mark>", "", hit.snippet_html).count("<") == 0


def test_search_snippet_is_short_and_centred_on_the_match(articles: Path) -> None:
    body = "filler " * 100 + "the discovery moment " + "padding " * 100
    write_article(articles, "long", body=body)
    [hit] = ArticleIndex(articles).search("discovery", NOW)
    assert hit.snippet_html.startswith("…")
    assert hit.snippet_html.endswith("…")
    assert "<mark>discovery</mark>" in hit.snippet_html
    assert len(hit.snippet_html) < 260


def test_search_falls_back_to_the_summary_for_the_snippet(articles: Path) -> None:
    write_article(articles, "summary-only", summary="Budget season is here.", body="Unrelated body.\n")
    [hit] = ArticleIndex(articles).search("budget", NOW)
    assert hit.snippet_html == "<mark>Budget</mark> season is here."


def test_hostile_query_is_escaped_in_snippets(articles: Path) -> None:
    write_article(articles, "script", body="A script for the call.\n")
    [hit] = ArticleIndex(articles).search("<script>alert(1)</script>", NOW)
    assert "<script" not in hit.snippet_html
    assert "<mark>script</mark>" in hit.snippet_html


@pytest.mark.parametrize("query", ["", "   ", "!!!", "zebra"])
def test_search_without_matches_returns_nothing(articles: Path, query: str) -> None:
    write_article(articles, "one", body="Discovery calls.\n")
    assert ArticleIndex(articles).search(query, NOW) == []


def test_search_covers_published_articles_only(articles: Path) -> None:
    write_article(articles, "public", body="Nurture gently.\n")
    write_article(articles, "secret", body="Nurture gently.\n", draft="true")
    write_article(articles, "soon", body="Nurture gently.\n", publish_at="2026-12-01")
    index = ArticleIndex(articles)
    assert [h.article.slug for h in index.search("nurture", NOW)] == ["public"]
    assert len(index.search("nurture", NOW, limit=0)) == 0


# Related articles


def test_related_articles_rank_by_shared_tags_then_stage(articles: Path) -> None:
    write_article(articles, "subject", tags="[discovery, budget, timeline]", stage="decision")
    write_article(articles, "two-tags", tags="[discovery, budget]", stage="awareness")
    write_article(articles, "rare-tag", tags="[timeline]", stage="awareness")
    write_article(articles, "common-tag", tags="[discovery]", stage="awareness")
    write_article(articles, "same-stage", tags="[content]", stage="decision")
    write_article(articles, "unrelated", tags="[content]", stage="awareness")
    write_article(articles, "hidden", tags="[discovery, budget, timeline]", draft="true")
    index = ArticleIndex(articles)
    subject = index.get("subject")
    assert subject is not None
    related = [a.slug for a in index.related(subject, NOW, limit=10)]
    assert related == ["two-tags", "rare-tag", "common-tag", "same-stage"]
    assert [a.slug for a in index.related(subject, NOW)] == related[:3]


def test_rarer_shared_tags_weigh_more(articles: Path) -> None:
    write_article(articles, "subject", tags="[pipeline, nurture]")
    write_article(articles, "shares-common", tags="[pipeline]")
    write_article(articles, "shares-rare", tags="[nurture]")
    write_article(articles, "also-common", tags="[pipeline]", date="2026-01-01")
    index = ArticleIndex(articles)
    related = index.related(index.get("subject"), NOW)  # type: ignore[arg-type]
    assert related[0].slug == "shares-rare"


# check_content


def test_check_reports_a_broken_internal_link_at_its_line(content: Path, articles: Path) -> None:
    write_article(articles, "target")
    body = "See [target](/articles/target).\n\nAnd [gone](/articles/gone).\n"
    path = write_article(articles, "source", body=body)
    [problem] = problems_of(check_content(content))
    assert problem.message == "link to /articles/gone points to no article"
    assert (problem.path, problem.line) == (path, 9)


def test_check_accepts_links_to_drafts_with_anchors(content: Path, articles: Path) -> None:
    write_article(articles, "target", draft="true")
    write_article(articles, "source", body="See [part](/articles/target#section).\n")
    assert check_content(content) == []


def test_check_reports_a_missing_image(content: Path, articles: Path) -> None:
    write_article(articles, "pics", body="![A chart](/media/chart.svg)\n")
    [problem] = problems_of(check_content(content))
    assert problem.message.startswith("image /media/chart.svg not found in")
    (content / "media" / "chart.svg").write_text('<svg viewBox="0 0 10 10"></svg>')
    assert check_content(content) == []


@pytest.mark.parametrize(
    ("body", "fields", "line"),
    [
        ("![](/media/chart.svg)\n", {}, 7),
        ("Body\n", {"image": "/media/chart.svg"}, 5),
    ],
)
def test_check_reports_an_image_without_alt_text(
    content: Path, articles: Path, body: str, fields: dict[str, str], line: int
) -> None:
    (content / "media" / "chart.svg").write_text('<svg viewBox="0 0 10 10"></svg>')
    write_article(articles, "pics", body=body, **fields)
    [problem] = problems_of(check_content(content))
    assert problem.message.startswith("image /media/chart.svg has no alt text")
    assert problem.line == line


def test_check_reports_a_missing_front_matter_image(content: Path, articles: Path) -> None:
    write_article(articles, "pics", image="/media/cover.png", image_alt="Cover")
    [problem] = problems_of(check_content(content))
    assert problem.message.startswith("image /media/cover.png not found")
    assert problem.line == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", " ".join(["Title"] * 12), "title is 71 characters; search engines show about 70"),
        ("summary", "S" * 161, "summary is 161 characters; keep it under 160"),
        ("mood", "sunny", "unknown field 'mood'"),
    ],
)
def test_check_warns_about_search_engine_limits_and_unknown_fields(
    content: Path, articles: Path, field: str, value: str, message: str
) -> None:
    write_article(articles, "long", **{field: value})
    problems = check_content(content)
    assert problems_of(problems) == []
    [warning] = problems_of(problems, "warning")
    assert message in warning.message


def test_check_includes_parse_errors_and_duplicate_slugs(content: Path, articles: Path) -> None:
    write_article(articles, "alpha")
    write_article(articles, "beta", slug="alpha")
    write_article(articles, "broken", date="someday")
    messages = [p.message for p in problems_of(check_content(content))]
    assert len(messages) == 2
    assert any("slug 'alpha' is already used by alpha.md" in m for m in messages)
    assert any("'date' must be a date" in m for m in messages)


def test_check_reports_a_missing_articles_directory(tmp_path: Path) -> None:
    [problem] = check_content(tmp_path)
    assert problem.message == "articles directory not found"


def test_shipped_content_has_no_errors() -> None:
    problems = check_content(REPO_CONTENT)
    assert problems_of(problems) == [], "\n".join(map(str, problems))


def test_shipped_content_covers_every_stage_with_overlapping_tags() -> None:
    index = ArticleIndex(REPO_CONTENT / "articles")
    published = index.published(NOW)
    assert len(published) >= 6
    for stage in STAGES:
        assert sum(article.stage == stage for article in published) >= 2
    assert all(count >= 2 for _, count in index.tags(NOW))
    assert all(index.related(article, NOW) for article in published)


# --- editions, for ETags: what the public sees changes with files and with go-live times -----


def test_edition_moves_when_a_scheduled_article_goes_live_and_when_a_file_changes(articles: Path) -> None:
    long_ago = 1_700_000_000_000_000_000  # November 2023, before every go-live here
    for path in (write_article(articles, "later", publish_at="2026-06-02T09:00:00Z"),
                 write_article(articles, "now-piece"), articles):
        os.utime(path, ns=(long_ago, long_ago))
    index = ArticleIndex(articles)
    before = index.edition(NOW)
    assert index.edition(NOW + datetime.timedelta(hours=1)) == before
    go_live = datetime.datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    assert index.edition(go_live) != before
    assert index.last_changed(go_live) == go_live

    write_article(articles, "now-piece", body="Changed text.\n")
    index.refresh()
    assert index.edition(NOW) != before


def test_last_changed_moves_forward_when_a_file_is_deleted(articles: Path) -> None:
    keep = write_article(articles, "keep")
    gone = write_article(articles, "gone")
    long_ago = 1_700_000_000_000_000_000
    for path in (keep, gone, articles):
        os.utime(path, ns=(long_ago, long_ago))
    index = ArticleIndex(articles)
    before = index.last_changed(NOW)
    gone.unlink()
    index.refresh()
    assert index.last_changed(NOW) > before


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Qualifying by the gap", "qualifying-by-the-gap"),
        ("Café & Co.: the 2026 plan!", "cafe-co-the-2026-plan"),
        ("  Many   spaces  ", "many-spaces"),
        ("One two three four five six seven eight nine ten", "one-two-three-four-five-six-seven-eight"),
        ("¿¡!?", ""),
    ],
)
def test_slug_for_a_new_article_is_lowercase_ascii_words(title: str, slug: str) -> None:
    from leads.publishing.articles.scaffold import slug_for

    assert slug_for(title) == slug


def test_new_article_is_a_valid_draft_with_todays_date(articles: Path) -> None:
    from leads.publishing.articles.scaffold import new_article

    (articles / "a-quoted-title.md").write_text(new_article('A "quoted" title', datetime.date(2026, 5, 4), "decision"))
    index = ArticleIndex(articles)
    article = index.get("a-quoted-title")
    assert article is not None, index.problems
    assert (article.title, article.date, article.stage, article.draft) == (
        'A "quoted" title', datetime.date(2026, 5, 4), "decision", True)
    assert problems_of(index, "warning") == []


def test_search_matches_inflections_through_the_scoring_stems(articles: Path) -> None:
    write_article(articles, "budget", body="How to get the budget approved.\n")
    write_article(articles, "other", body="Nothing about money.\n")
    [hit] = ArticleIndex(articles).search("budgets approving", NOW)
    assert hit.article.slug == "budget" and "<mark>budget</mark> <mark>approved</mark>" in hit.snippet_html


def test_a_quoted_phrase_is_matched_as_a_phrase(articles: Path) -> None:
    write_article(articles, "phrase", body="We review the lead scores every week.\n", date="2026-03-01")
    write_article(articles, "apart", body="A score for each lead, reviewed weekly.\n", date="2026-03-02")
    index = ArticleIndex(articles)
    assert [h.article.slug for h in index.search('"lead scores"', NOW)] == ["phrase"]
    assert {h.article.slug for h in index.search("lead scores", NOW)} == {"phrase", "apart"}
    [hit] = index.search('"lead score" week', NOW)
    assert "<mark>lead scores</mark>" in hit.snippet_html and "<mark>week</mark>" in hit.snippet_html


@pytest.mark.parametrize(("slug", "body", "query"), [
    ("de", "Wenn das Budget freigegeben ist, entscheidet die Geschäftsführung schneller über neue Projekte.\n",
     "freigegebenen Budgets"),
    ("fr", "Quand le budget est validé, la direction décide plus vite des nouveaux projets commerciaux.\n",
     "budgets validés"),
    ("es", "Cuando el presupuesto está aprobado, la dirección decide más rápido sobre los nuevos proyectos.\n",
     "presupuestos aprobados"),
])
def test_search_works_in_german_french_and_spanish(articles: Path, slug: str, body: str, query: str) -> None:
    write_article(articles, slug, title="Notes", summary="Notes.", body=body)
    write_article(articles, "english", body="Approved budgets make decisions faster.\n")
    assert [h.article.slug for h in ArticleIndex(articles).search(query, NOW)][0] == slug
