"""A broken questionnaire file takes nothing down: every worker serves the last good model, kept in the
database with its version; with none anywhere the questionnaire says it is being updated; and the
inbox and the studio never need a model at all."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from leads.extensions import db, site_content
from leads.models import Submission
from leads.questionnaire import load_questionnaire
from leads.questionnaire.submissions import Arrival, submit_answers
from tests.fixtures.app import CONTENT_DIR
from tests.fixtures.factories import Auth, walk_questionnaire

# One malformed value, as in issue 10: before, it answered 500 on the questionnaire, inbox and studio.
GOOD_LINE, BAD_LINE = "        max_length: 120\n        autocomplete: name\n", "        max_length: lots\n"
PROBLEM = "max_length must be a whole number, 0 or more, not"


def break_questionnaire(content: Path) -> None:
    path = content / "questionnaire.yaml"
    text = path.read_text(encoding="utf-8")
    assert GOOD_LINE in text
    path.write_text(text.replace(GOOD_LINE, BAD_LINE, 1), encoding="utf-8")


def edit_questionnaire(content: Path, text: str) -> None:
    (content / "questionnaire.yaml").write_text(text, encoding="utf-8")


@pytest.fixture
def never_loaded(make_app, content_copy: Path) -> Flask:
    """A worker whose questionnaire file is broken, with no good version ever loaded or kept anywhere."""
    break_questionnaire(content_copy)
    return make_app(CONTENT_DIR=str(content_copy))


def _stored_lead(app: Flask, answers: dict[str, Any]) -> int:
    """A lead stored by the real submission service, scored with the shipped model (not through the app's)."""
    with app.app_context():
        model = load_questionnaire(CONTENT_DIR / "questionnaire.yaml")
        return submit_answers(model, answers, Arrival({"utm_source": "newsletter"})).lead.id


def _kept_versions(app: Flask) -> list[Any]:
    from leads.models import ModelVersion

    with app.app_context():
        return list(db.session.scalars(sa.select(ModelVersion).order_by(ModelVersion.id)))


# --- the team's pages need no questionnaire ------------------------------------------------------


@pytest.mark.parametrize("path", ["/inbox", "/inbox?stage=ready", "/inbox/leads/{lead}", "/inbox/export.csv"])
def test_the_inbox_lead_pages_and_export_answer_while_no_good_questionnaire_was_ever_loaded(
    never_loaded: Flask, make_user, ready_answers: dict[str, Any], path: str
) -> None:
    make_user("sales")
    lead = _stored_lead(never_loaded, ready_answers | {"name": "Dana Whitfield"})
    client = never_loaded.test_client()
    Auth(client).login(make_user("sales").email)
    response = client.get(path.format(lead=lead))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Dana Whitfield" in body
    if "/leads/" in path:  # the answers are shown as stored, in the prospect's own words
        assert ready_answers["current_situation"] in body


def test_the_stage_filter_offers_the_stages_stored_on_leads_while_no_questionnaire_names_them(
    never_loaded: Flask, make_user, ready_answers: dict[str, Any]
) -> None:
    _stored_lead(never_loaded, ready_answers | {"name": "Dana Whitfield"})
    _stored_lead(never_loaded, ready_answers | {"name": "Sam Comparer", "email": "sam@buyer.example",
                                                "buying_stage": "budgeting"})
    client = never_loaded.test_client()
    Auth(client).login(make_user("sales").email)
    body = client.get("/inbox?stage=budgeting").get_data(as_text=True)
    assert '<option selected value="budgeting">budgeting</option>' in body
    assert '<option value="ready">ready</option>' in body
    assert "Sam Comparer" in body and "Dana Whitfield" not in body


def test_the_studio_shows_the_problems_of_a_questionnaire_that_has_never_loaded(
    never_loaded: Flask, make_user, content_copy: Path
) -> None:
    path = content_copy / "questionnaire.yaml"
    line = path.read_text().splitlines().index(BAD_LINE.rstrip("\n")) + 1
    client = never_loaded.test_client()
    Auth(client).login(make_user("marketer").email)
    response = client.get("/studio")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "No version of the questionnaire has loaded yet" in body
    # Named as the marketer knows the file, within the content folder, never by the server's absolute path.
    assert f"questionnaire.yaml:{line}: error: question &#39;name&#39;: {PROBLEM} &#39;lots&#39;" in body
    assert str(content_copy) not in body


# --- no good version anywhere: a clear 503, never a 500 --------------------------------------------


def test_with_no_good_version_anywhere_the_questionnaire_says_it_is_being_updated(make_app,
                                                                                  never_loaded: Flask) -> None:
    # Errors inside error handlers are not re-raised to the caller in production, nor here.
    client = make_app(CONTENT_DIR=never_loaded.config["CONTENT_DIR"], PROPAGATE_EXCEPTIONS=False).test_client()
    # A first visit, and a step posted with no CSRF token (whose own error handler asks for the model too).
    for response in (client.get("/questionnaire"), client.post("/questionnaire", data={"role": "founder"})):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "300"
        assert "The questionnaire is being updated" in response.get_data(as_text=True)


# --- a new worker starts from the last good model, kept in the database ---------------------------


def test_a_new_worker_serves_the_last_good_model_kept_in_the_database(
    make_app, content_copy: Path, ready_answers: dict[str, Any]
) -> None:
    first = make_app(CONTENT_DIR=str(content_copy))
    assert first.test_client().get("/questionnaire").status_code == 200
    with first.app_context():
        good = site_content().questionnaire().version
    break_questionnaire(content_copy)
    restarted = make_app(CONTENT_DIR=str(content_copy))  # a worker started after the file broke
    client = restarted.test_client()
    assert [client.get("/questionnaire").status_code for _ in range(6)] == [200] * 6
    response = walk_questionnaire(client, ready_answers)
    assert response.status_code == 303 and response.headers["Location"].endswith("/questionnaire/result")
    with restarted.app_context():
        assert site_content().questionnaire().version == good
        assert PROBLEM in str(site_content().questionnaire_problem)
        assert db.session.scalar(sa.select(Submission.model_version)) == good


def test_each_good_version_is_kept_once_with_the_text_and_when_it_was_first_seen(make_app, content_copy: Path) -> None:
    monday, tuesday = (dt.datetime(2026, 11, day, 9, 0, tzinfo=dt.UTC) for day in (2, 3))
    first = make_app(CONTENT_DIR=str(content_copy), CLOCK=lambda: monday)
    with first.app_context():
        version = site_content().questionnaire().version
    second = make_app(CONTENT_DIR=str(content_copy), CLOCK=lambda: tuesday)
    with second.app_context():
        site_content().questionnaire()
    [kept] = _kept_versions(first)
    assert kept.version == version
    assert kept.source.encode("utf-8") == (content_copy / "questionnaire.yaml").read_bytes()
    assert (kept.first_seen_at, kept.loaded_at) == (monday, tuesday)


def test_asking_for_the_model_again_writes_nothing_until_its_version_changes(make_app, content_copy: Path) -> None:
    app = make_app(CONTENT_DIR=str(content_copy))
    path = content_copy / "questionnaire.yaml"
    writes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "model_versions" in statement:
            writes.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            site_content().questionnaire()
            assert len(writes) == 1
            for _ in range(20):
                site_content().questionnaire()
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # saved again, unchanged
            site_content().questionnaire()
            assert len(writes) == 1
            path.write_text(path.read_text() + "# a new version\n")
            site_content().questionnaire()
            assert len(writes) == 2
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(_kept_versions(app)) == 2


def test_workers_racing_to_keep_the_same_version_leave_one_row(make_app, content_copy: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    workers = [make_app(CONTENT_DIR=str(content_copy)) for _ in range(4)]
    start = threading.Barrier(len(workers))
    versions: list[str] = []

    def load(app: Flask) -> None:
        with app.app_context():
            start.wait()
            versions.append(site_content().questionnaire().version)

    with caplog.at_level(logging.WARNING):
        threads = [threading.Thread(target=load, args=(app,)) for app in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(versions) == 4 and len(set(versions)) == 1
    assert [kept.version for kept in _kept_versions(workers[0])] == versions[:1]
    assert not [r for r in caplog.records if r.name.startswith("leads")], caplog.text


def test_after_a_revert_a_new_worker_serves_the_version_loaded_last(make_app, content_copy: Path) -> None:
    moment = [dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)]
    app = make_app(CONTENT_DIR=str(content_copy), CLOCK=lambda: moment[0])
    original = (content_copy / "questionnaire.yaml").read_text(encoding="utf-8")
    loaded = []
    for text in (original, original.replace("sales_ready: 45", "sales_ready: 50"), original):
        edit_questionnaire(content_copy, text)
        with app.app_context():
            loaded.append(site_content().questionnaire().version)
        moment[0] += dt.timedelta(hours=1)
    assert loaded[0] == loaded[2] != loaded[1]
    break_questionnaire(content_copy)
    restarted = make_app(CONTENT_DIR=str(content_copy))
    with restarted.app_context():
        assert site_content().questionnaire().version == loaded[0]


def test_a_worker_that_cannot_keep_versions_still_serves_the_file(make_app, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    unmigrated = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    with unmigrated.app_context(), caplog.at_level(logging.WARNING):
        assert site_content().questionnaire().steps
    assert "could not keep questionnaire version" in caplog.text
