"""Cookies are sent only when they change something, and the upstream behaviour that makes this matter."""

from __future__ import annotations

from flask import Flask, session
from flask.testing import FlaskClient
from flask_login import LoginManager, current_user


def _cookies_set(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def test_flask_login_still_takes_an_anonymous_session_for_a_stolen_one() -> None:
    """Flask-Login issue #569, worked around in leads/views/cookies.py.

    In "strong" session protection, a session that holds anything but a sign-in is treated as stolen:
    on every page, the session cookie is re-sent and a remember-me cookie the browser never had is
    deleted. When this test fails, upstream has changed: drop the workaround (the Response class and
    the note in cookies.py) and check the pin of flask-login in pyproject.toml.
    """
    app = Flask("upstream")
    app.secret_key = "upstream-test-key"
    manager = LoginManager(app)
    manager.session_protection = "strong"
    manager.user_loader(lambda user_id: None)

    @app.get("/form")
    def form() -> str:
        session["csrf_token"] = "a visitor's CSRF secret"
        return "a form"

    @app.get("/page")
    def page() -> str:
        return "signed in" if current_user.is_authenticated else "nobody"

    client = app.test_client()
    client.get("/form")
    response = client.get("/page")
    assert response.get_data(as_text=True) == "nobody"
    assert _cookies_set(response) == {"session", "remember_token"}


def test_a_session_changed_in_place_is_written(app: Flask, client: FlaskClient) -> None:
    @app.get("/__start")
    def start() -> str:
        session["answers"] = {"role": "buyer"}
        return "started"

    @app.get("/__change")
    def change() -> str:
        session["answers"]["role"] = "researcher"  # in place: only the content shows the change
        session.modified = True
        return "changed"

    @app.get("/__same")
    def same() -> str:
        session["answers"] = {"role": "researcher"}
        return "the same again"

    assert "session" in _cookies_set(client.get("/__start"))
    assert "session" in _cookies_set(client.get("/__change"))
    assert "session" not in _cookies_set(client.get("/__same"))


def test_a_cookie_the_browser_never_sent_is_not_deleted(app: Flask, client: FlaskClient) -> None:
    @app.get("/__forget")
    def forget():  # type: ignore[no-untyped-def]
        response = app.make_response("forgotten")
        response.delete_cookie("doorstep_draft")
        return response

    assert "Set-Cookie" not in client.get("/__forget").headers
    client.set_cookie("doorstep_draft", "a draft token")
    assert "doorstep_draft" in _cookies_set(client.get("/__forget"))
    assert client.get_cookie("doorstep_draft") is None
