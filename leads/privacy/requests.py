"""A prospect's own requests: a signed, expiring link to their data, mailed through the outbox to their address.

The page that takes the address answers the same whether or not Doorstep knows it, and as fast: every
request is one outbox row, written alike, and the worker looks the address up as it sends. Only the
mailbox of that address learns the answer: a link when Doorstep holds something about it; otherwise no
mail, and the request forgets the address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypedDict

import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import gettext as _

from leads import links
from leads.delivery import NothingToSend, Undeliverable
from leads.delivery.email import Mail, mail_from
from leads.delivery.outbox import post
from leads.delivery.registry import renders, schedule
from leads.extensions import db
from leads.models import OutboxMessage
from leads.privacy.data_map import find_person
from leads.privacy.retention import purge_when_due
from leads.web.locale import current_language

# What a link lets its holder do; each is signed with a salt of its own, so one cannot stand for the other.
PURPOSES = {
    "export": "Send me a copy of my data",
    "erase": "Erase my data",
}
LINK_TOPIC = "privacy.link"


def register(app: Flask) -> None:
    renders(app, data_link_mail, LINK_TOPIC)
    schedule(app, purge_when_due)


class DataLink(TypedDict):
    """The address whose data the link opens."""

    email: str


def _link_hours(config: Mapping[str, Any]) -> dt.timedelta:
    return dt.timedelta(hours=float(config["PRIVACY_LINK_HOURS"]))


def _bare_address(signed: Any) -> Any:
    """Links mailed before links had named payloads carry the bare address; they last PRIVACY_LINK_HOURS (24 by
    default), after which this can go."""
    return {"email": signed} if isinstance(signed, str) else signed


LINKS = {purpose: links.Purpose(f"doorstep.privacy.{purpose}", DataLink, _link_hours, _bare_address)
         for purpose in PURPOSES}


def link_token(email: str, purpose: str) -> str:
    return links.sign(LINKS[purpose], DataLink(email=email.strip().lower()))


def address_of(token: str, purpose: str) -> str:
    """The address a link was made for; LinkError when it is forged, for another purpose, or expired."""
    if purpose not in LINKS:
        raise links.LinkError(links.INVALID)
    return links.read(LINKS[purpose], token)["email"]


def ask_for_link(email: str, purpose: str) -> None:
    """Queue the request; whether there is anything on this address is the worker's question, not the asker's.
    The mail speaks the language of the page it was asked on."""
    post(LINK_TOPIC, email.strip().lower(), {"purpose": purpose, "language": current_language()})
    db.session.commit()


def data_link_mail(message: OutboxMessage) -> Mail:
    """The mail with the link; the link is signed as it is sent, so it expires from then.

    NothingToSend when Doorstep holds nothing about the address (other requests for a link aside): no mail
    goes, and the request forgets the address. Otherwise the request is filed under the person's lead, for an
    export or an erasure to find. The worker commits.
    """
    person = find_person(message.recipient)
    others = sa.exists().where(OutboxMessage.recipient == person.email, OutboxMessage.topic != LINK_TOPIC)
    if not person.lead_ids and not db.session.scalar(sa.select(others)):
        message.recipient = ""
        raise NothingToSend("Not mailed: nothing is kept about this address, and the request no longer keeps it "
                            "either.")
    message.lead_id = person.lead_ids[0] if person.lead_ids else None
    purpose = str(message.payload.get("purpose"))
    if purpose not in LINKS:
        raise Undeliverable(f"No such request as {purpose!r}.")
    link = url_for(f"privacy.{purpose}_by_link", token=link_token(message.recipient, purpose), _external=True)
    hours = float(current_app.config["PRIVACY_LINK_HOURS"])
    subject = _("Your copy of your data") if purpose == "export" else _("Confirm that we should erase your data")
    return mail_from("privacy_link", subject, {"purpose": purpose, "link": link, "hours": f"{hours:g}"})
