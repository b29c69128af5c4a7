"""Consent records, for both kinds, and suppressed addresses: the one place either is written or read.

Each consent keeps the wording shown (text and SHA-256), when, where it came from, and a keyed hash
(``leads.privacy.people.address_key``) of the address, never the address itself: enough to show what
was agreed and to honour an unsubscribe after the person is erased. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from leads import languages
from leads.extensions import db
from leads.models import Consent, Lead, Submission, Suppression
from leads.privacy.people import address_key
from leads.questionnaire import EMAIL_READING, Questionnaire

STORAGE = "storage"
MARKETING = "marketing"


def wording_hash(wording: str) -> str:
    return hashlib.sha256(wording.encode()).hexdigest()


def record_consent(kind: str, wording: str, email: str, now: dt.datetime, source: str, lead: Lead | None = None,
                   submission: Submission | None = None, confirmed: bool = False,
                   language: str = languages.FALLBACK) -> Consent:
    """Add one consent as given, in the ``wording`` shown, in ``language``; marketing consent is confirmed later,
    by the link sent to the address."""
    consent = Consent(kind=kind, wording=wording, wording_hash=wording_hash(wording), language=language,
                      address_hash=address_key(email),
                      given_at=now, source=source, lead_id=lead.id if lead else None,
                      submission_id=submission.id if submission else None, confirmed_at=now if confirmed else None)
    db.session.add(consent)
    return consent


def record_submission_consents(model: Questionnaire, answers: dict[str, object], lead: Lead,
                               submission: Submission, now: dt.datetime) -> Consent | None:
    """Record every consent box ticked in a submission, with its label as the wording, as shown: ``model`` is the
    questionnaire in the language the prospect read (``Questionnaire.in_language``). Return the marketing one."""
    marketing = None
    for question in model.questions:
        if question.type != "consent" or answers.get(question.id) is not True:
            continue
        kind = MARKETING if question.id == EMAIL_READING else STORAGE
        consent = record_consent(kind, question.label, lead.email, now, f"questionnaire:{question.id}", lead,
                                 submission, language=model.language)
        if kind == MARKETING:
            marketing = consent
    return marketing


def marketing_consent_of(submission: Submission) -> Consent | None:
    """The reading box as ticked with ``submission``: its consent, in the wording shown then, or None."""
    return db.session.scalar(sa.select(Consent).where(Consent.submission_id == submission.id, Consent.kind == MARKETING)
                             .order_by(Consent.id).limit(1))


def suppression(email_or_hash: str, *, hashed: bool = False) -> Suppression | None:
    """Why no marketing mail may go to this address, or None when it may."""
    return db.session.get(Suppression, email_or_hash if hashed else address_key(email_or_hash))


def suppress(address_hash: str, reason: str, now: dt.datetime, detail: str = "") -> None:
    """Stop all marketing mail to an address; a later bounce or unsubscribe replaces the earlier reason."""
    found = db.session.get(Suppression, address_hash)
    if found is None:
        db.session.add(Suppression(address_hash=address_hash, reason=reason, at=now, detail=detail[:500]))
    else:
        found.reason, found.at, found.detail = reason, now, detail[:500]


def lift_suppression(address_hash: str) -> None:
    """The person asked again, by a confirmed link: mail may go to the address once more."""
    db.session.execute(sa.delete(Suppression).where(Suppression.address_hash == address_hash))
