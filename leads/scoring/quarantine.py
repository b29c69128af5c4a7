"""The quarantine review: people decide about submissions the spam checks held back.

Release scores and routes a submission as of its arrival, under the model it arrived with, as if it had
never been held; confirm as spam keeps it out. Both are logged on the lead with who decided.

While answers are held, nothing goes to the prospect: the result page tells them that a person reads new
answers first, and what follows once one has. So a release answers what they asked for then, through the
paths a submission takes: a nurtured prospect who ticked the reading box gets the confirmation mail (their
consent as recorded on arrival, ``offer_reading``), and a ready one who asked to talk a mail with the link to
book and the rep's next free times (``mail_free_times``), besides the rep's alert from the hand-over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from leads import clock
from leads.booking.reminders import mail_free_times
from leads.extensions import db
from leads.models import LeadEvent, Submission, User
from leads.nurture.subscriptions import ASKED, offer_reading
from leads.questionnaire import Questionnaire
from leads.questionnaire.submissions import take_answers
from leads.scoring.handover import the_prospect
from leads.scoring.model_versions import model_of_version
from leads.scoring.rescore import rescore, speaks_for_lead
from leads.scoring.routing import Route
from leads.scoring.score import Verdict
from leads.studio.counts import count_submission, has_draft

PAGE = 50


class ReviewError(Exception):
    """The submission cannot be reviewed (gone, or someone decided already); the message says so."""


@dataclass(frozen=True)
class Review:
    submission_id: int
    lead_id: int
    verdict: Verdict
    # What the release mailed the prospect: "" (nothing), "confirmation" (the reading box) or "times" (to book).
    mailed: str = ""


def held_submissions(limit: int = PAGE) -> list[Submission]:
    """Submissions waiting for a person, oldest first, with their leads."""
    query = (sa.select(Submission).where(Submission.verdict == Verdict.HELD)
             .options(orm.joinedload(Submission.lead)).order_by(Submission.created_at, Submission.id).limit(limit))
    return list(db.session.scalars(query))


def held_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Submission)
                             .where(Submission.verdict == Verdict.HELD)) or 0


def release(submission_id: int, reviewer_id: int, model: Questionnaire, now: dt.datetime | None = None) -> Review:
    """Score and route the held submission as of its arrival; the lead follows when it is its latest. Commits."""
    now = now or clock.now()
    submission, reviewer = _held(submission_id, reviewer_id)
    model = model_of_version(submission.model_version, model)
    reasons = list(submission.quarantine_reasons)
    # Cleared, so that it is scored (now and by any replay) as released; the reasons stay on the review's record.
    submission.quarantine_reasons = []
    submission.context = {**submission.context, "review": _record("released", reviewer, now, reasons)}
    lead = submission.lead
    released = LeadEvent(lead_id=lead.id, at=now, kind="released", actor_id=reviewer.id)  # before what it moves
    db.session.add(released)
    for_lead = speaks_for_lead(submission)
    if for_lead:  # held answers reach the lead only now
        take_answers(lead, submission.answers, submission.context, submission.language)
    # As of arrival, as if never held; the prospect acted then, so a decision sales made since then stands.
    verdict = rescore(submission, model, submission.created_at, {"by": "release", "released_by": reviewer.name},
                      mover=the_prospect(submission.created_at), now=now)
    released.data = {"by": reviewer.name, "submission_id": submission.id, "route": verdict, "reasons": reasons}
    # Newer answers that came since were answered then.
    mailed = _answer_the_prospect(model, submission, now) if for_lead else ""
    count_submission(submission.context, submission.created_at, has_draft(submission.id), model)
    review = Review(submission.id, lead.id, verdict, mailed)
    db.session.commit()
    return review


def _answer_the_prospect(model: Questionnaire, submission: Submission, now: dt.datetime) -> str:
    """What the released answers asked for, now that a person has looked, for the lead where it now stands
    (a decision sales made since the answers arrived may have kept it elsewhere); what was mailed, if anything."""
    lead = submission.lead
    if lead.route == Route.SALES_READY:
        return "times" if mail_free_times(lead, now, "after_review") else ""
    return "confirmation" if offer_reading(model, lead, submission, lead.route, now) == ASKED else ""


def confirm_spam(submission_id: int, reviewer_id: int, now: dt.datetime | None = None) -> Review:
    """Keep the held submission out for good, logging who said so. Commits."""
    now = now or clock.now()
    submission, reviewer = _held(submission_id, reviewer_id)
    submission.verdict = Verdict.SPAM
    submission.context = {**submission.context,
                          "review": _record(Verdict.SPAM, reviewer, now, list(submission.quarantine_reasons))}
    db.session.add(LeadEvent(lead_id=submission.lead_id, at=now, kind="confirmed_spam", actor_id=reviewer.id,
                             data={"by": reviewer.name, "submission_id": submission.id}))
    review = Review(submission.id, submission.lead_id, Verdict.SPAM)
    db.session.commit()
    return review


def _held(submission_id: int, reviewer_id: int) -> tuple[Submission, User]:
    submission = db.session.get(Submission, submission_id)
    reviewer = db.session.get(User, reviewer_id)
    if submission is None or reviewer is None:
        raise ReviewError(_("That submission is no longer there."))
    if submission.verdict != Verdict.HELD:
        raise ReviewError(_("Someone has already reviewed that submission."))
    return submission, reviewer


def _record(decision: str, reviewer: User, now: dt.datetime, reasons: list[str]) -> dict[str, object]:
    return {"decision": decision, "by": reviewer.name, "by_id": reviewer.id, "at": now.isoformat(),
            "reasons": reasons}

