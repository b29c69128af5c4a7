"""The Big List of Naughty Strings, with NUL and control characters added, survives a prospect's whole walk.

Each string is typed into every free-text answer of one full questionnaire walk (the name behind a
first name, so that it stays a plausible name) and into the campaign link the walk starts from.
Every walk is a visitor of its own, so no rate limit or burst check ties the walks together. What
is kept must come back exactly under the one documented rule (``leads.web.text_input``: control
characters and noncharacters dropped; text answers trimmed): in the database, on the lead page,
in the CSV and through the inbox filter. There is no webhook yet (a separate issue): its payload
joins these round trips when it exists.

The list is read from ``../shared/data/blns/`` beside the repository, and pages are checked with
the Nu Html Checker (``DOORSTEP_VNU_JAR``). CI (.ci/run) provides both and sets
DOORSTEP_REQUIRE_BROWSER=1, under which a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request, request_finished
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from leads.delivery import endpoints as delivery
from leads.delivery.worker import run
from leads.extensions import db, site_content
from leads.models import Lead, Submission
from leads.questionnaire import Questionnaire
from leads.questionnaire.quality import quality_reasons
from leads.scoring.routing import Route
from leads.web.text_input import clean_text
from tests.fixtures.app import REQUIRE_BROWSER, ROOT
from tests.fixtures.factories import walk_questionnaire
from tests.fixtures.page_checks import nu_html_errors

pytestmark = pytest.mark.naughty

BLNS = ROOT.parent / "shared" / "data" / "blns" / "blns.json"
# The list has a few control characters but no NUL, which PostgreSQL refuses: these cover the rule's edges.
CONTROL_STRINGS = [
    "a\x00b", "\x00", "Dana\x00 Whitfield", "\x00=1+1", "\x1b[31mred\x1b[0m", "\x9b31m C1 escape", "\x7f", "\x85",
    "\x01\x02\x1f", "\x0b\x0c", "\ufffe", "\uffff", "\ufdd0\ufdef", "\U0010ffff", "\U0001fffe plane one",
    "tab\there", "line\nbreak", "carriage\rreturn\r\nand crlf", "\t-2+3", " @SUM(A1) ",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a CSV cell starting so gets a leading apostrophe
FIRST_NAME = "Nora "
SOURCE_LIMIT = 100  # utm_source and the inbox's source filter keep 100 characters


def naughty_strings() -> list[str]:
    if not BLNS.is_file():
        message = f"the Big List of Naughty Strings is not at {BLNS}"
        if REQUIRE_BROWSER:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return list(dict.fromkeys([*json.loads(BLNS.read_text(encoding="utf-8")), *CONTROL_STRINGS]))


def kept(typed: str) -> str:
    """What the rule keeps of a text answer, which the form also trims."""
    return clean_text(typed).strip()


def csv_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def model_of(app: Flask) -> Questionnaire:
    with app.app_context():  # a model loaded afresh is kept in the database
        return site_content(app).questionnaire()


def free_text_answers(model: Questionnaire, text: str, name_text: str | None = None) -> dict[str, str]:
    """``text`` in every free-text answer, cut to each question's limit; the name after a first name."""
    answers = {}
    for question in model.questions:
        if question.type in ("short_text", "long_text"):
            if question.id == "name":
                typed = FIRST_NAME + (text if name_text is None else name_text)
            else:
                typed = text if name_text is None or question.type == "long_text" else name_text
            answers[question.id] = typed[:question.max_length] if question.max_length else typed
    return answers


@dataclass
class ServerErrors:
    """Every response of 500 or more, and every exception the app let through (tests propagate them)."""

    seen: list[str] = field(default_factory=list)

    def record(self, sender: Flask, response: Response, **extra: Any) -> None:
        if response.status_code >= 500:
            self.seen.append(f"{response.status_code} on {request.method} {request.full_path!r}")

    def fetch(self, client: FlaskClient, path: str, **query: str) -> TestResponse | None:
        """GET ``path`` and read the whole body (a CSV streams); None when the app raised."""
        try:
            response = client.get(path, query_string=query)
            response.get_data()
        except Exception as exc:  # noqa: BLE001 - in production, a 500: counted, not raised
            self.seen.append(f"{type(exc).__name__} on GET {path} {query!r}: {exc}"[:300])
            return None
        return response


