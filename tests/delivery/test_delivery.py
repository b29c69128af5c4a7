"""The outbox delivers: sales alerts by email, signed webhooks, retries, the dead letter and replay.

Everything on the other side is real and local: aiosmtpd for mail, an HTTP server that checks the
Standard Webhooks signature for webhooks, and worker processes started and killed by the tests.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from leads.delivery import endpoints as delivery
from leads.delivery.outbox import Webhook, post_many
from leads.delivery.worker import run
from leads.extensions import db
from leads.inbox.workflow import assign_leads, change_status
from leads.models import DeliveryAttempt, OutboxMessage
from tests.fixtures.app import ON_POSTGRES, ROOT
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import Auth
from tests.fixtures.webhooks import WebhookReceiver

ALL_LEAD_EVENTS = ["lead.sales_ready", "lead.assigned", "lead.status_changed", "lead.recycled"]


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any], clock: MovingClock) -> dict[str, Any]:
    return {**app_config, **mail_config, "CLOCK": clock, "SITE_URL": "https://leads.example.com",
            "SLA_WORKING_HOURS": 0}


def work(app: Flask) -> int:
    """Run the worker in this process until nothing is due."""
    with app.app_context():
        return run(threading.Event(), poll_seconds=0, once=True)


def subscribe(app: Flask, receiver: WebhookReceiver, events: list[str] | None = None) -> int:
    with app.app_context():
        endpoint = delivery.create_endpoint(receiver.url, events or ALL_LEAD_EVENTS)
        receiver.secret = endpoint.secret
        return endpoint.id


def messages(app: Flask, **where: Any) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(sa.select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(found)


# --- email -----------------------------------------------------------------------------------------


def test_ready_lead_alerts_its_rep_at_once_with_their_words_why_and_a_link(app: Flask, make_user, make_lead,
                                                                           smtp_server) -> None:
    rep = make_user("sales", name="Rita Rep")
    lead = make_lead(name="Dana Buyer", goals="Cut our month-end close from ten days to three")
    assert work(app) == 1

    [mail] = smtp_server.inbox.wait_for(1)
    assert mail["To"] == rep.email
    assert "Dana Buyer" in mail["Subject"] and "ready" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert "Cut our month-end close from ten days to three" in part
        assert f"https://leads.example.com/inbox/leads/{lead.id}" in part
    assert "Why they are ready" in text and "Why they are ready" in html
    [message] = messages(app, channel="email")
    assert mail["Message-ID"] == f"<{message.key}@leads.example.com>"
    assert message.status == "sent" and message.attempts == 1


def test_a_reps_alert_speaks_the_language_of_their_account_and_the_prospects_words_stay_as_written(
        app: Flask, make_user, make_lead, smtp_server, english_left) -> None:
    rep = make_user("sales", name="Rita Rep", language="de")
    lead = make_lead(name="Dana Buyer", goals="Cut our month-end close from ten days to three")
    assert work(app) == 1
    [mail] = smtp_server.inbox.wait_for(1)
    assert mail["To"] == rep.email and mail["Subject"].startswith("Dana Buyer (") and mail["Subject"].endswith(
        " ist bereit für ein Gespräch")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Warum der Lead bereit ist" in text and "Cut our month-end close from ten days to three" in text
    assert f"https://leads.example.com/inbox/leads/{lead.id}" in text  # staff pages have no language prefix
    assert english_left(mail.get_body(preferencelist=("html",)).get_content(), "de") == []


def test_everything_the_prospect_typed_is_escaped_in_the_html_part(app: Flask, make_user, make_lead,
                                                                    smtp_server) -> None:
    make_user("sales")
    make_lead(name="Eve <b>Bold</b>", goals='<script>alert("x")</script> & grow <img src=x onerror=alert(1)>')
    work(app)
    [mail] = smtp_server.inbox.wait_for(1)
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "<img" not in html and "<b>Bold" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Bold&lt;/b&gt;" in html and "&amp; grow" in html


def test_a_lead_nobody_could_be_given_to_alerts_the_admins(app: Flask, make_user, make_lead, smtp_server) -> None:
    admin = make_user("admin")
    make_lead()
    work(app)
    [mail] = smtp_server.inbox.wait_for(1)
    assert mail["To"] == admin.email


def test_development_mail_stays_in_the_local_mailbox_that_admins_read(make_app, make_user, make_lead,
                                                                      tmp_path: Path) -> None:
    app = make_app(MAIL_BACKEND="mailbox", SMTP_HOST="mail.invalid")
    make_user("sales")
    admin = make_user("admin")
    make_lead(name="Mo Mailbox", goals="A <b>bold</b> plan")
    work(app)
    client = app.test_client()
    Auth(client).login(admin.email)
    page = client.get("/admin/mailbox").get_data(as_text=True)
    assert "Mo Mailbox" in page
    key = next(iter(os.listdir(tmp_path / "mailbox" / "new")))
    mail = client.get(f"/admin/mailbox/{key}")
    assert mail.status_code == 200 and "A &lt;b&gt;bold&lt;/b&gt; plan" in mail.get_data(as_text=True)
    html = client.get(f"/admin/mailbox/{key}/html")
    assert html.headers["Content-Security-Policy"].startswith("sandbox")
    assert [m.status for m in messages(app)] == ["sent"]


# --- webhooks --------------------------------------------------------------------------------------


def test_webhook_is_signed_and_carries_the_lead_answers_receipt_and_link(app: Flask, make_user, make_lead,
                                                                         receiver: WebhookReceiver) -> None:
    subscribe(app, receiver, ["lead.sales_ready"])
    rep = make_user("sales", name="Rita Rep")
    lead = make_lead(name="Wes Hook", goals="Grow revenue with better forecasting")
    work(app)
    [(webhook_id, body)] = receiver.wait_for(1)
    [message] = messages(app, channel="webhook")
    assert webhook_id == message.key
    assert body["type"] == "lead.sales_ready" and body["version"] == 1
    data = body["data"]
    assert data["lead"]["id"] == lead.id and data["lead"]["name"] == "Wes Hook"
    assert data["lead"]["owner"] == {"name": "Rita Rep", "email": rep.email}
    assert data["lead"]["url"] == f"https://leads.example.com/inbox/leads/{lead.id}"
    assert data["answers"]["goals"] == "Grow revenue with better forecasting"
    assert data["receipt"]["verdict"] == "sales_ready" and data["receipt"]["top_reasons"]
    assert data["event"]["by"] == "submission"
    assert receiver.refused == []


def test_status_moves_reassignment_and_recycling_are_announced(app: Flask, make_user, make_lead,
                                                               receiver: WebhookReceiver) -> None:
    subscribe(app, receiver)
    first, second = make_user("sales"), make_user("sales")
    admin = make_user("admin")
    lead = make_lead()
    with app.app_context():
        change_status(lead.id, "contacted", first.id)
        assign_leads([lead.id], second.id if lead.owner_id == first.id else first.id, admin.id)
        change_status(lead.id, "not_ready", first.id, reason="no_budget")
    work(app)
    topics = [body["type"] for _, body in receiver.wait_for(5)]
    assert topics == ["lead.sales_ready", "lead.status_changed", "lead.assigned", "lead.status_changed",
                      "lead.recycled"]
    recycled = receiver.received[-1][1]["data"]
    assert recycled["event"] == {"from": "contacted", "to": "not_ready", "reason": "no_budget"}
    assert recycled["lead"]["route"] == "nurture"


def test_a_paused_endpoint_holds_its_messages_until_resumed(app: Flask, make_lead, receiver: WebhookReceiver) -> None:
    endpoint_id = subscribe(app, receiver)
    with app.app_context():
        delivery.update_endpoint(endpoint_id, receiver.url, ALL_LEAD_EVENTS, "", paused=True)
    make_lead()
    work(app)
    assert receiver.ids() == [] and [m.status for m in messages(app, channel="webhook")] == ["pending"]
    with app.app_context():
        delivery.update_endpoint(endpoint_id, receiver.url, ALL_LEAD_EVENTS, "", paused=False)
    work(app)
    assert len(receiver.wait_for(1)) == 1


def test_a_rotated_secret_signs_the_next_delivery(app: Flask, make_lead, receiver: WebhookReceiver) -> None:
    endpoint_id = subscribe(app, receiver)
    old = receiver.secret
    with app.app_context():
        receiver.secret = delivery.rotate_secret(endpoint_id).secret
    assert receiver.secret != old
    make_lead()
    work(app)
    assert len(receiver.wait_for(1)) == 1 and receiver.refused == []


# --- retries, the dead letter, replay --------------------------------------------------------------


def test_receiver_down_then_back_every_message_arrives_none_lost(app: Flask, make_lead, clock: MovingClock,
                                                                 receiver: WebhookReceiver) -> None:
    subscribe(app, receiver)
    receiver.stop()
    for _ in range(6):
        make_lead()
    for _ in range(4):  # four rounds of failures, hours apart
        work(app)
        clock.move(hours=2)
    pending = messages(app, channel="webhook")
    assert {m.status for m in pending} == {"pending"} and all(m.attempts >= 2 for m in pending)
    assert all(m.last_error for m in pending)

    receiver.start()
    clock.move(hours=5)  # past the longest wait between two tries
    work(app)
    delivered = messages(app, channel="webhook")
    assert {m.status for m in delivered} == {"sent"}
    assert sorted(receiver.ids()) == sorted(m.key for m in delivered)
    with app.app_context():
        tries = db.session.scalar(sa.select(sa.func.count()).select_from(DeliveryAttempt))
    assert tries == sum(m.attempts for m in delivered)


def test_a_message_failing_for_72_hours_is_dead_until_replayed_with_the_same_key(
        app: Flask, make_lead, clock: MovingClock, receiver: WebhookReceiver) -> None:
    endpoint_id = subscribe(app, receiver)
    receiver.stop()
    make_lead()
    for _ in range(40):
        work(app)
        clock.move(hours=3)
    [message] = messages(app, channel="webhook")
    assert message.status == "dead" and message.attempts > 10
    receiver.start()
    work(app)
    assert receiver.ids() == []  # the dead wait for a person
    with app.app_context():
        assert delivery.replay_dead(endpoint_id) == 1
    work(app)
    assert receiver.ids() == [message.key]
    assert [m.status for m in messages(app, channel="webhook")] == ["sent"]


# --- worker processes ------------------------------------------------------------------------------


def worker_process(app_config: dict[str, Any], *args: str) -> subprocess.Popen[str]:
    """``doorstep outbox work`` in a process of its own, on the test's database."""
    env = {**os.environ, "DOORSTEP_ENV": "test", "DOORSTEP_SECRET_KEY": "test-secret-key-not-for-production",
           "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"], "DOORSTEP_CONTENT_DIR": app_config["CONTENT_DIR"],
           "DOORSTEP_MAIL_BACKEND": "smtp", "DOORSTEP_SMTP_HOST": "127.0.0.1",
           "DOORSTEP_SMTP_PORT": str(app_config["SMTP_PORT"]), "DOORSTEP_SMTP_SECURITY": "none",
           "DOORSTEP_SLA_WORKING_HOURS": "0", "DOORSTEP_OUTBOX_POLL_SECONDS": "0.1"}
    doorstep = str(Path(sys.executable).parent / "doorstep")
    return subprocess.Popen([doorstep, "outbox", "work", *args], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)


