"""The REST API: its document, its tokens and scopes, and each operation through the same services as the site."""

from __future__ import annotations

import datetime as dt
import re
from importlib.metadata import version

import pytest
import sqlalchemy as sa

from leads.api.schemas import SCOPES
from leads.extensions import db
from leads.models import AuditEntry, Consent, FunnelTotal, Lead, LeadEvent
from leads.studio.reports import calibration_report
from tests.fixtures.api import bearer
from tests.fixtures.factories import PASSWORD, csrf_token


def _operations(client) -> list[tuple[str, str, str]]:
    doc = client.get("/api/v1/openapi.json").get_json()
    return [(method.upper(), path, op["security"][0]["token"][0]) for path, item in doc["paths"].items()
            for method, op in item.items()]


def _url(path: str) -> str:
    return "/api/v1" + path.replace("{lead_id}", "1")


def test_the_document_is_openapi_3_1_of_the_installed_version_with_a_scope_on_every_operation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["version"] == version("doorstep")
    assert doc["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "description": "An integration token made by an admin"}
    operations = _operations(client)
    assert {(m, p) for m, p, _ in operations} >= {
        ("GET", "/leads"), ("GET", "/leads/{lead_id}"), ("POST", "/leads/{lead_id}/status"), ("POST", "/outcomes"),
        ("POST", "/submissions"), ("GET", "/leads/{lead_id}/slots"), ("POST", "/leads/{lead_id}/meetings"),
        ("GET", "/questionnaire")}
    assert {scope for _, _, scope in operations} == set(SCOPES)
    problem = doc["paths"]["/outcomes"]["post"]["responses"]["409"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_the_reference_page_reads_without_script_or_inline_style(client):
    page = client.get("/api/v1/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "POST /outcomes" in html and "leads:write" in html and 'id="schema-OutcomeIn"' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "only the site's own script files"
    assert "style=" not in html and "<style" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("given", ["none", "garbage", "revoked", "under_scoped"])
def test_every_operation_refuses_a_missing_revoked_or_under_scoped_token(client, make_token, given):
    for method, path, scope in _operations(client):
        if given == "none":
            headers = {}
        elif given == "garbage":
            headers = bearer("dst_not-a-token")
        elif given == "revoked":
            headers = bearer(make_token(revoked=True))
        else:
            headers = bearer(make_token(*(s for s in SCOPES if s != scope)))
        response = client.open(_url(path), method=method, headers=headers, json={})
        assert response.status_code == (403 if given == "under_scoped" else 401), (method, path)
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == response.status_code
        assert "WWW-Authenticate" in response.headers


def test_leads_are_filtered_and_keyset_paged_as_in_the_inbox_each_with_receipt_answers_and_journey(
        client, make_lead, make_token):
    made = [make_lead(), make_lead(name="Ximena Quartermaine"), make_lead()]
    headers = bearer(make_token("leads:read"))
    first = client.get("/api/v1/leads?limit=2", headers=headers).get_json()
    assert [lead["id"] for lead in first["leads"]] == [made[2].id, made[1].id]
    newest = first["leads"][0]
    assert newest["submission"]["receipt"] and newest["submission"]["answers"]["email"] == made[2].email
    assert [step["kind"] for step in newest["journey"]][:1] == ["submitted"]
    second = client.get("/api/v1/leads", query_string={"limit": 2, "after": first["next"]}, headers=headers).get_json()
    assert [lead["id"] for lead in second["leads"]] == [made[0].id] and second["next"] is None
    searched = client.get("/api/v1/leads", query_string={"q": "Quartermaine"}, headers=headers).get_json()
    assert [lead["id"] for lead in searched["leads"]] == [made[1].id]
    assert client.get("/api/v1/leads?sort=sideways", headers=headers).status_code == 422
    bad = client.get("/api/v1/leads?after=tampered", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "after"


def test_a_lead_comes_with_its_receipt_answers_and_journey(client, make_lead, make_token):
    lead = make_lead()
    found = client.get(f"/api/v1/leads/{lead.id}", headers=bearer(make_token("leads:read"))).get_json()
    assert found["email"] == lead.email and found["route"] == "sales_ready"
    assert found["submission"]["answers"]["email"] == lead.email
    assert found["submission"]["receipt"] and sum(r["points"] for r in found["submission"]["receipt"]) != 0
    assert any(step["kind"] == "submitted" for step in found["journey"])
    assert client.get("/api/v1/leads/999999", headers=bearer(make_token("leads:read"))).status_code == 404


def test_a_status_move_goes_through_the_inbox_workflow_and_the_audit_log(app, client, make_lead, make_token):
    lead = make_lead()
    headers = bearer(make_token("leads:write", name="Pipedrive"))
    moved = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "contacted"}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["status"] == "contacted"
    backwards = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "contacted"}, headers=headers)
    assert backwards.status_code == 409 and "can't move" in backwards.get_json()["detail"]
    no_reason = client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "not_ready"}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "reason"
    with app.app_context():
        event = db.session.scalar(sa.select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "status"))
        assert event.data["by"] == "integration" and event.data["integration"].startswith("Pipedrive")
        audited = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("api.%"))).all()
        assert [(a.action, a.target) for a in audited] == [("api.lead.status", f"lead #{lead.id}")]


