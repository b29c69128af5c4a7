"""The `doorstep` console script: Flask's command line around the app factory, which adds Doorstep's commands."""

from __future__ import annotations

from flask.cli import FlaskGroup

from leads.app import create_app
from leads.commands import content_cli

main = FlaskGroup(name="doorstep", create_app=create_app, help="Doorstep: inbound-first lead capture.")
# Found before the app is built, so `doorstep content check` needs no secret key (the app refuses to start
# without one in production) and builds no article index of its own to log each broken file again.
main.add_command(content_cli)
