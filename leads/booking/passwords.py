"""Calendar passwords at rest: encrypted with Fernet (the cryptography package) under a key from config."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def fernet(key: str, fallback_secret: str) -> Fernet:
    """``key`` is a Fernet key (``CALENDAR_KEY``); without one, a key derived from the app's secret key,
    so development needs no setting (production should set its own and keep it)."""
    if key:
        return Fernet(key.encode())
    derived = hashlib.sha256(b"doorstep.calendar-key\0" + fallback_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(box: Fernet, text: str) -> str:
    return box.encrypt(text.encode()).decode() if text else ""


def decrypt(box: Fernet, token: str) -> str:
    """The password, or empty when there is none or it was encrypted under another key."""
    if not token:
        return ""
    try:
        return box.decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
