"""Cookies are sent only when they change something, and the upstream behaviour that makes this matter."""

from __future__ import annotations

from flask import Flask, session
from flask.testing import FlaskClient
from flask_login import LoginManager, UserMixin, current_user, login_user


def _cookies_set(response) -> set[str]:
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def test_flask_login_still_takes_an_anonymous_session_for_a_stolen_one() -> None:
    """Flask-Login issue #569, worked around in leads/web/cookies.py.

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


class _Person(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


def test_flask_login_still_signs_out_a_remembered_user_on_their_next_request() -> None:
    """Flask-Login issue #685, worked around in leads/accounts/views.py (``_sign_in_remembered``).

    With "strong" protection, a user brought back by the remember-me cookie is restored without the
    session identifier, so the next request takes the session for a stolen one: signed out, and the
    remember-me cookie deleted. When this test fails, upstream has fixed it: drop the workaround.
    """
    app = Flask("upstream")
    app.secret_key = "upstream-test-key"
    manager = LoginManager(app)
    manager.session_protection = "strong"
    manager.user_loader(_Person)

    @app.get("/sign-in")
    def sign_in() -> str:
        login_user(_Person("7"), remember=True)
        return "signed in"

    @app.get("/page")
    def page() -> str:
        return "signed in" if current_user.is_authenticated else "nobody"

    client = app.test_client()
    client.get("/sign-in")
    client.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
    assert client.get("/page").get_data(as_text=True) == "signed in"
    assert client.get("/page").get_data(as_text=True) == "nobody"
    assert client.get_cookie("remember_token") is None


def test_keep_me_signed_in_survives_a_closed_browser_for_every_later_page(client: FlaskClient, make_user,
                                                                         auth) -> None:
    from tests.fixtures.factories import PASSWORD, csrf_token

    user = make_user("sales")
    client.post("/login", data={"csrf_token": csrf_token(client, "/login"), "email": user.email,
                                "password": PASSWORD, "remember": "y"})
    client.delete_cookie("session")
    for _ in range(3):
        response = client.get("/inbox")
        assert response.status_code == 200, response.headers.get("Location")
    assert client.get_cookie("remember_token") is not None


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
    def forget():
        response = app.make_response("forgotten")
        response.delete_cookie("doorstep_draft")
        return response

    assert "Set-Cookie" not in client.get("/__forget").headers
    client.set_cookie("doorstep_draft", "a draft token")
    assert "doorstep_draft" in _cookies_set(client.get("/__forget"))
    assert client.get_cookie("doorstep_draft") is None