@pytest.fixture
def server_errors(app: Flask) -> Iterator[ServerErrors]:
    errors = ServerErrors()
    with request_finished.connected_to(errors.record, app):
        yield errors


@dataclass
class Walk:
    text: str
    email: str
    typed: dict[str, str]  # the free-text answers as posted
    source: str  # utm_source as the rule and its limit keep it
    outcome: str = "server error"  # or "acknowledged", or "refused"
    detail: str = ""


def walk(app: Flask, number: int, answers: dict[str, Any], typed: dict[str, str], source: str,
         errors: ServerErrors) -> Walk:
    """One visitor arrives by a campaign link carrying ``source`` and answers every step with ``typed``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    email = f"walker{number}@naughty{number}.example"
    result = Walk(source, email, typed, clean_text(source)[:SOURCE_LIMIT])
    try:
        client.get("/questionnaire", query_string={"utm_source": source})
        response = walk_questionnaire(client, answers | typed | {"email": email})
        location = response.headers.get("Location", "")
        if response.status_code == 303 and location.endswith("/questionnaire/result"):
            if client.get(location).status_code == 200:
                result.outcome = "acknowledged"
        elif response.status_code < 500:
            result.outcome = "refused"
            messages = re.findall(r'<p class="error" id="[^"]*">(.*?)</p>', response.get_data(as_text=True))
            result.detail = f"{response.status_code}: {' | '.join(messages)}"
    except Exception as exc:  # noqa: BLE001 - in production, a 500: counted, not raised
        errors.seen.append(f"{type(exc).__name__} in the walk of {source!r}: {exc}"[:300])
    return result


def stored_mismatches(lead: Lead, w: Walk) -> tuple[int, list[str]]:
    """Each value of ``w`` as the rule keeps it, in the submission's answers and the lead's own columns."""
    wanted = {f"answer {q}": kept(typed) for q, typed in w.typed.items()}
    found = {f"answer {q}": lead.latest.answers.get(q) for q in w.typed}
    wanted |= {"lead name": wanted["answer name"], "lead company": wanted["answer company"], "lead source": w.source}
    found |= {"lead name": lead.name, "lead company": lead.company, "lead source": lead.source}
    return len(wanted), [f"{w.text!r}: {key} is {found[key]!r}, not {value!r}"
                         for key, value in wanted.items() if found[key] != value]


def lead_page_mismatches(html: str, w: Walk, labels: dict[str, str]) -> tuple[int, list[str]]:
    """Each value of ``w`` escaped exactly as Jinja escapes it, in its own place on the lead page."""
    name, company = (str(escape(kept(w.typed[q]))) for q in ("name", "company"))
    places = {"title": f"<title>{name} · Inbox", "heading": f'<h1>{name} <span class="status',
              "company line": f"<strong>{company}</strong>"}
    if w.source:
        places["journey"] = f'<span class="what">Arrived from {escape(w.source)}</span>'
    wrong = [f"{w.text!r}: the lead page lacks the {place} {expected!r}"
             for place, expected in places.items() if expected not in html]
    answers = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html.partition('id="answers-heading"')[2],
                              flags=re.DOTALL))
    wrong += [f"{w.text!r}: the lead page shows {q} as {answers.get(labels[q])!r}"
              for q, typed in w.typed.items() if answers.get(labels[q]) != str(escape(kept(typed)))]
    return len(places) + len(w.typed), wrong


def csv_rows(response: TestResponse | None) -> dict[str, dict[str, str]]:
    """The export's rows by email; empty when it failed."""
    if response is None or response.status_code != 200:
        return {}
    header, *rows = csv.reader(io.StringIO(response.get_data(as_text=True), newline=""))
    return {row[header.index("email")]: dict(zip(header, row, strict=True)) for row in rows}


def sign_in_sales(make_user: Callable[..., Any], auth: Any) -> None:
    assert auth.login(make_user("sales").email).status_code == 302


