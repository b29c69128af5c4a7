"""Reading by email, as the prospect asked for it: double opt-in, confirmation, unsubscribe and resubscribe.

A submission with the box ticked starts a pending subscription and queues the confirmation mail (answers held
for review: when a person releases them); nothing else is sent until its signed link is followed. Each function
here but ``start_opt_in`` and ``offer_reading`` is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from leads import clock, links
from leads.delivery.outbox import post
from leads.extensions import db, site_content
from leads.models import Consent, Lead, LeadEvent, NurtureSend, NurtureSubscription, Submission
from leads.nurture import recommend_reading
from leads.nurture.consent import (
    MARKETING,
    lift_suppression,
    marketing_consent_of,
    record_consent,
    record_submission_consents,
    suppress,
    suppression,
)
from leads.nurture.sequences import Sequences
from leads.privacy.people import address_key
from leads.questionnaire import Questionnaire
from leads.scoring.routing import Route
from leads.studio.counts import journey_of
from leads.web.locale import current_language

CONFIRM = "nurture.confirm"
READING_LIST = "nurture.reading_list"
SEQUENCE = "nurture.email"
# Mail to the prospect: never a webhook, and (but for the confirmation) checked against the suppressions.
NURTURE_TOPICS = (CONFIRM, READING_LIST, SEQUENCE)
MARKETING_TOPICS = (READING_LIST, SEQUENCE)
READING_LIST_KEY = "reading-list"
# What a submission's reading box led to, kept in its context for the result page to say exactly that:
# a confirmation was queued, the address already gets the reading, or it refused mail before.
BY_EMAIL = "reading_by_email"
ASKED = "asked"  # the confirmation was queued
RESUBSCRIBE_WORDING = "Send me the reading again"


class HolderLink(TypedDict):
    """Confirm, unsubscribe, and "Ready to talk?": the lead, and the keyed hash of the address the mail went to."""

    lead_id: int
    address_hash: str


class ReadLink(TypedDict):
    """An article in a mail: the lead who follows it, and the article."""

    lead_id: int
    slug: str


def _days(days: int) -> Callable[[Mapping[str, Any]], dt.timedelta]:
    return lambda config: dt.timedelta(days=days)


# Nurture mails sent before links had readable keys carry "l", "h" and "s". They are read as they are until the
# longest of these lifetimes (400 days) has passed since, when the renaming can go.
_SINGLE_LETTERS = links.renamed({"l": "lead_id", "h": "address_hash", "s": "slug"})
# How long each link works. Unsubscribing must keep working from an old email, so it lasts longest.
CONFIRM_LINK = links.Purpose("doorstep-nurture-confirm", HolderLink, _days(7), _SINGLE_LETTERS)
UNSUBSCRIBE_LINK = links.Purpose("doorstep-nurture-unsubscribe", HolderLink, _days(400), _SINGLE_LETTERS)
READ_LINK = links.Purpose("doorstep-nurture-read", ReadLink, _days(400), _SINGLE_LETTERS)
READY_LINK = links.Purpose("doorstep-nurture-ready", HolderLink, _days(60), _SINGLE_LETTERS)


def sequences() -> Sequences:
    """The email sequences as the files are now, read again when one changes (``Content.email_sequences``)."""
    content = site_content()
    return content.email_sequences()


def start_opt_in(model: Questionnaire, answers: Mapping[str, Any], lead: Lead, submission: Submission, route: Route,
                 now: dt.datetime) -> None:
    """Record the submission's consents; a nurture lead who ticked the reading box gets the confirmation mail.

    ``route`` is the one the submission's verdict gives its lead (``lead_route``: a "not yet" buyer's ``warming``
    is a nurture lead too). Answers held for review have their consents recorded here, as given, and are
    offered the reading when a person releases them (``offer_reading``). The caller commits, with the
    submission: the consent, the subscription and the mail are written or lost together with it.
    """
    marketing = record_submission_consents(model, dict(answers), lead, submission, now)
    if marketing is not None:
        _offer(model, answers, lead, submission, marketing, route, now)


def offer_reading(model: Questionnaire, lead: Lead, submission: Submission, route: Route, now: dt.datetime) -> str:
    """Answers held for review that a person has released: the reading box ticked with them (its consent as
    recorded when they arrived, in the words shown then) asks for the confirmation mail now, as
    ``start_opt_in`` would have, for a lead whose ``route`` is nurture. Returns what the box led to
    (``BY_EMAIL``: ``ASKED`` when a confirmation was queued), or "" when it was not ticked or the lead is not
    nurtured. The caller commits."""
    marketing = marketing_consent_of(submission)
    return _offer(model, submission.answers, lead, submission, marketing, route, now) if marketing else ""


def _offer(model: Questionnaire, answers: Mapping[str, Any], lead: Lead, submission: Submission, marketing: Consent,
           route: Route, now: dt.datetime) -> str:
    """The reading by email for a ticked box: a confirmation queued if the lead is nurtured, kept in the
    submission's context (``BY_EMAIL``) so that the result page promises a mail only when one was queued."""
    if route != Route.NURTURE:
        return ""
    outcome = _queue_confirmation(model, answers, lead, submission, marketing, now)
    submission.context = {**submission.context, BY_EMAIL: outcome}
    return outcome


