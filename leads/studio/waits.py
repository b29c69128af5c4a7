"""Times between funnel stages, kept as bucket numbers so that a day's summary can hold a median.

A bucket is a step of about 19% (four per doubling) from one second up, so a median read from
the buckets is within that of the true one, however many people the days hold. Written by hand:
it is ten lines, and the libraries that keep sketches (t-digest, DDSketch) do not fit a SQL row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

NO_WAIT = -1
PER_DOUBLING = 4
TOP_BUCKET = 4 * 27  # about four years


def wait_bucket(seconds: float | None) -> int:
    """The bucket of a wait in seconds; NO_WAIT when there is none to tell."""
    if seconds is None or seconds < 0:
        return NO_WAIT
    if seconds < 1:
        return 0
    return min(TOP_BUCKET, 1 + int(math.log2(seconds) * PER_DOUBLING))


def bucket_seconds(bucket: int) -> float:
    """The middle of a bucket, in seconds (geometric: the buckets grow by a ratio)."""
    if bucket <= 0:
        return 0.5
    return float(2 ** ((bucket - 0.5) / PER_DOUBLING))


def median_wait(counts: Mapping[int, int]) -> float | None:
    """The median of waits counted per bucket, in seconds; None when nobody has a wait."""
    known = sorted((b, n) for b, n in counts.items() if b != NO_WAIT and n > 0)
    total = sum(n for _, n in known)
    if not total:
        return None
    seen = 0
    for bucket, n in known:
        seen += n
        if seen * 2 >= total:
            return bucket_seconds(bucket)
    return None  # unreachable: the loop always reaches half


def in_units(seconds: float | None) -> tuple[int, str] | None:
    """A wait as a person says it, as an amount and a CLDR unit for the page to write in its language (40
    seconds, 12 minutes, 3 hours, 5 days); None when there is no wait to tell."""
    if seconds is None:
        return None
    if seconds < 90:
        return round(seconds), "duration-second"
    if seconds < 90 * 60:
        return round(seconds / 60), "duration-minute"
    if seconds < 36 * 3600:
        return round(seconds / 3600), "duration-hour"
    return round(seconds / 86400), "duration-day"
