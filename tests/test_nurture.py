"""Nurture by email: double opt-in, the reading list and the sequence through a real SMTP server, RFC 8058
one-click unsubscribe, suppression, signed links, clicks as engagement, and returns that wake sales."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.delivery.worker import run
from leads.extensions import db
from leads.models import Consent, Lead, LeadEvent, NurtureSend, NurtureSubscription, OutboxMessage, Suppression
from leads.nurture.sending import queue_due_emails
from tests.conftest import Auth, MovingClock, csrf_token, persona_answers, walk_questionnaire

SITE = "https://leads.example.com"
RESEARCHER = "Early researcher"


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def app_config(app_config: dict[str, Any], mail_config: dict[str, Any], clock: MovingClock) -> dict[str, Any]:
    return {**app_config, **mail_config, "CLOCK": clock, "SITE_URL": SITE, "SLA_WORKING_HOURS": 0,
            "NURTURE_MAX_EMAILS": 3}


def work(app: Flask) -> int:
    """The worker in this process: its periodic jobs (the nurture job among them), then delivery until none is due."""
    from leads.services.delivery import scheduled_work

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
    assert client.get(link_in(confirmation, "confirm")).status_code == 200
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


def test_an_unticked_box_sends_nothing_but_the_storage_consent_is_recorded(app: Flask, client: FlaskClient,
                                                                           researcher: dict[str, Any]) -> None:
    step = client.get("/questionnaire")
    assert step.status_code == 200  # the box is on the contact step, unticked: see the step test below
    result = opt_in(client, researcher, tick=False).get_data(as_text=True)
    assert "sent a link" not in result
    assert outbox(app) == [] and subscription(app, researcher["email"]) is None
    with app.app_context():
        [consent] = db.session.scalars(sa.select(Consent)).all()
        label = app.extensions["doorstep.content"].questionnaire().question("consent").label
        assert (consent.kind, consent.wording, consent.source) == ("storage", label, "questionnaire:consent")
        assert consent.confirmed_at is None and researcher["email"] not in consent.address_hash


def test_both_consents_are_recorded_with_wording_hash_time_and_keyed_address(app: Flask, client: FlaskClient,
                                                                             clock: MovingClock, confirmed: Any,
                                                                             researcher: dict[str, Any]) -> None:
    import hashlib
    import hmac

    with app.app_context():
        consents = {c.kind: c for c in db.session.scalars(sa.select(Consent))}
        model = app.extensions["doorstep.content"].questionnaire()
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
    client.get(link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
    work(app)
    reading = smtp_server.inbox.wait_for(2)[1]
    assert reading["Subject"].startswith("Your reading list")
    [listed] = [m for m in outbox(app, topic="nurture.reading_list")]
    assert listed.payload["articles"] == list(dict.fromkeys(shown)) and listed.payload["articles"]
    text, html = parts(reading)
    for slug in listed.payload["articles"]:
        with app.app_context():
            title = app.extensions["doorstep.content"].articles.get(slug).title
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
    from tests.conftest import draft_steps

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


def test_the_footer_link_unsubscribes_without_a_second_click_and_offers_to_resubscribe(
        app: Flask, client: FlaskClient, clock: MovingClock, confirmed: Any, smtp_server,
        researcher: dict[str, Any]) -> None:
    path = link_in(confirmed, "unsubscribe")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "You are unsubscribed" in html and "Send me the reading again" in html
    assert subscription(app, researcher["email"]).state == "stopped"
    with app.app_context():
        assert db.session.scalar(sa.select(Suppression.reason)) == "unsubscribed"

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


def test_resubscribing_needs_the_csrf_token(app: Flask, client: FlaskClient, confirmed: Any,
                                            researcher: dict[str, Any]) -> None:
    path = link_in(confirmed, "unsubscribe")
    client.get(path)
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
    client.get(link_in(confirmation, "confirm"))
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
        model = app.extensions["doorstep.content"].questionnaire()
        assert (lead.route, lead.score, lead.owner_id) == ("nurture", model.sales_ready_threshold - 1, None)
    work(app)
    client.get(link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
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


def test_a_second_click_on_the_same_article_counts_once(app: Flask, confirmed: Any, researcher: dict[str, Any]) -> None:
    path = link_in(confirmed, "read")
    for _ in range(3):
        assert app.test_client().get(path).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadEvent)
                                 .where(LeadEvent.kind == "article_read")) == 1


def test_ready_to_talk_asks_only_the_gates_and_a_yes_hands_the_lead_to_sales(app: Flask, client: FlaskClient,
                                                                            make_user: Any, smtp_server) -> None:
    rep = make_user("sales")
    keen = {**persona_answers("Keen but no timeline or request yet"), "email": "keen@harbour.example"}
    opt_in(client, keen)
    work(app)
    client.get(link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
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


# --- templates -------------------------------------------------------------------------------------------


def test_mails_escape_what_the_prospect_typed_and_carry_no_images_or_trackers(
        app: Flask, client: FlaskClient, researcher: dict[str, Any], smtp_server) -> None:
    opt_in(client, {**researcher, "name": 'Eve <script>alert("x")</script> & <b>Bold</b>'})
    work(app)
    client.get(link_in(smtp_server.inbox.wait_for(1)[0], "confirm"))
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
    from leads.nurture.sending import compose
    from leads.nurture.subscriptions import sequences

    with app.test_request_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == researcher["email"]))
        email = sequences().email("early/01-the-research-before-the-call")
        assert email is not None and email.articles == ("buyers-research-before-they-call",)
        carried = [*email.articles, "qualifying-by-the-gap"]
        mail = compose("nurture.email", lead, {"email": email.key, "articles": carried})
    assert mail.subject == email.subject
    linked = rf'<a href="{re.escape(SITE)}/email/read/[^"]+">How buyers research before they call</a>'
    assert re.search(linked, mail.html)
    assert "How buyers research before they call (https://leads.example.com/email/read/" in mail.text
    assert "Worth reading next" in mail.text and mail.text.count("/email/read/") == 2
    assert "article:" not in mail.html and "article:" not in mail.text


# --- the studio's previews --------------------------------------------------------------------------------


def test_marketers_preview_each_email_as_html_and_text_for_a_chosen_lead(app: Flask, client: FlaskClient,
                                                                        make_user: Any, confirmed: Any,
                                                                        researcher: dict[str, Any]) -> None:
    marketer = make_user("marketer")
    staff = app.test_client()
    Auth(staff).login(marketer.email)
    overview = staff.get("/studio/emails").get_data(as_text=True)
    assert "What buyers do before they talk to anyone" in overview and "Track <code>default</code>" in overview
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == researcher["email"]))
    page = staff.get(f"/studio/emails/early/01-the-research-before-the-call?lead={lead_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and researcher["name"] in html and "Hello Sam Okafor" in html
    part = staff.get(f"/studio/emails/early/01-the-research-before-the-call/html?lead={lead_id}")
    assert part.status_code == 200 and "sandbox" in part.headers["Content-Security-Policy"]
    assert "What buyers do before they talk to anyone" in part.get_data(as_text=True)
    assert staff.get("/studio/emails/early/no-such-email").status_code == 404
    first = staff.get(f"/studio/emails/reading-list/first?lead={lead_id}").get_data(as_text=True)
    assert "Your reading list" in first and "Ready to talk?" in first
    with app.app_context():  # a preview queues and records nothing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NurtureSend)
                                 .where(NurtureSend.email != "reading-list")) == 0


@pytest.mark.parametrize("path", ["/studio/emails", "/studio/emails/default/01-what-you-wrote",
                                  "/studio/emails/default/01-what-you-wrote/html"])
def test_previews_need_a_marketer_or_admin(client: FlaskClient, make_user: Any, path: str) -> None:
    assert client.get(path).status_code == 302
    Auth(client).login(make_user("sales").email)
    assert client.get(path).status_code == 403
