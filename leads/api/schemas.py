"""What the API takes and gives, as pydantic models: plain Python, from which the OpenAPI document is written."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StringConstraints

from leads import languages

# What a token may do; an admin gives each token the fewest it needs.
SCOPES = {
    "leads:read": "Read leads, with their receipts, answers and journeys, and the questionnaire",
    "leads:write": "Change a lead's status, and record won and lost deals",
    "answers:submit": "Send a prospect's answers, as the questionnaire on the site does",
    "bookings:write": "Book one of the times offered to a ready buyer",
}
PROBLEM_TYPE = "about:blank"

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only the text the document promises (pydantic alone would also read 0 or "0" as a Unix time)."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("Give a date as YYYY-MM-DD.")
    return value


def _iso_datetime(value: Any) -> Any:
    if not isinstance(value, str) or not ISO_DATE.match(value) or len(value) <= 10:
        raise ValueError("Give a date and time as ISO 8601, such as 2026-12-07T09:30:00Z.")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_date)]
Moment = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]


class Closed(BaseModel):
    """Refuses unknown fields: a misspelt field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class FieldProblem(BaseModel):
    field: str = Field(description="The field, or question id, as a dotted path")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the API is answered."""

    type: str = PROBLEM_TYPE
    title: str
    status: int
    detail: str = ""
    errors: list[FieldProblem] = Field(default_factory=list, description="Each field that needs fixing, if any")


# --- leads --------------------------------------------------------------------------------------------------


class LeadFilters(Closed):
    """The inbox's filters; after is the next cursor of the page before."""

    status: Literal["", "new", "contacted", "meeting_set", "won", "lost", "not_ready", "spam"] = ""
    owner: Literal["everyone", "unassigned"] = "everyone"
    score_min: int | None = Field(default=None, ge=-100_000, le=100_000)
    score_max: int | None = Field(default=None, ge=-100_000, le=100_000)
    arrived_from: Day | None = None
    arrived_to: Day | None = None
    stage: Annotated[str, StringConstraints(max_length=40)] = ""
    source: Annotated[str, StringConstraints(max_length=100)] = ""
    landing: Annotated[str, StringConstraints(max_length=200)] = ""
    meeting: Literal["", "booked", "none", "held", "no_show"] = ""
    q: Annotated[str, StringConstraints(max_length=200)] = ""
    sort: Literal["newest", "score"] = "newest"
    where: Literal["inbox", "out", "both"] = Field(
        default="inbox", description="Leads in the inbox now, those sales once had that left it, or both")
    after: Annotated[str, StringConstraints(max_length=100)] = ""
    limit: int = Field(default=50, ge=1, le=200)


class ReceiptLine(BaseModel):
    """One scoring rule that fired: what it was, the answer or words that fired it, and its points."""

    rule: str
    label: str
    dimension: str
    input: str
    points: int
    question: str = ""


class Scores(BaseModel):
    total: int
    fit: int
    intent: int
    engagement: int


class Deal(BaseModel):
    outcome: Literal["won", "lost"]
    amount: Decimal | None
    currency: str
    closed_on: dt.date | None


class LeadSummary(BaseModel):
    id: int
    email: str
    name: str
    company: str
    role: str
    route: str = Field(description="sales_ready, nurture, disqualified or quarantined")
    status: str
    owner: str | None
    scores: Scores
    stage: str
    source: str
    landing_article: str
    arrived_at: dt.datetime = Field(description="When the lead last reached its route")
    deal: Deal | None


class JourneyStep(BaseModel):
    at: dt.datetime
    kind: str
    data: dict[str, Any]
    actor: str = ""


class SubmissionOut(BaseModel):
    id: int
    created_at: dt.datetime
    verdict: str = Field(description="sales_ready, warming, nurture, disqualified, quarantined (held) or spam")
    model_version: str
    scores: Scores
    receipt: list[ReceiptLine]
    gates_missed: list[str]
    held_for: list[str] = Field(description="Why the answers are held for a person to read, if they are")
    answers: dict[str, Any]


class LeadDetail(LeadSummary):
    submission: SubmissionOut | None = Field(description="The latest answers, with their receipt")
    journey: list[JourneyStep]


class LeadPage(BaseModel):
    leads: list[LeadDetail]
    next: str | None = Field(description="Pass as after for the next page; null on the last")


class StatusChange(Closed):
    status: Literal["contacted", "meeting_set", "won", "lost", "not_ready", "spam"]
    reason: Literal["", "no_timeline", "no_budget", "no_authority", "just_researching", "wrong_fit", "unreachable",
                    "other"] = Field(default="", description="Why not ready: needed with not_ready")


