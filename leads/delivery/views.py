"""The admin's pages: the team's accounts, per-rep counts, handing leads to a rep, webhooks and deliveries."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from leads.accounts import two_factor
from leads.accounts.forms import NewUserForm, PolicyForm, UserForm
from leads.accounts.users import UserError, create_user, rep_counts, speed_to_lead, team, update_user
from leads.accounts.views import safe_next
from leads.delivery import TOPICS
from leads.delivery import endpoints as delivery
from leads.delivery import mailbox as kept_mail
from leads.delivery.forms import EndpointForm
from leads.inbox.forms import BulkForm
from leads.inbox.statuses import LABELS, PIPELINE
from leads.inbox.workflow import WorkflowError, assign_leads
from leads.models import WebhookEndpoint
from leads.privacy import audit
from leads.scoring.handover import round_robin_window
from leads.web.access import require_roles
from leads.web.filters import human_date
from leads.web.forms import ActionForm
from leads.web.labels import in_words

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_roles("admin"))


def _users_page(new_form: NewUserForm | None = None, code: int = 200) -> tuple[str, int]:
    users = team()
    forms = {u.id: UserForm(formdata=None, obj=u, prefix=f"u{u.id}") for u in users}
    policy = PolicyForm(formdata=None, admins_need_two_factor=two_factor.admins_need_two_factor())
    return render_template("admin/users.html", users=users, forms=forms, counts=rep_counts(),
                           new_form=new_form or NewUserForm(formdata=None), pipeline=PIPELINE, policy=policy,
                           labels=LABELS, speed=speed_to_lead(), window_days=round_robin_window().days), code


@bp.get("/users")
def users() -> tuple[str, int]:
    return _users_page()


@bp.post("/users")
def create() -> ResponseReturnValue:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data or "", form.name.data or "", form.role.data or "",
                               form.password.data or "")
        except UserError as exc:
            form.form_errors.append(str(exc))
        else:
            audit.record(current_user.id, "user.created", f"user #{user.id}", {"role": user.role})
            flash(f"Created {user.name} ({in_words('role', user.role)}).", "info")
            return redirect(url_for("admin.users"), code=303)
    return _users_page(form, 400)


@bp.post("/users/<int:user_id>")
def update(user_id: int) -> ResponseReturnValue:
    form = UserForm(prefix=f"u{user_id}")
    if form.validate_on_submit():
        try:
            user = update_user(user_id, current_user.id, form.role.data or "", bool(form.active.data),
                               bool(form.away.data), int(form.weight.data or 0))
        except UserError as exc:
            flash(str(exc), "error")
        else:
            audit.record(current_user.id, "user.changed", f"user #{user.id}",
                         {"role": user.role, "active": user.active, "away": user.away, "weight": user.weight})
            flash(f"Saved {user.name}.", "info")
            return redirect(url_for("admin.users"), code=303)
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")
    return _users_page(code=400)


@bp.post("/leads/assign")
def assign() -> ResponseReturnValue:
    form = BulkForm()
    back = safe_next(form.next.data) or url_for("inbox.index")
    if not form.validate_on_submit() or not form.rep.data:
        flash("Tick at least one lead and choose a rep to assign it to.", "error")
        return redirect(back, code=303)
    try:
        result = assign_leads(form.lead_ids.data, form.rep.data, current_user.id)
    except WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(back, code=303)
    if result.changed:
        audit.record(current_user.id, "leads.reassigned", f"user #{form.rep.data}", {"leads": sorted(result.changed)})
        flash(f"Assigned {len(result.changed)} lead{'s' if len(result.changed) != 1 else ''}.", "info")
    for kept in result.meetings_kept.values():
        flash(f"{kept.lead.name}'s conversation on {human_date(kept.start)} stays with {kept.rep.name}: the "
              f"prospect's invitation and the calendars are unchanged.", "info")
    for reason in sorted(set(result.skipped.values())):
        flash(f"Left as it was: {reason}", "error")
    return redirect(back, code=303)


# --- webhook endpoints, the delivery log and the development mailbox ----------------------------------
# The buttons' ActionForm only draws the CSRF token: CSRFProtect checks every POST before a view runs.


def _endpoints_page(form: EndpointForm | None = None, code: int = 200) -> tuple[str, int]:
    return render_template("admin/endpoints.html", endpoints=delivery.endpoints(), topics=TOPICS,
                           form=form or EndpointForm(TOPICS, formdata=None), action=ActionForm()), code


def _endpoint_page(found: WebhookEndpoint, form: EndpointForm | None = None, secret: str = "",
                   code: int = 200) -> tuple[str, int]:
    form = form or EndpointForm(TOPICS, formdata=None, obj=found)
    return render_template("admin/endpoint.html", endpoint=found, form=form, action=ActionForm(),
                           secret=secret), code


@bp.get("/endpoints")
def endpoints() -> tuple[str, int]:
    return _endpoints_page()


@bp.post("/endpoints")
def add_endpoint() -> ResponseReturnValue:
    form = EndpointForm(TOPICS)
    if form.validate_on_submit():
        try:
            added = delivery.create_endpoint(form.url.data or "", form.events.data or [], form.description.data or "")
        except delivery.DeliveryError as exc:
            form.form_errors.append(str(exc))
        else:
            audit.record(current_user.id, "webhook.created", f"endpoint #{added.id}", {"events": added.events})
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
                                     form.description.data or "", bool(form.paused.data))
        except delivery.DeliveryError as exc:
            form.form_errors.append(str(exc))
        else:
            audit.record(current_user.id, "webhook.changed", f"endpoint #{endpoint_id}",
                         {"paused": bool(form.paused.data)})
            flash("Saved the endpoint.", "info")
            return redirect(url_for("admin.endpoint", endpoint_id=endpoint_id), code=303)
    return _endpoint_page(found, form, code=400)


@bp.post("/endpoints/<int:endpoint_id>/secret")
def rotate_secret(endpoint_id: int) -> ResponseReturnValue:
    delivery.endpoint(endpoint_id) or abort(404)
    rotated = delivery.rotate_secret(endpoint_id)
    audit.record(current_user.id, "webhook.secret_rotated", f"endpoint #{endpoint_id}")
    return _endpoint_page(rotated, secret=rotated.secret)


@bp.post("/endpoints/<int:endpoint_id>/ping")
def ping_endpoint(endpoint_id: int) -> ResponseReturnValue:
    delivery.endpoint(endpoint_id) or abort(404)
    delivery.ping(endpoint_id)
    flash("Test message queued: it shows below within seconds, with the receiver's answer.", "info")
    return redirect(url_for("admin.deliveries", webhook=endpoint_id), code=303)


@bp.post("/endpoints/<int:endpoint_id>/replay")
def replay_dead(endpoint_id: int) -> ResponseReturnValue:
    delivery.endpoint(endpoint_id) or abort(404)
    count = delivery.replay_dead(endpoint_id)
    audit.record(current_user.id, "webhook.replayed", f"endpoint #{endpoint_id}", {"messages": count})
    flash(f"Sending {count} message{'s' if count != 1 else ''} again.", "info")
    return redirect(url_for("admin.deliveries", webhook=endpoint_id), code=303)


@bp.get("/deliveries")
def deliveries() -> tuple[str, int]:
    shown = request.args.get("shown", "")
    shown = shown if shown in delivery.LOG_FILTERS else ""
    endpoint_id = request.args.get("webhook", type=int)
    page = delivery.delivery_log(shown, endpoint_id, request.args.get("before", type=int))
    return render_template("admin/deliveries.html", page=page, shown=shown, filters=delivery.LOG_FILTERS,
                           endpoint=delivery.endpoint(endpoint_id) if endpoint_id else None,
                           page_size=delivery.PAGE_SIZE), 200


@bp.get("/deliveries/<int:message_id>")
def delivery_detail(message_id: int) -> tuple[str, int]:
    found = delivery.message(message_id) or abort(404)
    return render_template("admin/delivery.html", message=found, action=ActionForm()), 200


@bp.post("/deliveries/<int:message_id>/replay")
def replay(message_id: int) -> ResponseReturnValue:
    delivery.message(message_id) or abort(404)
    delivery.replay(message_id)
    audit.record(current_user.id, "delivery.replayed", f"message #{message_id}")
    flash("Sending it again now, under the same idempotency key.", "info")
    return redirect(url_for("admin.delivery_detail", message_id=message_id), code=303)


@bp.get("/mailbox")
def mailbox() -> tuple[str, int]:
    return render_template("admin/mailbox.html", mails=kept_mail.mailbox_mails(),
                           backend=current_app.config["MAIL_BACKEND"]), 200


@bp.get("/mailbox/<key>")
def mail(key: str) -> tuple[str, int]:
    found = kept_mail.mailbox_mail(key) or abort(404)
    return render_template("admin/mail.html", mail=found), 200


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
