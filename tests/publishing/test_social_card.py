"""Each article's social card: a 1200×630 PNG of its title, stage and site name, named by what it shows."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from leads.publishing.articles.card import CardFolder, SocialCard, draw_card, fit_title
from tests.fixtures.factories import Auth

CARD_URL = re.compile(r"^http://127\.0\.0\.1:5000/articles/(?P<slug>[a-z0-9-]+)/card\.(?P<digest>[0-9a-f]{12})\.png$")
YEAR = 365 * 24 * 3600


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    """These tests edit articles on disk, so the app serves a copy of the content."""
    return content_copy


def meta(html: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)
    assert match, f"no {key} meta tag"
    return match.group(1)


def share_image(client: FlaskClient, slug: str) -> str:
    response = client.get(f"/articles/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert meta(html, "twitter:image") == meta(html, "og:image")
    return meta(html, "og:image")


def local(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:5000")


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: .*$", f"title: {title}", text, count=1, flags=re.MULTILINE), encoding="utf-8")


# --- drawing ----------------------------------------------------------------------------------


def test_a_card_is_a_1200_by_630_png() -> None:
    png = draw_card(SocialCard("Qualifying by the gap, not by the budget question", "Weighing options", "Doorstep"))
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (1200, 630))


@pytest.mark.parametrize(
    ("title", "size", "lines"),
    [
        ("Qualifying by the gap", 76, 1),
        ("Your buyers finished their research before they called you", 76, 3),
        ("Why cold outbound keeps failing, and what to do instead: a field guide for revenue teams who want fewer,"
         " better conversations", 60, 4),
    ],
)
def test_a_title_wraps_and_shrinks_until_it_fits_whole(title: str, size: int, lines: int) -> None:
    layout = fit_title(title)
    assert layout.complete
    assert (layout.size, len(layout.lines)) == (size, lines)
    assert " ".join(layout.lines) == title


@pytest.mark.parametrize("title", ["Typography jumps quickly " * 8, "Supercalifragilisticexpialidocious" * 3])
def test_a_title_too_long_for_four_lines_is_cut_with_an_ellipsis(title: str) -> None:
    layout = fit_title(title)
    assert not layout.complete
    assert len(layout.lines) <= 4
    assert layout.lines[-1].endswith("…")
    assert title.startswith(" ".join(layout.lines)[:-1].rstrip())


def test_a_card_is_named_by_what_it_shows() -> None:
    card = SocialCard("Qualifying by the gap", "Weighing options", "Doorstep")
    assert card.digest == SocialCard("Qualifying by the gap", "Weighing options", "Doorstep").digest
    others = [SocialCard("Qualifying by the gaps", "Weighing options", "Doorstep"),
              SocialCard("Qualifying by the gap", "Ready to decide", "Doorstep"),
              SocialCard("Qualifying by the gap", "Weighing options", "Acme")]
    assert len({card.digest, *(other.digest for other in others)}) == 4


def test_a_card_is_drawn_once_into_its_folder(tmp_path: Path) -> None:
    folder = CardFolder(tmp_path / "cards")
    card = SocialCard("Qualifying by the gap", "Weighing options", "Doorstep")
    path = folder.path_for(card)
    assert path == tmp_path / "cards" / f"{card.digest}.png"
    assert path.read_bytes() == draw_card(card)
    path.write_bytes(b"already drawn")
    assert folder.path_for(card).read_bytes() == b"already drawn"
    assert [p.name for p in (tmp_path / "cards").iterdir()] == [path.name]


# --- on the site ------------------------------------------------------------------------------


def test_an_article_shares_its_png_card_kept_for_a_year_under_a_hashed_name(client: FlaskClient,
                                                                            app: Flask) -> None:
    html = client.get("/articles/qualifying-by-the-gap").get_data(as_text=True)
    url = meta(html, "og:image")
    match = CARD_URL.match(url)
    assert match and match["slug"] == "qualifying-by-the-gap"
    assert meta(html, "twitter:image") == url
    assert meta(html, "twitter:card") == "summary_large_image"
    assert (meta(html, "og:image:type"), meta(html, "og:image:width"), meta(html, "og:image:height")) == (
        "image/png", "1200", "630")
    assert meta(html, "og:image:alt") == "Qualifying by the gap, not by the budget question"

    with client.get(local(url)) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.cache_control.max_age == YEAR
        assert response.cache_control.immutable and response.cache_control.public
        assert Image.open(io.BytesIO(response.get_data())).size == (1200, 630)
    card = SocialCard("Qualifying by the gap, not by the budget question", "Weighing options", "Doorstep")
    assert match["digest"] == card.digest
    assert (Path(app.config["CARD_DIR"]) / f"{card.digest}.png").is_file()


def test_a_changed_title_gets_a_new_card_and_the_old_name_is_kept_by_no_one(client: FlaskClient,
                                                                           content_dir: Path) -> None:
    before = share_image(client, "qualifying-by-the-gap")
    retitle(content_dir / "articles" / "qualifying-by-the-gap.md", "Qualify by the gap")
    after = share_image(client, "qualifying-by-the-gap")
    assert CARD_URL.match(after) and after != before
    with client.get(local(after)) as new, client.get(local(before)) as old:
        assert new.cache_control.immutable
        assert old.status_code == 200 and old.mimetype == "image/png"
        assert old.get_data() == new.get_data()
        assert old.cache_control.max_age == 0 and not old.cache_control.immutable


def test_an_svg_image_gives_way_to_the_card_but_a_photo_is_shared_as_before(client: FlaskClient,
                                                                            content_dir: Path) -> None:
    assert CARD_URL.match(share_image(client, "buyers-research-before-they-call"))
    article = content_dir / "articles" / "buyers-research-before-they-call.md"
    Image.new("RGB", (1200, 630), "#0b5cad").save(content_dir / "media" / "buyer-journey.png")
    article.write_text(article.read_text(encoding="utf-8").replace("image: /media/buyer-journey.svg",
                                                                   "image: /media/buyer-journey.png"))
    html = client.get("/articles/buyers-research-before-they-call").get_data(as_text=True)
    assert meta(html, "og:image") == meta(html, "twitter:image") == "http://127.0.0.1:5000/media/buyer-journey.png"
    assert meta(html, "og:image:alt").startswith("Three stages of the buyer journey")


def test_only_those_who_may_preview_a_draft_see_its_card(client: FlaskClient, content_dir: Path, make_user,
                                                         auth: Auth) -> None:
    article = content_dir / "articles" / "qualifying-by-the-gap.md"
    auth.login(make_user("marketer").email)
    article.write_text(article.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1))
    url = share_image(client, "qualifying-by-the-gap")
    with client.get(local(url)) as preview:
        assert preview.status_code == 200 and not preview.cache_control.public
    auth.logout()
    assert client.get(local(url)).status_code == 404
    assert client.get("/articles/no-such-article/card.0123456789ab.png").status_code == 404


def test_content_check_warns_about_a_title_too_long_for_the_card(content_dir: Path, app: Flask) -> None:
    article = content_dir / "articles" / "qualifying-by-the-gap.md"
    retitle(article, "Qualifying by the gap, not by the budget question, and everything else that a buyer"
                     " wants to tell you before they are ready to talk about money, timing, their team, their"
                     " competitors and what they tried last year")
    result = app.test_cli_runner().invoke(args=["content", "check", "--content-dir", str(content_dir)])
    line = next(n for n, row in enumerate(article.read_text().splitlines(), 1) if row.startswith("title:"))
    assert f"{article}:{line}: warning: title is too long for the social card" in result.output
    assert result.exit_code == 0
