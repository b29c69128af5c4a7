"""The studio's email previews: each email of each nurture track, as HTML and as plain text, for a chosen lead.

Kept apart from studio.py (its own view functions and templates) but on the studio blueprint, so the
studio's sign-in and role check covers it.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from leads.nurture.studio import email_previews, preview_for
from leads.views.studio import bp


@bp.get("/emails")
def emails() -> ResponseReturnValue:
    return render_template("studio/emails.html", overview=email_previews())


@bp.get("/emails/<track>/<name>")
def email_preview(track: str, name: str) -> ResponseReturnValue:
    shown = preview_for(f"{track}/{name}", request.args.get("lead", type=int)) or abort(404)
    return render_template("studio/email_preview.html", shown=shown)


@bp.get("/emails/<track>/<name>/html")
def email_html(track: str, name: str) -> ResponseReturnValue:
    shown = preview_for(f"{track}/{name}", request.args.get("lead", type=int)) or abort(404)
    # The mail's own HTML, as a mail client would show it: sandboxed, no scripts, its inline styles only.
    return Response(shown.composed.html if shown.composed else "", mimetype="text/html", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"})
