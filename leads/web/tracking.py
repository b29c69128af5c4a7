"""The visit cookie: first-party memory of how a prospect arrived and what they read, off under Sec-GPC or DNT.

Public pages are the same bytes for every visitor, so shared caches (and our own page cache)
may keep them; a page that set a cookie could not be shared. Reading is therefore reported by
a small same-origin beacon from site.js (`POST /visit`), whose answer alone carries the cookie.
Without JavaScript nothing is remembered, which costs a prospect nothing but engagement points.
The questionnaire's own pages are private anyway and update the cookie directly.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask, Request, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from leads import clock
from leads.extensions import site_content
from leads.publishing.visits import Visit
from leads.studio import counts as studio_counts
from leads.studio.counts import Arrived
from leads.web.caching import signed_in
from leads.web.embedding import arrival_referrer, cookie_options
from leads.web.text_input import clean_text

COOKIE = "doorstep_visit"
COOKIE_DAYS = 90
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# An article's page in the default language or another (/de/articles/x): a read counts for its original's slug.
ARTICLE_PATH = re.compile(r"^(?:/([a-z]{2}))?/articles/([a-z0-9][a-z0-9-]{0,119})$")


def tracking_declined(req: Request) -> str:
    """The privacy signal the browser sent, if any; either one turns all of this off."""
    if req.headers.get("Sec-GPC", "").strip() == "1":
        return "Sec-GPC"
    if req.headers.get("DNT", "").strip() == "1":
        return "DNT"
    return ""


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str | bytes) -> URLSafeSerializer:
    # Not a link (leads/links.py signs those): a cookie only this site reads back, which the browser expires,
    # whose keys vary with the visit. Building one costs more than signing a visit; questionnaire pages need two
    # per request.
    return URLSafeSerializer(secret_key, salt="doorstep-visit")


def read_visit(req: Request) -> Visit:
    """The visit cookie's content, or an empty visit when it is missing, forged or declined."""
    raw = req.cookies.get(COOKIE)
    if not raw or tracking_declined(req):
        return Visit()
    try:
        return Visit.from_cookie(_serializer().loads(raw))
    except BadSignature:
        return Visit()


def utm_from(args: Any) -> dict[str, str]:
    """UTM parameters from a mapping of query arguments (request.args or a parsed query)."""
    return {k: str(args[k])[:100] for k in UTM_KEYS if args.get(k)}


def external_referrer(referrer: str | None, host: str) -> str:
    """The referring address, unless it is this site itself."""
    if not referrer or urlsplit(referrer).netloc in ("", host):
        return ""
    return clean_text(referrer)[:500]  # a header, so the text rule is applied here


def remember(response: Response, visit: Visit) -> Response:
    response.set_cookie(COOKIE, _serializer().dumps(visit.to_cookie()), max_age=COOKIE_DAYS * 86400, httponly=True,
                        **cookie_options())
    return response


def forget(response: Response) -> Response:
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, **cookie_options())
    return response


def count_page_view(page: str, referrer: str, now: dt.datetime) -> Response:
    """Answer the beacon for one public page view: ``page`` is its path and query on this site."""
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-store"
    if tracking_declined(request):
        return forget(response)
    parts = urlsplit(page if page.startswith("/") else "/")
    match = ARTICLE_PATH.match(parts.path)
    found = site_content().fresh_articles().get(match.group(2), match.group(1)) if match else None
    article = found.original if found is not None and found.is_published(now) else ""
    utm = utm_from({k: v[0] for k, v in parse_qs(parts.query).items()})
    before = read_visit(request)
    visit = before.after(now, article=article, utm=utm, referrer=external_referrer(referrer, request.host))
    if not signed_in():  # the team reading their own site is not an audience
        first_read = visit.started != before.started or all(read.slug != article for read in before.reads)
        arrived = Arrived.from_context({**visit.utm, "landing_article": visit.landing_article})
        studio_counts.count_page_view(article, first_read, arrived, now)
    return remember(response, visit)


def register(app: Flask) -> None:
    @app.after_request
    def remember_questionnaire_visit(response: Response) -> Response:
        if request.blueprint != "questionnaire" or request.method != "GET":
            return response
        if tracking_declined(request):
            return forget(response)
        if response.status_code != 200:
            return response
        # Framed on a team's page, the arrival is that page's (the embed passes its referrer and UTM tags).
        visit = read_visit(request).after(clock.now(), utm=utm_from(request.args),
                                          referrer=external_referrer(arrival_referrer(request.referrer), request.host))
        return remember(response, visit)
