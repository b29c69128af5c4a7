"""Headless answers from a ready buyer who asked to talk, then one of the offered times booked through the API:
the same booking service as the site's pages, invitations and counts included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from leads.booking.meetings import MEETING_MAIL
from leads.extensions import db
from leads.models import AuditEntry, Lead, OutboxMessage
from tests.fixtures.api import bearer
from tests.fixtures.clocks import MONDAY_8AM, FixedClock


@pytest.fixture
def app_config(app_config: dict[str, Any], fixed_clock: FixedClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": fixed_clock}


def test_a_ready_buyer_answered_headless_books_an_offered_time(app, client, make_user, make_token, ready_answers):
    rep = make_user("sales", name="Riley Rep")
    started = (MONDAY_8AM - dt.timedelta(minutes=4)).isoformat()
    sent = client.post("/api/v1/submissions", headers=bearer(make_token("answers:submit")), json={
        "answers": ready_answers, "started_at": started, "arrival": {"utm_source": "partner-site"}})
    result = sent.get_json()
    assert sent.status_code == 201 and result["next_step"] == "ready" and result["slots"], result
    first = result["slots"][0]
    assert first["with_rep"] == "Riley Rep" and dt.datetime.fromisoformat(first["start"]) > MONDAY_8AM

    booking = bearer(make_token("bookings:write"))
    lead_id = result["lead_id"]
    listed = client.get(f"/api/v1/leads/{lead_id}/slots", headers=booking).get_json()
    assert listed["slots"][0] == first
    booked = client.post(f"/api/v1/leads/{lead_id}/meetings", headers=booking,
                         json={"slot": first["slot"], "timezone": "Europe/Berlin"})
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["rep"] == "Riley Rep" and booked.get_json()["start"] == first["start"]
    twice = client.post(f"/api/v1/leads/{lead_id}/meetings", headers=booking, json={"slot": first["slot"]})
    assert twice.status_code == 409 and "already have a meeting" in twice.get_json()["detail"]
    off_grid = client.post(f"/api/v1/leads/{lead_id}/meetings", headers=booking,
                           json={"slot": f"{rep.id}@20261207T031700Z"})
    assert off_grid.status_code == 409

    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.status, lead.owner_id, lead.source) == ("meeting_set", rep.id, "partner-site")
        kinds = {m.payload["kind"] for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.topic == MEETING_MAIL))}
        assert "booked" in kinds
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("api.%"))
                                     .order_by(AuditEntry.id)).all()
        assert actions == ["api.answers.submitted", "api.meeting.booked"]


def test_no_times_for_a_buyer_who_did_not_ask_to_talk(client, make_user, make_token, researcher_answers):
    make_user("sales")
    sent = client.post("/api/v1/submissions", headers=bearer(make_token("answers:submit")), json={
        "answers": researcher_answers, "started_at": (MONDAY_8AM - dt.timedelta(minutes=4)).isoformat()})
    result = sent.get_json()
    assert result["slots"] == [] and result["next_step"] == "reading"
    refused = client.get(f"/api/v1/leads/{result['lead_id']}/slots", headers=bearer(make_token("bookings:write")))
    assert refused.status_code == 409
