"""The hand-raise: a prospect who said "not yet" (or was sent reading) says "I'd like to talk now".

The same submission is routed again under the same model, with the conversation question given its
asking answer: nothing is answered again. Callers: the result page's button ("result_page"), and the
nurture email's "Ready to talk?" link and the booking widget ("email", "booking").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from leads import clock
from leads.extensions import db, site_content
from leads.models import LeadEvent, Submission
from leads.questionnaire import Questionnaire
from leads.scoring.handover import decided_at, the_prospect
from leads.scoring.model_versions import model_of_version
from leads.scoring.rescore import rescore
from leads.scoring.routing import Route
from leads.scoring.score import HELD_BACK, Verdict

HAND_RAISED = "hand_raised"


class HandRaiseError(Exception):
    """The hand cannot be raised for this submission; the message says why, in the prospect's words."""


@dataclass(frozen=True)
class HandRaise:
    """What the hand-raise did: the submission's verdict now, and whether it had been raised before."""

    submission_id: int
    lead_id: int
    verdict: Verdict
    already: bool = False


def raise_hand(source: str, *, submission_id: int | None = None, lead_id: int | None = None,
               now: dt.datetime | None = None, model: Questionnaire | None = None) -> HandRaise:
    """Route the submission (or the lead's latest one) again as if its conversation answer asked to talk,
    and log the hand-raise on the lead; commits. ``source`` says where the hand went up ("result_page",
    "email", ...). The submission's own model version is used when it is kept (else the one in service).
    Raising a hand twice changes nothing the second time, unless sales decided about the lead in between (sent
    it back, say): then it is the prospect's new decision, and routes the lead again."""
    now = now or clock.now()
    if model is None:
        content = site_content()
        model = content.questionnaire()
    submission = _submission(submission_id, lead_id)
    if _raised_since_last_decision(submission):
        return HandRaise(submission.id, submission.lead_id, submission.verdict, already=True)
    if submission.verdict in HELD_BACK:
        raise HandRaiseError(_("Your answers are still being checked; we will be in touch once they are."))
    model = model_of_version(submission.model_version, model)
    conversation = model.conversation
    if conversation is None:
        raise HandRaiseError(_("This questionnaire has no question about talking to us."))
    submission.answers = {**submission.answers, conversation.question: conversation.asks}
    submission.context = {**submission.context, HAND_RAISED: {"at": now.isoformat(), "source": source[:40]}}
    lead_key = submission.lead_id
    raised = LeadEvent(lead_id=lead_key, at=now, kind=HAND_RAISED)  # before the route change it causes
    db.session.add(raised)
    # As of arrival, like a replay: only the answer about a conversation has changed.
    verdict = rescore(submission, model, submission.created_at, {"by": HAND_RAISED, "source": source[:40]},
                      mover=the_prospect(now), now=now)
    raised.data = {"source": source[:40], "submission_id": submission.id, "route": verdict}
    db.session.commit()
    return HandRaise(submission.id, lead_key, verdict)


def offers_hand_raise(submission: Submission) -> bool:
    """Whether the result page offers "I'd like to talk now" for these answers: where raising the hand could
    change the next step. Only while the lead is being nurtured (never while it is with sales), never for
    answers held for a person to check, refused as spam or ruled out by a disqualifier; and not twice, unless
    sales decided about the lead since (sent it back as not ready, say): then the way back is offered again."""
    if (submission.verdict not in (Verdict.SALES_READY, Verdict.NURTURE, Verdict.WARMING)
            or submission.lead.route != Route.NURTURE):
        return False
    return not _raised_since_last_decision(submission)


def _raised_since_last_decision(submission: Submission) -> bool:
    raised = submission.context.get(HAND_RAISED)
    if not isinstance(raised, dict):
        return False
    decided = decided_at(submission.lead_id)
    try:
        return decided is None or dt.datetime.fromisoformat(str(raised.get("at"))) >= decided
    except ValueError:
        return True


def _submission(submission_id: int | None, lead_id: int | None) -> Submission:
    submission = None
    if submission_id is not None:
        submission = db.session.get(Submission, submission_id)
    elif lead_id is not None:
        submission = db.session.scalar(sa.select(Submission).where(Submission.lead_id == lead_id)
                                       .order_by(Submission.id.desc()).limit(1))
    if submission is None:
        raise HandRaiseError(_("We could not find your answers. Please tell us where you stand again."))
    return submission

