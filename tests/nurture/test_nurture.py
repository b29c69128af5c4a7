"""Nurture by email: double opt-in, the reading list and the sequence through a real SMTP server, RFC 8058
one-click unsubscribe, suppression, signed links, clicks as engagement, and returns that wake sales."""

from __future__ import annotations

import datetime as dt
import re
import threading
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from leads.delivery.worker import run
from leads.extensions import db, site_content
from leads.models import Consent, Lead, LeadEvent, NurtureSend, NurtureSubscription, OutboxMessage, Suppression
from leads.nurture.sending import queue_due_emails
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import Auth, csrf_token, persona_answers, walk_questionnaire

SITE = "https://leads.example.com"
RESEARCHER = "Early researcher"
NOT_YET = "Budget holder with a near deadline who did not ask to talk"


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any], clock: MovingClock) -> dict[str, Any]:
    return {**app_config, **mail_config, "CLOCK": clock, "SITE_URL": SITE, "SLA_WORKING_HOURS": 0,
            "NURTURE_MAX_EMAILS": 3}


def work(app: Flask) -> int:
    """The worker in this process: its periodic jobs (the nurture job among them), then delivery until none is due."""
    from leads.delivery.jobs import scheduled_work

    with app.app_context():
        scheduled_work()
        return run(threading.Event(), poll_seconds=0, once=True)


def outbox(app: Flask, **where: Any) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(sa.select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(found)


def subscription(app: Flask, email: str) -> NurtureSubscription | None:
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == email))
        found = db.session.get(NurtureSubscription, lead_id)
        db.session.expunge_all()
        return found


def link_in(mail: Any, purpose: str) -> str:
    """A link of ``purpose`` from the plain-text part, as a path the test client can follow."""
    text = mail.get_body(preferencelist=("plain",)).get_content()
    found = re.search(rf"{re.escape(SITE)}(/email/{purpose}/[A-Za-z0-9_.-]+)", text)
    assert found, f"no {purpose} link in:\n{text}"
    return found.group(1)


def parts(mail: Any) -> tuple[str, str]:
    return (mail.get_body(preferencelist=("plain",)).get_content(),
            mail.get_body(preferencelist=("html",)).get_content())


def confirm(client: FlaskClient, path: str) -> Any:
    """Follow a confirmation link as a person does: its page, then the one button that confirms."""
    page = client.get(path)
    assert page.status_code == 200 and "Yes, send me the reading" in page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def opt_in(client: FlaskClient, answers: dict[str, Any], tick: bool = True) -> Any:
    return walk_questionnaire(client, {**answers, "email_reading": tick}, follow=True)


@pytest.fixture
def researcher() -> dict[str, Any]:
    return persona_answers(RESEARCHER)


@pytest.fixture
def confirmed(app: Flask, client: FlaskClient, researcher: dict[str, Any], smtp_server: SimpleNamespace) -> Any:
    """A researcher who ticked the box and followed the confirmation link; the reading list has arrived."""
    opt_in(client, researcher)
    work(app)
    [confirmation] = smtp_server.inbox.wait_for(1)
    assert confirm(client, link_in(confirmation, "confirm")).status_code == 200
    work(app)
    mails = smtp_server.inbox.wait_for(2)
    assert len(mails) == 2
    return mails[1]


# --- double opt-in, the reading list and the sequence, through SMTP ---------------------------------------


def test_nothing_is_sent_before_the_confirmation_link_is_followed(app: Flask, client: FlaskClient, clock: MovingClock,
                                                                  researcher: dict[str, Any], smtp_server) -> None:
    result = opt_in(client, researcher).get_data(as_text=True)
    assert f"sent a link to <strong>{researcher['email']}</strong>" in result
    work(app)
    [mail] = smtp_server.inbox.wait_for(1)
    assert mail["To"] == researcher["email"] and "confirm" in mail["Subject"].lower()
    assert mail["List-Unsubscribe"] is None  # the confirmation is no marketing
    for _ in range(6):  # weeks pass; the address was never confirmed
        clock.move(days=10)
        work(app)
    assert len(smtp_server.inbox.mails) == 1
    assert [m.topic for m in outbox(app)] == ["nurture.confirm"]
    assert subscription(app, researcher["email"]).state == "pending"


