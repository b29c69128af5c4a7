"""The questionnaire and booking framed in another site's page: who may frame them, which cookies work there,
and which host page the events go to.

A page is *framed* when the browser says it loads it in a frame (``Sec-Fetch-Dest: iframe``, which Chromium,
Firefox and Safari send on every navigation, form posts included), it belongs to an embeddable blueprint, and
``DOORSTEP_EMBED_ORIGINS`` names at least one origin; ``frame-ancestors`` (see ``security.py``) makes sure only
those origins' pages can frame it at all.

Cookies in a frame on another site are third-party cookies, which Chromium and Safari refuse by default, and
a ``SameSite=Lax`` cookie is never sent there anyway. Framed pages therefore set theirs (the session, which
holds the CSRF secret, the questionnaire draft and the visit) as partitioned cookies (CHIPS: ``Partitioned;
Secure; SameSite=None``), which browsers keep for that one top-level site even with third-party cookies
blocked, apart from the same cookies on Doorstep's own site. We chose this over a token in the page because
every page of the walk (steps, drafts, the result, booking) already relies on those cookies: the framed walk is
then the same code as the site's, CSRF checks included. ``Secure`` needs HTTPS, which production has;
browsers treat ``http://localhost`` as secure too, for development and tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, has_request_context, request, session

EMBEDDABLE = frozenset({"questionnaire", "booking"})
# The host page's origin, once its first framed request said which it was (one of the allowed ones).
HOST_ORIGIN = "embed_origin"


def embeddable() -> bool:
    """This request is for a page other sites may frame, and some are allowed to."""
    return (has_request_context() and request.blueprint in EMBEDDABLE
            and bool(current_app.config["EMBED_ORIGINS"]))


def framed() -> bool:
    """This page is being loaded in a frame that an allowed site may hold."""
    return embeddable() and request.headers.get("Sec-Fetch-Dest") == "iframe"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def host_origin() -> str:
    """The allowed origin of the page framing this one; "" outside a frame or for any other origin."""
    if not framed():
        return ""
    named = origin_of(request.args.get("host", ""))
    allowed = current_app.config["EMBED_ORIGINS"]
    if named in allowed:
        return named
    kept = str(session.get(HOST_ORIGIN) or "")
    return kept if kept in allowed else ""


def arrival_referrer(referrer: str | None) -> str | None:
    """Where the prospect came from: framed, the host page's own referrer, else the host page itself (the embed
    passes both); otherwise the request's referrer."""
    if not host_origin():
        return referrer
    return request.args.get("ref") or request.args.get("host") or referrer


def host_page() -> str:
    """The address of the page framing this one, as the embed passed it; "" when not framed."""
    return request.args.get("host", "")[:500] if host_origin() else ""


def cookie_options() -> dict[str, Any]:
    """How a cookie set on this response must be marked: partitioned in an allowed frame, first-party else."""
    if framed():
        return {"samesite": "None", "secure": True, "partitioned": True}
    return {"samesite": "Lax", "secure": bool(current_app.config.get("SESSION_COOKIE_SECURE"))}


def register(app: Flask) -> None:
    @app.before_request
    def remember_host() -> None:
        """The host page's origin, from the framed page's first request, for the later ones (posts, redirects)."""
        origin = host_origin()
        if origin and session.get(HOST_ORIGIN) != origin:
            session[HOST_ORIGIN] = origin

    @app.after_request
    def vary_by_frame(response: Response) -> Response:
        """A framed page differs from the same page on the site (no header, partitioned cookies): caches key both."""
        if embeddable():
            response.vary.add("Sec-Fetch-Dest")
        return response

    @app.context_processor
    def embed_context() -> dict[str, Any]:
        return {"embed_origin": host_origin()}
