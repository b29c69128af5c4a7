"""The API's fixtures: integration tokens made as an admin makes them, and a client that sends one."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from leads.api.schemas import SCOPES
from leads.api.tokens import create_token, revoke_token


@pytest.fixture
def make_token(app: Flask, make_user):
    """A new token's secret, with ``scopes`` (all of them unless told), made by an admin."""
    admin = make_user("admin")

    def make(*scopes: str, name: str = "CRM", revoked: bool = False) -> str:
        with app.app_context():
            token, secret = create_token(name, scopes or tuple(SCOPES), admin.id)
            if revoked:
                revoke_token(token.id, admin.id)
            return secret

    return make


def bearer(secret: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {secret}"}
