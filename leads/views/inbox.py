"""The qualified-lead inbox for sales: who is ready, and why, in their own words."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from leads.services.inbox import ready_lead, ready_leads
from leads.views import require_roles, site_content

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
bp.before_request(require_roles("sales", "admin"))


@bp.get("")
def index() -> str:
    return render_template("inbox/index.html", leads=ready_leads())


@bp.get("/leads/<int:lead_id>")
def lead_detail(lead_id: int) -> str:
    lead = ready_lead(lead_id)
    if lead is None:
        abort(404)
    return render_template("inbox/lead.html", lead=lead, submission=lead.latest,
                           model=site_content().questionnaire())
