"""The questionnaire step by step over HTTP: progress, Back and Next, show_if, save and resume."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import QuestionnaireDraft
from tests.fixtures.factories import csrf_token, form_data

STEP_URL = re.compile(r"/questionnaire/continue/([\w-]+)/(\w+)$")


def post_step(client: FlaskClient, url: str, answers: dict[str, Any], action: str = "next", **extra: Any):
    data = form_data(answers) | {"action": action, "csrf_token": csrf_token(client, url)} | extra
    return client.post(url, data=data)


def walk_to(client: FlaskClient, answers: dict[str, Any], step_id: str) -> str:
    """Post each step with ``answers`` until the page of ``step_id``; return its URL."""
    url = "/questionnaire"
    while not url.endswith("/" + step_id):
        response = post_step(client, url, answers)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        url = response.headers["Location"]
    return url


def test_first_step_shows_progress_as_text_and_as_an_accessible_bar(client: FlaskClient) -> None:
    html = client.get("/questionnaire").get_data(as_text=True)
    assert "Step 1 of 6" in html
    assert re.search(r'<progress max="6" value="1" aria-labelledby="progress-label">', html)
    assert "<legend class=\"step-title\">Where you are today</legend>" in html
    assert 'name="goals"' not in html


def test_next_saves_the_step_under_an_unguessable_token_and_moves_on(app: Flask, client: FlaskClient,
                                                                       ready_answers) -> None:
    response = post_step(client, "/questionnaire", ready_answers)
    assert response.status_code == 303
    token, step = STEP_URL.search(response.headers["Location"]).groups()
    assert step == "change" and len(token) >= 32
    assert "doorstep_draft=" + token in response.headers["Set-Cookie"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Step 2 of 6" in html and "What you want to change" in html
    with app.app_context():
        draft = db.session.scalar(sa.select(QuestionnaireDraft).where(QuestionnaireDraft.token == token))
        assert draft.answers["current_situation"] == [ready_answers["current_situation"]]


def test_back_and_next_keep_every_answer(client: FlaskClient, ready_answers) -> None:
    goals_url = walk_to(client, ready_answers, "goals")
    back = post_step(client, goals_url, {"goals": "Half the time to a first meeting."}, action="back")
    assert back.status_code == 303 and back.headers["Location"].endswith("/change")
    change = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Step 2 of 6" in change and ready_answers["desired_change"] in change
    forward = post_step(client, back.headers["Location"], {"desired_change": "Fewer cold calls."})
    assert forward.headers["Location"] == goals_url
    assert "Half the time to a first meeting." in client.get(goals_url).get_data(as_text=True)


def test_an_error_on_one_step_keeps_the_answers_of_every_step(client: FlaskClient, ready_answers) -> None:
    goals_url = walk_to(client, ready_answers, "goals")
    response = post_step(client, goals_url, {"goals": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Step 3 of 6" in html
    assert '<a href="#goals">' in html and re.search(r'aria-describedby="[^"]*goals-error"', html)
    first = client.get(goals_url.rsplit("/", 1)[0] + "/situation").get_data(as_text=True)
    assert ready_answers["current_situation"] in first
    assert re.search(r'<input checked[^>]*value="sales_leader"', first)


def test_budget_is_asked_only_past_researching(client: FlaskClient, researcher_answers, ready_answers) -> None:
    deciding = walk_to(client, researcher_answers, "deciding")
    assert 'name="budget"' not in client.get(deciding).get_data(as_text=True)
    asked = ["buying_stage", "timeline", "talk_now"]
    researching = post_step(client, deciding, researcher_answers, asked=asked)
    assert researching.status_code == 303 and researching.headers["Location"].endswith("/contact")

    comparing = post_step(client, deciding, researcher_answers | {"buying_stage": "comparing"}, asked=asked)
    html = comparing.get_data(as_text=True)
    assert comparing.status_code == 200 and 'name="budget"' in html
    assert "Your answer opened one more question" in html and "Please choose an answer" not in html
    done = post_step(client, deciding, researcher_answers | {"buying_stage": "comparing", "budget": "planned"},
                     asked=[*asked, "budget"])
    assert done.status_code == 303 and done.headers["Location"].endswith("/contact")


def test_save_for_later_gives_a_link_that_resumes_in_another_browser(app: Flask, client: FlaskClient,
                                                                      ready_answers) -> None:
    goals_url = walk_to(client, ready_answers, "goals")
    saved = post_step(client, goals_url, {"goals": "Twenty meetings a month."}, action="save")
    assert saved.status_code == 303
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="continue-link" value="([^"]+)"', page).group(1)
    assert "/questionnaire/continue/" in link

    elsewhere = app.test_client()
    resumed = elsewhere.get(link.replace("http://localhost", ""))
    assert resumed.status_code == 302 and resumed.headers["Location"].endswith("/goals")
    assert "doorstep_draft=" in resumed.headers["Set-Cookie"]
    assert "Twenty meetings a month." in elsewhere.get(resumed.headers["Location"]).get_data(as_text=True)
    # The same browser also goes straight back to its draft.
    again = client.get("/questionnaire")
    assert again.status_code == 302 and again.headers["Location"].endswith("/goals")


def test_a_sent_questionnaire_link_cannot_be_used_again(client: FlaskClient, submit, ready_answers) -> None:
    goals_url = walk_to(client, ready_answers, "goals")
    token = STEP_URL.search(goals_url).group(1)
    final = submit(ready_answers)
    assert final.headers["Location"].endswith("/questionnaire/result")
    response = client.get(f"/questionnaire/continue/{token}", follow_redirects=True)
    assert response.request.path == "/questionnaire"
    assert "has been used or has expired" in response.get_data(as_text=True)


def test_an_unknown_token_starts_afresh(client: FlaskClient) -> None:
    response = client.get("/questionnaire/continue/not-a-real-token/goals", follow_redirects=True)
    assert response.status_code == 200 and "Step 1 of 6" in response.get_data(as_text=True)


NOINDEX = '<meta name="robots" content="noindex">'


def test_draft_links_which_show_someones_answers_ask_search_engines_not_to_index_them(client: FlaskClient,
                                                                                       ready_answers) -> None:
    assert NOINDEX not in client.get("/questionnaire").get_data(as_text=True)
    step = walk_to(client, ready_answers, "goals")
    assert NOINDEX in client.get(step).get_data(as_text=True)
    saved = post_step(client, step, ready_answers, action="save").headers["Location"]
    assert NOINDEX in client.get(saved).get_data(as_text=True)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /questionnaire/continue/" in robots and "Disallow: /questionnaire/saved/" in robots


def test_a_step_posted_with_an_expired_token_comes_back_filled_in_and_keeps_nothing(
        app: Flask, client: FlaskClient, ready_answers) -> None:
    change_url = walk_to(client, ready_answers, "change")
    token = STEP_URL.search(change_url).group(1)
    with app.app_context():
        before = db.session.scalar(sa.select(QuestionnaireDraft).where(QuestionnaireDraft.token == token))
        kept, updated_at = dict(before.answers), before.updated_at
    typed = "Half the time to a first meeting, said <b>twice</b>."
    response = client.post(change_url, data={"desired_change": typed, "action": "next", "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your page had been open a long time, so please send it once more." in html
    assert "Half the time to a first meeting, said &lt;b&gt;twice&lt;/b&gt;." in html
    with app.app_context():
        after = db.session.scalar(sa.select(QuestionnaireDraft).where(QuestionnaireDraft.token == token))
        assert after.answers == kept and after.updated_at == updated_at


def test_the_step_before_deciding_shows_the_options_with_article_links_and_asks_nothing_more(
        client, researcher_answers) -> None:
    from tests.fixtures.factories import draft_steps

    steps = draft_steps(client, researcher_answers | {"buying_stage": "comparing"})
    pages = {url: client.get(url).get_data(as_text=True) for url in steps}
    deciding = [html for url, html in pages.items() if url.endswith("/deciding")]
    assert len(deciding) == 1 and "Your options, whoever you choose" in deciding[0]
    assert "Build it in-house" in deciding[0] and 'href="/articles/scoring-readiness-with-rules"' in deciding[0]
    assert sum("Your options, whoever you choose" in html for html in pages.values()) == 1