def test_a_deal_from_the_crm_lands_where_a_reps_click_lands(app, client, make_lead, make_token, make_user, auth):
    by_rep, by_email, by_id = make_lead(), make_lead(), make_lead()
    rep = make_user("sales")
    auth.login(rep.email, PASSWORD)
    page = f"/inbox/leads/{by_rep.id}"
    clicked = client.post(f"{page}/status", data={"status": "won", "csrf_token": csrf_token(client, page)})
    assert clicked.status_code == 303
    headers = bearer(make_token("leads:write"))
    won = client.post("/api/v1/outcomes", headers=headers, json={
        "email": by_email.email.upper(), "outcome": "won", "amount": "12500.50", "currency": "EUR",
        "closed_on": "2026-12-01"})
    assert won.status_code == 200, won.get_json()
    assert won.get_json()["deal"] == {"outcome": "won", "amount": "12500.50", "currency": "EUR",
                                      "closed_on": "2026-12-01"}
    again = client.post("/api/v1/outcomes", headers=headers, json={"email": by_email.email, "outcome": "won"})
    assert again.status_code == 200  # a CRM's retry changes nothing
    lost = client.post("/api/v1/outcomes", headers=headers, json={"lead_id": by_id.id, "outcome": "lost"})
    assert lost.status_code == 200
    assert client.post("/api/v1/outcomes", headers=headers,
                       json={"lead_id": by_id.id, "outcome": "won"}).status_code == 409
    assert client.post("/api/v1/outcomes", headers=headers, json={"outcome": "won"}).status_code == 422
    shown = client.get(f"/inbox/leads/{by_email.id}").get_data(as_text=True)
    assert "12500.50 EUR" in shown and "by CRM (token #" in shown and "through the API" in shown
    assert client.post("/api/v1/outcomes", headers=headers,
                       json={"email": "nobody@nowhere.example", "outcome": "won"}).status_code == 404
    with app.app_context():
        outcomes = calibration_report()
        assert outcomes.outcomes == 3
        assert sum(t.outcomes["won"] for t in outcomes.by_version) == 2
        won_stage = db.session.scalar(sa.select(sa.func.sum(FunnelTotal.people)).where(FunnelTotal.stage == "won"))
        talked = db.session.scalar(sa.select(sa.func.sum(FunnelTotal.people))
                                   .where(FunnelTotal.stage == "in_conversation"))
        assert (won_stage, talked) == (2, 3)
        stored = db.session.get(Lead, by_email.id)
        assert (str(stored.deal_amount), stored.deal_currency, stored.deal_closed_on) == (
            "12500.50", "EUR", dt.date(2026, 12, 1))
        audited = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "api.lead.outcome")).all()
        assert len(audited) == 2  # the retry wrote nothing, so it is not in the log