def webhook_mismatches(body: dict[str, Any], w: Walk) -> tuple[int, list[str]]:
    """Each value of ``w`` as the rule keeps it, in the signed webhook's JSON: the answers and the lead."""
    data = body.get("data", {})
    wanted = {f"answer {q}": kept(typed) for q, typed in w.typed.items()}
    found = {f"answer {q}": data.get("answers", {}).get(q) for q in w.typed}
    wanted |= {"lead name": wanted["answer name"], "lead company": wanted["answer company"], "lead source": w.source}
    found |= {f"lead {key}": data.get("lead", {}).get(key) for key in ("name", "company", "source")}
    return len(wanted), [f"{w.text!r}: the webhook's {key} is {found[key]!r}, not {value!r}"
                         for key, value in wanted.items() if found[key] != value]


def test_every_naughty_string_walks_through_with_no_server_error_and_comes_back_exactly(
        app: Flask, client: FlaskClient, make_user: Callable[..., Any], auth: Any, ready_answers: dict[str, Any],
        server_errors: ServerErrors, record_property: Callable[[str, object], None], receiver: Any) -> None:
    strings = naughty_strings()
    sign_in_sales(make_user, auth)
    model = model_of(app)
    with app.app_context():  # a receiver for every sales-ready lead, signed as Standard Webhooks says
        receiver.secret = delivery.create_endpoint(receiver.url, ["lead.sales_ready"]).secret
    walks = [walk(app, n, ready_answers, free_text_answers(model, text), text, server_errors)
             for n, text in enumerate(strings, start=1)]
    outcomes = Counter(w.outcome for w in walks)
    mismatches: list[str] = []

    # A walk is refused only when the rule and the trim leave a required answer empty, and then it says so.
    for w in walks:
        blank = not kept(w.text)
        if (w.outcome == "refused") != blank or (blank and "Please answer this question." not in w.detail):
            mismatches.append(f"{w.text!r}: {w.outcome} {w.detail}")
    acknowledged = [w for w in walks if w.outcome == "acknowledged"]

    in_database: Counter[str] = Counter()
    with app.app_context():
        database = db.engine.dialect.name
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
        leads = {lead.email: lead for lead in db.session.scalars(sa.select(Lead))}
        mismatches += [f"{w.text!r}: acknowledged, but no lead was stored" for w in acknowledged
                       if w.email not in leads]
        kept_leads = [(w, leads[w.email]) for w in acknowledged if w.email in leads]
        routes = Counter(lead.route for _, lead in kept_leads)
        for w, lead in kept_leads:
            checked, wrong = stored_mismatches(lead, w)
            in_database[lead.route] += checked
            mismatches += wrong
        ready = [(w, lead.id) for w, lead in kept_leads if lead.route == "sales_ready"]

    labels = {q.id: str(escape(q.label)) for q in model.questions}
    on_lead_pages = 0
    for w, lead_id in ready:
        page = server_errors.fetch(client, f"/inbox/leads/{lead_id}")
        checked, wrong = lead_page_mismatches(page.get_data(as_text=True) if page else "", w, labels)
        on_lead_pages += checked
        mismatches += wrong

    # The CSV cell holds the value, with an apostrophe before what a spreadsheet would run as a formula.
    export = csv_rows(server_errors.fetch(client, "/inbox/export.csv"))
    in_csv = 0
    for w, _ in ready:
        row = export.get(w.email, {})
        wanted = {"name": kept(w.typed["name"]), "company": kept(w.typed["company"]), "source": w.source}
        mismatches += [f"{w.text!r}: the CSV's {column} is {row.get(column)!r}, not {csv_cell(value)!r}"
                       for column, value in wanted.items() if row.get(column) != csv_cell(value)]
        in_csv += len(wanted)

    # Filtering by the string as typed finds its lead; searching for it answers a page.
    by_filter = 0
    for w, _ in ready:
        if w.source and len(w.text) <= SOURCE_LIMIT:
            if w.email not in csv_rows(server_errors.fetch(client, "/inbox/export.csv", source=w.text)):
                mismatches.append(f"{w.text!r}: the source filter does not find its lead")
            by_filter += 1
    searches = [server_errors.fetch(client, "/inbox", q=text) for text in strings]

    # The outbox worker posts each ready lead to the receiver, which checks the signature.
    with app.app_context():
        run(threading.Event(), poll_seconds=0, once=True)
    bodies = {body["data"]["lead"]["email"]: body for _, body in receiver.received if "lead" in body.get("data", {})}
    in_webhooks = 0
    for w, _ in ready:
        checked, wrong = webhook_mismatches(bodies.get(w.email, {}), w)
        in_webhooks += checked
        mismatches += wrong

    record_property("measured", (
        f"naughty strings on {database}: {len(walks)} walks, {len(server_errors.seen)} server errors, "
        f"{outcomes['acknowledged']} acknowledged / {stored} stored ({outcomes['refused']} refused as blank), "
        f"{routes[Route.SALES_READY]} sales-ready, {routes[Route.QUARANTINED]} quarantined, "
        f"{sum(routes.values()) - routes[Route.SALES_READY] - routes[Route.QUARANTINED]} other; round trips checked: "
        f"{in_database.total()} in the database ({in_database['quarantined']} of them on quarantined leads), "
        f"{on_lead_pages} on lead pages, {in_csv} in the CSV, {by_filter} by the "
        f"source filter, {in_webhooks} in webhook payloads ({len(receiver.refused)} refused signatures); "
        f"{len(searches)} searches; "
        f"{len(mismatches)} mismatches"))

    assert server_errors.seen == []
    assert outcomes["acknowledged"] == stored and outcomes["server error"] == 0
    assert len(export) == len(ready) > len(walks) * 0.9, "nearly every walk should reach the inbox"
    assert receiver.refused == []
    assert mismatches == [], "\n".join(mismatches[:40])


