"""Changing the scoring model from the studio: a draft, checked as typed, previewed, published, rolled back."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import ModelPublication, Submission
from leads.publishing.check import load_personas
from leads.questionnaire import load_questionnaire
from leads.questionnaire.submissions import Arrival, submit_answers
from leads.studio import what_if
from leads.web.labels import in_words
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import csrf_token

RAISED = ("sales_ready: 45", "sales_ready: 70")


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    return content_copy


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def app_config(app_config: dict[str, Any], clock: MovingClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": clock}


@pytest.fixture
def stored(app: Flask, content_copy: Path) -> dict[str, int]:
    """Every persona stored as a lead a day ago, and one more ready buyer who answered 200 days ago."""
    ids = {}
    with app.app_context():
        model = load_questionnaire(content_copy / "questionnaire.yaml")
        for days_ago in (1, 200):
            at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
            for persona in load_personas(content_copy / "personas.yaml", at):
                answers = dict(persona.answers)
                if days_ago == 200:
                    answers |= {"email": f"old-{answers['email']}", "name": f"Old {answers['name']}"}
                ids[answers["name"]] = submit_answers(model, answers, Arrival(events=persona.events), now=at).lead_id
    return ids


@pytest.fixture
def marketer(client: FlaskClient, make_user, auth) -> Any:
    user = make_user("marketer", name="Mara Marketer")
    auth.login(user.email)
    client.get("/studio")  # loads the model, which keeps its version
    return user


def save_draft(client: FlaskClient, source: str) -> Any:
    return client.post("/studio/model", data={"source": source, "csrf_token": csrf_token(client, "/studio/model")})


def replayed(app: Flask, client: FlaskClient, url: str = "/studio/model/preview") -> str:
    """The preview after the worker's replay: the page answers at once with a progress bar, the worker replays
    (here in the test's own thread, as its thread would), and the page then shows the result."""
    first = client.get(url).get_data(as_text=True)
    assert 'class="what-if-progress"' in first and "<progress" in first
    with app.app_context():
        while (run_id := what_if.claim_next()) is not None:
            what_if.run(run_id)
    html = client.get(url).get_data(as_text=True)
    assert 'class="what-if-progress"' not in html
    return html


def preview_moves(html: str) -> set[tuple[int, str, str]]:
    return {(int(lead_id), before, after) for lead_id, before, after in re.findall(
        r'href="/studio/leads/(\d+)">[^<]*</a></th><td data-label="Move">([^<→]+) → ([^<]+)</td>', html)}


def test_the_editor_checks_as_you_type_with_line_and_message(client: FlaskClient, marketer) -> None:
    token = csrf_token(client, "/studio/model")
    good = (Path(client.application.config["CONTENT_DIR"]) / "questionnaire.yaml").read_text()
    answer = client.post("/studio/model/check", json={"source": good}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json() == {"problems": [],
                                                                "summary": "No problems: the draft loads."}
    broken = good.replace("sales_ready: 45", "sales_ready: lots")
    problems = client.post("/studio/model/check", json={"source": broken}, headers={"X-CSRFToken": token}).get_json()
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "sales_ready: lots" in text)
    assert problems["problems"] and problems["problems"][0].startswith(f"{line}: ")
    assert problems["summary"] == ("1 problem:" if len(problems["problems"]) == 1
                                   else f"{len(problems['problems'])} problems:")
    assert client.post("/studio/model/check", json={"source": good}).status_code == 400  # no CSRF token
    assert client.post("/studio/model/check", data="junk", headers={"X-CSRFToken": token}).status_code == 400


def test_the_what_if_agrees_with_rescore_dry_run(app: Flask, client: FlaskClient, stored, marketer, runner,
                                                 content_copy: Path) -> None:
    live = (content_copy / "questionnaire.yaml").read_text()
    assert save_draft(client, live.replace(*RAISED)).status_code == 303
    assert (content_copy / "questionnaire.draft.yaml").exists()
    assert (content_copy / "questionnaire.yaml").read_text() == live  # nothing is live yet
    html = replayed(app, client)
    assert "reusing their stored scores (the draft changes only thresholds)" in html
    moves = preview_moves(html)
    assert moves and all(before == "With sales" and after == "Reading list" for _, before, after in moves)
    assert not any(lead_id == stored.get(name) for lead_id, *_ in moves for name in stored if name.startswith("Old"))

    (content_copy / "questionnaire.yaml").write_text(live.replace(*RAISED))
    result = runner.invoke(args=["leads", "rescore", "--dry-run", "--days", "90"])
    assert result.exit_code == 0, result.output
    cli = {(int(lead_id), in_words("route", before), in_words("route", after)) for lead_id, before, after in
           re.findall(r"#(\d+)\s.*?  (\w+) → (\w+)", result.output)}
    assert cli == moves
    everyone = runner.invoke(args=["leads", "rescore", "--dry-run"]).output
    assert len(re.findall(r"#\d+", everyone)) == 2 * len(moves)  # the older leads move too, outside 90 days
    wider = preview_moves(replayed(app, client, "/studio/model/preview?days=365"))
    assert len(wider) == 2 * len(moves)


def test_a_draft_that_changes_more_than_thresholds_is_scored_again_and_agrees_with_rescore(
        app: Flask, client: FlaskClient, stored, marketer, runner, content_copy: Path) -> None:
    live = (content_copy / "questionnaire.yaml").read_text()
    # Thresholds and a lexicon group's points: the stored points no longer hold, so every answer is scored again.
    draft = live.replace(*RAISED).replace("    points: 5\n    cap: 5\n    gap: 3",
                                          "    points: 25\n    cap: 25\n    gap: 3")
    assert draft.count("points: 25") == 1
    save_draft(client, draft)
    html = replayed(app, client)
    assert "reusing their stored scores" not in html
    moves = preview_moves(html)
    (content_copy / "questionnaire.yaml").write_text(draft)
    result = runner.invoke(args=["leads", "rescore", "--dry-run", "--days", "90"])
    cli = {(int(lead_id), in_words("route", before), in_words("route", after)) for lead_id, before, after in
           re.findall(r"#(\d+)\s.*?  (\w+) → (\w+)", result.output)}
    assert moves and cli == moves


def test_the_preview_answers_at_once_and_the_what_if_shows_its_progress(app: Flask, client: FlaskClient, stored,
                                                                        marketer, content_copy: Path) -> None:
    live = (content_copy / "questionnaire.yaml").read_text()
    save_draft(client, live.replace(*RAISED))
    html = client.get("/studio/model/preview").get_data(as_text=True)
    assert "Waiting for the worker" in html and "Personas" in html  # checks and personas need no worker
    run_id = int(re.search(r'data-what-if="/studio/model/what-if/(\d+)"', html).group(1))
    status = client.get(f"/studio/model/what-if/{run_id}").get_json()
    assert {key: status[key] for key in ("id", "status", "done", "total", "percent")} == {
        "id": run_id, "status": "queued", "done": 0, "total": 0, "percent": 0}
    assert status["percent_text"] == "0%" and status["label"].startswith("Replaying 0 submissions: 0 done.")
    assert client.get("/studio/model/preview").get_data(as_text=True).count("data-what-if") == 1  # the same run
    # The worker's own way: a thread of its own while deliveries go on; the page polls how far it got.
    seen: list[int] = []
    stop = threading.Event()
    with app.app_context():
        assert what_if.start_next(app, stop)
        assert not what_if.start_next(app, stop)  # one replay at a time per worker
    for _ in range(600):
        status = client.get(f"/studio/model/what-if/{run_id}").get_json()
        seen.append(status["done"])
        if status["status"] == "done":
            break
        time.sleep(0.05)
    assert seen == sorted(seen)
    status = client.get(f"/studio/model/what-if/{run_id}").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["done"] == status["total"] > 0
    assert client.get("/studio/model/what-if/999999").status_code == 404
    with app.app_context():
        from leads.models import WhatIf

        kept = str(db.session.get(WhatIf, run_id).result)
    # Lead ids only, never a name or an address: an erased lead leaves nothing in a kept replay.
    assert "@" not in kept and not any(name in kept for name in stored)


def test_a_stopping_worker_hands_the_what_if_back_and_a_silent_one_loses_it(app: Flask, client: FlaskClient,
                                                                           stored, marketer, content_copy: Path,
                                                                           clock) -> None:
    from leads.models import WhatIf

    live = (content_copy / "questionnaire.yaml").read_text()
    save_draft(client, live.replace(*RAISED))
    client.get("/studio/model/preview")
    stop = threading.Event()
    stop.set()
    with app.app_context():
        run_id = what_if.claim_next()
        assert run_id is not None
        what_if.run(run_id, stop)
        assert db.session.get(WhatIf, run_id).status == "queued"  # the next worker runs it
        assert what_if.claim_next() == run_id
        assert what_if.claim_next() is None  # running, and alive
        clock.move(minutes=3)  # its worker went silent
        assert what_if.claim_next() == run_id


def test_a_failed_what_if_says_so_and_is_asked_again_with_a_button(app: Flask, client: FlaskClient, stored,
                                                                   marketer, content_copy: Path) -> None:
    from leads.models import WhatIf

    live = (content_copy / "questionnaire.yaml").read_text()
    save_draft(client, live.replace(*RAISED))
    client.get("/studio/model/preview")
    with app.app_context():
        run_id = what_if.claim_next()
        assert run_id is not None
        db.session.get(WhatIf, run_id).source = "steps: [oops"  # what a draft broken meanwhile would hold
        db.session.commit()
        what_if.run(run_id)
    html = client.get("/studio/model/preview").get_data(as_text=True)
    assert "The replay did not finish" in html and "Replay again" in html
    token = csrf_token(client, "/studio/model/preview")
    assert client.post(f"/studio/model/what-if/{run_id}/again").status_code == 400  # no CSRF token
    response = client.post(f"/studio/model/what-if/{run_id}/again", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Waiting for the worker" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_draft_whose_personas_fail_cannot_be_published(app: Flask, client: FlaskClient, marketer,
                                                         content_copy: Path) -> None:
    live = (content_copy / "questionnaire.yaml").read_text()
    save_draft(client, live.replace(*RAISED))
    html = client.get("/studio/model/preview").get_data(as_text=True)
    assert "Fails" in html and "cannot be published" in html and "Publish version" not in html
    version = re.search(r"Draft version <code>([0-9a-f]{12})</code>", html).group(1)
    response = client.post("/studio/model/publish", data={"version": version,
                                                          "csrf_token": csrf_token(client, "/studio/model")})
    assert response.status_code == 303
    assert "would be routed otherwise than expected" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert (content_copy / "questionnaire.yaml").read_text() == live
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModelPublication)) == 0


