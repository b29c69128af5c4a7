"""The embed's script, at a stable address for other sites' pages, and the studio's page with the snippet."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from leads import languages

bp = Blueprint("embeds", __name__)
# The snippet to copy, among the studio's pages: a child of its blueprint, whose sign-in and role check covers it.
studio_bp = Blueprint("embed", __name__, url_prefix="/embed")

SCRIPT_CACHE_SECONDS = 300


@bp.get("/embed.js")
def script() -> Response:
    """Not under /static/: a snippet pasted into another site keeps this address while the file changes. Drawn
    from a template, with the few words it shows on the host page (a frame's title, the pop-up's Close) in
    every shipped language, from the catalogs: the host page, not a URL, says which language it is in."""
    words = {}
    for code in languages.CODES:
        with force_locale(code):
            words[code] = {"questionnaire": _("Questionnaire"), "book": _("Book a conversation"), "close": _("Close")}
    body = render_template("embeds/embed.js", words=words, default_language=current_app.config["DEFAULT_LANGUAGE"])
    response = current_app.response_class(body, mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = SCRIPT_CACHE_SECONDS
    response.add_etag()
    response.make_conditional(request)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a script any page may load, holding nothing private
    return response


@studio_bp.get("")
def snippet() -> str:
    script_url = url_for("embeds.script", _external=True)
    inline = f'<script src="{script_url}" async></script>\n<div data-doorstep="questionnaire"></div>'
    booking = f'<script src="{script_url}" async></script>\n<div data-doorstep="book"></div>'
    popup = (f'<script src="{script_url}" async></script>\n'
             '<button type="button" data-doorstep-open="questionnaire">See where you stand</button>')
    return render_template("embeds/snippet.html", inline=inline, booking=booking, popup=popup,
                           origins=current_app.config["EMBED_ORIGINS"])