def test_a_not_yet_buyer_who_asks_for_the_reading_by_email_gets_the_confirmation_then_the_reading(
        app: Flask, client: FlaskClient, smtp_server) -> None:
    not_yet = persona_answers(NOT_YET)
    result = opt_in(client, not_yet).get_data(as_text=True)
    assert f"sent a link to <strong>{not_yet['email']}</strong>" in result
    work(app)
    [confirmation] = smtp_server.inbox.wait_for(1)
    assert confirmation["To"] == not_yet["email"] and "confirm" in confirmation["Subject"].lower()
    confirm(client, link_in(confirmation, "confirm"))
    work(app)
    reading = smtp_server.inbox.wait_for(2)[1]
    assert reading["Subject"].startswith("Your reading list") and "Ready to talk?" in parts(reading)[0]
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == not_yet["email"]))
        assert (lead.route, lead.latest.verdict) == ("nurture", "warming")
    assert subscription(app, not_yet["email"]).state == "active"


def test_the_result_page_says_a_link_was_sent_only_when_one_was_queued(
        app: Flask, confirmed: Any, researcher: dict[str, Any]) -> None:
    again = opt_in(app.test_client(), researcher).get_data(as_text=True)  # reading by email already
    assert "sent a link" not in again
    assert f"Your reading already comes by email to <strong>{researcher['email']}</strong>" in again
    assert len(outbox(app, topic="nurture.confirm")) == 1
    with app.app_context():
        from leads.nurture.consent import suppress
        from leads.privacy.people import address_key

        suppress(address_key("closed@mailbox.example"), "bounced", dt.datetime.now(dt.UTC))
        db.session.commit()
    refused = opt_in(app.test_client(), {**researcher, "email": "closed@mailbox.example"}).get_data(as_text=True)
    assert "sent a link" not in refused and "We have sent nothing" in refused
    assert len(outbox(app, topic="nurture.confirm")) == 1


def test_a_reading_list_never_offers_the_article_just_read(app: Flask, client: FlaskClient,
                                                           researcher: dict[str, Any]) -> None:
    first = re.findall(r'href="/articles/([a-z0-9-]+)"', opt_in(client, researcher).get_data(as_text=True))
    top = first[0]
    reader = app.test_client()
    assert reader.post("/visit", data={"page": f"/articles/{top}"}).status_code == 204  # read it, then answered
    shown = re.findall(r'href="/articles/([a-z0-9-]+)"',
                       opt_in(reader, {**researcher, "email": "reader@example.org"}).get_data(as_text=True))
    assert shown and top not in shown
    mailed = subscription(app, "reader@example.org")
    assert mailed is not None and mailed.reading and top not in mailed.reading
    assert list(mailed.reading) == list(dict.fromkeys(shown))  # the mail carries the list the page showed


def test_an_unticked_box_sends_nothing_but_the_storage_consent_is_recorded(app: Flask, client: FlaskClient,
                                                                           researcher: dict[str, Any]) -> None:
    step = client.get("/questionnaire")
    assert step.status_code == 200  # the box is on the contact step, unticked: see the step test below
    result = opt_in(client, researcher, tick=False).get_data(as_text=True)
    assert "sent a link" not in result
    assert outbox(app) == [] and subscription(app, researcher["email"]) is None
    with app.app_context():
        [consent] = db.session.scalars(sa.select(Consent)).all()
        label = site_content(app).questionnaire().question("consent").label
        assert (consent.kind, consent.wording, consent.source) == ("storage", label, "questionnaire:consent")
        assert consent.confirmed_at is None and researcher["email"] not in consent.address_hash


def test_both_consents_are_recorded_with_wording_hash_time_and_keyed_address(app: Flask, client: FlaskClient,
                                                                             clock: MovingClock, confirmed: Any,
                                                                             researcher: dict[str, Any]) -> None:
    import hashlib
    import hmac

    with app.app_context():
        consents = {c.kind: c for c in db.session.scalars(sa.select(Consent))}
        model = site_content(app).questionnaire()
    marketing = consents["marketing"]
    assert marketing.wording == model.question("email_reading").label
    assert marketing.wording == "Email me this reading list and an occasional article that fits what I wrote"
    assert marketing.wording_hash == hashlib.sha256(marketing.wording.encode()).hexdigest()
    assert marketing.source == "questionnaire:email_reading" and marketing.confirmed_at is not None
    key = f"address:{app.config['SECRET_KEY']}".encode()
    assert marketing.address_hash == hmac.new(key, researcher["email"].encode(), hashlib.sha256).hexdigest()
    assert consents["storage"].address_hash == marketing.address_hash


