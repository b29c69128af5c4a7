"""The links of nurture mail: confirm, read an article, unsubscribe in one click, and "Ready to talk?".

No one signs in to read their email, so each route is public and takes a signed link as its proof.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from leads import languages
from leads.extensions import csrf
from leads.links import LinkError
from leads.nurture.previews import email_previews, preview_for, what_the_link_does
from leads.nurture.returns import answer_recheck, open_recheck, record_click
from leads.nurture.subscriptions import (
    NothingToDo,
    confirm,
    confirmation,
    resubscribe,
    unsubscribe,
    unsubscribe_offer,
)
from leads.web.forms import ActionForm

bp = Blueprint("nurture", __name__, url_prefix="/email")
# The studio's previews of each nurture email, for a made-up example prospect: a child of the studio's
# blueprint, whose sign-in and role check covers it.
studio_bp = Blueprint("emails", __name__, url_prefix="/emails")

PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@bp.errorhandler(LinkError)
@bp.errorhandler(NothingToDo)
def bad_link(error: ValueError) -> ResponseReturnValue:
    return render_template("nurture/message.html", title="That link does not work", message=str(error)), 400, PRIVATE


@bp.get("/confirm/<token>")
def confirmation_page(token: str) -> ResponseReturnValue:
    """The link in the confirmation mail: a page with the one button that confirms (a scanner's visit doesn't)."""
    return render_template("nurture/confirmed.html", outcome=confirmation(token), token=token,
                           form=ActionForm()), 200, PRIVATE


@bp.post("/confirm/<token>")
def confirmed(token: str) -> ResponseReturnValue:
    return render_template("nurture/confirmed.html", outcome=confirm(token), token=token), 200, PRIVATE


@bp.get("/read/<token>")
def read(token: str) -> ResponseReturnValue:
    return redirect(url_for("public.article", slug=record_click(token)), 302)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """The footer link: a page with one button, so that a mail scanner opening the link unsubscribes no one."""
    return render_template("nurture/unsubscribed.html", outcome=unsubscribe_offer(token), token=token,
                           form=ActionForm()), 200, PRIVATE


# RFC 8058: a mail client's one-click POST carries no cookie and no CSRF token; the signed token is the proof.
# The footer page's button posts here too, so there is one way to unsubscribe; it gets the page back.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
def one_click_unsubscribe(token: str) -> ResponseReturnValue:
    outcome = unsubscribe(token)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "You are unsubscribed.\n", 200, {**PRIVATE, "Content-Type": "text/plain; charset=utf-8"}
    return render_template("nurture/unsubscribed.html", outcome=outcome, token=token, form=ActionForm()), 200, PRIVATE


@bp.post("/resubscribe/<token>")
def resubscribed(token: str) -> ResponseReturnValue:
    name = resubscribe(token)  # CSRFProtect has checked the form's token, as on every other form
    thanks = f"Thanks{', ' + name if name else ''}. The reading will carry on where it stopped."
    return render_template("nurture/message.html", title="Welcome back", message=thanks), 200, PRIVATE


@bp.route("/ready/<token>", methods=["GET", "POST"])
def ready(token: str) -> ResponseReturnValue:
    """ "Ready to talk?": the gates' questions only, filled in with what the prospect said before."""
    recheck = answer_recheck(token, request.form) if request.method == "POST" else open_recheck(token)
    posted = request.method == "POST" and not recheck.form.errors
    status = 400 if request.method == "POST" and recheck.form.errors else 200
    return render_template("nurture/ready.html", recheck=recheck, posted=posted, token=token), status, PRIVATE


# --- the studio's previews ------------------------------------------------------------------------


@studio_bp.get("")
def emails() -> ResponseReturnValue:
    return render_template("nurture/previews.html", overview=email_previews())


@studio_bp.get("/<track>/<name>")
def email_preview(track: str, name: str) -> ResponseReturnValue:
    shown = preview_for(f"{track}/{name}", request.args.get("example", type=int),
                        request.args.get("language", "")) or abort(404)
    return render_template("nurture/preview.html", shown=shown, mail_languages=languages.SHIPPED)


@studio_bp.get("/<track>/<name>/html")
def email_html(track: str, name: str) -> ResponseReturnValue:
    shown = preview_for(f"{track}/{name}", request.args.get("example", type=int),
                        request.args.get("language", "")) or abort(404)
    # The mail's own HTML, as a mail client would show it: sandboxed, no scripts, its inline styles only.
    return Response(shown.composed.html, mimetype="text/html", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"})


@studio_bp.get("/link/<purpose>")
def email_link(purpose: str) -> ResponseReturnValue:
    """Where a preview's confirm, "Ready to talk?" and unsubscribe links lead: what they do, doing nothing."""
    return render_template("nurture/preview_link.html", what=what_the_link_does(purpose) or abort(404))
