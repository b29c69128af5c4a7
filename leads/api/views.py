"""The REST API's blueprint (``/api/v1``: token, scope, validation, problem details), its OpenAPI document and
reference page, and the admins' integration tokens page (a child of the admin audience's blueprint)."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from werkzeug.wrappers import Response as WerkzeugResponse

from leads.api import schemas as out
from leads.api import service
from leads.api.forms import TokenForm
from leads.api.service import ApiProblem
from leads.api.tokens import Caller, TokenError, all_tokens, caller_of, create_token, revoke_token
from leads.extensions import csrf, limiter, site_content
from leads.web.errors import problem
from leads.web.forms import ActionForm
from leads.web.text_input import holds_unwanted

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# No API request is authenticated by a cookie: each must carry a bearer token (see leads/api/__init__.py).
csrf.exempt(bp)
# Integration tokens, among the admins' pages.
admin_bp = Blueprint("integrations", __name__, url_prefix="/integrations")

PUBLIC = frozenset({"api.openapi", "api.reference"})
SCOPE_OF: dict[str, str] = {}
PROBLEM_MEDIA = "application/problem+json"


def _refuse_invalid(req: Any, resp: Any, error: Any, instance: Any, adapter: Any) -> None:
    """SpecTree's request-validation hook: a body or query that does not fit is answered as problem details."""
    if error is None:
        return
    fields: dict[str, list[str]] = {}
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        fields.setdefault(".".join(str(part) for part in item["loc"]) or "body", []).append(str(item["msg"]))
    raise ApiProblem(422, "The request does not fit the schema", "Each field below says what to fix.", fields)


