"""Booking: a rep's free slots (slots.py), invites (invite.py), signed links (links.py),
CalDAV (calendar.py) and calendar passwords at rest (passwords.py)."""