def test_publishing_keeps_history_with_a_diff_and_rollback_restores(app: Flask, client: FlaskClient, marketer,
                                                                     content_copy: Path, make_lead) -> None:
    path = content_copy / "questionnaire.yaml"
    first = path.read_text()
    second = "# Tuned in the studio.\n" + first
    save_draft(client, second)
    html = client.get("/studio/model/preview").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([0-9a-f]{12})"', html).group(1)
    token = csrf_token(client, "/studio/model")
    response = client.post("/studio/model/publish", data={"version": version, "note": "A comment",
                                                          "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/studio/models")
    assert path.read_text() == second and not (content_copy / "questionnaire.draft.yaml").exists()
    lead = make_lead()  # scored with the published version, and its page links there
    lead_page = client.get(f"/studio/leads/{lead.id}").get_data(as_text=True)
    assert f'href="/studio/models/{version}"' in lead_page

    history = client.get("/studio/models").get_data(as_text=True)
    assert "Mara Marketer" in history and "A comment" in history
    older = [v for v in re.findall(r'/studio/models/([0-9a-f]{12})"', history) if v != version][0]
    diff = client.get(f"/studio/models/{version}?against={older}").get_data(as_text=True)
    assert '<span class="diff-added"><span class="visually-hidden">Added: </span>+# Tuned in the studio.</span>' in diff

    response = client.post(f"/studio/models/{older}/rollback", data={"csrf_token": token})
    assert response.status_code == 303
    assert path.read_text() == first
    with app.app_context():
        assert db.session.scalars(sa.select(ModelPublication.version).order_by(ModelPublication.id)).all() == [
            version, older]
        assert db.session.scalar(sa.select(Submission.model_version).where(Submission.lead_id == lead.id)) == version


def test_a_stale_preview_is_not_published(client: FlaskClient, marketer, content_copy: Path) -> None:
    live = (content_copy / "questionnaire.yaml").read_text()
    save_draft(client, "# one\n" + live)
    (content_copy / "questionnaire.draft.yaml").write_text("# two\n" + live)  # edited by hand since
    response = client.post("/studio/model/publish", data={"version": "0" * 12,
                                                          "csrf_token": csrf_token(client, "/studio/model")})
    assert "changed since you previewed it" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert (content_copy / "questionnaire.yaml").read_text() == live


def test_the_what_if_of_an_unchanged_model_leaves_leads_sales_sent_back_alone(
        app: Flask, client: FlaskClient, stored, marketer, make_user) -> None:
    from leads.inbox.workflow import change_status
    from leads.models import Lead

    rep = make_user("sales")
    with app.app_context():
        recent = [stored[name] for name in stored if not name.startswith("Old")]
        ready = list(db.session.scalars(sa.select(Lead.id).where(Lead.id.in_(recent), Lead.route == "sales_ready")))
        for lead_id in ready[:4]:
            change_status(lead_id, "not_ready", rep.id, "no_budget")
    html = replayed(app, client)
    assert "The draft is the same as the live model." in html
    assert "No lead would change route." in html and preview_moves(html) == set()
    kept = re.findall(r'href="/studio/leads/(\d+)">[^<]*</a></th><td data-label="Stays">Reading list</td>'
                      r'<td data-label="The model says">With sales</td>', html)
    assert sorted(map(int, kept)) == sorted(ready[:4]) and "Left alone: 4 leads" in html