spec = SpecTree(
    "flask", mode="strict", title="Doorstep API", version=version("doorstep"), before=_refuse_invalid,
    validation_error_model=out.Problem, page_templates={},
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    description="Leads with their receipts, answers and journeys; status moves and won or lost deals; answers "
                "sent as the site's questionnaire takes them; and booking. Every call carries an integration "
                "token (Authorization: Bearer dst_…) that an admin made with the scopes it needs.",
    security_schemes=[SecurityScheme(name="token", data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer", description="An integration token made by an admin"))],
)


def operation(scope: str, tag: str, takes_json: bool = False,
              **responses: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Validated by SpecTree and documented with ``scope``; a call without a token, with a revoked one, or with
    one lacking ``scope`` is refused before the view runs (``authenticate``), and so is a body not in JSON."""
    documented = Response(HTTP_400=out.Problem, HTTP_401=out.Problem, HTTP_403=out.Problem, HTTP_429=out.Problem,
                          **({"HTTP_415": out.Problem} if takes_json else {}), **responses)

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        SCOPE_OF[f"api.{view.__name__}"] = scope
        validated: Callable[..., Any] = spec.validate(resp=documented, tags=[tag], security={"token": [scope]},
                                                      operation_id=view.__name__)(view)
        return validated

    return wrap


def _token_key() -> str:
    """Rate limits count per token (a hash of the one presented), or per address for a call without one."""
    presented = request.headers.get("Authorization", "").partition(" ")[2].strip()
    if presented:
        return "api-token:" + hashlib.sha256(presented.encode()).hexdigest()[:32]
    return "api-address:" + (request.remote_addr or "")


def _api_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


limiter.shared_limit(_api_limit, scope="api", key_func=_token_key)(bp)


@bp.before_request
def authenticate() -> ResponseReturnValue | None:
    if request.url_rule is None or request.endpoint in PUBLIC:
        return None
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return problem(401, "A token is needed", "Send an integration token: Authorization: Bearer dst_…",
                       headers={"WWW-Authenticate": 'Bearer realm="doorstep"'})
    caller = caller_of(presented.strip())
    if caller is None:
        return problem(401, "The token is not valid", "It is unknown or was revoked; ask an admin for a new one.",
                       headers={"WWW-Authenticate": 'Bearer realm="doorstep", error="invalid_token"'})
    needed = SCOPE_OF.get(request.endpoint or "", "")
    if needed not in caller.scopes:
        return problem(403, "The token lacks a scope", f"This call needs the {needed} scope.",
                       headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'})
    if request.method == "POST" and request.mimetype != "application/json":
        # SpecTree reads a form-encoded body as no body at all, so only JSON is taken.
        return problem(415, "Send JSON", "The body must be JSON, with Content-Type: application/json.")
    unwanted = _unwanted_text()
    if unwanted:
        return problem(422, "Control characters are not taken",
                       "Text may not hold invisible control characters; the site's forms remove them, the API says so.",
                       [{"field": field, "message": "Holds a control character."} for field in unwanted[:20]])
    g.api_caller = caller
    return None


def _unwanted_text() -> list[str]:
    """The query parameters and JSON fields whose text holds a character the site's text rule removes (the
    query as sent: ``request.args`` already went through that rule, which would change what the schema checks)."""
    found = [name for name, value in parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
             if holds_unwanted(name) or holds_unwanted(value)]
    if request.method == "POST" and request.is_json:
        found += _unwanted_in(request.get_json(silent=True), "")
    return found


def _unwanted_in(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if holds_unwanted(value) else []
    if isinstance(value, dict):
        return [found for key, item in value.items()
                for found in ([f"{path}.{key}".lstrip(".")] if holds_unwanted(str(key)) else [])
                + _unwanted_in(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _unwanted_in(item, f"{path}.{index}")]
    return []


def _caller() -> Caller:
    caller: Caller = g.api_caller
    return caller


@bp.errorhandler(ApiProblem)
def refused(error: ApiProblem) -> WerkzeugResponse:
    return problem(error.status, error.title, error.detail, [e.model_dump() for e in error.errors])


# --- the operations ------------------------------------------------------------------------------------------


@bp.get("/leads")
@operation("leads:read", "leads", HTTP_200=out.LeadPage)
def list_leads(query: out.LeadFilters) -> out.LeadPage:
    """Leads, filtered and paged as in the inbox

    Newest first (or by score), 50 a page unless limit says otherwise; pass next back as after for
    the next page. where chooses the inbox's leads, those sales once had that left it, or both."""
    return service.leads_page(query)


@bp.get("/leads/<int(min=1, max=2147483647):lead_id>")
@operation("leads:read", "leads", HTTP_200=out.LeadDetail, HTTP_404=out.Problem)
def get_lead(lead_id: int) -> out.LeadDetail:
    """One lead, with its latest answers, their score receipt, and its journey"""
    return service.lead_detail(lead_id)


@bp.post("/leads/<int(min=1, max=2147483647):lead_id>/status")
@operation("leads:write", "leads", takes_json=True, HTTP_200=out.LeadDetail, HTTP_404=out.Problem, HTTP_409=out.Problem)
def change_status(lead_id: int, json: out.StatusChange) -> out.LeadDetail:
    """Move an inbox lead, as sales do

    Forward through the pipeline (contacted, meeting_set, won, lost), or out of the inbox (not_ready with a
    reason, which sends the lead to nurture; spam). Counted in the funnel and the journey as sales' own move."""
    return service.move_lead(_caller(), lead_id, json)


@bp.post("/outcomes")
@operation("leads:write", "leads", takes_json=True, HTTP_200=out.LeadDetail, HTTP_404=out.Problem, HTTP_409=out.Problem)
def record_outcome(json: out.OutcomeIn) -> out.LeadDetail:
    """Record a won or lost deal, by lead id or email

    It lands where a rep's click lands: calibration, the funnel's won stage and attribution. Sending the same
    outcome again changes nothing, so a CRM may retry."""
    return service.record_outcome(_caller(), json)


@bp.post("/submissions")
@operation("answers:submit", "answers", takes_json=True, HTTP_201=out.SubmissionResult, HTTP_503=out.Problem)
def submit_answers(json: out.AnswersIn) -> tuple[out.SubmissionResult, int]:
    """Send a prospect's answers, as the site's questionnaire does

    The same checks (required answers, spam and burst checks), scoring, routing and hand-over as the site: the
    answer gives the route, the score receipt and, for a ready buyer who asked to talk, the free times."""
    return service.submit_answers(_caller(), json, request.remote_addr or ""), 201


@bp.get("/leads/<int(min=1, max=2147483647):lead_id>/slots")
@operation("bookings:write", "bookings", HTTP_200=out.SlotList, HTTP_404=out.Problem, HTTP_409=out.Problem)
def list_slots(lead_id: int) -> out.SlotList:
    """The times a ready buyer who asked to talk may book now"""
    return service.offered_slots(lead_id)


@bp.post("/leads/<int(min=1, max=2147483647):lead_id>/meetings")
@operation("bookings:write", "bookings", takes_json=True, HTTP_201=out.MeetingOut, HTTP_404=out.Problem,
           HTTP_409=out.Problem)
def book_meeting(lead_id: int, json: out.BookingIn) -> tuple[out.MeetingOut, int]:
    """Book one of the times offered

    Through the booking service, as on the site: the prospect and the rep get their invitations."""
    return service.book_slot(_caller(), lead_id, json), 201


@bp.get("/questionnaire")
@operation("leads:read", "questionnaire", HTTP_200=out.QuestionnaireOut, HTTP_503=out.Problem)
def get_questionnaire(query: out.QuestionnaireQuery) -> out.QuestionnaireOut:
    """The questionnaire: its steps and questions, with the answers each accepts

    In the language asked for, where the questionnaire is written in it; send that language with the answers."""
    return service.questionnaire(site_content().questionnaire().in_language(query.language))


# --- the document and its reference page ---------------------------------------------------------------------


def document() -> dict[str, Any]:
    """The OpenAPI document SpecTree writes from the routes and models, served under this blueprint, with each
    problem response in its own media type."""
    written: dict[str, Any] = copy.deepcopy(spec.spec)
    written["servers"] = [{"url": url_for("api.reference", _external=True).rstrip("/")}]
    written["paths"] = {path.removeprefix(bp.url_prefix or ""): item for path, item in written["paths"].items()}
    for item in written["paths"].values():
        for operation_ in item.values():
            for code, response in operation_.get("responses", {}).items():
                if int(code) >= 400 and "application/json" in response.get("content", {}):
                    response["content"] = {PROBLEM_MEDIA: response["content"]["application/json"]}
    return written


@bp.get("/openapi.json")
def openapi() -> WerkzeugResponse:
    return jsonify(document())


@bp.get("/")
def reference() -> str:
    """The API reference, readable without JavaScript."""
    return render_template("api/reference.html", doc=document(), scopes=out.SCOPES)


# --- the admins' integration tokens --------------------------------------------------------------------------


def _tokens_page(form: TokenForm | None = None, secret: str = "", code: int = 200) -> tuple[str, int]:
    return render_template("api/tokens.html", tokens=all_tokens(), form=form or TokenForm(formdata=None),
                           action=ActionForm(), secret=secret, scopes=out.SCOPES), code


@admin_bp.get("")
def tokens() -> tuple[str, int]:
    return _tokens_page()


@admin_bp.post("")
def add_token() -> ResponseReturnValue:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _made, secret = create_token(form.name.data or "", form.scopes.data or [], current_user.id)
        except TokenError as exc:
            form.form_errors.append(str(exc))
        else:
            # Shown on this response only: the token never goes into a redirect, a flash or a log.
            return _tokens_page(secret=secret, code=201)
    return _tokens_page(form, code=400)


@admin_bp.post("/<int:token_id>/revoke")
def revoke(token_id: int) -> ResponseReturnValue:
    form = ActionForm()
    if form.validate_on_submit():
        try:
            revoked = revoke_token(token_id, current_user.id)
        except TokenError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Revoked the token of %(name)s: it no longer works.", name=revoked.name), "info")
    return redirect(url_for("admin.integrations.tokens"), code=303)
