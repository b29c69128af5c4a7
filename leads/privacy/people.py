"""A person's data, all of it: exported as JSON with a CSV summary, or erased from every table in the map."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.extensions import db
from leads.models import ErasureTombstone, Lead
from leads.privacy import audit
from leads.privacy.data_map import PERSONAL_DATA, Person, find_person
from leads.web.spreadsheet import csv_lines

# The lead's columns the CSV summary shows first; the JSON has everything.
SUMMARY_FIELDS = ("name", "email", "company", "job_role", "route", "status", "stage", "source", "created_at")


def address_key(email: str) -> str:
    """The keyed hash (HMAC-SHA256, key ``ADDRESS_HASH_KEY``) an address is remembered by where the address
    itself must not be kept: erasure tombstones, consent records and suppressions. Enough to recognise an
    address, never to recover it."""
    config = current_app.config
    key = str(config.get("ADDRESS_HASH_KEY") or "") or f"address:{config['SECRET_KEY']}"
    return hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def was_erased(email: str) -> bool:
    """Whether this address asked to be erased: mail that is not an answer to a request must not go to it."""
    return db.session.get(ErasureTombstone, address_key(email)) is not None


def lead_email(lead_id: int) -> str | None:
    return db.session.scalar(sa.select(Lead.email).where(Lead.id == lead_id))


# --- export ---------------------------------------------------------------------------------------------


def person_data(email: str) -> dict[str, Any]:
    """Everything Doorstep holds on the person at ``email``, table by table, as JSON-ready values."""
    person = find_person(email)
    tables = {}
    for entry in reversed(PERSONAL_DATA):  # the lead first, its details after
        rows = db.session.execute(sa.select(entry.table).where(entry.where(person))).mappings()
        tables[entry.name] = {"what": str(entry.what), "rows": [{k: _plain(v) for k, v in row.items()} for row in rows]}
    return {"email": person.email, "exported_at": clock.now().isoformat(), "tables": tables}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def summary_rows(data: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """The CSV summary: the person's details, then how many rows each kind of record holds."""
    rows: list[tuple[str, str, Any]] = [("about", "email", data["email"]),
                                        ("about", "exported_at", data["exported_at"])]
    for lead in data["tables"]["leads"]["rows"]:
        rows += [("details", name, lead.get(name, "")) for name in SUMMARY_FIELDS]
    rows += [("records", table["what"], len(table["rows"])) for table in data["tables"].values()]
    return rows


def export_archive(email: str, actor_id: int | None = None) -> bytes:
    """A zip of ``your-data.json`` (everything) and ``summary.csv``; what a prospect opens is escaped data.
    An admin's export (``actor_id``) is recorded in the audit log; the prospect's own, by link, changes nothing."""
    data = person_data(email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("your-data.json", json.dumps(data, indent=2, ensure_ascii=False, default=str))
        archive.writestr("summary.csv", "".join(csv_lines(("section", "field", "value"), summary_rows(data))))
    if actor_id is not None:
        audit.note(actor_id, "person.exported", "a person", {})
        db.session.commit()
    return buffer.getvalue()


# --- erasure --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: rows per table (no personal data, so it can go in the audit log)."""

    found: bool
    rows: dict[str, int]


def erase_person(email: str, actor_id: int | None, how: str) -> Erasure:
    """Delete the person at ``email`` from every table in the map, keep a tombstone, log it; one transaction."""
    erasure = remove_rows(find_person(email))
    forget_search_terms()
    stone = address_key(email)
    if db.session.get(ErasureTombstone, stone) is None:
        db.session.add(ErasureTombstone(email_hash=stone, erased_at=clock.now()))
    audit.note(actor_id, "person.erased", f"tombstone {stone[:12]}", {"how": how, "rows": erasure.rows})
    db.session.commit()
    return erasure


def remove_rows(person: Person) -> Erasure:
    """Delete one person's rows, table by table in the map's order; the caller commits."""
    rows: dict[str, int] = {}
    for entry in PERSONAL_DATA:
        result = db.session.connection().execute(sa.delete(entry.table).where(entry.where(person)))
        rows[entry.name] = result.rowcount
    db.session.expire_all()
    return Erasure(person.known, rows)


def forget_search_terms() -> None:
    """Rewrite SQLite's full-text index without the deleted rows' words, which it otherwise keeps in its
    segments until a later merge. PostgreSQL's index drops them at the next (auto)vacuum."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("INSERT INTO lead_search (lead_search) VALUES ('optimize')"))