def buckets(strings: list[str], count: int) -> list[list[str]]:
    return [strings[i::count] for i in range(count)]


def test_pages_full_of_naughty_strings_have_no_html_errors(
        app: Flask, client: FlaskClient, make_user: Callable[..., Any], auth: Any, ready_answers: dict[str, Any],
        server_errors: ServerErrors, vnu_jar: Path, tmp_path: Path) -> None:
    """Twenty leads hold every string: the inbox lists them, each lead page shows a share of them all,
    and a questionnaire step shows them again as typed."""
    strings = naughty_strings()
    sign_in_sales(make_user, auth)
    model = model_of(app)
    walks = []
    for n, share in enumerate(buckets(strings, 20), start=1):
        # Held-back leads have no lead page, so the name and company get only what the spam check lets through.
        plain = " ".join(s for s in share if not quality_reasons({"name": s, "company": s}))
        typed = free_text_answers(model, "\n".join(share), name_text=plain)
        walks.append(walk(app, n, ready_answers, typed, " ".join(share), server_errors))
    assert [w.outcome for w in walks] == ["acknowledged"] * len(walks)
    with app.app_context():
        lead_ids = list(db.session.scalars(sa.select(Lead.id).where(Lead.route == "sales_ready")))
    assert len(lead_ids) == len(walks)

    pages = {path: server_errors.fetch(client, path)
             for path in ["/inbox", *(f"/inbox/leads/{lead_id}" for lead_id in lead_ids)]}
    assert server_errors.seen == []
    assert {path: page.status_code for path, page in pages.items() if page} == dict.fromkeys(pages, 200)
    html = {path: page.get_data(as_text=True) for path, page in pages.items() if page}
    assert all(str(escape(kept(w.typed["company"]))) in html["/inbox"] for w in walks)

    # Answers sent without the consent tick come back in the contact step's fields and the first step's text.
    visitor = app.test_client()
    again = walk_questionnaire(visitor, ready_answers | walks[0].typed | {"email": "again@naughty.example",
                                                                          "consent": False})
    contact = html["contact step, shown again"] = again.get_data(as_text=True)
    assert again.status_code == 400 and str(escape(kept(walks[0].typed["company"]))) in contact
    draft = re.search(r'action="(/questionnaire/continue/[^"]+)/contact"', contact)
    assert draft, "the contact step posts to its draft"
    first_step = visitor.get(f"{draft[1]}/{model.steps[0].id}")
    first = html["first step, resumed"] = first_step.get_data(as_text=True)
    assert first_step.status_code == 200 and str(escape(kept(walks[0].typed["current_situation"]))) in first
    errors = nu_html_errors(vnu_jar, html, tmp_path)
    assert errors == [], "\n".join(errors[:30])