def test_the_reading_list_seen_arrives_at_once_then_the_sequence_without_repeating_an_article(
        app: Flask, client: FlaskClient, clock: MovingClock, researcher: dict[str, Any], smtp_server) -> None:
    result = opt_in(client, researcher).get_data(as_text=True)
    shown = re.findall(r'href="/articles/([a-z0-9-]+)"', result)
    work(app)
    confirm(client, link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    reading = smtp_server.inbox.wait_for(2)[1]
    assert reading["Subject"].startswith("Your reading list")
    [listed] = [m for m in outbox(app, topic="nurture.reading_list")]
    assert listed.payload["articles"] == list(dict.fromkeys(shown)) and listed.payload["articles"]
    text, html = parts(reading)
    for slug in listed.payload["articles"]:
        with app.app_context():
            title = site_content(app).articles.get(slug).title
        assert title in text
    assert "Ready to talk?" in text and "Ready to talk?" in html

    work(app)
    assert len(smtp_server.inbox.mails) == 2  # the first sequence email waits for its delay
    for _ in range(12):
        clock.move(days=7)
        work(app)
    mails = smtp_server.inbox.wait_for(5)
    sequence = outbox(app, topic="nurture.email")
    assert len(mails) == 2 + len(sequence) and 1 <= len(sequence) <= app.config["NURTURE_MAX_EMAILS"]
    sent = [slug for m in [listed, *sequence] for slug in m.payload["articles"]]
    assert len(sent) == len(set(sent)), f"an article was sent twice: {sent}"
    assert [m["Subject"] for m in mails[2:]] == [_subject(app, m.payload["email"]) for m in sequence]
    assert subscription(app, researcher["email"]).state == "stopped"


def _subject(app: Flask, key: str) -> str:
    from leads.nurture.subscriptions import sequences

    with app.app_context():
        email = sequences().email(key)
        assert email is not None
        return email.subject


def test_the_contact_step_asks_unticked_apart_from_consent_to_store(client: FlaskClient,
                                                                    researcher: dict[str, Any]) -> None:
    from tests.fixtures.factories import draft_steps

    last = draft_steps(client, researcher)[-1]
    html = client.get(last).get_data(as_text=True)
    box = re.search(r'<input[^>]*name="email_reading"[^>]*>', html)
    assert box and "checked" not in box.group(0) and 'type="checkbox"' in box.group(0)
    assert "Email me this reading list and an occasional article that fits what I wrote" in html
    assert re.search(r'<input[^>]*name="consent"[^>]*>', html)


def test_an_erased_lead_gets_nothing_more(app: Flask, clock: MovingClock, confirmed: Any, smtp_server,
                                          researcher: dict[str, Any]) -> None:
    clock.move(days=30)
    with app.app_context():
        assert queue_due_emails() == 1
        db.session.execute(sa.delete(Lead).where(Lead.email == researcher["email"]))
        db.session.commit()
    work(app)
    [queued] = outbox(app, topic="nurture.email")
    assert queued.status == "dead" and "no longer exists" in queued.last_error
    clock.move(days=30)
    work(app)
    assert len(smtp_server.inbox.mails) == 2 and len(outbox(app, topic="nurture.email")) == 1


# --- RFC 8058 one-click unsubscribe --------------------------------------------------------------------


def test_every_marketing_mail_has_one_click_unsubscribe_headers(confirmed: Any) -> None:
    assert confirmed["List-Unsubscribe"].startswith(f"<{SITE}/email/unsubscribe/")
    assert confirmed["List-Unsubscribe"].endswith(">")
    assert confirmed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_post_without_cookie_or_csrf_token_unsubscribes_and_nothing_follows(app: Flask, clock: MovingClock,
                                                                             confirmed: Any, smtp_server,
                                                                             researcher: dict[str, Any]) -> None:
    url = confirmed["List-Unsubscribe"].strip("<>").removeprefix(SITE)
    stranger = app.test_client()  # a mail provider's server: no session, no cookie, no CSRF token
    response = stranger.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and stranger.get_cookie("session") is None
    assert subscription(app, researcher["email"]).state == "stopped"
    for _ in range(10):
        clock.move(days=7)
        work(app)
    assert len(smtp_server.inbox.mails) == 2
    assert outbox(app, topic="nurture.email") == []


def test_a_mail_queued_before_the_unsubscribe_is_not_sent(app: Flask, clock: MovingClock, confirmed: Any,
                                                          smtp_server) -> None:
    clock.move(days=30)
    with app.app_context():
        assert queue_due_emails() == 1
    app.test_client().post(confirmed["List-Unsubscribe"].strip("<>").removeprefix(SITE))
    work(app)
    [held] = outbox(app, topic="nurture.email")
    assert held.status == "dead" and "suppressed" in held.last_error
    assert len(smtp_server.inbox.mails) == 2


def test_the_footer_link_asks_for_one_click_and_a_scanner_opening_it_unsubscribes_no_one(
        app: Flask, client: FlaskClient, clock: MovingClock, confirmed: Any, smtp_server,
        researcher: dict[str, Any]) -> None:
    path = link_in(confirmed, "unsubscribe")
    for _ in range(3):  # a mail provider's link scanner, then the person opening it
        page = app.test_client().get(path)
        assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert subscription(app, researcher["email"]).state == "active"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0

    client.get(path)
    done = client.post(path)  # the page's one button: the signed link is the proof, as for RFC 8058's POST
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "You are unsubscribed" in html and "Send me the reading again" in html
    assert subscription(app, researcher["email"]).state == "stopped"
    with app.app_context():
        assert db.session.scalar(sa.select(Suppression.reason)) == "unsubscribed"
    again = client.get(path).get_data(as_text=True)  # the link opened again says so, and offers the way back
    assert "You are unsubscribed" in again and "Send me the reading again" in again

    token = csrf_token(client, path)
    assert client.post(path.replace("/unsubscribe/", "/resubscribe/"), data={"csrf_token": token}).status_code == 200
    assert subscription(app, researcher["email"]).state == "active"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0
        again = db.session.scalar(sa.select(Consent).where(Consent.source == "unsubscribe page"))
        assert again is not None and again.kind == "marketing" and again.confirmed_at is not None
    clock.move(days=30)
    work(app)
    assert len(smtp_server.inbox.wait_for(3)) == 3


def test_opening_the_confirmation_link_confirms_nothing_until_its_button_is_pressed(
        app: Flask, client: FlaskClient, researcher: dict[str, Any], smtp_server) -> None:
    opt_in(client, researcher)
    work(app)
    path = link_in(smtp_server.inbox.wait_for(1)[0], "confirm")
    for _ in range(3):  # a link scanner's visits: each sees the button, none presses it
        page = app.test_client().get(path).get_data(as_text=True)
        assert "Yes, send me the reading" in page
    work(app)
    assert subscription(app, researcher["email"]).state == "pending" and len(smtp_server.inbox.mails) == 1
    assert outbox(app, topic="nurture.reading_list") == []
    assert app.test_client().post(path).status_code == 400  # a post without the page's CSRF token: nothing
    assert subscription(app, researcher["email"]).state == "pending"
    done = confirm(client, path).get_data(as_text=True)
    assert "Your reading list is on its way" in done
    assert subscription(app, researcher["email"]).state == "active"
    assert "already confirmed" in app.test_client().get(path).get_data(as_text=True)


def test_resubscribing_needs_the_csrf_token(app: Flask, client: FlaskClient, confirmed: Any,
                                            researcher: dict[str, Any]) -> None:
    path = link_in(confirmed, "unsubscribe")
    client.post(path)
    assert client.post(path.replace("/unsubscribe/", "/resubscribe/")).status_code == 400
    assert subscription(app, researcher["email"]).state == "stopped"


# --- signed links ---------------------------------------------------------------------------------------


def _tampered(path: str) -> str:
    head, token = path.rsplit("/", 1)
    changed = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    return f"{head}/{changed}"


def test_tampered_or_borrowed_links_are_refused_and_change_nothing(app: Flask, client: FlaskClient, confirmed: Any,
                                                                   researcher: dict[str, Any]) -> None:
    unsubscribe, read, ready = (link_in(confirmed, p) for p in ("unsubscribe", "read", "ready"))
    stranger = app.test_client()
    for path in (_tampered(unsubscribe), _tampered(read), _tampered(ready), "/email/confirm/not-a-token"):
        response = stranger.get(path)
        assert response.status_code == 400, path
        assert "does not work" in response.get_data(as_text=True)
    assert stranger.post(_tampered(unsubscribe)).status_code == 400
    # A good token for one purpose is no good for another.
    ready_token = ready.rsplit("/", 1)[1]
    assert stranger.post(f"/email/unsubscribe/{ready_token}").status_code == 400
    assert subscription(app, researcher["email"]).state == "active"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadEvent)
                                 .where(LeadEvent.kind == "article_read")) == 0


