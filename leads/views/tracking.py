"""The visit cookie: first-party memory of how a prospect arrived and what they read, off under Sec-GPC or DNT."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "doorstep_visit"
COOKIE_DAYS = 90
VISIT_GAP = dt.timedelta(minutes=30)  # a new visit starts after half an hour of quiet, as in web analytics
MAX_READS = 20
MAX_VISITS = 10
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Only the pages prospects browse count towards a visit; the inbox and studio are not tracked.
TRACKED_BLUEPRINTS = ("public", "questionnaire")


def tracking_declined(req: Request) -> str:
    """The privacy signal the browser sent, if any; either one turns all of this off."""
    if req.headers.get("Sec-GPC", "").strip() == "1":
        return "Sec-GPC"
    if req.headers.get("DNT", "").strip() == "1":
        return "DNT"
    return ""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="doorstep-visit")


def read_visit(req: Request) -> dict[str, Any]:
    """The visit cookie's content, or an empty visit when it is missing, forged or declined."""
    raw = req.cookies.get(COOKIE)
    if not raw or tracking_declined(req):
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def utm_from(req: Request) -> dict[str, str]:
    return {k: req.args[k][:100] for k in UTM_KEYS if req.args.get(k)}


def external_referrer(req: Request) -> str:
    referrer = req.referrer or ""
    if not referrer or urlsplit(referrer).netloc == req.host:
        return ""
    return referrer[:500]


def visit_after(visit: dict[str, Any], req: Request, now: dt.datetime) -> dict[str, Any]:
    """The visit once this page view is counted: a new visit after a gap, and the article read."""
    ts = int(now.timestamp())
    visit = dict(visit)
    last = int(visit.get("t") or 0)
    if not last or ts - last > VISIT_GAP.total_seconds():
        if last:
            visit["v"] = [*list(visit.get("v") or [])[-(MAX_VISITS - 1):], int(visit.get("s") or last)]
        landing = req.view_args.get("slug", "") if req.endpoint == "public.article" and req.view_args else ""
        visit.update(s=ts, l=landing, r=external_referrer(req), u=utm_from(req), a=[])
    if req.endpoint == "public.article" and req.view_args:
        slug = str(req.view_args.get("slug", ""))[:120]
        reads = [r for r in visit.get("a") or [] if r[0] != slug]
        visit["a"] = [*reads, [slug, ts]][-MAX_READS:]
    visit["t"] = ts
    return visit


def register(app: Flask) -> None:
    @app.after_request
    def remember_visit(response: Response) -> Response:
        if request.blueprint not in TRACKED_BLUEPRINTS or request.method != "GET":
            return response
        if tracking_declined(request):
            if COOKIE in request.cookies:
                response.delete_cookie(COOKIE)
            return response
        if response.status_code != 200:
            return response
        visit = visit_after(read_visit(request), request, dt.datetime.now(dt.UTC))
        response.set_cookie(
            COOKIE, _serializer().dumps(visit), max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
            secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response