def add_pings(app: Flask, endpoint_id: int, count: int) -> list[str]:
    """Many messages at once, written straight to the outbox as the app would."""
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
        post_many("endpoint.ping", [(Webhook(endpoint_id), {"n": n}) for n in range(count)])
        db.session.commit()
        return list(db.session.scalars(sa.select(OutboxMessage.key).where(OutboxMessage.id > before)
                                       .order_by(OutboxMessage.id)))


@pytest.mark.subprocess
def test_a_running_worker_picks_up_a_new_alert_and_stops_on_sigterm(app_config, make_user, make_lead,
                                                                   smtp_server) -> None:
    make_user("sales")
    worker = worker_process(app_config)
    try:
        make_lead(name="Fresh Lead")
        [mail] = smtp_server.inbox.wait_for(1)
        assert "Fresh Lead" in mail["Subject"]
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert "stopped after 1 deliveries" in err


@pytest.mark.subprocess
def test_worker_killed_mid_batch_loses_nothing_and_repeats_only_under_the_same_key(
        app: Flask, app_config, receiver: WebhookReceiver) -> None:
    endpoint_id = subscribe(app, receiver)
    keys = add_pings(app, endpoint_id, 30)
    receiver.delay = 0.05
    worker = worker_process(app_config)
    assert receiver.wait_until(lambda ids: len(ids) >= 5)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=10)
    assert len(set(receiver.ids())) < len(keys), "the worker finished before it was killed"

    receiver.delay = 0
    survivor = worker_process(app_config)
    try:
        assert receiver.wait_until(lambda ids: set(ids) == set(keys))
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.communicate(timeout=30)
    received = receiver.ids()
    assert set(received) == set(keys)
    assert len(received) - len(keys) <= 1  # at most the one in flight when it died, under its own key
    assert {m.status for m in messages(app, channel="webhook")} == {"sent"}