# --- suppression of permanent failures -------------------------------------------------------------------


def test_an_address_refused_for_good_is_suppressed_before_the_next_marketing_send(
        make_app: Any, refusing_smtp: SimpleNamespace, clock: MovingClock, researcher: dict[str, Any]) -> None:
    app = make_app(SMTP_PORT=refusing_smtp.port)
    client = app.test_client()
    opt_in(client, researcher)
    work(app)
    [confirmation] = refusing_smtp.inbox.wait_for(1)
    refusing_smtp.inbox.refused.add(researcher["email"])  # the mailbox is closed after the confirmation came
    confirm(client, link_in(confirmation, "confirm"))
    work(app)
    [reading] = outbox(app, topic="nurture.reading_list")
    assert reading.status == "dead" and "550" in reading.last_error
    with app.app_context():
        [suppressed] = db.session.scalars(sa.select(Suppression)).all()
        assert suppressed.reason == "bounced" and researcher["email"] not in suppressed.address_hash
    for _ in range(5):
        clock.move(days=7)
        work(app)
    assert outbox(app, topic="nurture.email") == []
    assert subscription(app, researcher["email"]).stop_reason == "bounced"
    assert len(refusing_smtp.inbox.mails) == 1


def test_a_ticked_box_from_a_refused_address_gets_no_confirmation(make_app: Any, refusing_smtp: SimpleNamespace,
                                                                 researcher: dict[str, Any]) -> None:
    app = make_app(SMTP_PORT=refusing_smtp.port)
    refusing_smtp.inbox.refused.add(researcher["email"])
    opt_in(app.test_client(), researcher)
    work(app)
    assert [m.status for m in outbox(app, topic="nurture.confirm")] == ["dead"]
    opt_in(app.test_client(), researcher)  # answers again, ticks again: the address is known to refuse mail
    assert len(outbox(app, topic="nurture.confirm")) == 1


