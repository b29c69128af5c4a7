"""The personal-data map: every table that holds a prospect's data, and how to find one person's rows there.

Export and erasure both read this one list, so a table added later (meetings, nurture sends, consent
records) is one entry here and is then exported and erased with the rest. ``tests/test_privacy_map.py``
fails when a table with a ``lead_id`` or an email column is neither here nor in ``NOT_ABOUT_PROSPECTS``.
Entries are in erasure order: rows that refer to others come before the rows they refer to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext

from leads.extensions import db
from leads.models import Base


@dataclass(frozen=True)
class Person:
    """One prospect as the database knows them: their address, and the ids their other rows hang from."""

    email: str
    lead_ids: tuple[int, ...] = ()
    submission_ids: tuple[int, ...] = ()
    message_ids: tuple[int, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.lead_ids or self.message_ids)


@dataclass(frozen=True)
class PersonalTable:
    """A table holding personal data: what it is, in the prospect's words, and which rows are theirs."""

    name: str
    what: str  # lazily translated: the language of the page or export showing it
    rows: Callable[[sa.Table, Person], sa.ColumnElement[bool]]

    @property
    def table(self) -> sa.Table:
        return Base.metadata.tables[self.name]

    def where(self, person: Person) -> sa.ColumnElement[bool]:
        return self.rows(self.table, person)


def by_lead(name: str, what: str) -> PersonalTable:
    """A table whose rows belong to a lead through its ``lead_id``."""
    return PersonalTable(name, what, lambda t, p: t.c.lead_id.in_(p.lead_ids))


def by_lead_or_address(name: str, what: str, column: str = "email") -> PersonalTable:
    """A table whose rows belong to a lead, or name the person's address where no lead is linked."""
    return PersonalTable(name, what, lambda t, p: sa.or_(t.c.lead_id.in_(p.lead_ids), t.c[column] == p.email))


def _drafts(t: sa.Table, p: Person) -> sa.ColumnElement[bool]:
    # Sent drafts by their submission (indexed); unsent ones, few as retention keeps them, by the address typed.
    typed = t.c.answers[("email", 0)].as_string()
    return sa.or_(t.c.submission_id.in_(p.submission_ids),
                  sa.and_(t.c.submission_id.is_(None), sa.func.lower(sa.func.trim(typed)) == p.email))


PERSONAL_DATA: tuple[PersonalTable, ...] = (
    PersonalTable("delivery_attempts",
                  lazy_gettext("What mail servers and webhook receivers said about messages about you"),
                  lambda t, p: t.c.message_id.in_(p.message_ids)),
    PersonalTable("outbox", lazy_gettext("Emails and webhooks about you or to you"),
                  lambda t, p: t.c.id.in_(p.message_ids)),
    PersonalTable("questionnaire_drafts", lazy_gettext("Questionnaires you started"), _drafts),
    by_lead("nurture_sends", lazy_gettext("The emails of your reading sequence, and the articles each carried")),
    by_lead("nurture_subscriptions",
            lazy_gettext("Your reading by email: whether you confirmed it, and when the next comes")),
    by_lead("consents", lazy_gettext("What you agreed to, in the words you were shown, and when")),
    by_lead("meetings", lazy_gettext("Conversations you booked with our team, and how they went")),
    by_lead("lead_reads", lazy_gettext("When our team opened your record")),
    by_lead("assignments", lazy_gettext("Who in our team your enquiry was handed to")),
    by_lead("lead_events", lazy_gettext("Your journey with us: submissions, routing, notes and status")),
    by_lead("submissions", lazy_gettext("Your answers, their context and the scored receipt")),
    PersonalTable("leads", lazy_gettext("Your contact details and where your enquiry stands"),
                  lambda t, p: t.c.id.in_(p.lead_ids)),
)

# Tables with a lead_id or an email column that hold no prospect's data, and why.
NOT_ABOUT_PROSPECTS: dict[str, str] = {
    "users": "the team's own accounts",
    "erasure_tombstones": "a keyed hash of an erased address, kept so that suppression still works",
    "suppressions": "keyed hashes of addresses no marketing may go to, kept so that an unsubscribe outlives erasure",
    "availability": "the team's own working hours and calendars",
}


def find_person(email: str) -> Person:
    """Resolve an address to the ids the map's entries look rows up by."""
    connection = db.session.connection()
    email = email.strip().lower()
    leads, outbox, submissions = (Base.metadata.tables[n] for n in ("leads", "outbox", "submissions"))
    lead_ids = tuple(connection.execute(sa.select(leads.c.id).where(leads.c.email == email)).scalars())
    submission_ids = tuple(connection.execute(
        sa.select(submissions.c.id).where(submissions.c.lead_id.in_(lead_ids))).scalars()) if lead_ids else ()
    mine = outbox.c.recipient == email
    if lead_ids:
        mine = sa.or_(mine, outbox.c.lead_id.in_(lead_ids))
    message_ids = tuple(connection.execute(sa.select(outbox.c.id).where(mine)).scalars())
    return Person(email, lead_ids, submission_ids, message_ids)
