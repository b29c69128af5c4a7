"""score() cost per call, and replaying 100,000 stored submissions against merely loading them."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import ROOT, median, p95, save, table, timed

CONTENT = ROOT / "content"


def score_cost(calls: int) -> dict[str, float]:
    from leads.content_check import load_personas
    from leads.questionnaire import load_questionnaire
    from leads.scoring import score

    model = load_questionnaire(CONTENT / "questionnaire.yaml")
    now = dt.datetime.now(dt.UTC)
    personas = load_personas(CONTENT / "personas.yaml", now)
    batch = 200

    def run() -> None:
        for i in range(batch):
            persona = personas[i % len(personas)]
            score(persona.answers, persona.events, model, now)

    samples = [s / batch * 1e6 for s in timed(run, repeat=max(1, calls // batch), warmup=3)]
    return {"median_us": median(samples), "p95_us": p95(samples), "calls": float(batch * len(samples))}


def _fill(url: str, submissions: int) -> None:
    """Store ``submissions`` persona submissions (two per lead) straight into the tables."""
    from leads.content_check import load_personas
    from leads.models import Lead, Submission
    from leads.questionnaire import load_questionnaire
    from leads.scoring import event_rows, score

    model = load_questionnaire(CONTENT / "questionnaire.yaml")
    now = dt.datetime.now(dt.UTC)
    personas = load_personas(CONTENT / "personas.yaml", now)
    scored = [(p, score(p.answers, p.events, model, now)) for p in personas]
    engine = sa.create_engine(url)
    leads = submissions // 2
    with engine.begin() as conn:
        conn.execute(sa.insert(Lead), [
            {"id": i + 1, "email": f"lead{i}@bench.example", "name": f"Lead {i}", "company": "", "job_role": "",
             "route": scored[i % len(scored)][1].verdict, "status": "new", "stage": "", "source": "",
             "fit": 0, "intent": 0, "engagement": 0, "score": scored[i % len(scored)][1].total,
             "created_at": now, "routed_at": now}
            for i in range(leads)
        ])
        rows = []
        for n in range(submissions):
            persona, result = scored[n % len(scored)]
            rows.append({
                "lead_id": n % leads + 1, "created_at": now, "answers": dict(persona.answers),
                "context": {"utm_source": "bench", "events": event_rows(persona.events)},
                "model_version": model.version, "fit": result.points["fit"], "intent": result.points["intent"],
                "engagement": result.points["engagement"], "total": result.total, "verdict": result.verdict,
                "receipt": result.receipt_rows(), "gates_missed": list(result.gates_missed),
                "quarantine_reasons": [], "client_key": "",
            })
            if len(rows) == 5000:
                conn.execute(sa.insert(Submission), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(Submission), rows)
    engine.dispose()


def replay_cost(submissions: int, repeat: int) -> dict[str, float]:
    from flask_migrate import upgrade

    from leads import create_app
    from leads.extensions import db
    from leads.services.replay import _stored, replay
    from leads.views import site_content

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'replay.db'}"
        app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        _fill(url, submissions)
        print(f"stored {submissions:,} submissions in {time.perf_counter() - started:.1f}s", flush=True)
        with app.app_context():
            model = site_content().questionnaire()

            def load_and_decode() -> None:
                for row in _stored(2000):
                    row.answers.get("email")
                    row.context.get("events")
                db.session.rollback()

            def rescore() -> None:
                report = replay(model, apply=False)
                assert report.submissions == submissions
                db.session.rollback()

            load = timed(load_and_decode, repeat=repeat, warmup=1)
            full = timed(rescore, repeat=repeat, warmup=1)
            db.engine.dispose()
    return {"load_s": median(load), "replay_s": median(full), "ratio": median(full) / median(load)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scoring", description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    cost = score_cost(args.calls)
    print(table([{"measure": "score() per call", "median µs": cost["median_us"], "p95 µs": cost["p95_us"],
                  "calls": int(cost["calls"])}]))
    replayed = replay_cost(args.submissions, args.repeat)
    print(table([
        {"run": f"load and decode {args.submissions:,} submissions (baseline)", "median s": replayed["load_s"]},
        {"run": f"replay {args.submissions:,} submissions (dry run)", "median s": replayed["replay_s"]},
    ]))
    print(f"replay / load ratio: {replayed['ratio']:.2f}x  "
          f"({args.submissions / replayed['replay_s']:,.0f} submissions re-scored per second)")
    save("scoring", {"score": cost, "replay": replayed, "submissions": args.submissions})
    return 0
