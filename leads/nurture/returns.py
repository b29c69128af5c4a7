"""Returns that wake sales: a click on an article counts as engagement, and "Ready to talk?" re-checks the gates.

Either way the lead's answers are scored again as of now (``rescore``) and any change of route goes through
``change_route``, so a lead who comes back ready is handed over and sales are alerted exactly as for a new
submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from leads import clock, links
from leads.booking.meetings import book_url, can_book
from leads.extensions import db, site_content
from leads.models import Lead, LeadEvent, Submission
from leads.nurture.subscriptions import READ_LINK, READY_LINK, NothingToDo
from leads.privacy.people import address_key
from leads.questionnaire import Question, Questionnaire
from leads.questionnaire.forms import QuestionnaireForm, questionnaire_form
from leads.scoring.handover import THE_MODEL, the_prospect
from leads.scoring.rescore import rescore
from leads.scoring.routing import Route
from leads.scoring.score import HELD_BACK, EngagementEvent, event_rows
from leads.studio.counts import RECHECK_VIA


def record_click(token: str) -> str:
    """The article a signed link points to; the first click of a lead on it is an ``article_read`` event that
    may promote them. An expired link still leads to its article, counting nothing."""
    try:
        payload = links.read(READ_LINK, token)
    except links.LinkError as exc:
        if exc.payload is not None and exc.payload.get("slug"):
            return str(exc.payload["slug"])
        raise
    slug = payload["slug"]
    lead = db.session.get(Lead, payload["lead_id"])
    if lead is None or not slug:
        return slug
    already = db.session.scalar(sa.select(LeadEvent.id).where(
        LeadEvent.lead_id == lead.id, LeadEvent.kind == "article_read",
        LeadEvent.data["slug"].as_string() == slug).limit(1))
    if already is None:
        now = clock.now()
        article = site_content().fresh_articles().get(slug)
        stage = article.stage if article is not None else None
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="article_read",
                                 data={"slug": slug, "stage": stage, "via": "email"}))
        _engagement(lead, EngagementEvent("article_read", now, stage, slug), now)
        db.session.commit()
    return slug


def _engagement(lead: Lead, event: EngagementEvent, now: dt.datetime) -> None:
    """Add ``event`` to the latest submission's engagement (where a replay reads it too), and score again."""
    latest = _route_setter(lead)
    if latest is None or lead.route != Route.NURTURE:
        return
    latest.context = {**latest.context, "events": [*(latest.context.get("events") or ()), *event_rows([event])]}
    # Reading is engagement the model scores, not a decision: it never overrides one sales made.
    rescore(latest, site_content().questionnaire(), now, {"by": "article_read", "slug": event.ref},
            mover=THE_MODEL, now=now)


def _route_setter(lead: Lead) -> Submission | None:
    """The submission that set the lead's route: answers held back for review (or spam) since then moved nothing."""
    return next((s for s in reversed(lead.submissions) if s.verdict not in HELD_BACK), None)


# --- "Ready to talk?" -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recheck:
    """The short re-check: the questions the gates ask, filled in with the lead's latest answers."""

    lead_name: str
    questions: list[Question]
    form: QuestionnaireForm
    route: Route = Route.NURTURE
    booking_url: str = ""  # where a lead who can now book picks a time


def _recheck(lead: Lead, questions: list[Question], form: QuestionnaireForm) -> Recheck:
    """The re-check as it stands; a lead with sales who asked to talk books the conversation on the spot."""
    return Recheck(lead.name, questions, form, lead.route, book_url(lead.id) if can_book(lead) else "")


def gate_questions(model: Questionnaire) -> list[Question]:
    asked = set().union(*(gate.when.questions() for gate in model.gates)) if model.gates else set()
    return [q for q in model.questions if q.id in asked]


def open_recheck(token: str) -> Recheck:
    lead, latest = _ready_lead(token)
    model = site_content().questionnaire()
    form = questionnaire_form(model, _as_posted(latest.answers))
    return _recheck(lead, gate_questions(model), form)


def answer_recheck(token: str, posted: MultiDict[str, str]) -> Recheck:
    """Take the re-checked answers into a new submission (the rest as they were), score it and re-route.

    Refused answers come back with their messages and nothing is stored. These are new answers, so they
    are a new submission; the result page's one-click hand-raise (``leads.scoring.hand_raise``) is the
    path that re-routes the same answers.
    """
    lead, latest = _ready_lead(token)
    model = site_content().questionnaire()
    questions = gate_questions(model)
    if lead.route != Route.NURTURE:  # with sales already (or held back): an old email's form moves nothing
        return _recheck(lead, questions, questionnaire_form(model, _as_posted(latest.answers)))
    typed = {**_as_posted(latest.answers), **{q.id: posted.getlist(q.id) for q in questions}}
    form = questionnaire_form(model, typed)
    if not form.check(questions):
        return _recheck(lead, questions, form)
    now = clock.now()
    answers = {**latest.answers, **{q.id: form.answers.get(q.id) for q in questions}}
    # Scored just below; until then it says what the answers it copies said.
    again = Submission(lead=lead, created_at=now, answers=answers, model_version=latest.model_version,
                       context={**latest.context, "via": RECHECK_VIA}, verdict=latest.verdict, language=latest.language,
                       client_key=latest.client_key)
    db.session.add(again)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="rechecked", data={q.id: answers.get(q.id)
                                                                              for q in questions}))
    db.session.flush()
    rescore(again, model, now, {"by": "ready to talk"}, mover=the_prospect(now), now=now)  # their own answers
    db.session.commit()
    return _recheck(lead, questions, form)


def _ready_lead(token: str) -> tuple[Lead, Submission]:
    payload = links.read(READY_LINK, token)
    lead = db.session.get(Lead, payload["lead_id"])
    latest = _route_setter(lead) if lead else None
    if lead is None or latest is None or address_key(lead.email) != payload["address_hash"]:
        raise NothingToDo(gettext("We no longer hold your answers, so please tell us where you stand again."))
    return lead, latest


def _as_posted(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Stored answers as a browser would post them, to fill the form."""
    posted: dict[str, list[str]] = {}
    for key, value in answers.items():
        if value is None or value is False:
            continue
        values = value if isinstance(value, list) else ["y" if value is True else value]
        posted[key] = [str(v) for v in values]
    return posted


__all__ = ["answer_recheck", "open_recheck", "record_click"]
