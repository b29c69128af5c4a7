"""Webhooks: a JSON POST signed as the Standard Webhooks specification says, with the maintained package."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import secrets
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from standardwebhooks import Webhook

TIMEOUT_SECONDS = 10.0
USER_AGENT = "Doorstep-Webhooks/1"


def new_secret() -> str:
    """A fresh signing secret in the ``whsec_`` form receivers' Standard Webhooks libraries read."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(secret: str, webhook_id: str, sent_at: dt.datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers; the id is the outbox message's key, the same on every try."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, sent_at, body),
    }


@dataclass(frozen=True)
class Response:
    status: int
    reason: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def post(url: str, headers: dict[str, str], body: str, timeout: float = TIMEOUT_SECONDS) -> Response:
    """POST once, with no redirect followed (a receiver that moved must be re-registered, not guessed at)."""
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.netloc, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body.encode(), headers={
            **headers, "content-type": "application/json", "user-agent": USER_AGENT})
        response = connection.getresponse()
        response.read(64 * 1024)
        return Response(response.status, response.reason)
    finally:
        connection.close()
