"""When to try a failed delivery again: exponential backoff with jitter, and when to give up."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

FIRST_DELAY = dt.timedelta(seconds=10)
LONGEST_DELAY = dt.timedelta(hours=4)
GIVE_UP_AFTER = dt.timedelta(hours=72)


def retry_delay(attempts: int, jitter: Callable[[], float] = random.random) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: doubling from 10 s, capped at 4 h, then between half and
    all of it at random, so that messages failing together (a receiver down) do not come back together."""
    base: dt.timedelta = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), LONGEST_DELAY)
    return base * (0.5 + 0.5 * jitter())


def next_attempt(give_up_at: dt.datetime, attempts: int, now: dt.datetime,
                 jitter: Callable[[], float] = random.random) -> dt.datetime | None:
    """When to try again after the ``attempts``-th failure at ``now``, or None once ``give_up_at`` has come
    (72 h after the event): the message is dead. The last try falls on ``give_up_at`` itself."""
    if now >= give_up_at:
        return None
    return min(now + retry_delay(attempts, jitter), give_up_at)
