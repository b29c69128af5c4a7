"""The sales workflow: a lead's statuses, the moves sales may make, and why a lead is not ready."""

from __future__ import annotations

from leads.languages import N_

NEW = "new"
CONTACTED = "contacted"
MEETING_SET = "meeting_set"
WON = "won"
LOST = "lost"
NOT_READY = "not_ready"
SPAM = "spam"

# The statuses a lead can have while it sits in the inbox, in the order sales works through them.
PIPELINE = (NEW, CONTACTED, MEETING_SET, WON, LOST)
OPEN = (NEW, CONTACTED, MEETING_SET)
# An open lead with no meeting set: one who asked to talk is still waiting to book ("Not booked yet").
AWAITING_MEETING = (NEW, CONTACTED)
# These take the lead out of the inbox: back to nurture, or into quarantine.
LEAVING = (NOT_READY, SPAM)




# A status event's "by" when an integration (the CRM, through the API) made the move for sales.
INTEGRATION = "integration"

LABELS = {
    NEW: N_("New"),
    CONTACTED: N_("Contacted"),
    MEETING_SET: N_("Meeting set"),
    WON: N_("Won"),
    LOST: N_("Lost"),
    NOT_READY: N_("Not ready"),
    SPAM: N_("Spam"),
}

# Kept with every "not ready" verdict so the scoring model can be calibrated against them.
NOT_READY_REASONS = {
    "no_timeline": N_("No real timeline"),
    "no_budget": N_("No budget"),
    "no_authority": N_("Not the person who decides"),
    "just_researching": N_("Still researching"),
    "wrong_fit": N_("Not a fit for what we sell"),
    "unreachable": N_("Could not reach them"),
    "other": N_("Another reason"),
}


def can_move(current: str, target: str) -> bool:
    """Forward only through the pipeline; won and lost are final; any open lead may leave the inbox."""
    if current not in OPEN or current == target:
        return False
    if target in LEAVING or target == LOST:
        return True
    if target not in PIPELINE:
        return False
    return PIPELINE.index(target) > PIPELINE.index(current)


def moves_from(current: str) -> list[str]:
    """The statuses sales can choose next, in pipeline order."""
    return [s for s in (*PIPELINE, *LEAVING) if can_move(current, s)]
