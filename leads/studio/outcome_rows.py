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

from leads.languages import N_

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



class Problem(str):
    """A row's problem. It reads as ``row N: message`` in English (the CLI, logs, tests); ``message`` is the
    English template in the catalogs and ``values`` its placeholders, for a page to say it in its reader's
    language."""

    row: int
    message: str
    values: dict[str, object]

    def __new__(cls, row: int, message: str, **values: object) -> Problem:
        problem = super().__new__(cls, f"row {row}: {message % values if values else message}")
        problem.row, problem.message, problem.values = row, message, values
        return problem


class RowError(ValueError):
    """What is wrong with one row, as a message template and its values."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message, self.values = message, values


@dataclass(frozen=True)
class ReadRows:
    rows: list[OutcomeRow]
    problems: list[Problem]


def read_outcomes(text: str) -> ReadRows:
    """The rows of ``text`` that can be read, and a ``row N: message`` for each that cannot."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return ReadRows([], [Problem(1, N_("the header needs the columns %(columns)s (missing: %(missing)s)"),
                                     columns=", ".join(REQUIRED), missing=", ".join(missing))])
    rows: list[OutcomeRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MOST_ROWS:
            problems.append(Problem(number, N_("at most %(most)s rows are read at once; split the file"),
                                    most=f"{MOST_ROWS:,}"))
            break
        value = {key: str(raw.get(original) or "").strip() for key, original in header.items()}
        if not any(value.values()):
            continue
        try:
            row = _read_row(number, value)
        except RowError as exc:
            problems.append(Problem(number, exc.message, **exc.values))
            continue
        if row.email in seen:
            problems.append(Problem(number, N_("%(email)s is already on row %(first)s"), email=row.email,
                                    first=seen[row.email]))
            continue
        seen[row.email] = number
        rows.append(row)
    return ReadRows(rows, problems)


def _read_row(number: int, value: dict[str, str]) -> OutcomeRow:
    email = value["email"].lower()
    if "@" not in email or len(email) > 254:
        raise RowError(N_("the email is not an address"))
    outcome = value["outcome"].lower()
    if outcome not in ("won", "lost"):
        raise RowError(N_("the outcome is “%(value)s”; write won or lost"), value=value["outcome"][:40])
    amount = None
    if value["amount"]:
        try:
            amount = Decimal(value["amount"].replace(",", ""))
        except InvalidOperation:
            raise RowError(N_("the amount “%(value)s” is not a number"), value=value["amount"][:40]) from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10**12:
            raise RowError(N_("the amount must be a number of at most two decimals, 0 or more"))
    try:
        closed_on = dt.date.fromisoformat(value["date"])
    except ValueError:
        raise RowError(N_("the date “%(value)s” is not YYYY-MM-DD"), value=value["date"][:40]) from None
    currency = value.get("currency", "").upper()
    if currency and not CURRENCY.fullmatch(currency):
        raise RowError(N_("the currency “%(value)s” is not a three-letter code such as EUR"), value=currency[:10])
    return OutcomeRow(number, email, outcome, amount, closed_on, currency)
