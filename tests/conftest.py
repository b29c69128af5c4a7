"""The suite's fixtures, one plugin module each under tests/fixtures/: the app and its database, factories, the
browser and what every page must pass, mail, webhooks, clocks, CalDAV, and the measured-figures report.

The slow families carry a marker each (pyproject's ``markers``); `make test-fast` leaves them out."""

import pytest

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.factories",
    "tests.fixtures.browser",
    "tests.fixtures.page_checks",
    "tests.fixtures.mail",
    "tests.fixtures.webhooks",
    "tests.fixtures.clocks",
    "tests.fixtures.caldav",
    "tests.fixtures.measured",
    "tests.fixtures.api",
    "tests.fixtures.languages",
]

# A test that uses one of these fixtures is of that slow family, and must say so: else the fast run would start it.
FAMILY_OF_FIXTURE = {"chromium": "browser", "radicale": "subprocess"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [f"{item.nodeid} uses {fixture} without @pytest.mark.{family}" for item in items
                for fixture, family in FAMILY_OF_FIXTURE.items()
                if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(family) is None]
    if unmarked:
        raise pytest.UsageError("\n".join(unmarked))
