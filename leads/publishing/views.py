"""Public pages for prospects: articles, lists, search, the feed, the sitemap and media."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from leads import languages
from leads.clock import now
from leads.extensions import csrf, site_content
from leads.publishing.articles import STAGES, Article, ArticleIndex
from leads.publishing.articles.card import HEIGHT, WIDTH, CardFolder, SocialCard
from leads.publishing.stage_guides import StageGuide
from leads.web import locale
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


def _published(language: str | None = None) -> list[Article]:
    """The published articles in ``language``, by default the page's."""
    return site_content().fresh_articles().published(now(), language or locale.current_language())


def _guides(language: str | None = None) -> Mapping[str, StageGuide]:
    """The stage guides in ``language``, by default the page's."""
    return site_content().stage_guides().speaking(language or locale.current_language())


@bp.app_template_global()
def stage_name(stage: str) -> str:
    """A buying stage as the page's language names it to prospects (stages.yaml's ``name``)."""
    return _guides()[stage].name if stage in STAGES else stage


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
    return render_template("public/home.html", latest=articles[:LATEST_ON_HOME], start_here=start_here,
                           guides=_guides())


@bp.get("/articles/", defaults={"page": 1})
@bp.get("/articles/page/<int:page>")
@public_page
def index(page: int) -> str:
    index = site_content().fresh_articles()
    language = locale.current_language()
    listing = _listing(index.published(now(), language), page)
    return render_template("public/index.html", listing=listing, tags=index.tags(now(), language))


def tag_languages(index: ArticleIndex, tag: str, moment: dt.datetime) -> list[str]:
    """The languages with a published article on ``tag``: those its page exists in."""
    return [code for code in languages.CODES if any(tag in a.tags for a in index.published(moment, code))]


def stage_languages(index: ArticleIndex, stage: str, moment: dt.datetime) -> list[str]:
    """The languages a stage's page exists in: the default's always, another's when it has an article there."""
    default = locale.default_language()
    return [code for code in languages.CODES
            if code == default or any(a.stage == stage for a in index.published(moment, code))]


@bp.get("/tags/<tag>", defaults={"page": 1})
@bp.get("/tags/<tag>/page/<int:page>")
@public_page
def tag(tag: str, page: int) -> str:
    tagged = [article for article in _published() if tag in article.tags]
    if not tagged:
        abort(404)
    locale.offer(tag_languages(site_content().fresh_articles(), tag, now()))
    return render_template("public/tag.html", tag=tag, listing=_listing(tagged, page))


@bp.get("/stages/<stage>", defaults={"page": 1})
@bp.get("/stages/<stage>/page/<int:page>")
@public_page
def stage(stage: str, page: int) -> str:
    offered = stage_languages(site_content().fresh_articles(), stage, now()) if stage in STAGES else []
    if locale.current_language() not in offered:
        abort(404)
    locale.offer(offered)
    in_stage = [article for article in _published() if article.stage == stage]
    return render_template("public/stage.html", stage=stage, guide=_guides()[stage], listing=_listing(in_stage, page))


def _may_see(article: Article) -> bool:
    """Published, or a preview for marketers and admins."""
    return article.is_published(now()) or (current_user.is_authenticated and current_user.role in PREVIEW_ROLES)


def _visible_article(slug: str) -> Article:
    """The article in the page's language at ``slug`` if this visitor may see it."""
    found = site_content().fresh_articles().get(slug, locale.current_language())
    if found is None or not _may_see(found):
        abort(404)
    return found


def _version_elsewhere(slug: str) -> Response | None:
    """``/de/articles/<an original's slug>`` (a mail or a list links articles by it): its German version, else the
    original in the default language."""
    index, language, default = site_content().fresh_articles(), locale.current_language(), locale.default_language()
    original = index.get(slug, default) if language != default else None
    if original is None or not _may_see(original):
        return None
    version = index.translation(slug, language)
    if version is not None and _may_see(version):
        return redirect(url_for("public.article", slug=version.slug), 302)
    return redirect(url_for("public.article", slug=slug, lang=default), 302)


