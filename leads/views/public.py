"""Public pages for prospects: home, articles and their media."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from flask_login import current_user

from leads.views import now, site_content

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> str:
    articles = site_content().fresh_articles().published(now())
    return render_template("public/home.html", articles=articles)


@bp.get("/articles/<slug>")
def article(slug: str) -> str:
    index = site_content().fresh_articles()
    found = index.get(slug)
    if found is None:
        abort(404)
    is_preview = not found.is_published(now())
    if is_preview and not (current_user.is_authenticated and current_user.role in ("marketer", "admin")):
        abort(404)
    return render_template(
        "public/article.html", article=found, related=index.related(found, now()), is_preview=is_preview
    )


@bp.get("/media/<path:filename>")
def media(filename: str):  # type: ignore[no-untyped-def]
    return send_from_directory(site_content().directory / "media", filename, max_age=86400)
