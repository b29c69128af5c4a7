"""The studio's email previews: each nurture email, as HTML and as plain text, for a made-up example prospect.

Kept apart from studio.py (its own view functions and templates) but on the studio blueprint, so the
studio's sign-in and role check covers it.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from leads.nurture.previews import email_previews, preview_for, what_the_link_does
from leads.studio.views import bp


@bp.get("/emails")
def emails() -> ResponseReturnValue:
    return render_template("studio/emails.html", overview=email_previews())


@bp.get("/emails/<track>/<name>")
def email_preview(track: str, name: str) -> ResponseReturnValue:
    shown = preview_for(f"{track}/{name}", request.args.get("example", type=int)) or abort(404)
    return render_template("studio/email_preview.html", shown=shown)


@bp.get("/emails/<track>/<name>/html")
def email_html(track: str, name: str) -> ResponseReturnValue:
    shown = preview_for(f"{track}/{name}", request.args.get("example", type=int)) or abort(404)
    # The mail's own HTML, as a mail client would show it: sandboxed, no scripts, its inline styles only.
    return Response(shown.composed.html, mimetype="text/html", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"})


@bp.get("/emails/link/<purpose>")
def email_link(purpose: str) -> ResponseReturnValue:
    """Where a preview's confirm, "Ready to talk?" and unsubscribe links lead: what they do, doing nothing."""
    return render_template("studio/email_link.html", what=what_the_link_does(purpose) or abort(404))