# --- clicks and returns wake sales ---------------------------------------------------------------------


def near_threshold() -> dict[str, Any]:
    """Gates and the intent minimum met, one point short of sales-ready."""
    return {**persona_answers("Solo founder who asks to talk but is early"), "role": "consultant",
            "company_size": "1000+", "sales_team_size": 2, "buying_stage": "budgeting", "timeline": "this_quarter",
            "budget": "none",
            "email": "near@threshold.example"}


def test_a_click_is_an_article_read_that_promotes_a_lead_near_the_threshold_and_alerts_sales(
        app: Flask, client: FlaskClient, clock: MovingClock, make_user: Any, smtp_server) -> None:
    rep = make_user("sales", name="Rita Rep")
    opt_in(client, near_threshold())
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "near@threshold.example"))
        model = site_content(app).questionnaire()
        assert (lead.route, lead.score, lead.owner_id) == ("nurture", model.sales_ready_threshold - 1, None)
    work(app)
    confirm(client, link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    reading = smtp_server.inbox.wait_for(2)[1]
    clicked = app.test_client().get(link_in(reading, "read"))  # from the mail client: no cookie of the site
    assert clicked.status_code == 302 and clicked.headers["Location"].startswith("/articles/")
    slug = clicked.headers["Location"].removeprefix("/articles/")
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "near@threshold.example"))
        [read] = [e for e in lead.events if e.kind == "article_read"]
        assert read.data["slug"] == slug and read.data["via"] == "email"
        assert lead.route == "sales_ready" and lead.owner_id == rep.id and lead.engagement >= 1
        [promoted] = [e for e in lead.events if e.kind == "promoted"]
        assert promoted.data["by"] == "article_read" and promoted.data["slug"] == slug
        assert any(item["rule"].startswith("engagement:article_read") for item in lead.latest.receipt)
    work(app)
    alert = smtp_server.inbox.wait_for(3)[2]
    assert alert["To"] == rep.email and "ready" in alert["Subject"]
    clock.move(days=30)  # the sequence stops when its next email comes due: the lead is with sales now
    work(app)
    assert subscription(app, "near@threshold.example").stop_reason == "with sales"
    assert outbox(app, topic="nurture.email") == [] and len(smtp_server.inbox.mails) == 3


