"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from leads.extensions import db
from tests.conftest import ON_POSTGRES


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Skip what migrations write as raw SQL (full-text search), as the Alembic env does."""
    return not (name and name.startswith(tuple(db.metadata.info.get("outside_models", ()))))


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": _ours})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
