"""Admins manage webhook endpoints and read the delivery log in the browser; nobody else can."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.delivery.worker import run
from leads.extensions import db
from leads.models import OutboxMessage, WebhookEndpoint
from tests.fixtures.factories import csrf_token
from tests.fixtures.webhooks import WebhookReceiver

DELIVERY_PAGES = [
    ("GET", "/admin/endpoints"), ("POST", "/admin/endpoints"), ("GET", "/admin/endpoints/1"),
    ("POST", "/admin/endpoints/1"), ("POST", "/admin/endpoints/1/secret"), ("POST", "/admin/endpoints/1/ping"),
    ("POST", "/admin/endpoints/1/replay"), ("GET", "/admin/deliveries"), ("GET", "/admin/deliveries/1"),
    ("POST", "/admin/deliveries/1/replay"), ("GET", "/admin/mailbox"), ("GET", "/admin/mailbox/x"),
    ("GET", "/admin/mailbox/x/html"), ("GET", "/admin/mailbox/x/invite.ics"),
]


@pytest.fixture
def admin(client: FlaskClient, make_user, auth) -> Any:
    user = make_user("admin")
    auth.login(user.email)
    return user


def work(app: Flask) -> None:
    with app.app_context():
        run(threading.Event(), poll_seconds=0, once=True)


def add_endpoint(client: FlaskClient, url: str, events: list[str]) -> tuple[int, str]:
    response = client.post("/admin/endpoints", data={
        "url": url, "events": events, "csrf_token": csrf_token(client, "/admin/endpoints")})
    assert response.status_code == 201
    secret = re.search(r'<code id="secret">(whsec_[^<]+)</code>', response.get_data(as_text=True))
    assert secret
    endpoint_id = int(re.search(r"/admin/endpoints/(\d+)/ping", response.get_data(as_text=True)).group(1))
    return endpoint_id, secret.group(1)


@pytest.mark.parametrize("role", ["sales", "marketer", None])
@pytest.mark.parametrize(("method", "path"), DELIVERY_PAGES)
def test_every_delivery_and_endpoint_page_is_admin_only(client: FlaskClient, make_user, auth, role: str | None,
                                                        method: str, path: str) -> None:
    if role:
        auth.login(make_user(role).email)
    token = csrf_token(client, "/" if role else "/login")  # valid, so the refusal is the access check
    response = client.open(path, method=method, data={"csrf_token": token})
    if role:
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_adds_an_endpoint_and_sees_its_secret_only_once(app: Flask, client: FlaskClient, admin) -> None:
    endpoint_id, secret = add_endpoint(client, "https://crm.example.com/hooks", ["lead.sales_ready"])
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).secret == secret
    for page in (f"/admin/endpoints/{endpoint_id}", "/admin/endpoints"):
        html = client.get(page).get_data(as_text=True)
        assert "crm.example.com" in html and secret not in html


def test_an_endpoint_needs_an_http_url_and_an_event(client: FlaskClient, admin) -> None:
    response = client.post("/admin/endpoints", data={
        "url": "ftp://files.example.com", "csrf_token": csrf_token(client, "/admin/endpoints")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give a full http(s) URL." in html and "Choose at least one event." in html


def test_a_form_without_its_csrf_token_is_refused(client: FlaskClient, admin) -> None:
    response = client.post("/admin/endpoints", data={"url": "https://x.example", "events": ["lead.assigned"]})
    assert response.status_code == 400


def test_rotating_the_secret_shows_the_new_one_once(client: FlaskClient, admin) -> None:
    endpoint_id, old = add_endpoint(client, "https://crm.example.com/hooks", ["lead.sales_ready"])
    page = f"/admin/endpoints/{endpoint_id}"
    response = client.post(f"{page}/secret", data={"csrf_token": csrf_token(client, page)})
    new = re.search(r'<code id="secret">(whsec_[^<]+)</code>', response.get_data(as_text=True))
    assert new and new.group(1) != old
    assert new.group(1) not in client.get(page).get_data(as_text=True)


def test_a_test_ping_reaches_the_receiver_and_shows_in_the_log(app: Flask, client: FlaskClient, admin,
                                                               receiver: WebhookReceiver) -> None:
    endpoint_id, receiver.secret = add_endpoint(client, receiver.url, ["lead.sales_ready"])
    page = f"/admin/endpoints/{endpoint_id}"
    response = client.post(f"{page}/ping", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 303
    work(app)
    [(webhook_id, body)] = receiver.wait_for(1)
    assert body["type"] == "endpoint.ping"
    log = client.get(f"/admin/deliveries?webhook={endpoint_id}&shown=sent").get_data(as_text=True)
    assert "endpoint.ping" in log and "delivered" in log
    detail = client.get("/admin/deliveries/1").get_data(as_text=True)
    assert webhook_id in detail and "HTTP 204" in detail


def test_the_log_filters_failing_and_given_up_and_an_admin_replays_one(app: Flask, client: FlaskClient, admin,
                                                                       make_lead, receiver: WebhookReceiver) -> None:
    _, receiver.secret = add_endpoint(client, receiver.url, ["lead.sales_ready"])
    receiver.stop()
    make_lead()
    make_lead()
    work(app)
    with app.app_context():
        first, second = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                                           .order_by(OutboxMessage.id)).all()
        first.status = "dead"
        db.session.commit()
        dead_id, failing_id = first.id, second.id
    failing = client.get("/admin/deliveries?shown=failed").get_data(as_text=True)
    assert f"/admin/deliveries/{failing_id}\"" in failing and f"/admin/deliveries/{dead_id}\"" not in failing
    dead = client.get("/admin/deliveries?shown=dead").get_data(as_text=True)
    assert f"/admin/deliveries/{dead_id}\"" in dead and f"/admin/deliveries/{failing_id}\"" not in dead
    assert "Connection" in client.get(f"/admin/deliveries/{dead_id}").get_data(as_text=True)

    receiver.start()
    page = f"/admin/deliveries/{dead_id}"
    assert client.post(f"{page}/replay", data={"csrf_token": csrf_token(client, page)}).status_code == 303
    work(app)
    # The replayed one arrives, and the receiver answering again brings the one still failing forward.
    assert len(receiver.wait_for(2)) == 2
    assert "delivered" in client.get(page).get_data(as_text=True)


def test_a_kept_mail_shows_its_calendar_invitation_summed_up_and_downloadable(
        app: Flask, client: FlaskClient, admin, make_user, make_lead, fixed_clock) -> None:
    import datetime as dt

    from icalendar import Calendar

    from leads.booking.meetings import book
    from leads.delivery.mailbox import mailbox_mails

    app.config["CLOCK"] = fixed_clock
    rep = make_user("sales", name="Riley Rep", email="riley@team.example")
    lead = make_lead(name="Dana Buyer")
    with app.app_context():
        meeting = book(lead.id, rep.id, dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC), "America/New_York")
        uid = meeting.uid
    work(app)
    with app.app_context():
        invite = next(m for m in mailbox_mails() if m.to == rep.email and m.subject.startswith("Booked"))
        alert = next(m for m in mailbox_mails() if m.to == rep.email and not m.subject.startswith("Booked"))
    page = client.get(f"/admin/mailbox/{invite.key}").get_data(as_text=True)
    assert "Calendar invitation" in page and "Dana Buyer and Riley Rep" in page
    assert "7 December 2026, 15:00</time> to" in page  # the admin's zone: the team's (UTC)
    download = client.get(f"/admin/mailbox/{invite.key}/invite.ics")
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    assert download.headers["Content-Disposition"] == 'attachment; filename="invite.ics"'
    event = next(iter(Calendar.from_ical(download.get_data(as_text=True)).walk("VEVENT")))
    assert str(event["uid"]) == uid and event.decoded("dtstart") == dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
    listing = client.get("/admin/mailbox").get_data(as_text=True)
    assert listing.count('<span class="badge">Invitation</span>') == 2  # the rep's and the prospect's
    assert client.get(f"/admin/mailbox/{alert.key}/invite.ics").status_code == 404
    assert "Calendar invitation" not in client.get(f"/admin/mailbox/{alert.key}").get_data(as_text=True)