@pytest.mark.subprocess
@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="several workers share the outbox on PostgreSQL only")
def test_four_workers_on_postgresql_deliver_each_webhook_exactly_once(app: Flask, app_config,
                                                                     receiver: WebhookReceiver) -> None:
    endpoint_id = subscribe(app, receiver)
    keys = add_pings(app, endpoint_id, 1000)  # as many as the issue asks
    workers = [worker_process(app_config) for _ in range(4)]
    try:
        assert receiver.wait_until(lambda ids: len(ids) >= len(keys), timeout=180)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        errors = [worker.communicate(timeout=30)[1] for worker in workers]
    received = receiver.ids()
    assert len(received) == len(set(received)) == len(keys)
    assert set(received) == set(keys)
    assert sum("stopped after" in err and "after 0 deliveries" not in err for err in errors) >= 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeliveryAttempt)) == len(keys)


# --- the service level -----------------------------------------------------------------------------


def test_a_ready_lead_still_new_past_the_service_level_alerts_the_admins_once(
        make_app, make_user, make_lead, clock: MovingClock, smtp_server) -> None:
    from leads.inbox.alerts import check_service_level

    app = make_app(SLA_WORKING_HOURS=2, WORKING_HOURS="00:00-23:59", WORKING_DAYS="Mon-Sun")
    make_user("sales")
    admin = make_user("admin")
    make_lead(name="Wendy Waiting")
    answered = make_lead(name="Andy Answered")
    with app.app_context():
        change_status(answered.id, "contacted", answered.owner_id)
        clock.move(hours=1, minutes=50)
        assert check_service_level() == 0
        clock.move(minutes=20)
        assert check_service_level() == 1
        assert check_service_level() == 0  # once per hand-over
    work(app)
    mails = smtp_server.inbox.wait_for(3)
    late = [m for m in mails if m["To"] == admin.email]
    assert len(late) == 1 and "Wendy Waiting" in late[0]["Subject"] and "still waiting" in late[0]["Subject"]


