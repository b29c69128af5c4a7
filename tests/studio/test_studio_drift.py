"""Drift: the live model's won rate per band, when it was published against now."""

from __future__ import annotations

import datetime as dt

from leads.studio.calibration import Outcome
from leads.studio.drift import WINDOW, drift

PUBLISHED = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
NOW = PUBLISHED + dt.timedelta(days=120)


def leads(at: dt.datetime, score: int, won: int, lost: int, version: str = "v1") -> list[tuple[dt.datetime, Outcome]]:
    return [(at, Outcome("won", score, version))] * won + [(at, Outcome("lost", score, version))] * lost


def test_a_band_whose_won_rate_fell_has_drifted_and_a_steady_one_has_not() -> None:
    early, late = PUBLISHED + dt.timedelta(days=3), NOW - dt.timedelta(days=3)
    outcomes = (leads(early, 75, 30, 10) + leads(late, 75, 12, 28)  # 75% then, 30% now
                + leads(early, 55, 10, 20) + leads(late, 55, 11, 19)  # a third both times
                + leads(NOW - dt.timedelta(days=60), 75, 0, 50)  # between the windows: neither
                + leads(late, 75, 0, 40, version="v0"))  # another version's leads
    found = drift(outcomes, "v1", PUBLISHED, NOW)
    by_band = {b.band: b for b in found.bands}
    assert [b.band for b in found.drifted] == ["70–79"]
    assert (by_band["70–79"].then.leads, by_band["70–79"].now.leads) == (40, 40)
    assert by_band["70–79"].move == -45
    assert not by_band["50–59"].drifted


def test_a_small_move_or_few_leads_is_not_drift() -> None:
    early, late = PUBLISHED + dt.timedelta(days=3), NOW - dt.timedelta(days=3)
    found = drift(leads(early, 75, 2, 1) + leads(late, 75, 0, 3) + leads(early, 65, 50, 50)
                  + leads(late, 65, 46, 54), "v1", PUBLISHED, NOW)
    assert found.drifted == [] and len(found.bands) == 2


def test_a_young_model_says_how_long_to_wait() -> None:
    found = drift([], "v1", PUBLISHED, PUBLISHED + WINDOW)
    assert found.bands == [] and found.days_to_wait == 31
