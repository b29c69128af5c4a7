"""The one clock: every "now" in Doorstep comes from here, so that tests can fix the time.

The ``CLOCK`` setting, when an app is active and sets it, is a callable returning an aware
datetime; otherwise this is the real time in UTC.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context


def now() -> dt.datetime:
    """The current time, aware and in UTC unless a test's ``CLOCK`` says otherwise."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            moment: dt.datetime = clock()
            return moment
    return dt.datetime.now(dt.UTC)