# In the clear on loopback, as a test may: aiosmtpd rightly warns that production needs TLS for AUTH.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_mail_is_sent_with_the_configured_smtp_login(make_app, make_user, make_lead) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.fixtures.mail import Inbox, free_port

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        app = make_app(SMTP_PORT=port, SMTP_USERNAME="doorstep", SMTP_PASSWORD="s3cret")
        make_user("sales")
        make_lead()
        work(app)
        assert len(inbox.wait_for(1)) == 1
    finally:
        controller.stop()
    assert logins == [(b"doorstep", b"s3cret")]
    assert [m.status for m in messages(app)] == ["sent"]


def test_with_reassignment_on_a_late_lead_goes_to_the_next_rep_with_the_reason_logged(
        make_app, make_user, make_lead, clock: MovingClock, smtp_server) -> None:
    from leads.inbox.alerts import check_service_level
    from leads.models import Lead, LeadEvent

    app = make_app(SLA_WORKING_HOURS=2, SLA_REASSIGN=True, WORKING_HOURS="00:00-23:59", WORKING_DAYS="Mon-Sun")
    first, second = make_user("sales", name="Slow Sam"), make_user("sales", name="Quick Quinn")
    admin = make_user("admin")
    lead = make_lead(name="Wendy Waiting")
    assert lead.owner_id == first.id
    clock.move(hours=3)
    with app.app_context():
        assert check_service_level() == 1
        moved = db.session.get(Lead, lead.id)
        assert moved is not None and moved.owner_id == second.id
        hand_over, reassignment = db.session.scalars(sa.select(LeadEvent).where(
            LeadEvent.lead_id == lead.id, LeadEvent.kind == "assigned").order_by(LeadEvent.id)).all()
        assert hand_over.data["to"] == "Slow Sam"
        assert reassignment.data == {"to": "Quick Quinn", "from": "Slow Sam",
                              "reason": "Still new after 2 working hours with Slow Sam"}
    work(app)
    to = sorted(m["To"] for m in smtp_server.inbox.wait_for(3))
    assert to == sorted([first.email, second.email, admin.email])


