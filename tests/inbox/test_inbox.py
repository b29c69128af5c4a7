"""The sales inbox: only ready leads; filters, search, keyset pages, unread marks and counts per status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from leads.accounts.users import update_user
from leads.inbox.reading import CursorError, InboxFilters, inbox_page, open_lead, status_counts
from leads.inbox.search import query_terms
from leads.inbox.workflow import change_status
from tests.fixtures.factories import csrf_token

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def names(app: Flask, viewer_id: int, **filters: Any) -> list[str]:
    with app.app_context():
        return [lead.name for lead in inbox_page(InboxFilters(**filters), viewer_id).leads]


def all_pages(app: Flask, viewer_id: int, size: int, **filters: Any) -> list[list[str]]:
    pages, after = [], ""
    with app.app_context():
        while True:
            page = inbox_page(InboxFilters(after=after, **filters), viewer_id, size=size)
            pages.append([lead.name for lead in page.leads])
            if page.next_after is None:
                return pages
            after = page.next_after


def test_only_sales_ready_leads_reach_the_inbox(app: Flask, make_user, make_lead,
                                                researcher_answers: dict[str, Any]) -> None:
    rep = make_user("sales")
    make_lead("Ready Rita")
    make_lead("Researching Sam", **{k: v for k, v in researcher_answers.items() if k not in ("name", "email")})
    assert names(app, rep.id) == ["Ready Rita"]


def test_newest_first_and_by_score(app: Flask, make_user, make_lead) -> None:
    rep = make_user("sales")
    make_lead("Small", at=T0, company_size="1-10")
    make_lead("Big", at=T0 + dt.timedelta(hours=1))
    make_lead("Middle", at=T0 + dt.timedelta(hours=2), company_size="1000+")
    assert names(app, rep.id) == ["Middle", "Big", "Small"]
    assert names(app, rep.id, sort="score") == ["Big", "Middle", "Small"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"owner": "mine"}, ["Ann's"]),
        ({"owner": "unassigned"}, ["Landing", "Nobody's"]),
        ({"owner": "everyone"}, ["Landing", "Nobody's", "Ann's"]),
        ({"status": "contacted"}, ["Ann's"]),
        ({"score_min": 95}, ["Landing", "Ann's"]),
        ({"score_max": 94}, ["Nobody's"]),
        ({"arrived_from": dt.date(2026, 3, 3)}, ["Landing", "Nobody's"]),
        ({"arrived_to": dt.date(2026, 3, 2)}, ["Ann's"]),
        ({"arrived_from": dt.date(2026, 3, 3), "arrived_to": dt.date(2026, 3, 3)}, ["Nobody's"]),
        ({"stage": "comparing"}, ["Nobody's"]),
        ({"source": "newsletter"}, ["Ann's"]),
        ({"landing": "qualifying-by-the-gap"}, ["Landing"]),
        ({"source": "newsletter", "status": "new"}, []),
    ],
)
def test_filters(app: Flask, make_user, make_lead, filters: dict[str, Any], expected: list[str]) -> None:
    ann = make_user("sales", name="Ann")
    first = make_lead("Ann's", at=T0, context={"utm_source": "newsletter"})
    with app.app_context():
        change_status(first.id, "contacted", ann.id)
    with app.app_context():  # Ann goes away, so nobody is available and later leads stay unassigned
        update_user(ann.id, make_user("admin").id, "sales", active=True, away=True, weight=1)
    make_lead("Nobody's", at=T0 + dt.timedelta(days=1), buying_stage="comparing", company_size="1-10")
    make_lead("Landing", at=T0 + dt.timedelta(days=2), context={"landing_article": "qualifying-by-the-gap"})
    assert names(app, ann.id, **filters) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("whitf", ["Dana Whitfield"]),
        ("dana@northwind.example", ["Dana Whitfield"]),
        ("northwind", ["Dana Whitfield"]),
        ("acme", ["Ola Acme"]),
        ("churn", ["Ola Acme"]),
        ("losing deals", ["Dana Whitfield"]),
        ("wasting", ["Ola Acme", "Dana Whitfield"]),
        ("waste", ["Ola Acme", "Dana Whitfield"]),  # the same stems as site search
        ("wasted deal", ["Dana Whitfield"]),
        ("lose deal", ["Dana Whitfield"]),
        ("verschwendet", ["Ilse Keller"]),
        ("perdiendo", ["Jean Petit", "Rosa Diaz"]),  # "perd": perdons, perdemos
        ("zebras", []),
        ("clientes", ["Jean Petit"]),
        ("nothing-matches-this", []),
        ('"*) OR 1=1 --', []),
        ("NEAR(a b) ^ : * '", []),
    ],
)
def test_search_finds_names_emails_companies_and_own_words(app: Flask, make_user, make_lead, query: str,
                                                           expected: list[str]) -> None:
    rep = make_user("sales")
    make_lead("Dana Whitfield", at=T0, email="dana@northwind.example", company="Northwind Freight",
              current_situation="We keep losing deals and wasting time on cold lists.")
    make_lead("Ola Acme", at=T0 + dt.timedelta(hours=1), company="Acme Ltd", current_situation="We sell to hospitals.",
              challenges="Churn is high and we are wasting time on the wrong people.")
    make_lead("Ilse Keller", at=T0 - dt.timedelta(hours=1), current_situation="Wir verschwenden Zeit mit Kontakten.")
    make_lead("Jean Petit", at=T0 - dt.timedelta(hours=2), current_situation="Nous perdons des clients chaque mois.")
    make_lead("Rosa Diaz", at=T0 - dt.timedelta(hours=3), current_situation="Perdemos ventas cada semana.")
    assert names(app, rep.id, q=query) == expected


def test_search_words_are_plain_words() -> None:
    assert query_terms('  Dana "Whit*field" OR (x) ') == ["dana", "whit", "field", "or", "x"]
    assert query_terms("***") == []


@pytest.mark.parametrize("sort", ["newest", "score"])
def test_keyset_pages_cover_every_lead_once_across_page_edges(app: Flask, make_user, make_lead, sort: str) -> None:
    rep = make_user("sales")
    # Ties on purpose: three share a timestamp and all share a score, so the id must break them.
    for n in range(7):
        make_lead(f"L{n}", at=T0 + dt.timedelta(hours=n // 3))
    pages = all_pages(app, rep.id, size=3, sort=sort)
    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [name for page in pages for name in page]
    assert sorted(flat) == [f"L{n}" for n in range(7)]
    assert flat == names(app, rep.id, sort=sort)


def test_an_exact_page_ends_without_an_empty_next_page(app: Flask, make_user, make_lead) -> None:
    rep = make_user("sales")
    for n in range(4):
        make_lead(f"L{n}", at=T0 + dt.timedelta(minutes=n))
    assert [len(p) for p in all_pages(app, rep.id, size=2)] == [2, 2]


@pytest.mark.parametrize("cursor", ["garbage", "2026-03-02T09:00:00_x", "2026-03-02T09:00:00_5", "_"])
def test_an_edited_page_link_is_refused_in_words(app: Flask, make_user, cursor: str) -> None:
    rep = make_user("sales")
    with app.app_context(), pytest.raises(CursorError):
        inbox_page(InboxFilters(after=cursor), rep.id)


def test_an_edited_page_link_sends_sales_back_to_the_first_page(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("sales").email)
    response = client.get("/inbox?after=nonsense&status=new")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?status=new"


def test_leads_are_unread_per_user_until_opened_and_again_when_they_return(
    app: Flask, make_user, make_lead, researcher_answers: dict[str, Any]
) -> None:
    ann, bob = make_user("sales"), make_user("sales")
    lead = make_lead("Returning Rae", at=T0)

    def unread(user_id: int) -> bool:
        with app.app_context():
            return lead.id in inbox_page(InboxFilters(), user_id).unread

    assert unread(ann.id) and unread(bob.id)
    with app.app_context():
        open_lead(lead.id, ann.id)
    assert not unread(ann.id) and unread(bob.id)

    # Sent back to nurture, then ready again later: a new arrival, unread for everyone.
    with app.app_context():
        change_status(lead.id, "not_ready", ann.id, "no_budget")
    make_lead("Returning Rae", email=lead.email, at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    assert unread(ann.id)


def test_counts_per_status_follow_every_change(app: Flask, make_user, make_lead,
                                               researcher_answers: dict[str, Any]) -> None:
    rep = make_user("sales")
    leads = [make_lead() for _ in range(4)]
    make_lead("Not ready yet", **{k: v for k, v in researcher_answers.items() if k not in ("name", "email")})
    with app.app_context():
        assert status_counts() == {"new": 4, "contacted": 0, "meeting_set": 0, "won": 0, "lost": 0}
        change_status(leads[0].id, "contacted", rep.id)
        change_status(leads[1].id, "meeting_set", rep.id)
        change_status(leads[2].id, "spam", rep.id)
        change_status(leads[3].id, "not_ready", rep.id, "no_timeline")
        assert status_counts() == {"new": 0, "contacted": 1, "meeting_set": 1, "won": 0, "lost": 0}


def test_filters_live_in_the_url_and_survive_the_next_page_link(client: FlaskClient, make_user, make_lead,
                                                                 auth) -> None:
    auth.login(make_user("sales").email)
    for n in range(55):
        make_lead(f"Lead {n:02}", at=T0 + dt.timedelta(minutes=n))
    html = client.get("/inbox?sort=score&q=lead").get_data(as_text=True)
    assert html.count('name="lead_ids"') == 50
    assert 'rel="next" href="/inbox?q=lead&amp;sort=score&amp;after=' in html
    assert 'value="lead"' in html  # the search box keeps what was typed


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("score_min=lots", "Please enter a whole number, such as 12."),
        ("score_min=50&score_max=10", "The upper score must not be below the lower one."),
        ("arrived_from=31/02/2026", "Please enter a date such as 2026-03-31."),
        ("arrived_from=2026-03-05&arrived_to=2026-03-01", "The end date must not be before the start date."),
        ("status=maybe", "Not a valid choice."),
    ],
)
def test_bad_filters_get_a_message_and_a_400_keeping_what_was_typed(client: FlaskClient, make_user, auth,
                                                                    query: str, message: str) -> None:
    auth.login(make_user("sales").email)
    response = client.get(f"/inbox?q=kept+words&{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'value="kept words"' in html


def test_prospect_text_is_escaped_in_the_list_and_on_the_lead_page(client: FlaskClient, make_user, make_lead,
                                                                  auth) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead("<script>alert(1)</script>", company="<b>Evil</b>",
                     current_situation="<img src=x onerror=alert(1)> wasting time")
    for path in ("/inbox", f"/inbox/leads/{lead.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>Evil</b>" not in html
    html = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>wasting time</mark>" in html


def test_inbox_shows_counts_and_unread_marks(client: FlaskClient, make_user, make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead("Fresh Fay")
    html = client.get("/inbox").get_data(as_text=True)
    assert 'class="unread"' in html and "Leads per status" in html
    client.get(f"/inbox/leads/{lead.id}")
    assert 'class="unread"' not in client.get("/inbox").get_data(as_text=True)


def test_a_lead_outside_the_inbox_is_not_found(client: FlaskClient, make_user, make_lead, auth,
                                               researcher_answers: dict[str, Any]) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead("Sam", **{k: v for k, v in researcher_answers.items() if k not in ("name", "email")})
    assert client.get(f"/inbox/leads/{lead.id}").status_code == 404


def test_a_lead_sales_sent_back_stays_theirs_to_read_from_the_alert_link_and_a_search(
        app: Flask, client: FlaskClient, make_user, make_lead, auth) -> None:
    rep = make_user("sales", name="Rita Rep")
    auth.login(rep.email)
    kept, back = make_lead("Kept Kim"), make_lead("Returned Rosa")
    with app.app_context():
        change_status(back.id, "not_ready", rep.id, "no_budget")
    # The alert's link, a bookmark, Back: the lead and its whole history, read-only.
    page = client.get(f"/inbox/leads/{back.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="no-longer-in-inbox"' in html
    assert "Rita Rep marked the lead not ready (No budget)" in html and "Status New → Not ready: No budget" in html
    assert 'name="status"' not in html and 'name="text"' not in html and "Why this lead was sent to sales" in html
    assert 'id="no-longer-in-inbox"' not in client.get(f"/inbox/leads/{kept.id}").get_data(as_text=True)
    # A stale page's form changes nothing, and says why.
    stale = client.post(f"/inbox/leads/{back.id}/notes", data={"csrf_token": csrf_token(client, "/inbox"),
                                                               "text": "Called her"})
    assert stale.status_code == 409 and "is no longer in the inbox, so nothing was changed" in stale.get_data(
        as_text=True)
    # The inbox search says where else it found them; the list of leads that left shows them.
    searched = client.get("/inbox?q=Rosa").get_data(as_text=True)
    assert 'id="elsewhere"' in searched and "1 more lead you had once matches this search" in searched
    assert names(app, rep.id, where="out") == ["Returned Rosa"]
    assert names(app, rep.id, where="both") == ["Returned Rosa", "Kept Kim"]
    assert names(app, rep.id, where="both", status="not_ready") == ["Returned Rosa"]
    listed = client.get("/inbox?where=out").get_data(as_text=True)
    assert "No longer in the inbox: reading list" in listed and f'value="{back.id}"' not in listed
    assert client.get("/studio/leads").status_code == 403  # the inbox, not the studio, is sales' place


def test_the_lead_page_shows_every_stored_value_in_words(app: Flask, client: FlaskClient, make_user, make_lead,
                                                         auth) -> None:
    from leads.extensions import db
    from leads.models import Lead, LeadEvent

    auth.login(make_user("sales").email)
    lead = make_lead("Worded Wren", challenges="We have no budget approved yet, but reps waste hours on cold lists.")
    with app.app_context():
        for kind, data in (("sla_missed", {"hours": 2}), ("rechecked", {"timeline": "this_month"}),
                           ("hand_raised", {"source": "email"}), ("some_future_kind", {})):
            db.session.add(LeadEvent(lead_id=lead.id, kind=kind, data=data))
        db.session.commit()
        receipt = db.session.get(Lead, lead.id).latest.receipt
        negated = [item for item in receipt if item["label"].startswith("negated")]
    html = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "Waited past the service level: admins alerted" in html and "Answered “Ready to talk?” again" in html
    assert "Asked to talk" in html and "Some future kind" in html
    assert "Sla missed" not in html and ">Rechecked<" not in html
    assert "Sales or revenue leader at" in html and "Answered the questionnaire: " in html and ", with sales" in html
    # A negated phrase is shown on the receipt, but not marked as a signal that scored: it is marked apart.
    assert negated, "the answers should carry a negated phrase"
    row = html[html.index(f'<td class="rule">{negated[0]["label"]}'):]
    assert "<mark>" not in row[:row.index("</tr>")]
    assert '<mark class="voided" title="negated: Owns or has a budget">' in row[:row.index("</tr>")]


def test_the_lead_page_marks_phrases_that_earned_nothing_apart_with_why(app: Flask, client: FlaskClient, make_user,
                                                                        make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead("Context Cleo", challenges="If we had a budget approved we would buy. Last year we missed "
                                                "quota, now we are ahead. Is procurement needed? All good "
                                                "otherwise <b>really</b>.")
    html = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    words = html[html.index('class="own-words"'):]
    words = words[:words.index("</dl>")]
    assert "<mark>" in words  # the phrases that scored, as before
    for reason, phrase in (("hypothetical: Owns or has a budget", "budget approved"),
                           ("in the past: States a concrete pain", "missed quota"),
                           ("asked: Names a decision process", "procurement")):
        assert (f'<mark class="voided" title="{reason}">{phrase}<span class="visually-hidden"> ({reason}, no points)'
                "</span></mark>") in words
    assert "&lt;b&gt;really&lt;/b&gt;" in words and "<b>" not in words
    assert "earned nothing (negated, hypothetical, in the past, asked or hedged)" in html


def test_bulk_status_change_needs_csrf_and_reports_what_it_did(app: Flask, client: FlaskClient, make_user,
                                                               make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    first, second = make_lead("First"), make_lead("Second")
    assert client.post("/inbox/bulk", data={"lead_ids": [first.id], "status": "contacted"}).status_code == 400
    token = csrf_token(client, "/inbox")
    response = client.post("/inbox/bulk", data={"lead_ids": [first.id, second.id], "status": "contacted",
                                                "csrf_token": token, "next": "/inbox?sort=score"})
    assert response.status_code == 303 and response.headers["Location"] == "/inbox?sort=score"
    assert names(app, 0, status="contacted") == ["Second", "First"]
    html = client.get("/inbox").get_data(as_text=True)
    assert "Moved 2 leads to contacted." in html


def test_bulk_without_ticks_keeps_the_view_and_says_why(client: FlaskClient, make_user, make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    make_lead("Someone")
    token = csrf_token(client, "/inbox")
    response = client.post("/inbox/bulk", data={"status": "won", "csrf_token": token, "next": "/inbox?q=someone"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tick at least one lead first." in html and 'value="someone"' in html