def _queue_confirmation(model: Questionnaire, answers: Mapping[str, Any], lead: Lead, submission: Submission,
                        marketing: Consent, now: dt.datetime) -> str:
    address = address_key(lead.email)
    stopped = suppression(address, hashed=True)
    if stopped is not None and stopped.reason == "bounced":
        return "refused"  # the address refused mail for good; a confirmation would only bounce again
    found = db.session.get(NurtureSubscription, lead.id)
    if found is not None and found.state == "active":
        return "already"  # already reading by email: the sequence goes on as it was
    db.session.flush()  # the consent's id, for the subscription
    articles = site_content().fresh_articles().published(now)
    read = read_before_answering(submission.context)
    reading = [article.slug for article in recommend_reading(articles, answers, model, read=read)]
    matching = [track.id for track in model.nurture_tracks if track.when.holds(answers)]
    if found is None:
        found = NurtureSubscription(lead_id=lead.id, created_at=now)
        db.session.add(found)
    found.state, found.address_hash, found.reading, found.consent_id = "pending", address, reading, marketing.id
    found.track = sequences().track_for(matching)
    found.stopped_at, found.stop_reason, found.next_email_at = None, "", None
    post(CONFIRM, lead.email, {"lead_id": lead.id}, at=now)
    return ASKED


def read_before_answering(context: Any) -> set[str]:
    """The articles a submission's author read before sending it (from the visit they started on, too),
    landing article included, as its ``context`` says: a reading list never offers them again."""
    if not isinstance(context, Mapping):
        return set()
    arrived, read = journey_of(context)
    return {slug for slug in (arrived.landing, str(context.get("landing_article") or ""), *read) if slug}


class NothingToDo(ValueError):
    """A good link that cannot act: the lead was erased, or it asks for what no longer applies."""


@dataclass(frozen=True)
class Confirmed:
    state: Literal["pending", "confirmed", "already", "unsubscribed"]
    name: str


def confirmation(token: str) -> Confirmed:
    """What the confirmation link's page offers, changing nothing: a mail scanner that opens the link (as
    many do, to check it) must not confirm for the person, so confirming is the page's button (``confirm``)."""
    lead, subscription = _linked(links.read(CONFIRM_LINK, token))
    return Confirmed(_confirmation_state(subscription), lead.name)


def confirm(token: str) -> Confirmed:
    """The confirmation page's button: the reading list goes at once, the sequence is scheduled after it."""
    lead, subscription = _linked(links.read(CONFIRM_LINK, token))
    if (state := _confirmation_state(subscription)) != "pending":
        return Confirmed(state, lead.name)
    now = clock.now()
    subscription.state, subscription.confirmed_at = "active", now
    if subscription.consent_id is not None:
        db.session.execute(sa.update(Consent).where(Consent.id == subscription.consent_id).values(confirmed_at=now))
    lift_suppression(subscription.address_hash)  # a new, confirmed yes outweighs an earlier unsubscribe
    reading = list(subscription.reading)
    post(READING_LIST, lead.email, {"lead_id": lead.id, "email": READING_LIST_KEY, "articles": reading}, at=now)
    db.session.add_all([NurtureSend(lead_id=lead.id, email=READING_LIST_KEY, article=slug, at=now) for slug in reading])
    subscription.next_email_at = _first_due(subscription.track, now)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="nurture_confirmed", data={"track": subscription.track}))
    db.session.commit()
    return Confirmed("confirmed", lead.name)


