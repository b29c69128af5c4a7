"""Doorstep: an inbound-first marketing site that lets buyers qualify themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # Imported here so that the pure core (articles, scoring) loads without Flask.
    from leads.app import create_app as factory

    return factory(config)
