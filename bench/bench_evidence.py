"""The studio's evidence and suggested points on synthetic outcomes from a hidden model: how well the evidence
ranks the true effects (Spearman) at 500, 2,000 and 10,000 outcomes, false suggestions on pure noise, and the
time to compute it all at 100,000 leads with outcomes, against the calibration tables over the same leads (the
baseline, measured in the same run).

Then the "What wins" page at 100,000 leads with outcomes in a SQLite database (the live model's own answers
in their receipts, won as a hidden model says): the page as it was, computing the evidence and drift in the
request and rendering them (the baseline), against the page as it is, reading the report the worker kept
(``leads.studio.stored_evidence``), taking turns request by request in the same run; and the worker's
computation once."""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from bench.common import ROOT, bench_database, median, save, table, timed
from leads.studio.calibration import Outcome, calibrate
from leads.studio.evidence import ANSWER, GROUP, learn

THRESHOLD = 40
BENCH_DIR = Path("/tmp/doorstep-bench")
PASSWORD = "bench password not for production"


def hidden_model(rows: int, seed: int) -> np.ndarray:
    """True effects on the log-odds of winning: a third of the rows matter, by 0.2 to 1.2; the rest do not."""
    rng = np.random.default_rng(seed)
    effects = np.zeros(rows)
    effects[: rows // 3] = rng.uniform(0.2, 1.2, rows // 3)
    return effects


def draw(n: int, effects: np.ndarray, seed: int) -> tuple[list[Outcome], dict[tuple[str, str], int]]:
    """``n`` outcomes, today's model giving every row 10 points; three rows in four are answers, one a group."""
    rng = np.random.default_rng(seed)
    kinds = [GROUP if j % 4 == 3 else ANSWER for j in range(len(effects))]
    names = [f"Row {j}" for j in range(len(effects))]
    has = rng.random((n, len(effects))) < rng.uniform(0.1, 0.5, len(effects))
    won = rng.random(n) < 1 / (1 + np.exp(-(-2.0 + has @ effects)))
    outcomes = []
    for i in range(n):
        fired = np.flatnonzero(has[i])
        outcomes.append(Outcome(
            "won" if won[i] else "lost", THRESHOLD + 10 * len(fired), "v1",
            answers=tuple(names[j] for j in fired if kinds[j] == ANSWER),
            groups=tuple(names[j] for j in fired if kinds[j] == GROUP)))
    return outcomes, {(kind, name): 10 for kind, name in zip(kinds, names, strict=True)}


def rank_correlation(n: int, rows: int, seed: int) -> tuple[float, int, int]:
    effects = hidden_model(rows, seed)
    outcomes, points = draw(n, effects, seed)
    learning = learn(outcomes, points, THRESHOLD)
    worth = {e.name: e.worth or 0.0 for e in learning.evidence}
    truth = {f"Row {j}": effects[j] for j in range(rows)}
    if len(set(worth.values())) <= 1:
        rho = 0.0  # nothing told apart from chance yet: no ranking at all, counted as none
    else:
        rho = spearmanr([worth.get(name, 0.0) for name in truth], list(truth.values())).statistic
    raised = {e.name for e in learning.suggestions if (e.suggested or 0) > (e.points or 0)}
    false_increases = sum(truth[name] == 0 for name in raised)
    return float(rho), len(learning.suggestions), false_increases


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench evidence", description=__doc__)
    parser.add_argument("--rows", type=int, default=40, help="answers and lexicon groups in the hidden model")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--leads", type=int, default=100_000, help="leads with outcomes for the timing")
    parser.add_argument("--repeat", type=int, default=7, help="page requests of each kind")
    args = parser.parse_args(argv)
    ranks = []
    for n in (500, 2000, 10_000):
        found = [rank_correlation(n, args.rows, seed) for seed in range(args.seeds)]
        ranks.append({"outcomes": n, "median_spearman": statistics.median(f[0] for f in found),
                      "median_suggestions": statistics.median(f[1] for f in found),
                      "false_increases": sum(f[2] for f in found), "runs": args.seeds})
    print(table(ranks))
    noise = np.zeros(args.rows)
    runs = [learn(*draw(n, noise, 10_000 + seed), THRESHOLD) for n in (500, 2000, 10_000) for seed in range(args.seeds)]
    false = {"runs": len(runs), "runs_with_a_suggestion": sum(bool(r.suggestions) for r in runs),
             "suggestions": sum(len(r.suggestions) for r in runs)}
    print(table([false]))
    outcomes, points = draw(args.leads, hidden_model(args.rows, 1), 1)
    baseline = median(timed(lambda: calibrate(outcomes), repeat=5, warmup=1))
    evidence = median(timed(lambda: learn(outcomes, points, THRESHOLD), repeat=5, warmup=1))
    timing = [{"leads": args.leads, "rows": args.rows, "calibration_s": baseline, "evidence_s": evidence,
               "ratio": evidence / baseline}]
    print(table(timing))
    page = page_times(args.leads, args.repeat)
    print(table(page))
    save("evidence", {"rank_correlation": ranks, "noise": false, "timing": timing, "page": page})
    return 0


def load_outcomes(leads: int, seed: int = 5) -> None:
    """``leads`` sales-ready leads with an outcome, each answering every single-choice question of the live
    model at random, its receipt as scoring writes it, won as a hidden model of a few answers says."""
    import sqlalchemy as sa

    from leads.extensions import db, site_content
    from leads.models import Lead, Submission
    from leads.scoring.routing import Route
    from leads.scoring.score import Verdict

    model = site_content().questionnaire()
    questions = [q for q in model.questions if q.type == "single_choice" and q.options]
    rng = np.random.default_rng(seed)
    effects = {(q.id, o.value): (rng.normal(0, 0.6) if rng.random() < 0.3 else 0.0)
               for q in questions for o in q.options}
    now = dt.datetime.now(dt.UTC)
    for start in range(0, leads, 10_000):
        lead_rows, submission_rows = [], []
        for i in range(start, min(start + 10_000, leads)):
            receipt, total, logit = [], 0, -1.0
            for q in questions:
                option = q.options[int(rng.integers(len(q.options)))]
                logit += effects[(q.id, option.value)]
                for dimension, points in option.points.items():
                    if points:
                        receipt.append({"rule": f"{q.id}={option.value}", "label": q.label, "dimension": dimension,
                                        "input": option.label, "points": points, "question": q.id})
                        total += points
            won = rng.random() < 1 / (1 + np.exp(-logit))
            at = now - dt.timedelta(days=int(rng.integers(1, 365)))
            lead_rows.append({"id": i + 1, "email": f"lead{i}@bench.example", "name": f"Lead {i}",
                              "route": Route.SALES_READY, "status": "won" if won else "lost", "score": total,
                              "created_at": at, "routed_at": at})
            submission_rows.append({"lead_id": i + 1, "created_at": at, "answers": {}, "model_version": model.version,
                                    "total": total, "verdict": Verdict.SALES_READY, "receipt": receipt})
        db.session.execute(sa.insert(Lead), lead_rows)
        db.session.execute(sa.insert(Submission), submission_rows)
        db.session.commit()


def page_times(leads: int, repeat: int) -> list[dict[str, Any]]:
    """The page computing in the request (before) against reading the kept report (after), turn by turn."""
    from flask import render_template
    from flask_login import login_user
    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.extensions import db
    from leads.models import User
    from leads.studio import stored_evidence
    from leads.studio.evidence import KINDS
    from leads.studio.forms import EvidenceAgainForm, SuggestionsForm
    from leads.studio.learning import evidence_and_drift, row_key

    url, _ = bench_database("sqlite", f"evidence-{leads}", "", False, BENCH_DIR)
    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "CONTENT_DIR": str(ROOT / "content"), "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        marketer = create_user("marketer@bench.example", "Bench Marketer", "marketer", PASSWORD)
        marketer_id = marketer.id
        load_outcomes(leads)
    client = app.test_client()
    assert client.post("/login", data={"email": "marketer@bench.example", "password": PASSWORD}).status_code == 302
    assert b"data-evidence=" in client.get("/studio/evidence").data  # asked the worker
    started = time.perf_counter()
    with app.app_context():
        while (report_id := stored_evidence.claim_next()) is not None:
            stored_evidence.compute(report_id)
    worker = time.perf_counter() - started
    after_page = client.get("/studio/evidence").get_data(as_text=True)
    assert "data-evidence=" not in after_page and f"{leads} leads with an outcome" in after_page

    def before() -> None:
        # The view as it was: the evidence and drift computed in the request, then the same template.
        with app.test_request_context("/studio/evidence"):
            login_user(db.session.get(User, marketer_id))
            report, drift = evidence_and_drift()
            found = stored_evidence.StoredEvidence(report, drift, dt.datetime.now(dt.UTC), True, None)
            render_template("studio/evidence.html", found=found, report=report, drift=drift, form=SuggestionsForm(),
                            again=EvidenceAgainForm(), kinds=KINDS, row_key=row_key)

    def after() -> None:
        assert client.get("/studio/evidence").status_code == 200

    before_s, after_s = [], []
    for _ in range(repeat):  # turn by turn, so load from others on a shared machine falls on both alike
        before_s += timed(before, repeat=1, warmup=0)
        after_s += timed(after, repeat=1, warmup=0)
    return [{"leads": leads, "page_before_s": median(before_s), "page_after_s": median(after_s),
             "ratio": median(before_s) / median(after_s), "worker_compute_s": worker, "repeat": repeat}]
