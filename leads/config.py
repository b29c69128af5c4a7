"""Configuration: defaults, then environment variables, then an explicit override."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from leads.languages import CODES as SHIPPED_LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What marketers write, unless DOORSTEP_CONTENT_DIR says otherwise (the app and `doorstep content` read it alike).
CONTENT_DIR = PROJECT_ROOT / "content"

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The app was asked to start with a configuration it must refuse."""


def load_config(instance_path: str, override: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping.

    ``DOORSTEP_ENV`` is ``production`` unless said otherwise, so that forgetting a
    variable on a server fails safe rather than running with a throwaway key.
    """
    override = dict(override or {})
    env = override.pop("ENV", None) or os.environ.get("DOORSTEP_ENV", "production")
    database_url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'doorstep.db'}"
    )
    # Heroku-style URLs name the old driver; SQLAlchemy wants psycopg 3 spelled out.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]

    config: dict[str, Any] = {
        "DOORSTEP_ENV": env,
        "SECRET_KEY": os.environ.get("DOORSTEP_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "CONTENT_DIR": os.environ.get("DOORSTEP_CONTENT_DIR", str(CONTENT_DIR)),
        # Where articles' social cards are drawn, once each: any writable folder; losing it only costs redrawing.
        "CARD_DIR": os.environ.get("DOORSTEP_CARD_DIR", str(Path(instance_path) / "cards")),
        "SITE_NAME": os.environ.get("DOORSTEP_SITE_NAME", "Doorstep"),
        # The public address: every absolute link (mail, webhook, calendar, feed, canonical) points here, as
        # url_for(..., _external=True) builds it, in the outbox worker too (``site_address``).
        "SITE_URL": os.environ.get("DOORSTEP_SITE_URL", "http://127.0.0.1:5000"),
        # How many proxies (nginx, a load balancer) stand in front and set X-Forwarded-For/-Proto/-Host: the app
        # believes only the entries those proxies appended, so a client cannot forge its address. 0: no proxy.
        "TRUSTED_PROXIES": os.environ.get("DOORSTEP_TRUSTED_PROXIES", "0"),
        # The language of the site's bare URLs (every other shipped one is under /de/, /fr/, ...): a code of
        # leads.languages.SHIPPED.
        "DEFAULT_LANGUAGE": os.environ.get("DOORSTEP_DEFAULT_LANGUAGE", "en"),
        "SALES_REPLY_HOURS": int(os.environ.get("DOORSTEP_SALES_REPLY_HOURS", "24")),
        # How long browsers and CDNs may reuse a public page before asking again (with its ETag).
        "PUBLIC_CACHE_SECONDS": int(os.environ.get("DOORSTEP_PUBLIC_CACHE_SECONDS", "60")),
        # How often, at most, a request checks content/articles/ for changed files (and a static
        # file, to write its hashed URL). Production waits a second between checks (a check stats
        # every file); development checks every request.
        "CONTENT_CHECK_SECONDS": float(
            os.environ.get("DOORSTEP_CONTENT_CHECK_SECONDS", "1" if env == "production" else "0")
        ),
        # A callable returning the current aware datetime; tests set it to fix the time.
        "CLOCK": None,
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        "MAX_FORM_PARTS": 200,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("DOORSTEP_RATELIMIT_STORAGE", "memory://"),
        # memory:// counts in each process: fine for one worker on one server, and only said so on purpose.
        "RATELIMIT_ALLOW_MEMORY": os.environ.get("DOORSTEP_RATELIMIT_ALLOW_MEMORY", "0") == "1",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("DOORSTEP_LOGIN_RATE_LIMIT", "5 per minute;20 per hour"),
        "SUBMIT_RATE_LIMIT": os.environ.get("DOORSTEP_SUBMIT_RATE_LIMIT", "10 per minute;60 per hour"),
        "STEP_RATE_LIMIT": os.environ.get("DOORSTEP_STEP_RATE_LIMIT", "120 per minute"),
        "MIN_SECONDS_TO_COMPLETE": float(os.environ.get("DOORSTEP_MIN_SECONDS_TO_COMPLETE", "5")),
        "BURST_LIMIT": int(os.environ.get("DOORSTEP_BURST_LIMIT", "5")),
        "BURST_MINUTES": int(os.environ.get("DOORSTEP_BURST_MINUTES", "10")),
        # Mail: "smtp" sends; "mailbox" keeps every mail in a local Maildir that admins read at /admin/mailbox,
        # so that nothing leaves a developer's machine.
        "MAIL_BACKEND": os.environ.get("DOORSTEP_MAIL_BACKEND", "smtp" if env == "production" else "mailbox"),
        "MAIL_FROM": os.environ.get("DOORSTEP_MAIL_FROM", "Doorstep <doorstep@localhost>"),
        "MAILBOX_DIR": os.environ.get("DOORSTEP_MAILBOX_DIR", str(Path(instance_path) / "mailbox")),
        "SMTP_HOST": os.environ.get("DOORSTEP_SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("DOORSTEP_SMTP_PORT", "587")),
        # "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a relay on the same machine).
        "SMTP_SECURITY": os.environ.get("DOORSTEP_SMTP_SECURITY", "starttls"),
        "SMTP_USERNAME": os.environ.get("DOORSTEP_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("DOORSTEP_SMTP_PASSWORD", ""),
        "SMTP_TIMEOUT_SECONDS": float(os.environ.get("DOORSTEP_SMTP_TIMEOUT_SECONDS", "30")),
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("DOORSTEP_WEBHOOK_TIMEOUT_SECONDS", "10")),
        # How often an idle outbox worker looks for new messages: a new alert waits at most this long.
        "OUTBOX_POLL_SECONDS": float(os.environ.get("DOORSTEP_OUTBOX_POLL_SECONDS", "1")),
        # A sales-ready lead still new after this many working hours alerts the admins; 0 turns it off.
        "SLA_WORKING_HOURS": float(os.environ.get("DOORSTEP_SLA_WORKING_HOURS", "2")),
        # Also hand such a lead to the next rep in the round robin (the admins are alerted either way).
        "SLA_REASSIGN": os.environ.get("DOORSTEP_SLA_REASSIGN", "0") == "1",
        "WORKING_HOURS": os.environ.get("DOORSTEP_WORKING_HOURS", "09:00-17:00"),
        "WORKING_DAYS": os.environ.get("DOORSTEP_WORKING_DAYS", "Mon-Fri"),
        "WORKING_TIMEZONE": os.environ.get("DOORSTEP_WORKING_TIMEZONE", "UTC"),
        # When reps who chose a daily digest get it, in the working time zone.
        "DIGEST_TIME": os.environ.get("DOORSTEP_DIGEST_TIME", "08:00"),
        # How long the link a prospect gets to see or erase their data works.
        "PRIVACY_LINK_HOURS": float(os.environ.get("DOORSTEP_PRIVACY_LINK_HOURS", "24")),
        # Retention windows, applied by the outbox worker, and shown on the public privacy page.
        "RETENTION_DRAFT_DAYS": int(os.environ.get("DOORSTEP_RETENTION_DRAFT_DAYS", "30")),
        "RETENTION_HELD_DAYS": int(os.environ.get("DOORSTEP_RETENTION_HELD_DAYS", "90")),
        "RETENTION_NURTURE_MONTHS": int(os.environ.get("DOORSTEP_RETENTION_NURTURE_MONTHS", "24")),
        # How often the worker looks for what has outlived its window.
        "RETENTION_CHECK_MINUTES": float(os.environ.get("DOORSTEP_RETENTION_CHECK_MINUTES", "60")),
        # The key of the keyed hash (HMAC-SHA256) that consent records and suppressions keep instead of an
        # address. Keep it apart from SECRET_KEY (by default it is derived from it), and never change it:
        # with a new key, unsubscribed addresses would no longer be recognised.
        "ADDRESS_HASH_KEY": os.environ.get("DOORSTEP_ADDRESS_HASH_KEY", ""),
        # How many emails of a nurture sequence follow the reading list, at most.
        "NURTURE_MAX_EMAILS": int(os.environ.get("DOORSTEP_NURTURE_MAX_EMAILS", "4")),
        # Booking: how far ahead a prospect is offered slots (the rep's working days), then the team's.
        "BOOKING_HORIZON_DAYS": int(os.environ.get("DOORSTEP_BOOKING_HORIZON_DAYS", "10")),
        # A ready lead who asked to talk and has not booked after this many minutes gets one mail with slots.
        "BOOKING_NUDGE_MINUTES": float(os.environ.get("DOORSTEP_BOOKING_NUDGE_MINUTES", "30")),
        # Booking, moving and canceling posts per address (the slot check is cheap; this stops a flood).
        "BOOKING_RATE_LIMIT": os.environ.get("DOORSTEP_BOOKING_RATE_LIMIT", "30 per minute"),
        # The origins (https://www.example.com) whose pages may frame the questionnaire and booking: the embed's
        # frame-ancestors and the only targets and senders of its postMessage events. Empty: nobody may frame them.
        "EMBED_ORIGINS": os.environ.get("DOORSTEP_EMBED_ORIGINS", ""),
        # REST API calls per integration token (all of its calls together), counted in the rate-limit store.
        "API_RATE_LIMIT": os.environ.get("DOORSTEP_API_RATE_LIMIT", "120 per minute;5000 per hour"),
        # How long a signed booking, reschedule or cancel link works.
        "BOOKING_LINK_DAYS": int(os.environ.get("DOORSTEP_BOOKING_LINK_DAYS", "60")),
        # A Fernet key (base64, 32 bytes) for reps' calendar passwords; empty derives one from the secret key.
        "CALENDAR_KEY": os.environ.get("DOORSTEP_CALENDAR_KEY", ""),
        # The round robin counts the assignments of this many days, not all time.
        "ROUND_ROBIN_DAYS": int(os.environ.get("DOORSTEP_ROUND_ROBIN_DAYS", "30")),
    }
    if env == "test":
        # Test clients click through a questionnaire in milliseconds; tests that check speed set their own.
        config.update(TESTING=True, SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False,
                      MIN_SECONDS_TO_COMPLETE=0.0)
    config.update(override)
    config.update(site_address(config["SITE_URL"]))
    config["TRUSTED_PROXIES"] = _trusted_proxies(config["TRUSTED_PROXIES"])
    config["EMBED_ORIGINS"] = embed_origins(config["EMBED_ORIGINS"])
    if config["DEFAULT_LANGUAGE"] not in SHIPPED_LANGUAGES:
        raise ConfigError(f"DOORSTEP_DEFAULT_LANGUAGE takes one of {', '.join(SHIPPED_LANGUAGES)},"
                          f" not {config['DEFAULT_LANGUAGE']!r}")

    if not config["SECRET_KEY"]:
        if config["DOORSTEP_ENV"] == "production":
            raise ConfigError(
                "DOORSTEP_SECRET_KEY is not set. Refusing to start in production without a "
                "secret key; generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        config["SECRET_KEY"] = local_secret_key(Path(instance_path))
    _refuse_per_process_rate_limits(config)
    _refuse_unusable_calendar_key(config)
    return config


def local_secret_key(instance: Path) -> str:
    """The secret key of a development or test run without ``DOORSTEP_SECRET_KEY``: made once, kept in
    ``instance/secret_key``, and read by every process of the run.

    The server signs pages and the outbox worker signs mailed links, and the keyed address hash and the
    calendar key derive from this key: a random key per process would make every mailed link dead. The
    file is created whole or not at all (written aside, then linked into place), so two processes that
    start together agree on one key.
    """
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".secret_key.", dir=instance)  # readable by its owner alone
    aside = Path(name)
    with os.fdopen(handle, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    try:
        os.link(aside, path)
        log.warning("No DOORSTEP_SECRET_KEY set; made a development key in %s, shared by this run's processes.",
                    path)
    except FileExistsError:
        pass  # another process of this run made it first: use theirs
    finally:
        aside.unlink()
    return path.read_text().strip()


def embed_origins(given: str | Sequence[str]) -> tuple[str, ...]:
    """``DOORSTEP_EMBED_ORIGINS`` as origins (scheme, host and port; separated by commas or spaces), each checked:
    a path, a wildcard or a typo would otherwise widen or silently break who may frame the pages."""
    names = given.replace(",", " ").split() if isinstance(given, str) else list(given)
    origins: list[str] = []
    for name in names:
        parts = urlsplit(name)
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/")
                or parts.query or parts.fragment or parts.username or "*" in name):
            raise ConfigError(f"DOORSTEP_EMBED_ORIGINS takes origins such as https://www.example.com, not {name!r}")
        port = f":{parts.port}" if parts.port else ""
        origins.append(f"{parts.scheme}://{parts.hostname}{port}")
    return tuple(dict.fromkeys(origins))


def site_address(site_url: str) -> dict[str, str]:
    """``SITE_URL`` and what url_for needs of it to build absolute links outside a request: its host and port
    (``SERVER_NAME``), the path the app is mounted under, and the scheme.

    Since Flask 3.1, ``SERVER_NAME`` does not restrict which hosts are served (with subdomain and host
    matching off, as here): a page asked for under another name (an IP address, a test's live server on
    its own port) is served as before, and only the links point at the site. Inside a request the scheme
    and mount path are the request's (behind a proxy, from its X-Forwarded-* headers, see ``trust_proxies``).
    """
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"DOORSTEP_SITE_URL must be the site's public address, such as https://leads.example.com, "
                          f"not {site_url!r}")
    return {"SITE_URL": site_url, "SERVER_NAME": parts.netloc, "APPLICATION_ROOT": parts.path.rstrip("/") or "/",
            "PREFERRED_URL_SCHEME": parts.scheme}


def _refuse_unusable_calendar_key(config: dict[str, Any]) -> None:
    """A CALENDAR_KEY that is set must be a Fernet key: else the first calendar password or two-factor secret to
    be saved would fail, long after the start (the shipped settings file holds a placeholder to replace)."""
    key = str(config.get("CALENDAR_KEY") or "")
    if not key:
        return
    try:
        Fernet(key.encode())
    except ValueError:
        raise ConfigError(
            "DOORSTEP_CALENDAR_KEY is not a Fernet key (32 bytes, URL-safe base64). Generate one with: "
            "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None


def _trusted_proxies(value: Any) -> int:
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ConfigError(f"DOORSTEP_TRUSTED_PROXIES must be a whole number of proxies (0 or more), not {value!r}")
    return count


def _refuse_per_process_rate_limits(config: dict[str, Any]) -> None:
    """In production, rate limits counted in memory hold only within one process: refuse them unless told."""
    storage = str(config["RATELIMIT_STORAGE_URI"])
    if config["DOORSTEP_ENV"] != "production" or not storage.startswith("memory://") \
            or config["RATELIMIT_ALLOW_MEMORY"]:
        return
    raise ConfigError(
        "DOORSTEP_RATELIMIT_STORAGE is memory://, which counts sign-ins and submissions in each worker "
        "process separately: with 4 gunicorn workers, or 2 servers, a '5 per minute' limit lets 20 or more "
        "through. Refusing to start in production. Point it at Redis shared by every worker and server "
        "(DOORSTEP_RATELIMIT_STORAGE=redis://host:6379), or, for exactly one worker on one server, set "
        "DOORSTEP_RATELIMIT_ALLOW_MEMORY=1."
    )
