"""The admin's pages: the team's accounts, per-rep counts, and handing leads to a rep."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from leads.forms import BulkForm, NewUserForm, UserForm
from leads.services.users import UserError, create_user, rep_counts, team, update_user
from leads.services.workflow import WorkflowError, assign_leads
from leads.statuses import LABELS, PIPELINE
from leads.views import require_roles
from leads.views.auth import safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_roles("admin"))


def _users_page(new_form: NewUserForm | None = None, code: int = 200) -> tuple[str, int]:
    users = team()
    forms = {u.id: UserForm(formdata=None, obj=u, prefix=f"u{u.id}") for u in users}
    return render_template("admin/users.html", users=users, forms=forms, counts=rep_counts(),
                           new_form=new_form or NewUserForm(formdata=None), pipeline=PIPELINE,
                           labels=LABELS), code


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
            flash(f"Created {user.name} ({user.role}).", "info")
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
        flash(f"Assigned {len(result.changed)} lead{'s' if len(result.changed) != 1 else ''}.", "info")
    for reason in sorted(set(result.skipped.values())):
        flash(f"Left as it was: {reason}", "error")
    return redirect(back, code=303)
