"""Public pages for prospects: articles, lists, search, the feed, the sitemap and media."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from leads.articles import STAGES, Article
from leads.clock import now
from leads.extensions import csrf
from leads.views import site_content
from leads.views.caching import public_page
from leads.views.tracking import count_page_view

bp = Blueprint("public", __name__)

PER_PAGE = 10
LATEST_ON_HOME = 6
FEED_ENTRIES = 20
SEARCH_RESULTS = 20
MAX_QUERY_CHARS = 200
PREVIEW_ROLES = ("marketer", "admin")


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


@bp.get("/articles/<slug>")
@public_page
def article(slug: str) -> str:
    index = site_content().fresh_articles()
    found = index.get(slug)
    if found is None:
        abort(404)
    is_preview = not found.is_published(now())
    if is_preview and not (current_user.is_authenticated and current_user.role in PREVIEW_ROLES):
        abort(404)
    return render_template(
        "public/article.html",
        article=found,
        related=index.related(found, now()),
        is_preview=is_preview,
        guide=site_content().stage_guides()[found.stage or "awareness"],
        json_ld=blog_posting(found),
    )


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


@bp.app_template_global()
def absolute_url(path: str) -> str:
    """``path`` on the public address (DOORSTEP_SITE_URL), for canonical links, feeds and sitemaps."""
    if path.startswith(("https://", "http://")):
        return path
    return str(current_app.config["SITE_URL"]).rstrip("/") + path


def blog_posting(article: Article) -> dict[str, Any]:
    """The schema.org BlogPosting of ``article``; the template embeds it with ``tojson``."""
    url = absolute_url(url_for("public.article", slug=article.slug))
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
        data["image"] = absolute_url(article.image)
    return data