def _headless(client, headers, answers, **extra):
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)).isoformat()
    return client.post("/api/v1/submissions", headers=headers, json={"answers": answers, "started_at": started,
                                                                       **extra})


def test_a_headless_and_a_site_submission_of_the_same_answers_get_the_same_route_and_receipt(
        app, client, make_token, make_user, ready_answers, submit):
    rep = make_user("sales")
    site = {**ready_answers, "email": "site@buyer.example"}
    assert submit(site).status_code == 303
    sent = _headless(client, bearer(make_token("answers:submit")), {**ready_answers, "email": "api@buyer.example"})
    assert sent.status_code == 201, sent.get_json()
    result = sent.get_json()
    with app.app_context():
        by_site = db.session.scalar(sa.select(Lead).where(Lead.email == "site@buyer.example")).latest
        by_api = db.session.scalar(sa.select(Lead).where(Lead.email == "api@buyer.example")).latest
        assert (by_api.verdict, by_api.lead.route, by_api.total) == (by_site.verdict, by_site.lead.route,
                                                                      by_site.total)
        assert by_api.receipt == by_site.receipt
        assert by_api.lead.owner_id == by_site.lead.owner_id == rep.id  # handed over as a site submission is
    assert (result["verdict"], result["route"], result["next_step"]) == ("sales_ready", "sales_ready", "ready")
    assert [line["rule"] for line in result["receipt"]] == [line["rule"] for line in by_site.receipt]