# --- the daily digest ------------------------------------------------------------------------------


def test_a_rep_who_chose_the_digest_gets_one_mail_a_day_for_their_new_leads(
        make_app, make_user, make_lead, clock: MovingClock, smtp_server, receiver: WebhookReceiver) -> None:
    import datetime as dt

    from leads.inbox.alerts import queue_digests

    rep = make_user("sales", name="Digest Dee")
    client = make_app().test_client()
    Auth(client).login(rep.email)
    page = client.get("/inbox/alerts")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    assert client.post("/inbox/alerts", data={"alerts": "digest", "csrf_token": token.group(1)}).status_code == 303

    now = dt.datetime.now(dt.UTC)
    clock.move(seconds=(dt.datetime.combine(now.date(), dt.time(7), dt.UTC) - now).total_seconds())  # 07:00 today
    app = make_app(DIGEST_TIME="08:00", WORKING_TIMEZONE="UTC")
    subscribe(app, receiver, ["lead.sales_ready"])
    make_lead(name="Early Edna")
    make_lead(name="Late Lou")
    work(app)
    assert len(receiver.wait_for(2)) == 2  # webhooks go at once whatever the rep chose
    with app.app_context():
        assert queue_digests() == 0  # not 08:00 yet
    assert smtp_server.inbox.mails == []

    clock.move(hours=1, minutes=5)
    with app.app_context():
        assert queue_digests() == 1
        assert queue_digests() == 0  # once a day
    work(app)
    [digest] = smtp_server.inbox.wait_for(1)
    assert digest["To"] == rep.email and digest["Subject"] == "2 leads for you since your last digest"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert text.index("Early Edna") < text.index("Late Lou")


def test_when_a_receiver_answers_again_its_other_waiting_messages_go_at_once(
        app: Flask, make_lead, clock: MovingClock, receiver: WebhookReceiver) -> None:
    subscribe(app, receiver)
    receiver.stop()
    for _ in range(4):
        make_lead()
    for _ in range(3):  # three failed tries each: the next is 20 to 40 seconds away
        clock.move(minutes=2)
        work(app)
    receiver.start()
    with app.app_context():  # one message's retry comes up first; the others wait minutes more
        first, *rest = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert all(m.next_attempt_at > clock() for m in rest)
        first.next_attempt_at = clock()
        db.session.commit()
    work(app)
    assert {m.status for m in messages(app)} == {"sent"}
    assert len(receiver.ids()) == 4


