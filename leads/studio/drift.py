"""Drift: has the live model's won rate per score band moved away from what it was when it was published?

The baseline is the outcomes of the leads that reached sales in the first ``WINDOW`` after publishing; "now" is
those of the last ``WINDOW``. A band has drifted when the two won rates differ by at least ``SMALLEST_MOVE``
percentage points and a two-proportion z-test (statsmodels' ``proportions_ztest``) finds the difference beyond
chance at 5%, Bonferroni-corrected over the bands compared.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from statsmodels.stats.proportion import proportions_ztest

from leads.studio.calibration import WON, Outcome, band_of
from leads.studio.evidence import FEWEST_EACH, Rate, rate

WINDOW = dt.timedelta(days=30)
SMALLEST_MOVE = 10  # percentage points
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class BandDrift:
    band: str
    then: Rate
    now: Rate
    drifted: bool

    @property
    def move(self) -> float | None:
        if self.then.percent is None or self.now.percent is None:
            return None
        return self.now.percent - self.then.percent


@dataclass(frozen=True)
class Drift:
    version: str
    published_at: dt.datetime
    bands: list[BandDrift]
    days_to_wait: int = 0  # until the two windows stop overlapping

    @property
    def drifted(self) -> list[BandDrift]:
        return [band for band in self.bands if band.drifted]


def drift(outcomes: Sequence[tuple[dt.datetime, Outcome]], version: str, published_at: dt.datetime,
          now: dt.datetime) -> Drift:
    """The live version's won rate per band, in its first ``WINDOW`` after publishing and in the last one;
    ``outcomes`` are (when the lead reached sales, its outcome), any version (others are left out)."""
    if now - published_at < 2 * WINDOW:
        return Drift(version, published_at, [], (2 * WINDOW - (now - published_at)).days + 1)
    then: dict[str, list[Outcome]] = {}
    recent: dict[str, list[Outcome]] = {}
    for at, outcome in outcomes:
        if outcome.model_version != version:
            continue
        if published_at <= at < published_at + WINDOW:
            then.setdefault(band_of(outcome.score), []).append(outcome)
        elif now - WINDOW <= at <= now:
            recent.setdefault(band_of(outcome.score), []).append(outcome)
    bands = sorted(set(then) | set(recent), key=lambda b: -int(b.split("–")[0]))
    compared = [b for b in bands if len(then.get(b, ())) >= FEWEST_EACH and len(recent.get(b, ())) >= FEWEST_EACH]
    found = []
    for band in bands:
        before, after = then.get(band, []), recent.get(band, [])
        was = rate(sum(o.outcome == WON for o in before), len(before))
        is_ = rate(sum(o.outcome == WON for o in after), len(after))
        found.append(BandDrift(band, was, is_, band in compared and _moved(was, is_, len(compared))))
    return Drift(version, published_at, found)


def _moved(was: Rate, is_: Rate, tests: int) -> bool:
    if was.percent is None or is_.percent is None or abs(is_.percent - was.percent) < SMALLEST_MOVE:
        return False
    if was.won in (0, was.leads) and is_.won in (0, is_.leads):
        return was.won / was.leads != is_.won / is_.leads  # all or nothing on both sides: the test has no spread
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, p_value = proportions_ztest([was.won, is_.won], [was.leads, is_.leads])
    return bool(p_value < SIGNIFICANCE / max(tests, 1))


def drift_as_data(found: Drift) -> dict[str, Any]:
    """The drift as JSON can keep it (``drift_from_data`` reads it back)."""
    def band(b: BandDrift) -> dict[str, Any]:
        return {"band": b.band, "then": vars(b.then), "now": vars(b.now), "drifted": b.drifted}
    return {"version": found.version, "published_at": found.published_at.isoformat(),
            "bands": [band(b) for b in found.bands], "days_to_wait": found.days_to_wait}


def drift_from_data(data: Mapping[str, Any]) -> Drift:
    return Drift(data["version"], dt.datetime.fromisoformat(data["published_at"]),
                 [BandDrift(b["band"], Rate(**b["then"]), Rate(**b["now"]), b["drifted"]) for b in data["bands"]],
                 data.get("days_to_wait", 0))
