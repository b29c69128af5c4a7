"""Won and lost deals from a CRM's CSV export: read with each problem as ``row N: message``, previewed, then
recorded where a rep's click and the API record them."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import AuditEntry, CampaignDay, FunnelTotal, Lead
from leads.studio.outcome_rows import read_outcomes
from leads.studio.reports import calibration_report
from tests.fixtures.api import bearer
from tests.fixtures.factories import PASSWORD, csrf_token

HEADER = "Email,Outcome,Amount,Date,Currency\n"


@pytest.mark.parametrize(("line", "problem"), [
    ("not-an-address,won,10,2026-12-01,EUR", "row 2: the email is not an address"),
    ("a@b.example,maybe,10,2026-12-01,EUR", "row 2: the outcome is “maybe”; write won or lost"),
    ("a@b.example,won,ten,2026-12-01,EUR", "row 2: the amount “ten” is not a number"),
    ("a@b.example,won,10.123,2026-12-01,EUR", "row 2: the amount must be a number of at most two decimals, 0 or more"),
    ("a@b.example,won,-5,2026-12-01,EUR", "row 2: the amount must be a number of at most two decimals, 0 or more"),
    ("a@b.example,won,10,01/12/2026,EUR", "row 2: the date “01/12/2026” is not YYYY-MM-DD"),
    ("a@b.example,won,10,2026-12-01,euro", "row 2: the currency “EURO” is not a three-letter code such as EUR"),
])
def test_each_unreadable_row_says_which_and_why(line, problem):
    assert read_outcomes(HEADER + line + "\n").problems == [problem]


def test_a_good_file_reads_in_any_column_order_with_a_bom_and_thousands():
    read = read_outcomes("\ufeffdate,amount,OUTCOME,email\n2026-12-01,\"12,500.50\",Won,Ana@Buyer.example\n\n")
    assert read.problems == []
    row = read.rows[0]
    assert (row.row, row.email, row.outcome, row.amount, row.closed_on, row.currency) == (
        2, "ana@buyer.example", "won", Decimal("12500.50"), dt.date(2026, 12, 1), "")
    assert read_outcomes("email,outcome\n").problems[0].startswith("row 1: the header needs the columns")
    twice = read_outcomes(HEADER + "a@b.example,won,1,2026-12-01,\na@b.example,lost,1,2026-12-01,\n")
    assert twice.problems == ["row 3: a@b.example is already on row 2"]


def _upload(client, text: str):
    token = csrf_token(client, "/studio/outcomes")
    return client.post("/studio/outcomes", data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "deals.csv")},
                       content_type="multipart/form-data")


def test_a_marketer_previews_then_records_the_deals(app, client, auth, make_user, make_lead, make_token,
                                                     researcher_answers):
    ready, other, closed = make_lead(), make_lead(), make_lead()
    nurture = make_lead(**{k: v for k, v in researcher_answers.items() if k not in ("name", "email", "company")})
    assert nurture.route == "nurture"
    client.post("/api/v1/outcomes", headers=bearer(make_token("leads:write")),
                json={"lead_id": closed.id, "outcome": "lost"})
    marketer = make_user("marketer")
    auth.login(marketer.email, PASSWORD)
    text = (HEADER + f"{ready.email},won,12500.50,2026-12-01,EUR\n{other.email},lost,,2026-11-30,\n"
            f"nobody@nowhere.example,won,1,2026-12-01,\n{closed.email},won,1,2026-12-01,\n"
            f"{nurture.email},won,1,2026-12-01,\n{ready.email.upper()},won,1,2026-12-01,\n")
    preview = _upload(client, text)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "nothing is recorded yet" in page
    problems = re.findall(r"<li>(row \d+: [^<]+)</li>", page)
    assert problems[0] == "row 4: no lead has the email nobody@nowhere.example"
    assert problems[1] == f"row 5: {closed.email} is already marked lost"
    assert problems[2] == f"row 6: {nurture.email} is not in the inbox, so sales have no deal to close"
    assert problems[-1] == f"row 7: {ready.email} is already on row 2"
    assert "Record 2 deals" in page, problems
    with app.app_context():
        assert db.session.get(Lead, ready.id).status == "new"  # a preview records nothing
    confirm = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    kept = re.search(r'name="csv" type="hidden" value="([^"]*)"', page)
    assert kept
    done = client.post("/studio/outcomes/import", data={"csrf_token": confirm, "csv": html.unescape(kept.group(1))})
    assert done.status_code == 200 and "Recorded 2 deals" in done.get_data(as_text=True)
    with app.app_context():
        won = db.session.get(Lead, ready.id)
        assert (won.status, won.deal_amount, won.deal_currency) == ("won", Decimal("12500.50"), "EUR")
        assert db.session.get(Lead, other.id).status == "lost"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outcomes.imported"))
        assert entry.actor_id == marketer.id and entry.detail["recorded"] == 2


def test_sales_may_not_import_deals(client, auth, make_user):
    rep = make_user("sales")
    auth.login(rep.email, PASSWORD)
    assert client.get("/studio/outcomes").status_code == 403


def _tallies(app) -> tuple[int, int, dict[tuple[str, str], int]]:
    with app.app_context():
        won = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(FunnelTotal.people), 0))
                                .where(FunnelTotal.stage == "won"))
        campaigns = {(row.campaign, row.touch): row.people for row in db.session.scalars(
            sa.select(CampaignDay).where(CampaignDay.measure == "won"))}
        return won or 0, sum(t.outcomes["won"] for t in calibration_report().by_version), campaigns


def test_a_deal_through_the_api_and_through_the_csv_count_the_same(app, client, auth, make_user, make_lead,
                                                                    make_token):
    journey = {"utm_source": "newsletter", "utm_campaign": "spring",
               "first_touch": {"utm_campaign": "spring", "utm_source": "newsletter"}}
    by_api, by_csv = make_lead(context=journey), make_lead(context=journey)
    before = _tallies(app)
    client.post("/api/v1/outcomes", headers=bearer(make_token("leads:write")),
                json={"lead_id": by_api.id, "outcome": "won"})
    after_api = _tallies(app)
    marketer = make_user("marketer")
    auth.login(marketer.email, PASSWORD)
    page = _upload(client, HEADER + f"{by_csv.email},won,100,2026-12-01,\n").get_data(as_text=True)
    kept = html.unescape(re.search(r'name="csv" type="hidden" value="([^"]*)"', page).group(1))
    client.post("/studio/outcomes/import", data={"csrf_token": csrf_token(client, "/studio/outcomes"), "csv": kept})
    after_csv = _tallies(app)
    assert after_api[0] - before[0] == after_csv[0] - after_api[0] == 1
    assert after_api[1] - before[1] == after_csv[1] - after_api[1] == 1
    api_touches = {k: v - before[2].get(k, 0) for k, v in after_api[2].items()}
    csv_touches = {k: v - after_api[2].get(k, 0) for k, v in after_csv[2].items()}
    assert api_touches == csv_touches and api_touches