# --- failures that trying again cannot mend --------------------------------------------------------


@pytest.mark.parametrize(("reply", "ends", "suppressed"), [
    ("550 5.1.1 No such mailbox", True, True),
    ("553 Mailbox name not allowed", True, True),
    ("450 4.2.1 Mailbox busy, try later", False, False),
    ("554 5.7.1 Relay access denied", False, False),  # our relay's settings, not the address: tried again
])
def test_a_mail_refused_for_good_ends_at_once_and_suppresses_the_address(
        make_app, make_user, make_lead, refusing_smtp, clock: MovingClock,
        reply: str, ends: bool, suppressed: bool) -> None:
    from leads.nurture.consent import suppression

    app = make_app(SMTP_PORT=refusing_smtp.port)
    rep = make_user("sales")
    refusing_smtp.inbox.replies[rep.email] = reply
    make_lead()
    work(app)
    clock.move(hours=1)
    work(app)  # a message that ended is not tried again
    [alert] = messages(app, channel="email")
    assert (alert.status, alert.attempts) == (("dead", 1) if ends else ("pending", 2))
    assert reply.split()[0] in alert.last_error
    with app.app_context():
        found = suppression(rep.email)
        assert (found is not None and found.reason == "bounced") == suppressed
        [first, *_] = db.session.scalars(sa.select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
        assert reply.split()[0] in first.detail and (("refused for good" in first.detail) == ends)


def test_an_endpoint_answering_410_gone_is_paused_with_the_reason_and_its_message_ends(
        app: Flask, make_user, make_lead, receiver: WebhookReceiver, clock: MovingClock) -> None:
    endpoint_id = subscribe(app, receiver)
    receiver.answer = 410
    make_lead()
    make_lead()
    work(app)
    clock.move(hours=2)
    work(app)
    gone, held = messages(app, channel="webhook")
    assert (gone.status, gone.attempts) == ("dead", 1) and "HTTP 410" in gone.last_error
    assert "paused" in gone.last_error and (held.status, held.attempts) == ("pending", 0)
    with app.app_context():
        endpoint = delivery.endpoint(endpoint_id)
        assert endpoint is not None and endpoint.paused and "410" in endpoint.paused_reason
    client = app.test_client()
    Auth(client).login(make_user("admin").email)
    page = client.get(f"/admin/endpoints/{endpoint_id}").get_data(as_text=True)
    assert "Paused by Doorstep." in page and "HTTP 410 Gone" in page
    receiver.answer = 204  # the receiver is back; an admin resumes the endpoint and replays the one that ended
    with app.app_context():
        delivery.update_endpoint(endpoint_id, receiver.url, ALL_LEAD_EVENTS, "", paused=False)
        delivery.replay_dead(endpoint_id)
        endpoint = delivery.endpoint(endpoint_id)
        assert endpoint is not None and endpoint.paused_reason == ""
    work(app)
    assert sorted(receiver.ids()) == sorted([gone.key, held.key])


def test_the_worker_logs_every_failed_try_with_when_it_tries_again(app: Flask, make_lead, receiver: WebhookReceiver,
                                                                  clock: MovingClock, caplog) -> None:
    import logging

    subscribe(app, receiver)
    receiver.stop()
    make_lead()
    with caplog.at_level(logging.WARNING, logger="leads.delivery.worker"):
        work(app)
        clock.move(minutes=5)
        work(app)
    [message] = messages(app, channel="webhook")
    lines = [r.getMessage() for r in caplog.records if r.name == "leads.delivery.worker"]
    assert [line.split(",")[0] for line in lines] == [f"Outbox message {message.key} (lead.sales_ready) failed try 1",
                                                      f"Outbox message {message.key} (lead.sales_ready) failed try 2"]
    assert all("tries again at" in line and "Connection refused" in line for line in lines)
