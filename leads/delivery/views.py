"""The admins' delivery pages: webhook endpoints, the delivery log with replay, and the development mailbox.

A child of the admin audience's blueprint, whose sign-in and role check covers it."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from leads.delivery import TOPICS
from leads.delivery import endpoints as delivery
from leads.delivery import mailbox as kept_mail
from leads.delivery.forms import EndpointForm
from leads.models import WebhookEndpoint
from leads.web.forms import ActionForm

bp = Blueprint("delivery", __name__)


# --- webhook endpoints, the delivery log and the development mailbox ----------------------------------
# The buttons' ActionForm only draws the CSRF token: CSRFProtect checks every POST before a view runs.


def _endpoints_page(form: EndpointForm | None = None, code: int = 200) -> tuple[str, int]:
    return render_template("delivery/endpoints.html", endpoints=delivery.endpoints(), topics=TOPICS,
                           form=form or EndpointForm(TOPICS, formdata=None), action=ActionForm()), code


def _endpoint_page(found: WebhookEndpoint, form: EndpointForm | None = None, secret: str = "",
                   code: int = 200) -> tuple[str, int]:
    form = form or EndpointForm(TOPICS, formdata=None, obj=found)
    return render_template("delivery/endpoint.html", endpoint=found, form=form, action=ActionForm(),
                           secret=secret), code


@bp.get("/endpoints")
def endpoints() -> tuple[str, int]:
    return _endpoints_page()


@bp.post("/endpoints")
def add_endpoint() -> ResponseReturnValue:
    form = EndpointForm(TOPICS)
    if form.validate_on_submit():
        try:
            added = delivery.create_endpoint(form.url.data or "", form.events.data or [], form.description.data or "",
                                             current_user.id)
        except delivery.DeliveryError as exc:
            form.form_errors.append(str(exc))
        else:
            # Shown on this response only: the secret never goes into a redirect, a flash or a log.
            return _endpoint_page(added, secret=added.secret, code=201)
    return _endpoints_page(form, 400)


@bp.get("/endpoints/<int:endpoint_id>")
def endpoint(endpoint_id: int) -> tuple[str, int]:
    return _endpoint_page(delivery.endpoint(endpoint_id) or abort(404))


@bp.post("/endpoints/<int:endpoint_id>")
def edit_endpoint(endpoint_id: int) -> ResponseReturnValue:
    found = delivery.endpoint(endpoint_id) or abort(404)
    form = EndpointForm(TOPICS)
    if form.validate_on_submit():
        try:
            delivery.update_endpoint(endpoint_id, form.url.data or "", form.events.data or [],
                                     form.description.data or "", bool(form.paused.data), current_user.id)
        except delivery.DeliveryError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Saved the endpoint."), "info")
            return redirect(url_for("admin.delivery.endpoint", endpoint_id=endpoint_id), code=303)
    return _endpoint_page(found, form, code=400)


@bp.post("/endpoints/<int:endpoint_id>/secret")
def rotate_secret(endpoint_id: int) -> ResponseReturnValue:
    delivery.endpoint(endpoint_id) or abort(404)
    rotated = delivery.rotate_secret(endpoint_id, current_user.id)
    return _endpoint_page(rotated, secret=rotated.secret)


@bp.post("/endpoints/<int:endpoint_id>/ping")
def ping_endpoint(endpoint_id: int) -> ResponseReturnValue:
    delivery.endpoint(endpoint_id) or abort(404)
    delivery.ping(endpoint_id)
    flash(_("Test message queued: it shows below within seconds, with the receiver's answer."), "info")
    return redirect(url_for("admin.delivery.deliveries", webhook=endpoint_id), code=303)


@bp.post("/endpoints/<int:endpoint_id>/replay")
def replay_dead(endpoint_id: int) -> ResponseReturnValue:
    delivery.endpoint(endpoint_id) or abort(404)
    count = delivery.replay_dead(endpoint_id, current_user.id)
    flash(ngettext("Sending %(num)d message again.", "Sending %(num)d messages again.", count), "info")
    return redirect(url_for("admin.delivery.deliveries", webhook=endpoint_id), code=303)


@bp.get("/deliveries")
def deliveries() -> tuple[str, int]:
    shown = request.args.get("shown", "")
    shown = shown if shown in delivery.LOG_FILTERS else ""
    endpoint_id = request.args.get("webhook", type=int)
    page = delivery.delivery_log(shown, endpoint_id, request.args.get("before", type=int))
    return render_template("delivery/deliveries.html", page=page, shown=shown, filters=delivery.LOG_FILTERS,
                           endpoint=delivery.endpoint(endpoint_id) if endpoint_id else None,
                           page_size=delivery.PAGE_SIZE), 200


@bp.get("/deliveries/<int:message_id>")
def delivery_detail(message_id: int) -> tuple[str, int]:
    found = delivery.message(message_id) or abort(404)
    return render_template("delivery/delivery.html", message=found, action=ActionForm()), 200


@bp.post("/deliveries/<int:message_id>/replay")
def replay(message_id: int) -> ResponseReturnValue:
    delivery.message(message_id) or abort(404)
    delivery.replay(message_id, current_user.id)
    flash(_("Sending it again now, under the same idempotency key."), "info")
    return redirect(url_for("admin.delivery.delivery_detail", message_id=message_id), code=303)


@bp.get("/mailbox")
def mailbox() -> tuple[str, int]:
    return render_template("delivery/mailbox.html", mails=kept_mail.mailbox_mails(),
                           backend=current_app.config["MAIL_BACKEND"]), 200


@bp.get("/mailbox/<key>")
def mail(key: str) -> tuple[str, int]:
    found = kept_mail.mailbox_mail(key) or abort(404)
    return render_template("delivery/mail.html", mail=found), 200


@bp.get("/mailbox/<key>/invite.ics")
def mail_invite(key: str) -> Response:
    found = kept_mail.mailbox_mail(key) or abort(404)
    if found.invitation is None:
        abort(404)
    return Response(found.invitation.ics, mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="invite.ics"'})


@bp.get("/mailbox/<key>/html")
def mail_html(key: str) -> Response:
    found = kept_mail.mailbox_mail(key) or abort(404)
    # The mail's own HTML, as a mail client would show it: sandboxed, no scripts, its inline styles only.
    return Response(found.html, mimetype="text/html", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"})
