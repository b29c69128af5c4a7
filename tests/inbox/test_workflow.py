"""Working a lead: status moves with their audit trail, back to nurture, spam, notes, reassignment, fairness."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db, site_content
from leads.inbox.statuses import NOT_READY_REASONS, can_move, moves_from
from leads.inbox.workflow import WorkflowError, add_note, assign_leads, change_status
from leads.models import Assignment, Lead, LeadEvent
from leads.questionnaire.submissions import submit_answers
from tests.fixtures.factories import csrf_token


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("new", "contacted", True),
        ("new", "meeting_set", True),
        ("contacted", "meeting_set", True),
        ("meeting_set", "won", True),
        ("meeting_set", "lost", True),
        ("new", "lost", True),
        ("contacted", "not_ready", True),
        ("meeting_set", "spam", True),
        ("contacted", "new", False),
        ("meeting_set", "contacted", False),
        ("won", "lost", False),
        ("lost", "won", False),
        ("new", "new", False),
        ("spam", "new", False),
        ("new", "maybe", False),
    ],
)
def test_status_moves_go_forward_and_final_statuses_stay(current: str, target: str, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_moves_offered_follow_the_pipeline() -> None:
    assert moves_from("new") == ["contacted", "meeting_set", "won", "lost", "not_ready", "spam"]
    assert moves_from("meeting_set") == ["won", "lost", "not_ready", "spam"]
    assert moves_from("won") == []


def events_of(app: Flask, lead_id: int, kind: str) -> list[LeadEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LeadEvent).where(LeadEvent.lead_id == lead_id,
                                                                  LeadEvent.kind == kind).order_by(LeadEvent.id)))


@pytest.mark.parametrize("path", [["contacted", "meeting_set", "won"], ["contacted", "lost"], ["meeting_set", "lost"]])
def test_each_status_change_is_audited_with_actor_and_time(app: Flask, make_user, make_lead, path: list[str]) -> None:
    rep = make_user("sales")
    lead = make_lead()
    for target in path:
        with app.app_context():
            change_status(lead.id, target, rep.id)
    audit = events_of(app, lead.id, "status")
    assert [(e.data["from"], e.data["to"]) for e in audit] == list(zip(["new", *path[:-1]], path, strict=True))
    assert all(e.actor_id == rep.id and e.at is not None for e in audit)


def test_a_refused_move_changes_nothing(app: Flask, make_user, make_lead) -> None:
    rep = make_user("sales")
    lead = make_lead()
    with app.app_context():
        change_status(lead.id, "lost", rep.id)
        with pytest.raises(WorkflowError, match="can't move"):
            change_status(lead.id, "contacted", rep.id)
    assert len(events_of(app, lead.id, "status")) == 1


def test_not_ready_needs_a_reason_and_recycles_the_lead_to_nurture(app: Flask, make_user, make_lead,
                                                                   ready_answers: dict[str, Any]) -> None:
    rep = make_user("sales")
    lead = make_lead()
    with app.app_context():
        with pytest.raises(WorkflowError, match="Choose why"):
            change_status(lead.id, "not_ready", rep.id, "")
        change_status(lead.id, "not_ready", rep.id, "no_budget")
        stored = db.session.get(Lead, lead.id)
        assert (stored.route, stored.status) == ("nurture", "not_ready")
    (event,) = events_of(app, lead.id, "status")
    assert event.data == {"from": "new", "to": "not_ready", "reason": "no_budget"}
    assert "no_budget" in NOT_READY_REASONS
    (moved,) = events_of(app, lead.id, "rerouted")  # through the one place routes change, as the team's decision
    assert moved.data == {"from": "sales_ready", "to": "nurture", "by": "sales", "status": "not_ready",
                          "reason": "no_budget"}

    # When they answer again and are ready, they come back as a new lead with a fresh assignment.
    again = make_lead(email=lead.email)
    with app.app_context():
        stored = db.session.get(Lead, again.id)
        assert (stored.route, stored.status) == ("sales_ready", "new")
    assert len(events_of(app, lead.id, "assigned")) == 2


def test_spam_leaves_the_inbox_and_gives_the_rep_the_turn_back(app: Flask, make_user, make_lead) -> None:
    ann, bob = make_user("sales", name="Ann"), make_user("sales", name="Bob")
    first = make_lead()  # Ann: 0 leads, lowest id
    assert first.owner_id == ann.id
    assert make_lead().owner_id == bob.id
    with app.app_context():
        change_status(first.id, "spam", bob.id)
        stored = db.session.get(Lead, first.id)
        assert (stored.route, stored.status) == ("quarantined", "spam")
        counted = db.session.scalars(sa.select(Assignment.counts).where(Assignment.lead_id == first.id)).all()
        assert counted == [False]
    (event,) = events_of(app, first.id, "status")
    assert event.data["turn_returned_to"] == "Ann" and event.actor_id == bob.id
    assert make_lead().owner_id == ann.id  # Ann's turn again


def test_notes_are_plain_text_with_author_and_escaped(app: Flask, client: FlaskClient, make_user, make_lead,
                                                      auth) -> None:
    rep = make_user("sales", name="Rita Rep")
    auth.login(rep.email)
    lead = make_lead()
    token = csrf_token(client, f"/inbox/leads/{lead.id}")
    response = client.post(f"/inbox/leads/{lead.id}/notes", data={"text": "<b>Call</b> Tuesday", "csrf_token": token})
    assert response.status_code == 303
    html = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "&lt;b&gt;Call&lt;/b&gt; Tuesday" in html and "Rita Rep ·" in html
    (note,) = events_of(app, lead.id, "note")
    assert note.actor_id == rep.id


def test_an_empty_note_is_refused_in_words(client: FlaskClient, make_user, make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead()
    token = csrf_token(client, f"/inbox/leads/{lead.id}")
    response = client.post(f"/inbox/leads/{lead.id}/notes", data={"text": "   ", "csrf_token": token})
    assert response.status_code == 400
    assert "Write something in the note first." in response.get_data(as_text=True)


def test_status_form_moves_a_lead_and_not_ready_without_reason_is_400(client: FlaskClient, make_user, make_lead,
                                                                      auth) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead()
    token = csrf_token(client, f"/inbox/leads/{lead.id}")
    response = client.post(f"/inbox/leads/{lead.id}/status", data={"status": "not_ready", "csrf_token": token})
    assert response.status_code == 400
    assert "Choose why the lead is not ready" in response.get_data(as_text=True)
    response = client.post(f"/inbox/leads/{lead.id}/status", data={"status": "meeting_set", "csrf_token": token})
    assert response.status_code == 303
    assert "is now: Meeting set" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/inbox/leads/{lead.id}/status",
                           data={"status": "not_ready", "reason": "no_timeline", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/inbox"
    left = client.get(f"/inbox/leads/{lead.id}")  # still theirs to read, no longer to work
    assert left.status_code == 200 and 'id="no-longer-in-inbox"' in left.get_data(as_text=True)


def test_admin_reassigns_and_the_previous_rep_gets_the_turn_back(app: Flask, client: FlaskClient, make_user,
                                                                 make_lead, auth) -> None:
    ann, bob = make_user("sales", name="Ann"), make_user("sales", name="Bob")
    admin = make_user("admin", name="Ada")
    lead = make_lead()
    assert lead.owner_id == ann.id
    auth.login(admin.email)
    token = csrf_token(client, f"/inbox/leads/{lead.id}")
    response = client.post("/admin/leads/assign", data={"lead_ids": [lead.id], "rep": bob.id, "csrf_token": token,
                                                        "next": f"/inbox/leads/{lead.id}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/inbox/leads/{lead.id}"
    with app.app_context():
        assert db.session.get(Lead, lead.id).owner_id == bob.id
        rows = db.session.execute(sa.select(Assignment.user_id, Assignment.counts).order_by(Assignment.id)).all()
        assert [tuple(r) for r in rows] == [(ann.id, False), (bob.id, True)]
    event = events_of(app, lead.id, "assigned")[-1]
    assert event.data["to"] == "Bob" and event.data["from"] == "Ann" and event.actor_id == admin.id
    assert "Reassigned by Ada" in client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)


def test_reassigning_to_someone_who_cannot_sell_is_refused(app: Flask, make_user, make_lead) -> None:
    marketer, admin = make_user("marketer"), make_user("admin")
    lead = make_lead()
    with app.app_context(), pytest.raises(WorkflowError, match="active sales rep"):
        assign_leads([lead.id], marketer.id, admin.id)


def test_notes_on_a_lead_outside_the_inbox_are_refused(app: Flask, make_user, make_lead) -> None:
    rep = make_user("sales")
    lead = make_lead()
    with app.app_context():
        change_status(lead.id, "spam", rep.id)
        with pytest.raises(WorkflowError, match="no longer in the inbox"):
            add_note(lead.id, rep.id, "hello")


def test_round_robin_is_fair_over_a_thousand_leads_with_weights_and_an_away_rep(
    app: Flask, make_user, ready_answers: dict[str, Any]
) -> None:
    reps = {make_user("sales", weight=w).id: w for w in (1, 2, 3)}
    away = make_user("sales", weight=5, away=True)
    with app.app_context():
        model = site_content(app).questionnaire()
        for n in range(1000):
            submit_answers(model, {**ready_answers, "email": f"buyer{n}@fair.example"})
        owners = Counter(db.session.scalars(sa.select(Lead.owner_id)).all())
    assert owners[away.id] == 0
    assert sum(owners.values()) == 1000
    for rep_id, weight in reps.items():
        assert abs(owners[rep_id] - 1000 * weight / 6) <= 1
