"""Secrets kept in the database, encrypted at rest with Fernet (the cryptography package) under one key from config:
reps' CalDAV app passwords and team members' two-factor secrets."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


def fernet(key: str, fallback_secret: str) -> Fernet:
    """``key`` is a Fernet key (``CALENDAR_KEY``); without one, a key derived from the app's secret key,
    so development needs no setting (production should set its own and keep it)."""
    if key:
        return Fernet(key.encode())
    derived = hashlib.sha256(b"doorstep.calendar-key\0" + fallback_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def secret_box(config: Mapping[str, Any]) -> Fernet:
    """The one key every secret at rest is encrypted under, from the app's settings."""
    return fernet(config["CALENDAR_KEY"], config["SECRET_KEY"])


def encrypt(box: Fernet, text: str) -> str:
    return box.encrypt(text.encode()).decode() if text else ""


def decrypt(box: Fernet, token: str) -> str:
    """The secret, or empty when there is none or it was encrypted under another key."""
    if not token:
        return ""
    try:
        return box.decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