def _confirmation_state(subscription: NurtureSubscription) -> Literal["pending", "already", "unsubscribed"]:
    return "already" if subscription.state == "active" else "unsubscribed" if subscription.state == "stopped" \
        else "pending"


@dataclass(frozen=True)
class Unsubscribed:
    name: str
    can_resubscribe: bool
    done: bool = True  # False: the footer link's page, asking for the one click that unsubscribes


def unsubscribe_offer(token: str) -> Unsubscribed:
    """What the footer link's page offers, changing nothing: mail scanners open links to check them, so
    arriving must not unsubscribe. The page's button (or a mail client's RFC 8058 POST) does, at once."""
    payload = links.read(UNSUBSCRIBE_LINK, token)
    lead = _holder(payload)
    stopped = suppression(payload["address_hash"], hashed=True)
    return Unsubscribed(lead.name if lead else "", lead is not None,
                        done=stopped is not None and stopped.reason == "unsubscribed")


def unsubscribe(token: str) -> Unsubscribed:
    """One click, honoured at once: the address is suppressed (by keyed hash, so it outlives an erasure)."""
    payload = links.read(UNSUBSCRIBE_LINK, token)
    now = clock.now()
    suppress(payload["address_hash"], "unsubscribed", now)
    lead = _holder(payload)
    if lead is not None:
        subscription = db.session.get(NurtureSubscription, lead.id)
        if subscription is not None and subscription.state != "stopped":
            _stop(subscription, "unsubscribed", now)
            db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="unsubscribed", data={}))
    name = lead.name if lead else ""
    db.session.commit()
    return Unsubscribed(name, lead is not None)


def resubscribe(token: str) -> str:
    """The unsubscribe page's second thoughts: recorded as a new consent, confirmed by the signed link itself."""
    lead, subscription = _linked(links.read(UNSUBSCRIBE_LINK, token))
    now = clock.now()
    # The words the button showed, in the language it showed them (the template's msgid is this one).
    consent = record_consent(MARKETING, gettext(RESUBSCRIBE_WORDING), lead.email, now, "unsubscribe page", lead,
                             confirmed=True)
    consent.language = current_language()
    db.session.flush()
    lift_suppression(subscription.address_hash)
    subscription.state, subscription.consent_id, subscription.stopped_at, subscription.stop_reason = (
        "active", consent.id, None, "")
    subscription.confirmed_at = subscription.confirmed_at or now
    subscription.next_email_at = _first_due(subscription.track, now, skip=subscription.emails_sent)
    if subscription.next_email_at is None:
        _stop(subscription, "finished", now)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="resubscribed", data={}))
    db.session.commit()
    return lead.name


def _holder(payload: HolderLink) -> Lead | None:
    """The lead a signed link names, if it still has the address the link was made for."""
    lead = db.session.get(Lead, payload["lead_id"])
    return lead if lead is not None and address_key(lead.email) == payload["address_hash"] else None


def _linked(payload: HolderLink) -> tuple[Lead, NurtureSubscription]:
    """The lead and subscription a signed link names, if the lead still has that address."""
    lead = _holder(payload)
    subscription = db.session.get(NurtureSubscription, lead.id) if lead is not None else None
    if lead is None or subscription is None:
        raise NothingToDo(gettext("We no longer hold anything for this address, so there is nothing to change."))
    return lead, subscription


def _first_due(track: str, now: dt.datetime, skip: int = 0) -> dt.datetime | None:
    emails = sequences().tracks.get(track, [])
    limit = int(current_app.config["NURTURE_MAX_EMAILS"])
    return now + emails[skip].delay if skip < min(len(emails), limit) else None


def _stop(subscription: NurtureSubscription, reason: str, now: dt.datetime) -> None:
    subscription.state, subscription.stop_reason, subscription.stopped_at = "stopped", reason, now
    subscription.next_email_at = None


__all__ = ["NURTURE_TOPICS", "NothingToDo", "confirm", "confirmation", "offer_reading", "resubscribe",
           "start_opt_in", "unsubscribe", "unsubscribe_offer"]