@bp.get("/articles/<slug>")
@public_page
def article(slug: str) -> str | Response:
    if site_content().fresh_articles().get(slug, locale.current_language()) is None:
        moved = _version_elsewhere(slug)
        if moved is not None:
            return moved
    found = _visible_article(slug)
    versions = {code: version for code, version in site_content().fresh_articles().versions(found).items()
                if version is found or version.is_published(now())}
    locale.offer({code: {"slug": version.slug} for code, version in versions.items()})
    return render_template(
        "public/article.html",
        article=found,
        related=site_content().fresh_articles().related(found, now()),
        is_preview=not found.is_published(now()),
        guide=_guides(found.language)[found.stage or "awareness"],
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
    index = site_content().fresh_articles()
    hits = index.search(query, now(), SEARCH_RESULTS, locale.current_language()) if query else []
    return render_template("public/search.html", query=query, hits=hits)


@bp.get("/feed.xml")
@public_page
def feed() -> Response:
    """The Atom feed of the page's language: its articles only."""
    articles = _published()[:FEED_ENTRIES]
    body = render_template("public/feed.xml", articles=articles, language=locale.current_language())
    return Response(body, mimetype="application/atom+xml")


@dataclass(frozen=True)
class SitemapEntry:
    """One URL of the sitemap, with its versions in every language it exists in (itself included, default first)."""

    url: str
    lastmod: dt.date | None
    alternates: list[tuple[str, str]]


def _alternates(urls: dict[str, str]) -> list[tuple[str, str]]:
    default = locale.default_language()
    return sorted(urls.items(), key=lambda item: (item[0] != default, languages.CODES.index(item[0])))


def _entries(urls: dict[str, str], lastmod: Mapping[str, dt.date]) -> list[SitemapEntry]:
    """One entry per language of a page that exists in ``urls``' languages, each naming all of them."""
    alternates = _alternates(urls)
    return [SitemapEntry(url, lastmod.get(code), alternates) for code, url in alternates]


def sitemap_entries(index: ArticleIndex, moment: dt.datetime) -> list[SitemapEntry]:
    """Every public page worth finding, in each language it exists in."""
    published = {code: index.published(moment, code) for code in languages.CODES}
    every = [article for articles in published.values() for article in articles]
    newest = {code: max(a.modified_at for a in articles).date() for code, articles in published.items() if articles}

    def urls(endpoint: str, codes: Iterable[str], **args: Any) -> dict[str, str]:
        return {code: url_for(endpoint, lang=code, _external=True, **args) for code in codes}

    entries = _entries(urls("public.home", languages.CODES), newest)
    entries += _entries(urls("public.index", languages.CODES), newest)
    for stage in STAGES:
        if any(a.stage == stage for a in every):
            entries += _entries(urls("public.stage", stage_languages(index, stage, moment), stage=stage), {})
    for tag in sorted({tag for a in every for tag in a.tags}):
        entries += _entries(urls("public.tag", tag_languages(index, tag, moment), tag=tag), {})
    for article in every:
        versions = {code: url_for("public.article", slug=version.slug, lang=code, _external=True)
                    for code, version in index.versions(article).items() if version.is_published(moment)}
        entries.append(SitemapEntry(versions[article.language], article.modified_at.date(), _alternates(versions)))
    return entries


@bp.get("/sitemap.xml")
@public_page
def sitemap() -> Response:
    """One sitemap for the site, every language in it: ``/de/sitemap.xml`` is sent there."""
    if locale.current_language() != locale.default_language():
        return redirect(url_for("public.sitemap", lang=locale.default_language()), 301)
    body = render_template("public/sitemap.xml", entries=sitemap_entries(site_content().fresh_articles(), now()))
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
    stage = _guides(article.language)[article.stage].name if article.stage else ""
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
        "inLanguage": article.language,
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
