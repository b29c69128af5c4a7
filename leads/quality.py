"""Spam and abuse checks on a finished questionnaire: plain data in, reasons to hold it back out."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS

from leads.questionnaire import COMPANY, EMAIL, NAME

# A person's name never holds a domain; a company may ("Booking.com"), so only a full address counts there.
_ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)
_DOMAIN = re.compile(r"\b[a-z0-9-]+\.(?:com|net|org|io|ru|xyz|top|info|biz|co)\b", re.IGNORECASE)
LINK_PATTERNS = {NAME: (_ADDRESS, _DOMAIN), COMPANY: (_ADDRESS,)}


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def is_disposable(domain: str, disposable: Collection[str] = DISPOSABLE_DOMAINS) -> bool:
    """A throwaway mailbox domain, or any subdomain of one."""
    parts = domain.split(".")
    return any(".".join(parts[i:]) in disposable for i in range(len(parts) - 1))


def quality_reasons(
    answers: Mapping[str, Any],
    *,
    honeypot: bool = False,
    seconds_to_complete: float | None = None,
    min_seconds: float = 0,
    disposable: Collection[str] = DISPOSABLE_DOMAINS,
) -> list[str]:
    """Why a submission looks automated or fake, in words a marketer can review; empty when it looks fine."""
    reasons = []
    if honeypot:
        reasons.append("The hidden field meant for bots was filled in")
    if seconds_to_complete is not None and seconds_to_complete < min_seconds:
        reasons.append(f"Completed in {seconds_to_complete:.0f} seconds, faster than a person can read it"
                       f" (minimum {min_seconds:.0f})")
    for field, patterns in LINK_PATTERNS.items():
        if any(p.search(str(answers.get(field) or "")) for p in patterns):
            reasons.append(f"A web address in the {field} field")
    domain = email_domain(str(answers.get(EMAIL) or ""))
    if domain and is_disposable(domain, disposable):
        reasons.append(f"A disposable email domain ({domain})")
    return reasons


def burst_reason(recent: int, limit: int, minutes: int) -> str | None:
    """Too many submissions from one address; ``recent`` counts earlier ones in the window."""
    if limit and recent >= limit:
        return f"{recent + 1} submissions from one address within {minutes} minutes"
    return None