def test_a_click_that_makes_a_not_yet_lead_ready_keeps_them_nurtured_and_reading(
        app: Flask, client: FlaskClient, clock: MovingClock, make_user: Any, smtp_server) -> None:
    make_user("sales")
    waiting = {**near_threshold(), "talk_now": "not_yet", "budget": "planned", "company_size": "251-1000",
               "email": "waiting@threshold.example"}  # one point short, and a call can wait
    opt_in(client, waiting)
    work(app)
    confirm(client, link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    assert app.test_client().get(link_in(smtp_server.inbox.wait_for(2)[1], "read")).status_code == 302
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == waiting["email"]))
        assert (lead.route, lead.latest.verdict, lead.owner_id) == ("nurture", "warming", None)
    clock.move(days=30)
    work(app)
    assert len(outbox(app, topic="nurture.email")) == 1  # still reading: the sequence goes on
    assert subscription(app, waiting["email"]).state == "active"


def test_a_second_click_on_the_same_article_counts_once(app: Flask, confirmed: Any, researcher: dict[str, Any]) -> None:
    path = link_in(confirmed, "read")
    for _ in range(3):
        assert app.test_client().get(path).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadEvent)
                                 .where(LeadEvent.kind == "article_read")) == 1


def test_a_read_from_an_email_shows_in_the_journey_by_its_title(app: Flask, confirmed: Any, make_user: Any,
                                                                researcher: dict[str, Any]) -> None:
    slug = app.test_client().get(link_in(confirmed, "read")).headers["Location"].removeprefix("/articles/")
    staff = app.test_client()
    Auth(staff).login(make_user("marketer").email)
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == researcher["email"]))
        title = site_content(app).articles.get(slug).title
    page = staff.get(f"/studio/leads/{lead_id}").get_data(as_text=True)
    assert "Read “”" not in page
    assert f"Read “{escape(title)}” from an email" in page


def test_ready_to_talk_asks_only_the_gates_and_a_yes_hands_the_lead_to_sales(app: Flask, client: FlaskClient,
                                                                            make_user: Any, smtp_server) -> None:
    rep = make_user("sales")
    keen = {**persona_answers("Keen but no timeline or request yet"), "email": "keen@harbour.example"}
    opt_in(client, keen)
    work(app)
    confirm(client, link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    path = link_in(smtp_server.inbox.wait_for(2)[1], "ready")
    page = client.get(path).get_data(as_text=True)
    assert 'name="talk_now"' in page and 'name="timeline"' in page
    assert 'name="challenges"' not in page and 'name="email"' not in page

    refused = client.post(path, data={"csrf_token": csrf_token(client, path), "talk_now": "maybe"})
    assert refused.status_code == 400 and "Please check" in refused.get_data(as_text=True)
    answered = client.post(path, data={"csrf_token": csrf_token(client, path), "talk_now": "yes",
                                       "timeline": "this_year"})
    assert answered.status_code == 200 and "Let's talk" in answered.get_data(as_text=True)
    # They asked to talk: they pick a time on the spot, through their own signed booking link.
    booking = re.search(r'href="([^"]*/book/[^"]+)">Pick a time to talk', answered.get_data(as_text=True))
    assert booking and client.get(urlsplit(booking.group(1)).path).status_code == 200
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "keen@harbour.example"))
        assert lead.route == "sales_ready" and lead.owner_id == rep.id
        assert [s.answers["talk_now"] for s in lead.submissions] == ["not_yet", "yes"]
        assert lead.latest.answers["challenges"] == keen["challenges"]
        [promoted] = [e for e in lead.events if e.kind == "promoted"]
        assert promoted.data["by"] == "ready to talk"
    work(app)
    assert smtp_server.inbox.wait_for(3)[2]["To"] == rep.email
    # The same form again, now with sales: "not yet" from an old email moves nothing.
    again = client.post(path, data={"csrf_token": csrf_token(client, "/questionnaire"), "talk_now": "not_yet",
                                    "timeline": "no_timeline"})
    assert again.status_code == 200 and "Let's talk" in again.get_data(as_text=True)
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "keen@harbour.example"))
        assert lead.route == "sales_ready" and len(lead.submissions) == 2


