"""Delivery: the events Doorstep announces, and how the outbox gets them to people and systems."""

from __future__ import annotations

# The events a webhook endpoint may subscribe to, with what each means to the person choosing.
TOPICS = {
    "lead.sales_ready": "A lead became ready for sales (new, or promoted from nurture)",
    "lead.assigned": "A lead was handed to another rep",
    "lead.status_changed": "Sales moved a lead to another status",
    "lead.recycled": "Sales sent a lead back to nurture as not ready yet",
    "lead.sla_missed": "A sales-ready lead is still new past the service level",
    "meeting.booked": "A prospect booked a meeting",
    "meeting.rescheduled": "A prospect moved their meeting",
    "meeting.canceled": "A prospect canceled their meeting",
    "meeting.no_show": "A rep marked a meeting as a no-show (the lead went back to nurture)",
}
# Sent only to the endpoint an admin is testing, never subscribed to.
PING = "endpoint.ping"


class Undeliverable(Exception):
    """Trying again cannot help (the lead or the endpoint is gone, the address refused): the message is dead at once."""


class NothingToSend(Exception):
    """The message is done without sending anything, for the reason given (logged as its delivery)."""
