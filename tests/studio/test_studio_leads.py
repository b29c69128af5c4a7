"""Every lead for marketers: a searchable list whatever the route, a read-only page, journeys in titles."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from leads.inbox.workflow import change_status

READING = {"utm_source": "newsletter", "landing_article": "qualifying-by-the-gap",
           "articles_read": ["qualifying-by-the-gap", "running-a-discovery-call"]}


def test_every_route_is_listed_and_searchable(app: Flask, client: FlaskClient, make_user, make_lead, auth,
                                              researcher_answers) -> None:
    rep = make_user("sales")
    ready = make_lead(name="Rhea Ready")
    nurture = make_lead(name="Nina Nurture", **{k: v for k, v in researcher_answers.items()
                                                if k not in ("name", "email")})
    recycled = make_lead(name="Remy Recycled")
    with app.app_context():
        change_status(recycled.id, "not_ready", rep.id, "no_budget")
    auth.login(make_user("marketer").email)
    html = client.get("/studio/leads").get_data(as_text=True)
    for lead in (ready, nurture, recycled):
        assert f'href="/studio/leads/{lead.id}">{lead.name}</a>' in html
    assert ready.route == "sales_ready" and nurture.route == "nurture"
    only_nurture = client.get("/studio/leads?route=nurture").get_data(as_text=True)
    assert "Nina Nurture" in only_nurture and "Remy Recycled" in only_nurture and "Rhea Ready" not in only_nurture
    found = client.get("/studio/leads?q=remy").get_data(as_text=True)
    assert "Remy Recycled" in found and "Rhea Ready" not in found
    assert client.get("/studio/leads?after=abc").status_code == 400


def test_the_read_only_lead_page_shows_receipt_and_journey_in_titles(client: FlaskClient, make_user, make_lead,
                                                                     auth) -> None:
    lead = make_lead(name="Dana <b>Whitfield</b>", context=READING)
    auth.login(make_user("marketer").email)
    html = client.get(f"/studio/leads/{lead.id}").get_data(as_text=True)
    assert "Dana &lt;b&gt;Whitfield&lt;/b&gt;" in html and "<b>Whitfield" not in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Every rule that fired" in main and 'method="post"' not in main  # read-only
    assert "Read “Qualifying by the gap, not by the budget question”" in html
    assert "Read “How to run a discovery call buyers thank you for”" in html
    assert "landing on “Qualifying by the gap, not by the budget question”" in html
    assert client.get("/studio/leads/999999").status_code == 404


def test_the_sales_lead_page_names_articles_by_title(client: FlaskClient, make_user, make_lead, auth) -> None:
    lead = make_lead(context=READING)
    auth.login(make_user("sales").email)
    html = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "Read “How to run a discovery call buyers thank you for”" in html
    assert not re.search(r"Read “running-a-discovery-call”", html)
