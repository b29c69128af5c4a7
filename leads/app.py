"""The application factory: wiring only. No network, no prompts, no migrations here."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from leads import commands
from leads.accounts import views as accounts
from leads.api import views as api
from leads.booking import mails as meeting_mails
from leads.booking import views as booking
from leads.config import PROJECT_ROOT, load_config
from leads.delivery import views as delivery
from leads.embeds import views as embeds
from leads.extensions import CONTENT, csrf, db, limiter, login_manager, migrate
from leads.inbox import alerts as sales_alerts
from leads.inbox import views as inbox
from leads.models import User
from leads.nurture import sending as nurture_mails
from leads.nurture import views as nurture
from leads.privacy import requests as data_requests
from leads.privacy import views as privacy
from leads.publishing import views as publishing
from leads.publishing.content import Content
from leads.questionnaire import views as questionnaire
from leads.scoring import views as scoring
from leads.scoring.model_versions import StoredModelVersions
from leads.studio import stored_evidence, weekly, what_if
from leads.studio import views as studio
from leads.web import (
    assets,
    caching,
    clean_input,
    cookies,
    embedding,
    errors,
    filters,
    locale,
    page_cache,
    security,
    tracking,
)
from leads.web.access import admin_bp

# One blueprint per audience checks sign-in and role once; each capability's staff pages are its children.
# Wired here, once, so that no capability imports another's views.
inbox.bp.register_blueprint(booking.inbox_bp)
studio.bp.register_blueprint(nurture.studio_bp)
studio.bp.register_blueprint(scoring.bp)
studio.bp.register_blueprint(embeds.studio_bp)
for child in (accounts.team_bp, delivery.bp, privacy.admin_bp, inbox.admin_bp, api.admin_bp):
    admin_bp.register_blueprint(child)
PUBLIC = (publishing.bp, questionnaire.bp, booking.bp, nurture.bp, privacy.bp, accounts.bp, embeds.bp)
# The public pages a prospect reads in their language, each also under /de/, /fr/, ... (leads.web.locale);
# the sign-in and the embed's script are one page each.
SPOKEN = (publishing.bp, questionnaire.bp, booking.bp, nurture.bp, privacy.bp)
# Other systems: the REST API, authenticated by integration tokens (leads/api).
MACHINES = (api.bp,)
AUDIENCES = (inbox.bp, studio.bp, admin_bp, accounts.account_bp)
# What each capability mails (the renderers of its topics), the work the clock makes due and the work a page asks
# the worker for (the studio's what-if and evidence), handed to delivery so that delivery imports none of them;
# the worker's scheduled work runs in this order.
SENDERS = (sales_alerts, meeting_mails, nurture_mails, data_requests, what_if, stored_evidence, weekly)

SITE_DIR = PROJECT_ROOT / "site"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(SITE_DIR / "templates"),
        static_folder=str(SITE_DIR / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config(app.instance_path, config))
    # The default SQLite file lives here; creating a local folder is the factory's only write.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    # First: an unreadable form is answered before any extension (CSRF among them) reads it.
    clean_input.register(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # "id.version" (User.get_id): a session or remember-me cookie from before a password change no longer loads.
        number, _, version = user_id.partition(".")
        user = db.session.get(User, int(number)) if number.isdigit() else None
        if user is None or not user.active or version != str(user.session_version):
            return None
        return user

    app.extensions[CONTENT] = Content(
        Path(app.config["CONTENT_DIR"]), check_seconds=app.config["CONTENT_CHECK_SECONDS"], kept=StoredModelVersions(),
        default_language=app.config["DEFAULT_LANGUAGE"],
    )

    for blueprint in (*PUBLIC, *AUDIENCES, *MACHINES):
        app.register_blueprint(blueprint)
    locale.register(app, SPOKEN)
    for sender in SENDERS:
        sender.register(app)
    errors.register(app)
    filters.register(app)
    security.register(app)
    embedding.register(app)
    assets.register(app)
    cookies.register(app)
    caching.register(app, Path(__file__).resolve().parent)
    tracking.register(app)
    commands.register(app)
    page_cache.register(app)  # it wraps the finished app's WSGI callable
    trust_proxies(app)  # outermost, so that every layer sees the real client, scheme and host
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, take the client's address, the scheme (https behind TLS) and the host
    from the X-Forwarded-* entries those proxies added, and from no others. Rate limits, burst checks and links
    then see the real visitor; with no proxy trusted, a forged X-Forwarded-For changes nothing."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


@sa.event.listens_for(sa.Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers work while one writer commits; the busy timeout waits out short locks."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
