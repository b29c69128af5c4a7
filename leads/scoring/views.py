"""The quarantine review queue, for admins and marketers: what the spam checks held back, and a person's call."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from leads.extensions import site_content
from leads.scoring.quarantine import ReviewError, confirm_spam, held_count, held_submissions, release
from leads.web.forms import ActionForm
from leads.web.labels import in_words

# A child of the studio audience's blueprint, whose sign-in and role check covers it.
bp = Blueprint("quarantine", __name__, url_prefix="/quarantine")

# What a release sent the prospect, as the reviewer reads it after the route.
MAILED = {
    "": "",
    "confirmation": _l("They asked for the reading by email: the link to confirm their address is on its way."),
    "times": _l("They asked to talk: a link to pick a time is on its way to them."),
}


@bp.get("")
def queue() -> str:
    return render_template("scoring/quarantine.html", held=held_submissions(), count=held_count(),
                           model=site_content().questionnaire_or_none(), action=ActionForm())


# The buttons' ActionForm only draws the CSRF token: CSRFProtect checks every POST before a view runs.


@bp.post("/<int:submission_id>/release")
def release_one(submission_id: int) -> Response:
    try:
        review = release(submission_id, current_user.id, site_content().questionnaire())
    except ReviewError as exc:
        flash(str(exc), "error")
    else:
        released = _("Released: routed as of its arrival, to “%(route)s”.", route=in_words("route", review.verdict))
        flash(f"{released} {MAILED[review.mailed]}".strip(), "info")
    return redirect(url_for("studio.quarantine.queue"), 303)


@bp.post("/<int:submission_id>/spam")
def spam(submission_id: int) -> Response:
    try:
        confirm_spam(submission_id, current_user.id)
    except ReviewError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Confirmed as spam: it stays out."), "info")
    return redirect(url_for("studio.quarantine.queue"), 303)