def test_a_click_never_undoes_sales_sending_a_lead_back_but_ready_to_talk_does(
        app: Flask, client: FlaskClient, make_user: Any, ready_answers: dict[str, Any]) -> None:
    from leads import links
    from leads.inbox.workflow import change_status
    from leads.nurture.subscriptions import READ_LINK, READY_LINK, HolderLink, ReadLink
    from leads.privacy.people import address_key
    from leads.scoring.replay import replay

    rep = make_user("sales")
    walk_questionnaire(client, {**ready_answers, "email": "back@buyer.example"})
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == "back@buyer.example"))
        change_status(lead.id, "not_ready", rep.id, "no_budget")
        read = links.sign(READ_LINK, ReadLink(lead_id=lead.id, slug="qualifying-by-the-gap"))
        ready = links.sign(READY_LINK, HolderLink(lead_id=lead.id, address_hash=address_key(lead.email)))
        lead_id = lead.id
    assert app.test_client().get(f"/email/read/{read}").status_code == 302  # reading is engagement, not a decision
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.route, lead.status) == ("nurture", "not_ready")
        assert [e.kind for e in lead.events].count("promoted") == 0
        assert replay(site_content(app).questionnaire()).changes == []
    path = f"/email/ready/{ready}"
    answered = client.post(path, data={"csrf_token": csrf_token(client, path), "talk_now": "yes",
                                       "timeline": "this_month"})
    assert answered.status_code == 200
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.route, lead.status, lead.owner_id) == ("sales_ready", "new", rep.id)
        assert [e.data["by"] for e in lead.events if e.kind == "promoted"] == ["ready to talk"]


def test_a_replay_of_an_unchanged_model_scores_a_click_as_of_the_click(
        app: Flask, clock: MovingClock) -> None:
    """Reads long before a click have faded by the time it is scored; a replay must not count them afresh."""
    from leads import links
    from leads.nurture.returns import record_click
    from leads.nurture.subscriptions import READ_LINK, ReadLink
    from leads.questionnaire.submissions import Arrival, submit_answers
    from leads.scoring.replay import replay
    from leads.scoring.score import EngagementEvent

    answers = {**near_threshold(), "company_size": "1-10", "email": "faded@reader.example"}  # six points short
    arrived = clock()
    reads = [EngagementEvent("article_read", arrived, "decision", "a"),
             EngagementEvent("article_read", arrived, "consideration", "b")]  # five points, at arrival
    with app.app_context():
        model = site_content(app).questionnaire()
        lead_id = submit_answers(model, answers, Arrival({}, reads), now=arrived).lead_id
        assert db.session.get(Lead, lead_id).route == "nurture"
    clock.move(days=90)
    with app.test_request_context():
        record_click(links.sign(READ_LINK, ReadLink(lead_id=lead_id, slug="why-cold-outbound-fails")))
        lead = db.session.get(Lead, lead_id)
        assert lead.route == "nurture" and lead.score < model.sales_ready_threshold
        assert replay(model).changes == []


# --- templates -------------------------------------------------------------------------------------------