def test_headless_answers_meet_the_sites_checks(app, client, make_token, make_app, ready_answers):
    headers = bearer(make_token("answers:submit"))
    missing = _headless(client, headers, {k: v for k, v in ready_answers.items() if k != "email"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.get_json()["errors"]] == ["email"]
    unknown = _headless(client, headers, {**ready_answers, "favourite_colour": "teal"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "favourite_colour"
    trapped = _headless(client, headers, {**ready_answers, "email": "bot@buyer.example"}, website="http://spam")
    assert trapped.get_json()["verdict"] == "quarantined" and trapped.get_json()["next_step"] == "held"
    slow_site = make_app(MIN_SECONDS_TO_COMPLETE=600.0).test_client()
    hurried = _headless(slow_site, headers, {**ready_answers, "email": "quick@buyer.example"})
    assert hurried.get_json()["verdict"] == "quarantined"


def test_calls_are_rate_limited_per_token(make_app, make_token):
    client = make_app(API_RATE_LIMIT="2 per minute").test_client()
    one, other = bearer(make_token("leads:read")), bearer(make_token("leads:read"))
    assert [client.get("/api/v1/questionnaire", headers=one).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/api/v1/questionnaire", headers=one)
    assert refused.mimetype == "application/problem+json" and refused.headers["Retry-After"]
    assert client.get("/api/v1/questionnaire", headers=other).status_code == 200


def test_the_questionnaire_is_read_only_and_matches_the_site(client, make_token):
    found = client.get("/api/v1/questionnaire", headers=bearer(make_token("leads:read"))).get_json()
    ids = [q["id"] for step in found["steps"] for q in step["questions"]]
    assert "email" in ids and len(ids) == len(set(ids))
    assert client.post("/api/v1/questionnaire", headers=bearer(make_token())).status_code == 405


def test_admins_make_a_token_shown_once_and_revoke_it(app, client, make_user, auth):
    admin = make_user("admin")
    auth.login(admin.email, PASSWORD)
    made = client.post("/admin/integrations", data={"name": "HubSpot deal stages", "scopes": ["leads:write"],
                                                    "csrf_token": csrf_token(client, "/admin/integrations")})
    assert made.status_code == 201
    secret = re.search(r'<code id="token">(dst_[^<]+)</code>', made.get_data(as_text=True)).group(1)
    listed = client.get("/admin/integrations").get_data(as_text=True)
    assert secret not in listed and "HubSpot deal stages" in listed and secret[:10] in listed
    outcome = {"email": "nobody@nowhere.example", "outcome": "won"}
    assert client.post("/api/v1/outcomes", headers=bearer(secret), json=outcome).status_code == 404
    with app.app_context():
        token_id = db.session.scalar(sa.select(AuditEntry.target).where(AuditEntry.action == "api_token.created"))
    number = token_id.removeprefix("token #")
    revoked = client.post(f"/admin/integrations/{number}/revoke",
                          data={"csrf_token": csrf_token(client, "/admin/integrations")})
    assert revoked.status_code == 303
    assert client.post("/api/v1/outcomes", headers=bearer(secret), json=outcome).status_code == 401
    refused = client.post("/admin/integrations",
                          data={"name": "", "csrf_token": csrf_token(client, "/admin/integrations")})
    assert refused.status_code == 400


def test_only_admins_reach_the_tokens_page(client, make_user, auth):
    rep = make_user("sales")
    auth.login(rep.email, PASSWORD)
    assert client.get("/admin/integrations").status_code == 403


def test_a_browser_session_cannot_call_the_api(app, client, make_user, auth, make_lead):
    admin = make_user("admin")
    auth.login(admin.email, PASSWORD)
    lead = make_lead()
    assert client.post(f"/api/v1/leads/{lead.id}/status", json={"status": "contacted"}).status_code == 401


def test_a_body_in_anything_but_json_is_refused_plainly(client, make_token):
    headers = bearer(make_token("leads:write"))
    form = client.post("/api/v1/outcomes", headers=headers, data={"email": "a@b.example", "outcome": "won"})
    assert form.status_code == 415 and form.mimetype == "application/problem+json"
    broken = client.post("/api/v1/outcomes", headers={**headers, "Content-Type": "multipart/form-data"}, data="{}")
    assert broken.status_code == 415
    not_json = client.post("/api/v1/outcomes", headers={**headers, "Content-Type": "application/json"}, data="{")
    assert not_json.status_code == 422


def test_control_characters_are_refused_not_silently_removed(client, make_token):
    headers = bearer(make_token())
    query = client.get("/api/v1/leads", query_string={"stage": "a\x1fb"}, headers=headers)
    assert query.status_code == 422 and query.get_json()["errors"] == [
        {"field": "stage", "message": "Holds a control character."}]
    body = client.post("/api/v1/outcomes", headers=headers, json={"email": "a\u0000@b.example", "outcome": "won"})
    assert body.status_code == 422 and body.get_json()["errors"][0]["field"] == "email"
    answers = client.post("/api/v1/submissions", headers=headers, json={
        "answers": {"name": ["x", "y\x7f"]}, "started_at": "2026-12-07T08:00:00Z"})
    assert answers.get_json()["errors"][0]["field"] == "answers.name.1"


def test_a_form_elsewhere_reads_the_questionnaire_in_german_and_its_answers_keep_that_language(
        app, client, make_token, ready_answers):
    german = client.get("/api/v1/questionnaire", query_string={"language": "de"},
                        headers=bearer(make_token("leads:read"))).get_json()
    assert german["language"] == "de" and german["languages"] == ["en", "de", "fr", "es"]
    assert german["steps"][0]["title"] == "Wo Sie heute stehen"
    refused = client.get("/api/v1/questionnaire", query_string={"language": "it"},
                         headers=bearer(make_token("leads:read")))
    assert refused.status_code == 422
    sent = _headless(client, bearer(make_token("answers:submit")), {**ready_answers, "email": "api-de@buyer.example"},
                     language="de")
    assert sent.status_code == 201, sent.get_json()
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "api-de@buyer.example"))
        assert lead is not None and lead.language == "de" and lead.latest.language == "de"
        consent = db.session.scalar(sa.select(Consent).where(Consent.lead_id == lead.id, Consent.kind == "storage"))
        assert (consent.language, consent.wording) == (
            "de", "Ich bin einverstanden, dass Sie meine Antworten speichern und mich dazu kontaktieren.")
