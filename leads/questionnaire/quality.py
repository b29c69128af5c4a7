"""Spam and abuse checks on a finished questionnaire: plain data in, reasons to hold it back out."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS

from leads.questionnaire import COMPANY, EMAIL, NAME, OWN_WORDS

# A person's name never holds a domain; a company may ("Booking.com", "www.acme.com" is how some people
# write their company), so only a link with its scheme counts there.
_ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)
_LINK = re.compile(r"https?://", re.IGNORECASE)
_DOMAIN = re.compile(r"\b[a-z0-9-]+\.(?:com|net|org|io|ru|xyz|top|info|biz|co)\b", re.IGNORECASE)
LINK_PATTERNS = {NAME: (_ADDRESS, _DOMAIN), COMPANY: (_LINK,)}
# Who someone is, not what they answered: distinct buyers differ here even when their answers agree.
IDENTITY = frozenset({NAME, EMAIL, COMPANY, "consent"})


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
    """Too many alike submissions from one address; ``recent`` counts earlier alike ones in the window."""
    if limit and recent >= limit:
        return f"{recent + 1} submissions from one address within {minutes} minutes, with the same or machine-like" \
               " answers"
    return None


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(sorted(_plain(v) for v in value))
    return " ".join(re.sub(r"[^\w\s]", " ", str(value)).casefold().split())


def answers_key(answers: Mapping[str, Any]) -> str:
    """The answers without who gave them, normalised: equal for a script that re-sends one set of answers."""
    return "\n".join(f"{k}={_plain(v)}" for k, v in sorted(answers.items())
                     if k not in IDENTITY and v not in (None, ""))


def machine_like(answers: Mapping[str, Any]) -> bool:
    """Free-text answers a person would not write: one text pasted into every box, or text without letters."""
    texts = [_plain(answers.get(q)) for q in OWN_WORDS if answers.get(q)]
    if not texts:
        return False
    return (len(texts) > 1 and len(set(texts)) == 1) or any(not any(c.isalpha() for c in t) for t in texts)


def alike(earlier: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Two submissions from one address that a burst counts: the same person or script, not two buyers who
    share an office network."""
    email = str(answers.get(EMAIL) or "").strip().casefold()
    if email and email == str(earlier.get(EMAIL) or "").strip().casefold():
        return True
    if machine_like(earlier) and machine_like(answers):
        return True
    return answers_key(earlier) == answers_key(answers)
