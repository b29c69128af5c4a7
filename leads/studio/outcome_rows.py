"""Won and lost deals as a CRM exports them: a CSV file read into rows, with each problem as ``row N: message``.

Columns, by header (any order, any case): ``email``, ``outcome`` (won or lost), ``amount``, ``date`` (the
closing day, YYYY-MM-DD) and, optionally, ``currency`` (ISO 4217). Row numbers count the header as row 1, as a
spreadsheet shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

REQUIRED = ("email", "outcome", "amount", "date")
MOST_ROWS = 2000  # about 150 KB: the upload and its preview stay under MAX_CONTENT_LENGTH (256 KB)
CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class OutcomeRow:
    row: int
    email: str
    outcome: str
    amount: Decimal | None
    closed_on: dt.date
    currency: str = ""


@dataclass(frozen=True)
class ReadRows:
    rows: list[OutcomeRow]
    problems: list[str]


def read_outcomes(text: str) -> ReadRows:
    """The rows of ``text`` that can be read, and a ``row N: message`` for each that cannot."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return ReadRows([], [f"row 1: the header needs the columns {', '.join(REQUIRED)} (missing: "
                             f"{', '.join(missing)})"])
    rows: list[OutcomeRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MOST_ROWS:
            problems.append(f"row {number}: at most {MOST_ROWS:,} rows are read at once; split the file")
            break
        value = {key: str(raw.get(original) or "").strip() for key, original in header.items()}
        if not any(value.values()):
            continue
        try:
            row = _read_row(number, value)
        except ValueError as exc:
            problems.append(f"row {number}: {exc}")
            continue
        if row.email in seen:
            problems.append(f"row {number}: {row.email} is already on row {seen[row.email]}")
            continue
        seen[row.email] = number
        rows.append(row)
    return ReadRows(rows, problems)


def _read_row(number: int, value: dict[str, str]) -> OutcomeRow:
    email = value["email"].lower()
    if "@" not in email or len(email) > 254:
        raise ValueError("the email is not an address")
    outcome = value["outcome"].lower()
    if outcome not in ("won", "lost"):
        raise ValueError(f"the outcome is “{value['outcome'][:40]}”; write won or lost")
    amount = None
    if value["amount"]:
        try:
            amount = Decimal(value["amount"].replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"the amount “{value['amount'][:40]}” is not a number") from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10**12:
            raise ValueError("the amount must be a number of at most two decimals, 0 or more")
    try:
        closed_on = dt.date.fromisoformat(value["date"])
    except ValueError:
        raise ValueError(f"the date “{value['date'][:40]}” is not YYYY-MM-DD") from None
    currency = value.get("currency", "").upper()
    if currency and not CURRENCY.fullmatch(currency):
        raise ValueError(f"the currency “{currency[:10]}” is not a three-letter code such as EUR")
    return OutcomeRow(number, email, outcome, amount, closed_on, currency)
