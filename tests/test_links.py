"""Signed links: each opens only for its own purpose and secret, unchanged, until its lifetime ends on the app's
clock; links mailed before payloads had readable keys still open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from leads import links
from leads.booking.meetings import BOOK, MEETING, BookLink, MeetingLink
from leads.nurture.subscriptions import CONFIRM_LINK, READ_LINK, READY_LINK, UNSUBSCRIBE_LINK, HolderLink, ReadLink
from leads.privacy.requests import LINKS as DATA_LINKS
from leads.privacy.requests import DataLink
from tests.fixtures.clocks import MONDAY_8AM, FixedClock, MovingClock

NURTURE: dict[str, links.Purpose[Any]] = {
    "confirm": CONFIRM_LINK, "unsubscribe": UNSUBSCRIBE_LINK, "read": READ_LINK, "ready": READY_LINK}


def bare_app(clock: Any, secret: str = "secret") -> Flask:
    """What signing needs of an app: its secret key, its clock, and the links' lifetimes."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret, CLOCK=clock, BOOKING_LINK_DAYS=60, PRIVACY_LINK_HOURS=1)
    return app


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_8AM)


@pytest.fixture
def signing(clock: FixedClock) -> Iterator[Flask]:
    app = bare_app(clock)
    with app.app_context():
        yield app


def test_a_link_reads_back_only_under_its_own_purpose_and_secret(signing: Flask, clock: FixedClock) -> None:
    token = links.sign(BOOK, BookLink(lead_id=7))
    assert links.read(BOOK, token) == {"lead_id": 7}
    others: tuple[links.Purpose[Any], ...] = (MEETING, READ_LINK, DATA_LINKS["export"])
    for purpose in others:
        with pytest.raises(links.LinkError) as refused:
            links.read(purpose, token)
        assert not refused.value.expired
    with bare_app(clock, "another secret").app_context(), pytest.raises(links.LinkError) as refused:
        links.read(BOOK, token)
    assert not refused.value.expired


def test_a_nurture_link_works_only_for_its_own_purpose(signing: Flask) -> None:
    token = links.sign(READ_LINK, ReadLink(lead_id=1, slug="qualifying-by-the-gap"))
    assert links.read(READ_LINK, token) == {"lead_id": 1, "slug": "qualifying-by-the-gap"}
    for name in ("confirm", "unsubscribe", "ready"):
        with pytest.raises(links.LinkError):
            links.read(NURTURE[name], token)
    export = links.sign(DATA_LINKS["export"], DataLink(email="dana@buyer.example"))
    with pytest.raises(links.LinkError):
        links.read(DATA_LINKS["erase"], export)


@pytest.mark.parametrize("change", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
                                    lambda t: t.replace(".", "x", 1), lambda t: "",
                                    lambda t: ("f" if t[0] != "f" else "g") + t[1:]])
def test_an_altered_link_is_refused(signing: Flask, change) -> None:
    token = links.sign(MEETING, MeetingLink(meeting_id=1, uid="u"))
    with pytest.raises(links.LinkError) as refused:
        links.read(MEETING, change(token))
    assert not refused.value.expired


def test_a_link_expires_by_the_app_clock_and_still_says_where_it_pointed(signing: Flask, clock: FixedClock) -> None:
    token = links.sign(DATA_LINKS["export"], DataLink(email="dana@buyer.example"))
    clock.move(minutes=59)
    assert links.read(DATA_LINKS["export"], token) == {"email": "dana@buyer.example"}
    clock.move(minutes=2)
    with pytest.raises(links.LinkError) as refused:
        links.read(DATA_LINKS["export"], token)
    assert refused.value.expired and refused.value.payload == {"email": "dana@buyer.example"}


def test_each_nurture_link_lasts_as_long_as_its_purpose_says(signing: Flask, clock: FixedClock) -> None:
    tokens = {name: links.sign(purpose, HolderLink(lead_id=1, address_hash="h") if name != "read"
                               else ReadLink(lead_id=1, slug="s")) for name, purpose in NURTURE.items()}
    clock.move(days=8)
    with pytest.raises(links.LinkError):
        links.read(CONFIRM_LINK, tokens["confirm"])
    clock.move(days=53)
    with pytest.raises(links.LinkError):
        links.read(READY_LINK, tokens["ready"])
    clock.move(days=338)  # 399 days on
    assert links.read(UNSUBSCRIBE_LINK, tokens["unsubscribe"])["address_hash"] == "h"
    assert links.read(READ_LINK, tokens["read"])["slug"] == "s"


def test_a_payload_without_the_purposes_keys_is_refused(signing: Flask) -> None:
    token = URLSafeTimedSerializer("secret", salt=BOOK.salt).dumps({"lead_id": "7"})  # signed, but not a lead's id
    with pytest.raises(links.LinkError):
        links.read(BOOK, token)


def test_links_mailed_before_payloads_had_readable_keys_still_open() -> None:
    """As the three signers wrote them: nurture's and privacy's on the machine's time, booking's on the app's."""
    with bare_app(MovingClock()).app_context():
        def old(salt: str, payload: Any) -> str:
            return str(URLSafeTimedSerializer("secret", salt=salt).dumps(payload))

        assert links.read(UNSUBSCRIBE_LINK, old("doorstep-nurture-unsubscribe", {"l": 3, "h": "abc"})) == {
            "lead_id": 3, "address_hash": "abc"}
        assert links.read(READ_LINK, old("doorstep-nurture-read", {"l": 3, "s": "a-slug"})) == {
            "lead_id": 3, "slug": "a-slug"}
        assert links.read(BOOK, old("doorstep.booking.book", {"lead": 7})) == {"lead_id": 7}
        assert links.read(MEETING, old("doorstep.booking.meeting", {"meeting": 2, "uid": "u"})) == {
            "meeting_id": 2, "uid": "u"}
        assert links.read(DATA_LINKS["erase"], old("doorstep.privacy.erase", "dana@buyer.example")) == {
            "email": "dana@buyer.example"}


def test_the_lifetime_follows_the_config(signing: Flask, clock: FixedClock) -> None:
    token = links.sign(BOOK, BookLink(lead_id=7))
    clock.move(days=59)
    assert links.read(BOOK, token) == {"lead_id": 7}
    signing.config["BOOKING_LINK_DAYS"] = 30
    with pytest.raises(links.LinkError):
        links.read(BOOK, token)
    assert dt.timedelta(days=59) > BOOK.lifetime(signing.config)