def test_mails_escape_what_the_prospect_typed_and_carry_no_images_or_trackers(
        app: Flask, client: FlaskClient, researcher: dict[str, Any], smtp_server) -> None:
    opt_in(client, {**researcher, "name": 'Eve <script>alert("x")</script> & <b>Bold</b>'})
    work(app)
    confirm(client, link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    for mail in smtp_server.inbox.wait_for(2):
        text, html = parts(mail)
        assert "<script>" not in html and "<b>Bold" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html
        assert 'Eve <script>alert("x")</script> & <b>Bold</b>' in text  # plain text is shown as typed
        assert "<img" not in html.lower() and "src=" not in html.lower()
        assert 'name="viewport"' in html and '<html lang="en">' in html
        links = re.findall(r'href="([^"]+)"', html)
        assert links and all(link.startswith(f"{SITE}/email/") for link in links)


def test_sequence_email_bodies_render_markdown_with_signed_article_links(app: Flask, confirmed: Any,
                                                                          researcher: dict[str, Any]) -> None:
    from leads.nurture.sending import SignedLinks, compose
    from leads.nurture.subscriptions import sequences

    with app.test_request_context():
        lead = db.session.scalars(sa.select(Lead).where(Lead.email == researcher["email"])).one()
        email = sequences().email("early/01-the-research-before-the-call")
        assert email is not None and email.articles == ("buyers-research-before-they-call",)
        carried = [*email.articles, "qualifying-by-the-gap"]
        mail = compose("nurture.email", lead.name, {"email": email.key, "articles": carried}, SignedLinks.of(lead))
    assert mail.subject == email.subject
    linked = rf'<a href="{re.escape(SITE)}/email/read/[^"]+">How buyers research before they call</a>'
    assert re.search(linked, mail.html)
    assert "How buyers research before they call (https://leads.example.com/email/read/" in mail.text
    assert "Worth reading next" in mail.text and mail.text.count("/email/read/") == 2
    assert "article:" not in mail.html and "article:" not in mail.text


# --- the studio's previews --------------------------------------------------------------------------------


def _what_leads_hold(app: Flask) -> tuple[Any, ...]:
    """Everything a preview must leave alone: every lead's route, score and status, and every row about them."""
    with app.app_context():
        leads = db.session.execute(sa.select(Lead.id, Lead.route, Lead.score, Lead.engagement, Lead.status,
                                             Lead.owner_id).order_by(Lead.id)).all()
        counts = [db.session.scalar(sa.select(sa.func.count()).select_from(table))
                  for table in (LeadEvent, OutboxMessage, NurtureSend, Suppression, Consent)]
        return (tuple(map(tuple, leads)), tuple(counts))


def test_marketers_preview_every_email_for_an_example_prospect_and_its_links_record_nothing(
        app: Flask, client: FlaskClient, make_user: Any, researcher: dict[str, Any], smtp_server) -> None:
    real = {**researcher, "name": "Rhea Real", "email": "rhea@customer.example"}  # reading by email, for real
    opt_in(client, real)
    work(app)
    confirm(client, link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    marketer = make_user("marketer")
    staff = app.test_client()
    Auth(staff).login(marketer.email)
    overview = staff.get("/studio/emails").get_data(as_text=True)
    assert "What buyers do before they talk to anyone" in overview and "Track <code>default</code>" in overview
    previews = list(dict.fromkeys(re.findall(r'href="(/studio/emails/[^"/]+/[^"/?]+)["?]', overview)))
    assert "/studio/emails/confirmation/first" in previews and "/studio/emails/reading-list/first" in previews
    assert len(previews) == 2 + 6  # and the six emails of the two tracks
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == real["email"]))
    before = _what_leads_hold(app)
    for path in previews:
        for asked in (path, f"{path}?lead={lead_id}", f"{path}?example=1", f"{path}?example=999"):
            page = staff.get(asked)
            html = page.get_data(as_text=True)
            assert page.status_code == 200, asked
            assert real["email"] not in html and real["name"] not in html, asked  # no real lead
        part = staff.get(f"{path}/html")
        assert part.status_code == 200 and "sandbox" in part.headers["Content-Security-Policy"]
        links = re.findall(r'href="([^"]+)"', part.get_data(as_text=True))
        assert links and not [link for link in links if "/email/" in link], links  # no live signed link
        for link in links:  # followed by the marketer and by a stranger: neither records anything
            for who in (staff, app.test_client()):
                assert who.get(urlsplit(link).path).status_code in (200, 302), link
    assert _what_leads_hold(app) == before

    first = staff.get("/studio/emails/early/01-the-research-before-the-call").get_data(as_text=True)
    assert "Hello Sam Okafor" in first and "Early researcher" in first  # the persona the track's words are for
    reading = staff.get("/studio/emails/reading-list/first").get_data(as_text=True)
    assert "Your reading list" in reading and "Ready to talk?" in reading
    ready = staff.get("/studio/emails/link/ready").get_data(as_text=True)
    assert "In a real mail this opens “Ready to talk?”" in ready and "record nothing" in ready
    assert staff.get("/studio/emails/link/anything").status_code == 404
    assert staff.get("/studio/emails/early/no-such-email").status_code == 404


@pytest.mark.parametrize("path", ["/studio/emails", "/studio/emails/default/01-what-you-wrote",
                                  "/studio/emails/default/01-what-you-wrote/html", "/studio/emails/link/ready"])
def test_previews_need_a_marketer_or_admin(client: FlaskClient, make_user: Any, path: str) -> None:
    assert client.get(path).status_code == 302
    Auth(client).login(make_user("sales").email)
    assert client.get(path).status_code == 403
