"""What the API does, through the same services as the site and the inbox: each write audited in its own
transaction, and every refusal an ``ApiProblem`` for the view to answer as problem details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from leads import clock
from leads.api import schemas as out
from leads.api.tokens import Caller
from leads.booking.availability import BookingError, Slot, parse_slot
from leads.booking.meetings import SlotTaken, book, can_book, offer
from leads.dates import zone_or_default
from leads.extensions import db, site_content
from leads.inbox.reading import CursorError, InboxFilters, inbox_page, journey
from leads.inbox.statuses import NOT_READY
from leads.inbox.workflow import Deal, WorkflowError, change_status, record_deal
from leads.models import Lead, Submission, User
from leads.privacy import audit
from leads.questionnaire import Questionnaire
from leads.questionnaire.answering import AnswersRefused, Visitor, next_step, take_headless
from leads.scoring.score import SCORED_DIMENSIONS

# Inbox filters that need a person behind the request ("mine") are not offered; everything else is the inbox's.
NO_VIEWER = 0


class ApiProblem(Exception):
    """A request the API refuses: its status, a short title, what to do, and the fields to fix."""

    def __init__(self, status: int, title: str, detail: str = "",
                 errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors = [out.FieldProblem(field=name, message=message)
                       for name, messages in (errors or {}).items() for message in messages]

    def body(self) -> out.Problem:
        return out.Problem(title=self.title, status=self.status, detail=self.detail, errors=self.errors)


def _not_found(what: str) -> ApiProblem:
    return ApiProblem(404, "Not found", f"There is no {what}.")


@contextmanager
def _audited(caller: Caller, action: str, target: str, **detail: Any) -> Iterator[None]:
    """The audit entry joins the session before the action, so that the action's own commit writes both; an
    action refused, or one that changed nothing and committed nothing, leaves no entry."""
    audit.note(None, f"api.{action}", target, {"integration": caller.name, "token": caller.token_id, **detail})
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise


# --- reading leads -------------------------------------------------------------------------------------------


def _scores(row: Lead | Submission) -> out.Scores:
    points = {dimension: getattr(row, dimension) for dimension in SCORED_DIMENSIONS}
    return out.Scores(total=row.score if isinstance(row, Lead) else row.total, **points)


def _summary(lead: Lead) -> dict[str, Any]:
    deal = None
    if lead.status in ("won", "lost"):
        deal = out.Deal(outcome="won" if lead.status == "won" else "lost", amount=lead.deal_amount,
                        currency=lead.deal_currency, closed_on=lead.deal_closed_on)
    return {"id": lead.id, "email": lead.email, "name": lead.name, "company": lead.company, "role": lead.job_role,
            "route": str(lead.route), "status": lead.status, "owner": lead.owner.name if lead.owner else None,
            "scores": _scores(lead), "stage": lead.stage, "source": lead.source,
            "landing_article": lead.landing_article, "arrived_at": lead.routed_at, "deal": deal}


def receipt_lines(rows: list[Any]) -> list[out.ReceiptLine]:
    return [out.ReceiptLine(rule=str(r.get("rule", "")), label=str(r.get("label", "")),
                            dimension=str(r.get("dimension", "")), input=str(r.get("input", "")),
                            points=int(r.get("points") or 0), question=str(r.get("question") or ""))
            for r in rows if isinstance(r, dict)]


def _submission(found: Submission) -> out.SubmissionOut:
    return out.SubmissionOut(id=found.id, created_at=found.created_at, verdict=str(found.verdict),
                             model_version=found.model_version, scores=_scores(found),
                             receipt=receipt_lines(found.receipt or []), gates_missed=list(found.gates_missed or []),
                             held_for=[str(r) for r in found.quarantine_reasons or []], answers=dict(found.answers))


def leads_page(filters: out.LeadFilters) -> out.LeadPage:
    """A keyset page of the inbox's leads, filtered as the inbox filters them, each with its latest answers, their
    receipt and its journey."""
    fields = filters.model_dump(exclude={"limit"})
    try:
        page = inbox_page(InboxFilters(**fields), NO_VIEWER, filters.limit)
    except CursorError as exc:
        raise ApiProblem(400, "Bad cursor", str(exc), {"after": [str(exc)]}) from None
    titles = site_content().article_titles()
    return out.LeadPage(leads=[_detail(lead, titles) for lead in page.leads], next=page.next_after)


def lead_detail(lead_id: int) -> out.LeadDetail:
    """Any lead, with its latest answers and their receipt, and its whole journey."""
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise _not_found("lead with that id")
    return _detail(lead, site_content().article_titles())


def _detail(lead: Lead, titles: Mapping[str, str]) -> out.LeadDetail:
    return out.LeadDetail(**_summary(lead), submission=_submission(lead.latest) if lead.submissions else None,
                          journey=[out.JourneyStep(at=s.at, kind=s.kind, data=dict(s.data), actor=s.actor)
                                   for s in journey(lead, titles)])


# --- moving leads --------------------------------------------------------------------------------------------


def move_lead(caller: Caller, lead_id: int, change: out.StatusChange) -> out.LeadDetail:
    """The inbox's status move, made for sales by an integration."""
    if db.session.get(Lead, lead_id) is None:
        raise _not_found("lead with that id")
    if change.status == NOT_READY and not change.reason:
        raise ApiProblem(422, "A reason is needed", "Say why the lead is not ready: it tunes the scoring.",
                         {"reason": ["Needed when the status is not_ready."]})
    with _audited(caller, "lead.status", f"lead #{lead_id}", status=change.status):
        try:
            change_status(lead_id, change.status, None, change.reason, by=caller.label)
        except WorkflowError as exc:
            raise ApiProblem(409, "The lead cannot move so", str(exc)) from None
    return lead_detail(lead_id)


