"""The embed's script, at a stable address for other sites' pages, and the studio's page with the snippet."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from werkzeug.wrappers import Response

bp = Blueprint("embeds", __name__)
# The snippet to copy, among the studio's pages: a child of its blueprint, whose sign-in and role check covers it.
studio_bp = Blueprint("embed", __name__, url_prefix="/embed")

SCRIPT_CACHE_SECONDS = 300


@bp.get("/embed.js")
def script() -> Response:
    """Not under /static/: a snippet pasted into another site keeps this address while the file changes."""
    response = send_from_directory(str(current_app.static_folder), "js/embed.js", mimetype="text/javascript",
                                   max_age=SCRIPT_CACHE_SECONDS)
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
