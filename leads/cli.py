"""The `doorstep` console script: Flask's command line around the app factory, which adds Doorstep's commands."""

from __future__ import annotations

from flask.cli import FlaskGroup

from leads.app import create_app

main = FlaskGroup(name="doorstep", create_app=create_app, help="Doorstep: inbound-first lead capture.")
