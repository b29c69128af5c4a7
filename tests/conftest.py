"""The suite's fixtures, one plugin module each under tests/fixtures/: the app and its database, factories, the
browser and what every page must pass, mail, webhooks, clocks, CalDAV, and the measured-figures report."""

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
]
