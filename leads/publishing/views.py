"""Public pages for prospects: articles, lists, search, the feed, the sitemap and media."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, abort, current_app, render_template, request, send_file, send_from_directory, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from leads.clock import now
from leads.extensions import csrf, site_content
from leads.publishing.articles import STAGES, Article
from leads.publishing.articles.card import HEIGHT, WIDTH, CardFolder, SocialCard
from leads.web.assets import YEAR
from leads.web.caching import public_page
from leads.web.tracking import count_page_view

bp = Blueprint("public", __name__)

PER_PAGE = 10
LATEST_ON_HOME = 6
FEED_ENTRIES = 20
SEARCH_RESULTS = 20
MAX_QUERY_CHARS = 200
PREVIEW_ROLES = ("marketer", "admin")
# Pictures that LinkedIn, X and Facebook show in a link preview; an SVG is not among them.
SHAREABLE_IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


@dataclass(frozen=True)
class Listing:
    """One page of a list of articles."""

    articles: list[Article]
    page: int
    pages: int
    total: int


def _published() -> list[Article]:
    return site_content().fresh_articles().published(now())


def _listing(articles: list[Article], page: int) -> Listing:
    pages = max(1, math.ceil(len(articles) / PER_PAGE))
    if page < 1 or page > pages:
        abort(404)
    start = (page - 1) * PER_PAGE
    return Listing(articles[start : start + PER_PAGE], page, pages, len(articles))


@bp.get("/")
@public_page
def home() -> str:
    articles = _published()
    start_here = {stage: [a for a in articles if a.stage == stage][:2] for stage in STAGES}
    return render_template(
        "public/home.html", latest=articles[:LATEST_ON_HOME], start_here=start_here,
        guides=site_content().stage_guides(),
    )


@bp.get("/articles/", defaults={"page": 1})
@bp.get("/articles/page/<int:page>")
@public_page
def index(page: int) -> str:
    index = site_content().fresh_articles()
    listing = _listing(index.published(now()), page)
    return render_template("public/index.html", listing=listing, tags=index.tags(now()))


@bp.get("/tags/<tag>", defaults={"page": 1})
@bp.get("/tags/<tag>/page/<int:page>")
@public_page
def tag(tag: str, page: int) -> str:
    tagged = [article for article in _published() if tag in article.tags]
    if not tagged:
        abort(404)
    return render_template("public/tag.html", tag=tag, listing=_listing(tagged, page))


@bp.get("/stages/<stage>", defaults={"page": 1})
@bp.get("/stages/<stage>/page/<int:page>")
@public_page
def stage(stage: str, page: int) -> str:
    if stage not in STAGES:
        abort(404)
    in_stage = [article for article in _published() if article.stage == stage]
    guide = site_content().stage_guides()[stage]
    return render_template("public/stage.html", stage=stage, guide=guide, listing=_listing(in_stage, page))


def _visible_article(slug: str) -> Article:
    """The article at ``slug`` if this visitor may see it: published, or a preview for marketers and admins."""
    found = site_content().fresh_articles().get(slug)
    if found is None:
        abort(404)
    if not found.is_published(now()) and not (current_user.is_authenticated and current_user.role in PREVIEW_ROLES):
        abort(404)
    return found


@bp.get("/articles/<slug>")
@public_page
def article(slug: str) -> str:
    found = _visible_article(slug)
    return render_template(
        "public/article.html",
        article=found,
        related=site_content().fresh_articles().related(found, now()),
        is_preview=not found.is_published(now()),
        guide=site_content().stage_guides()[found.stage or "awareness"],
        json_ld=blog_posting(found),
        share=share_image(found),
    )


@bp.get("/articles/<slug>/card.<digest>.png")
def card(slug: str, digest: str) -> Response:
    """An article's social card, drawn the first time it is asked for after the article changes.

    Under its current name a published article's card may be kept for a year; an old name (the
    title changed since a page named it) gets today's card, kept by no one.
    """
    found = _visible_article(slug)
    drawn = social_card(found)
    current = digest == drawn.digest and found.is_published(now())
    path = CardFolder(Path(current_app.config["CARD_DIR"])).path_for(drawn)
    response = send_file(path, mimetype="image/png", max_age=YEAR if current else 0)
    response.cache_control.immutable = current
    return response


@bp.get("/search")
@public_page
def search() -> str:
    query = " ".join(request.args.get("q", "").split())[:MAX_QUERY_CHARS]
    hits = site_content().fresh_articles().search(query, now(), SEARCH_RESULTS) if query else []
    return render_template("public/search.html", query=query, hits=hits)


@bp.get("/feed.xml")
@public_page
def feed() -> Response:
    articles = _published()[:FEED_ENTRIES]
    body = render_template("public/feed.xml", articles=articles)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/sitemap.xml")
@public_page
def sitemap() -> Response:
    index = site_content().fresh_articles()
    articles = index.published(now())
    stages = [stage for stage in STAGES if any(a.stage == stage for a in articles)]
    body = render_template("public/sitemap.xml", articles=articles, tags=index.tags(now()), stages=stages)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
@public_page
def robots() -> Response:
    return Response(render_template("public/robots.txt"), mimetype="text/plain")


@bp.post("/visit")
@csrf.exempt  # it changes nothing on the server, only the caller's own first-party cookie
def visit() -> Response:
    """The reading beacon from site.js: counts one public page view towards the visit cookie."""
    return count_page_view(request.form.get("page", "")[:600], request.form.get("referrer", "")[:600], now())


@bp.get("/media/<path:filename>")
def media(filename: str) -> Response:
    return send_from_directory(site_content().directory / "media", filename, max_age=86400)


def social_card(article: Article) -> SocialCard:
    """What ``article``'s card shows: its title, its stage in the site's words, and the site's name."""
    stage = site_content().stage_guides()[article.stage].name if article.stage else ""
    return SocialCard(article.title, stage, str(current_app.config["SITE_NAME"]))


@dataclass(frozen=True)
class ShareImage:
    """The picture a link preview shows, for og:image and twitter:image."""

    url: str
    alt: str
    type: str | None = None
    width: int | None = None
    height: int | None = None


def share_image(article: Article) -> ShareImage:
    """The article's own ``image`` where link previews can show it (a PNG, JPEG, GIF or WebP), else its card."""
    if article.image and urlsplit(article.image).path.lower().endswith(SHAREABLE_IMAGES):
        return ShareImage(image_url(article.image), article.image_alt or "")
    url = url_for("public.card", slug=article.slug, digest=social_card(article).digest, _external=True)
    return ShareImage(url, article.title, "image/png", WIDTH, HEIGHT)


def image_url(image: str) -> str:
    """An article's ``image`` as a link preview needs it: absolute, a path on this site resolved against it."""
    return urljoin(url_for("public.home", _external=True), image)


def blog_posting(article: Article) -> dict[str, Any]:
    """The schema.org BlogPosting of ``article``; the template embeds it with ``tojson``."""
    url = url_for("public.article", slug=article.slug, _external=True)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published_at.isoformat(),
        "dateModified": article.modified_at.isoformat(),
        "mainEntityOfPage": article.canonical_url or url,
        "url": url,
        "publisher": {"@type": "Organization", "name": current_app.config["SITE_NAME"]},
        "wordCount": len(article.text.split()),
    }
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    else:
        data["author"] = data["publisher"]
    if article.tags:
        data["keywords"] = ", ".join(article.tags)
    if article.image:
        data["image"] = image_url(article.image)
    return data
