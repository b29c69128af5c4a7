"""Taking a finished questionnaire: score it, route it, and store lead, submission and hand-over together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from leads import clock
from leads.extensions import db
from leads.inbox.search import search_text_for
from leads.models import Lead, LeadEvent, Submission
from leads.nurture.subscriptions import start_opt_in
from leads.questionnaire import BUYING_STAGE, COMPANY, EMAIL, NAME, ROLE, Questionnaire
from leads.questionnaire.quality import alike, burst_reason
from leads.scoring.handover import change_route, the_prospect
from leads.scoring.rescore import lead_columns, record, submission_columns
from leads.scoring.routing import Route, lead_route, submission_verdict
from leads.scoring.score import EngagementEvent, Verdict, event_rows, score
from leads.studio.counts import count_submission

# A burst reads at most this many times its limit of the address's latest submissions, to compare answers.
RECENT_READ = 20


@dataclass(frozen=True)
class BurstRule:
    """At most ``limit`` alike submissions from one address within ``minutes``; more are held back."""

    limit: int = 5
    minutes: int = 10


@dataclass(frozen=True)
class Arrival:
    """How the answers came: where the prospect arrived from, what they read, and a keyed hash of the address."""

    context: Mapping[str, Any] = field(default_factory=dict)
    events: Sequence[EngagementEvent] = ()
    client_key: str = ""
    # The questionnaire's start was counted already (its draft opened); without one, sending counts it too.
    start_counted: bool = False


def submit_answers(model: Questionnaire, answers: Mapping[str, Any], arrival: Arrival = Arrival(),
                   held_for: Sequence[str] = (), now: dt.datetime | None = None,
                   burst: BurstRule | None = None) -> Submission:
    """Score, route and store one set of answers in one transaction."""
    submission = record_submission(model, answers, arrival, held_for, now or clock.now(), burst)
    db.session.commit()
    return submission


def record_submission(model: Questionnaire, answers: Mapping[str, Any], arrival: Arrival, held_for: Sequence[str],
                      now: dt.datetime, burst: BurstRule | None = None) -> Submission:
    """Score and route ``answers``, adding the lead, the submission and the hand-over; the caller commits.

    ``held_for`` are reasons to hold the answers back for review (quality checks); a burst from one
    address adds another. A held-back submission in a known lead's name is kept, but moves nothing.
    """
    reasons = list(held_for)
    if arrival.client_key and burst and burst.limit:  # a limit of 0 turns the check off: nothing to count
        recent = db.session.scalars(_recent_from(arrival.client_key, now - dt.timedelta(minutes=burst.minutes),
                                                 burst.limit * RECENT_READ))
        # Distinct buyers behind one office network are not a burst; the same or machine-like answers are.
        if reason := burst_reason(sum(alike(earlier, answers) for earlier in recent), burst.limit, burst.minutes):
            reasons.append(reason)
    result = score(answers, arrival.events, model, now)
    verdict = submission_verdict(result, reasons)
    email = str(answers[EMAIL]).strip().lower()

    lead = db.session.scalar(sa.select(Lead).where(Lead.email == email))
    held_back = verdict == Verdict.HELD and lead is not None
    if lead is None:  # its first route is the hand-over's to set, below
        lead = Lead(email=email, created_at=now, routed_at=now)
        db.session.add(lead)
    if not held_back:
        take_answers(lead, answers, arrival.context, model.language)
        record(lead, lead_columns(result))
    submission = Submission(lead=lead, created_at=now, answers=dict(answers), language=model.language,
                            context={**arrival.context, "events": event_rows(arrival.events)},
                            quarantine_reasons=reasons, client_key=arrival.client_key,
                            **submission_columns(result, verdict))
    db.session.add_all([submission, LeadEvent(lead=lead, at=now, kind="submitted",
                                              data={"route": verdict, "score": result.total})])
    if held_back:
        db.session.flush()  # the consents below name the submission by id
    else:
        change_route(lead, lead_route(verdict), now, {"by": "submission"}, the_prospect(now), submission=submission)
    if verdict != Verdict.HELD:  # one held back counts when a person releases it
        count_submission(submission.context, now, arrival.start_counted, model)
    start_opt_in(model, answers, lead, submission, lead_route(verdict) if not held_back else Route.QUARANTINED, now)
    return submission


def take_answers(lead: Lead, answers: Mapping[str, Any], context: Mapping[str, Any], language: str) -> None:
    """The lead's own columns after a submission: new answers win, blanks keep what the lead had; the lead is
    spoken to in ``language`` from now on, the one the questionnaire was shown in."""
    lead.language = language
    lead.name = str(answers.get(NAME) or lead.name or "")[:200]
    lead.company = str(answers.get(COMPANY) or lead.company or "")[:200]
    lead.job_role = str(answers.get(ROLE) or lead.job_role or "")[:100]
    lead.stage = str(answers.get(BUYING_STAGE) or "")[:40]
    lead.source = str(context.get("utm_source") or lead.source or "")[:100]
    lead.landing_article = str(context.get("landing_article") or lead.landing_article or "")[:200]
    lead.search_text = search_text_for(lead.name, lead.email, lead.company, answers)


def _recent_from(client_key: str, since: dt.datetime, most: int) -> sa.Select[tuple[dict[str, Any]]]:
    return sa.select(Submission.answers).where(Submission.client_key == client_key, Submission.created_at >= since) \
        .order_by(Submission.id.desc()).limit(most)