class OutcomeIn(Closed):
    """A closed deal, from the CRM: name the lead by lead_id or by email."""

    lead_id: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    outcome: Literal["won", "lost"]
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    closed_on: Day | None = Field(default=None, description="The day the deal closed; today if left out")


# --- answers and bookings -------------------------------------------------------------------------------------

Answer = Annotated[str, StringConstraints(max_length=5000)] | bool | int | float | list[
    Annotated[str, StringConstraints(max_length=200)]]


class Arrival(Closed):
    """Where the prospect came from, as your page saw it: its UTM parameters, referrer and address."""

    utm_source: Annotated[str, StringConstraints(max_length=200)] = ""
    utm_medium: Annotated[str, StringConstraints(max_length=200)] = ""
    utm_campaign: Annotated[str, StringConstraints(max_length=200)] = ""
    utm_term: Annotated[str, StringConstraints(max_length=200)] = ""
    utm_content: Annotated[str, StringConstraints(max_length=200)] = ""
    referrer: Annotated[str, StringConstraints(max_length=2000)] = ""
    page: Annotated[str, StringConstraints(max_length=2000)] = Field(default="", description="The page with your form")


# A shipped language's code, or "" for the site's default.
LanguageCode = Annotated[str, StringConstraints(pattern=f"^({'|'.join(languages.CODES)})?$")]


class QuestionnaireQuery(Closed):
    language: LanguageCode = Field(default="", description="The language of the texts (the site's default if left "
                                                            "out, or if the questionnaire is not written in it)")


class AnswersIn(Closed):
    """A prospect's answers to the questionnaire (GET /questionnaire), by question id."""

    answers: dict[Annotated[str, StringConstraints(max_length=100)], Answer] = Field(max_length=200)
    started_at: Moment = Field(description="When the prospect opened your form: the site holds answers sent "
                                                "faster than a person reads them for review, and so does the API")
    prospect_address: Annotated[str, StringConstraints(max_length=45)] = Field(
        default="", description="The prospect's IP address, for the burst check (only a keyed hash is kept); "
                                "the caller's own address if left out")
    website: Annotated[str, StringConstraints(max_length=200)] = Field(
        default="", description="Your form's hidden trap field for bots, as typed: anything there holds the answers")
    arrival: Arrival = Field(default_factory=Arrival)
    language: LanguageCode = Field(
        default="", description="The language your form showed the questions in (GET /questionnaire?language=): "
                                "kept with the answers, the prospect's mails follow it, and the consent is recorded "
                                "in its wording")


class Slot(BaseModel):
    slot: str = Field(description="Pass it to the booking endpoint")
    start: dt.datetime
    end: dt.datetime
    with_rep: str = Field(description="The rep's name, or empty for whoever of the team is free")


class SubmissionResult(BaseModel):
    lead_id: int
    submission_id: int
    verdict: str
    route: str
    next_step: Literal["ready", "reading", "held", "other"] = Field(
        description="What the site's result page would offer: ready (a conversation: the times are in slots "
                    "when they asked to talk), reading, held (a person reads the answers first) or other")
    scores: Scores
    receipt: list[ReceiptLine]
    slots: list[Slot]


class BookingIn(Closed):
    slot: Annotated[str, StringConstraints(pattern=r"^(team|[0-9]{1,10})@[0-9]{8}T[0-9]{6}Z$")] = Field(
        description="One of the slots offered")
    timezone: Annotated[str, StringConstraints(max_length=64)] = Field(
        default="", description="The prospect's IANA zone, for their invitation")


class MeetingOut(BaseModel):
    id: int
    lead_id: int
    start: dt.datetime
    end: dt.datetime
    rep: str
    status: str


class SlotList(BaseModel):
    lead_id: int
    slots: list[Slot]


# --- the questionnaire ---------------------------------------------------------------------------------------


class OptionOut(BaseModel):
    value: str
    label: str


class QuestionOut(BaseModel):
    id: str
    type: str
    label: str
    required: bool
    help: str
    options: list[OptionOut]
    min_length: int
    max_length: int
    min: float | None
    max: float | None
    shown_if: dict[str, Any] | None = Field(description="Asked only when this condition on earlier answers holds")


class StepOut(BaseModel):
    id: str
    title: str
    intro: str
    questions: list[QuestionOut]


class QuestionnaireOut(BaseModel):
    version: str
    language: str = Field(description="The language of these texts")
    languages: list[str] = Field(description="The languages the questionnaire is written in, the default first")
    title: str
    intro: str
    steps: list[StepOut]
