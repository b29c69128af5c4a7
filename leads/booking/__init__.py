"""Booking: a rep's free slots, invitations, CalDAV calendars and calendar passwords (pure), the meetings
themselves (the service), and the prospect's booking pages."""
