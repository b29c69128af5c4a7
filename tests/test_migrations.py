"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from leads.extensions import db
from tests.fixtures.app import ON_POSTGRES


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


@pytest.mark.skipif(ON_POSTGRES, reason="the session's PostgreSQL database is already at the head")
def test_alerts_written_before_the_worker_existed_are_addressed_and_kept(tmp_path) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from leads import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0003")
        for statement in (
            "INSERT INTO users (id, email, name, password_hash, role, active, away, weight, created_at) "
            "VALUES (1, 'rep@team.example', 'Rep', 'x', 'sales', 1, 0, 1, '2026-11-30')",
            "INSERT INTO leads (id, email, name, company, job_role, route, status, stage, source, fit, intent, "
            "engagement, score, owner_id, created_at, routed_at, landing_article, search_text) VALUES (1, "
            "'l@buyer.example', 'L', '', '', 'sales_ready', 'new', '', '', 0, 0, 0, 0, 1, '2026-11-30', "
            "'2026-11-30', '', '')",
            "INSERT INTO lead_reads (user_id, lead_id, read_at) VALUES (1, 1, '2026-11-30')",
            "INSERT INTO outbox (created_at, topic, payload, attempts, last_error) "
            "VALUES ('2026-11-30', 'lead.sales_ready', '{\"lead_id\": 1}', 0, '')",
        ):
            db.session.execute(sa.text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(sa.text("SELECT key, channel, recipient, status FROM outbox")).all()
        kept = db.session.scalar(sa.text("SELECT count(*) FROM lead_reads"))
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [("msg_earlier_1", "email", "rep@team.example", "pending")]
    assert kept == 1


@pytest.mark.skipif(ON_POSTGRES, reason="the session's PostgreSQL database is already at the head")
def test_zones_move_to_the_person_and_two_factor_secrets_are_encrypted_in_place_and_back(tmp_path) -> None:
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from leads import create_app
    from leads.booking.passwords import decrypt, secret_box

    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with app.app_context():
        upgrade(revision="0013")
        for statement in (
            "INSERT INTO users (id, email, name, password_hash, role, active, away, weight, created_at, totp_secret) "
            f"VALUES (1, 'rep@team.example', 'Rep', 'x', 'sales', 1, 0, 1, '2026-11-30', '{secret}')",
            "INSERT INTO users (id, email, name, password_hash, role, active, away, weight, created_at) "
            "VALUES (2, 'admin@team.example', 'Admin', 'x', 'admin', 1, 0, 1, '2026-11-30')",
            "INSERT INTO availability (user_id, timezone, hours, meeting_minutes, buffer_minutes, notice_minutes, "
            "max_per_day, days_off, caldav_url, caldav_username, caldav_password) "
            "VALUES (1, 'Europe/Berlin', '{}', 30, 0, 120, 8, '[]', '', '', '')",
            "INSERT INTO leads (id, email, name, company, job_role, route, status, stage, source, fit, intent, "
            "engagement, score, owner_id, created_at, routed_at, landing_article, search_text) VALUES (1, "
            "'l@buyer.example', 'L', '', '', 'sales_ready', 'new', '', '', 0, 0, 0, 0, 1, '2026-11-30', "
            "'2026-11-30', '', '')",
        ):
            db.session.execute(sa.text(statement))
        db.session.commit()
        upgrade()
        moved = db.session.execute(sa.text("SELECT id, timezone, totp_secret FROM users ORDER BY id")).all()
        box = secret_box(app.config)
        downgrade(revision="0013")
        back = db.session.execute(sa.text("SELECT u.totp_secret, a.timezone FROM users u "
                                          "JOIN availability a ON a.user_id = u.id")).one()
        db.engine.dispose()
    assert [(row[0], row[1]) for row in moved] == [(1, "Europe/Berlin"), (2, "")]
    assert secret not in moved[0][2] and decrypt(box, moved[0][2]) == secret and moved[1][2] == ""
    assert tuple(back) == (secret, "Europe/Berlin")


@pytest.mark.skipif(ON_POSTGRES, reason="the session's PostgreSQL database is already at the head")
def test_leads_handed_to_sales_before_0013_keep_when_they_first_became_sales_ready(tmp_path) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from leads import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    lead = ("INSERT INTO leads (id, email, name, company, job_role, route, status, stage, source, fit, intent, "
            "engagement, score, created_at, routed_at, landing_article, search_text) VALUES ({id}, '{id}@b.example', "
            "'L', '', '', '{route}', '{status}', '', '', 0, 0, 0, 0, '2026-11-01', '{routed}', '', '')")
    submission = ("INSERT INTO submissions (lead_id, created_at, answers, context, model_version, fit, intent, "
                  "engagement, total, verdict, receipt, gates_missed, quarantine_reasons, client_key) VALUES "
                  "({id}, '{at}', '{{}}', '{{}}', 'v', 0, 0, 0, 0, '{verdict}', '[]', '[]', '[]', '')")
    event = "INSERT INTO lead_events (lead_id, at, kind, data) VALUES ({id}, '{at}', '{kind}', '{{}}')"
    with app.app_context():
        upgrade(revision="0010")
        for statement in (
            # Sent back by sales: ready when it answered, nurture now.
            lead.format(id=1, route="nurture", status="not_ready", routed="2026-11-02 09:00:00.000000"),
            submission.format(id=1, at="2026-11-02 09:00:00.000000", verdict="sales_ready"),
            # Promoted by a click, its hand-over event the only trace.
            lead.format(id=2, route="sales_ready", status="new", routed="2026-11-05 10:00:00.000000"),
            submission.format(id=2, at="2026-11-01 08:00:00.000000", verdict="nurture"),
            event.format(id=2, at="2026-11-05 10:00:00.000000", kind="promoted"),
            event.format(id=2, at="2026-11-05 10:00:00.000000", kind="assigned"),
            # Never with sales.
            lead.format(id=3, route="nurture", status="new", routed="2026-11-03 10:00:00.000000"),
            submission.format(id=3, at="2026-11-03 10:00:00.000000", verdict="nurture"),
        ):
            db.session.execute(sa.text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(sa.text("SELECT id, first_sales_ready_at FROM leads"))
        found: dict[int, Any] = {lead_id: at for lead_id, at in rows}
        db.engine.dispose()
    assert str(found[1]).startswith("2026-11-02 09:00") and str(found[2]).startswith("2026-11-05 10:00")
    assert found[3] is None


@pytest.mark.skipif(ON_POSTGRES, reason="the session's PostgreSQL database is already at the head")
def test_0015_removes_the_retired_booked_and_contacted_stages_and_keeps_the_others(tmp_path) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from leads import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0014")
        for stage in ("sales_ready", "booked", "contacted", "won"):
            db.session.execute(sa.text("INSERT INTO funnel_days (day, stage, source, medium, campaign, landing, "
                                       "wait_bucket, people) VALUES ('2026-11-02', :s, '', '', '', '', -1, 1)"),
                               {"s": stage})
            db.session.execute(sa.text("INSERT INTO funnel_totals (day, stage, wait_bucket, people) "
                                       "VALUES ('2026-11-02', :s, -1, 1)"), {"s": stage})
            db.session.execute(sa.text("INSERT INTO funnel_splits (split, day, value, stage, people) "
                                       "VALUES ('campaign', '2026-11-02', '', :s, 1)"), {"s": stage})
        db.session.commit()
        upgrade()
        kept = {table: sorted(db.session.scalars(sa.text(f"SELECT stage FROM {table}")))
                for table in ("funnel_days", "funnel_totals", "funnel_splits")}
        db.engine.dispose()
    assert kept == dict.fromkeys(("funnel_days", "funnel_totals", "funnel_splits"), ["sales_ready", "won"])


@pytest.mark.skipif(ON_POSTGRES, reason="the session's PostgreSQL database is already at the head")
def test_0018_keeps_the_weekly_mail_for_everyone_who_had_it_and_goes_back(tmp_path) -> None:
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from leads import create_app

    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0017")
        db.session.execute(sa.text(
            "INSERT INTO users (id, email, name, password_hash, role, active, away, weight, created_at) "
            "VALUES (1, 'mara@team.example', 'Mara', 'x', 'marketer', 1, 0, 1, '2026-11-30')"))
        db.session.commit()
        upgrade()
        kept = db.session.scalar(sa.text("SELECT weekly_mail FROM users WHERE id = 1"))
        tables = set(sa.inspect(db.engine).get_table_names())
        downgrade(revision="0017")
        after = set(sa.inspect(db.engine).get_table_names())
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        still = db.session.scalar(sa.text("SELECT email FROM users WHERE id = 1"))
        db.engine.dispose()
    assert kept == 1 and "evidence_reports" in tables
    assert "evidence_reports" not in after and "weekly_mail" not in columns and still == "mara@team.example"
