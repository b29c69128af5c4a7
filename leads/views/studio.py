"""The marketers' studio: content health and where leads are going."""

from __future__ import annotations

from flask import Blueprint, render_template

from leads.clock import now
from leads.services.studio import route_counts
from leads.views import require_roles, site_content

bp = Blueprint("studio", __name__, url_prefix="/studio")
bp.before_request(require_roles("marketer", "admin"))


@bp.get("")
def index() -> str:
    content = site_content()
    index = content.fresh_articles()
    return render_template(
        "studio/index.html",
        model=content.questionnaire_or_none(),  # the page that shows why it is missing must not need it
        model_problem=content.questionnaire_problem,
        stages_problem=content.stage_guides_problem,
        articles=index.all(),
        problems=index.problems,
        now=now(),
        counts=route_counts(),
    )