def record_outcome(caller: Caller, given: out.OutcomeIn) -> out.LeadDetail:
    """A won or lost deal from the CRM, landing where sales' own click lands."""
    if (given.lead_id is None) == (given.email is None):
        raise ApiProblem(422, "Name one lead", "Give the lead's id or its email, not both.",
                         {"lead_id": ["Give lead_id or email."]})
    if given.lead_id is not None:
        lead = db.session.get(Lead, given.lead_id)
    else:
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == (given.email or "").strip().lower()))
    if lead is None:
        raise _not_found("lead with that id or email")
    deal = Deal(given.outcome, given.closed_on or clock.now().date(), given.amount, given.currency or "")
    lead_id = lead.id
    with _audited(caller, "lead.outcome", f"lead #{lead_id}", outcome=given.outcome):
        try:
            record_deal(lead_id, deal, None, by=caller.label)
        except WorkflowError as exc:
            raise ApiProblem(409, "The outcome cannot be recorded", str(exc)) from None
    return lead_detail(lead_id)


# --- answers and bookings ------------------------------------------------------------------------------------


def typed_answers(answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """JSON answers as a browser posts them: strings, a list for several choices, "y" for a ticked box."""
    typed: dict[str, list[str]] = {}
    for key, value in answers.items():
        if value is True:
            typed[key] = ["y"]
        elif value is False or value is None:
            typed[key] = []
        elif isinstance(value, list):
            typed[key] = [str(v) for v in value]
        else:
            typed[key] = [str(value)]
    return typed


def _slots(shown: list[Slot], rep_name: str) -> list[out.Slot]:
    return [out.Slot(slot=s.value, start=s.start, end=s.end, with_rep=rep_name if s.rep_id else "") for s in shown]


def submit_answers(caller: Caller, given: out.AnswersIn, caller_address: str) -> out.SubmissionResult:
    """Answers from another system's form, taken as the site takes them, in the language the form showed."""
    model = site_content().questionnaire().in_language(given.language)
    unknown = sorted(set(given.answers) - {q.id for q in model.questions})
    if unknown:
        raise ApiProblem(422, "Unknown questions", "Answer the questions of GET /api/v1/questionnaire.",
                         {name: ["There is no such question."] for name in unknown[:20]})
    typed = {**typed_answers(given.answers), "website": [given.website] if given.website else []}
    entry = {k: v for k, v in given.arrival.model_dump().items() if k != "page"}
    if given.arrival.page:
        entry["landing_page"] = given.arrival.page
    visitor = Visitor(address=given.prospect_address or caller_address, entry=entry)
    started = given.started_at if given.started_at.tzinfo else given.started_at.replace(tzinfo=dt.UTC)
    seconds = max(0.0, (clock.now() - started).total_seconds())
    with _audited(caller, "answers.submitted", "submission"):
        try:
            submission_id = take_headless(model, typed, visitor, seconds)
        except AnswersRefused as exc:
            raise ApiProblem(422, "Some answers need fixing", "Each field below says what.", exc.errors) from None
        db.session.commit()
    return result_of(submission_id)


def result_of(submission_id: int) -> out.SubmissionResult:
    submission = db.session.get(Submission, submission_id)
    assert submission is not None
    lead = submission.lead
    shown = offer(lead) if can_book(lead) else None
    return out.SubmissionResult(
        lead_id=lead.id, submission_id=submission.id, verdict=str(submission.verdict), route=str(lead.route),
        next_step=next_step(submission), scores=_scores(submission), receipt=receipt_lines(submission.receipt or []),
        slots=_slots(shown.slots, shown.rep_name) if shown else [])


def offered_slots(lead_id: int) -> out.SlotList:
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise _not_found("lead with that id")
    if not can_book(lead):
        raise ApiProblem(409, "Booking is not open", "Only a ready buyer who asked to talk can book a time.")
    shown = offer(lead)
    return out.SlotList(lead_id=lead.id, slots=_slots(shown.slots, shown.rep_name))


def book_slot(caller: Caller, lead_id: int, given: out.BookingIn) -> out.MeetingOut:
    """One of the times offered, booked through the booking service: invitations, alerts and counts included."""
    if db.session.get(Lead, lead_id) is None:
        raise _not_found("lead with that id")
    try:
        rep_id, start = parse_slot(given.slot)
    except BookingError as exc:
        raise ApiProblem(409, "Not a time offered", str(exc), {"slot": [str(exc)]}) from None
    with _audited(caller, "meeting.booked", f"lead #{lead_id}"):
        try:
            meeting = book(lead_id, rep_id, start, zone_or_default(given.timezone))
        except SlotTaken as exc:
            raise ApiProblem(409, "That time is taken", str(exc)) from None
        except BookingError as exc:
            raise ApiProblem(409, "Booking is not open", str(exc)) from None
    rep = db.session.get(User, meeting.rep_id)
    return out.MeetingOut(id=meeting.id, lead_id=lead_id, start=meeting.start, end=meeting.end,
                          rep=rep.name if rep else "", status=meeting.status)


# --- the questionnaire ---------------------------------------------------------------------------------------


def questionnaire(model: Questionnaire) -> out.QuestionnaireOut:
    return out.QuestionnaireOut(version=model.version, language=model.language, languages=list(model.languages),
                                title=model.title, intro=model.intro, steps=[
        out.StepOut(id=step.id, title=step.title, intro=step.intro, questions=[
            out.QuestionOut(id=q.id, type=q.type, label=q.label, required=q.required, help=q.help,
                            options=[out.OptionOut(value=o.value, label=o.label) for o in q.options],
                            min_length=q.min_length, max_length=q.max_length, min=q.min, max=q.max,
                            shown_if=dict(q.show_if.spec) if q.show_if else None)
            for q in step.questions])
        for step in model.steps])
