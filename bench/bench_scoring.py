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


# Sentences prospects write, by language; each answer joins three of one language (about 250 characters),
# and most answers are English, as on an English-language site with visitors from Europe.
SENTENCES = {
    "en": [
        "We are losing deals because our reps follow up too late with people who downloaded a guide.",
        "Our SDRs waste hours every week on contacts who never buy, and the team is frustrated.",
        "The pipeline dried up after we cut paid ads in the spring, and we missed quota twice.",
        "We want twenty qualified meetings per month and a win rate above 25 percent by Q3.",
        "The budget for this has been approved by our CFO, and procurement needs a shortlist.",
        "Leadership decides after a two-week pilot; we need something live before the end of the quarter.",
        "We are not in a hurry and there is no budget yet, but we would like to understand our options.",
        "Marketing hands over leads that sales does not trust, so nobody agrees when a lead is ready.",
        "Our conversion from demo to close fell to 9% and deals slip every month.",
    ],
    "de": [
        "Wir verschwenden viel Zeit mit Leads, die nie kaufen, und das Budget ist freigegeben.",
        "Unsere Vertriebler rufen zu spät zurück und wir verlieren Kunden an schnellere Anbieter.",
        "Die Geschäftsführung entscheidet nach einem Pilotprojekt, und es ist dringend.",
    ],
    "fr": [
        "Nous perdons des clients parce que nous rappelons trop tard; c'est urgent pour nous.",
        "Nous voulons quinze rendez-vous qualifiés par mois et un meilleur taux de conversion.",
        "Le budget est validé par la direction et nous avons une liste restreinte de fournisseurs.",
    ],
    "es": [
        "Necesitamos una solución este mes; perdemos ventas cada semana por falta de seguimiento.",
        "Tenemos un presupuesto aprobado y queremos veinte reuniones al mes con clientes cualificados.",
        "La dirección decide después de un piloto y no tenemos mucho tiempo para evaluar proveedores.",
    ],
}
LANGUAGE_MIX = ["en", "en", "en", "de", "en", "fr", "en", "es"]


def typical_answers(persona_answers: dict[str, object], n: int) -> dict[str, object]:
    """The persona's choices with four free-text answers of typical length, different for every ``n``
    (so nothing cached per text could flatter the figure; stems are cached per word, as in service)."""
    from leads.questionnaire import OWN_WORDS

    texts = {}
    for k, question in enumerate(OWN_WORDS):
        pool = SENTENCES[LANGUAGE_MIX[(n + k) % len(LANGUAGE_MIX)]]
        picked = [pool[(n * 7 + k * 3 + j) % len(pool)] for j in range(3)]
        texts[question] = f"{' '.join(picked)} ({n}-{k})"
    return {**persona_answers, **texts}


def score_cost(calls: int) -> dict[str, float]:
    from leads.publishing.check import load_personas
    from leads.questionnaire import load_questionnaire
    from leads.scoring.score import score

    model = load_questionnaire(CONTENT / "questionnaire.yaml")
    now = dt.datetime.now(dt.UTC)
    personas = load_personas(CONTENT / "personas.yaml", now)
    batch = 200
    cases = [(typical_answers(dict(personas[i % len(personas)].answers), i), personas[i % len(personas)].events)
             for i in range(batch)]
    chars = sum(len(str(a[q])) for a, _ in cases for q in ("current_situation", "desired_change", "goals",
                                                            "challenges")) / (4 * batch)
    print(f"four free-text answers of {chars:.0f} characters each on average (English, German, French, Spanish)")

    def run() -> None:
        for answers, events in cases:
            score(answers, events, model, now)

    samples = [s / batch * 1e6 for s in timed(run, repeat=max(1, calls // batch), warmup=3)]
    return {"median_us": median(samples), "p95_us": p95(samples), "calls": float(batch * len(samples))}


def _fill(url: str, submissions: int) -> None:
    """Store ``submissions`` persona submissions (two per lead) straight into the tables."""
    from leads.models import Lead, Submission
    from leads.publishing.check import load_personas
    from leads.questionnaire import load_questionnaire
    from leads.scoring.routing import lead_route
    from leads.scoring.score import SCORED_DIMENSIONS, event_rows, score

    model = load_questionnaire(CONTENT / "questionnaire.yaml")
    now = dt.datetime.now(dt.UTC)
    personas = load_personas(CONTENT / "personas.yaml", now)
    scored = [(p, score(p.answers, p.events, model, now)) for p in personas]
    engine = sa.create_engine(url)
    leads = submissions // 2
    with engine.begin() as conn:
        conn.execute(sa.insert(Lead), [
            {"id": i + 1, "email": f"lead{i}@bench.example", "name": f"Lead {i}", "company": "", "job_role": "",
             "route": lead_route(scored[i % len(scored)][1].verdict), "status": "new", "stage": "", "source": "",
             **dict.fromkeys(SCORED_DIMENSIONS, 0), "score": scored[i % len(scored)][1].total,
             "created_at": now, "routed_at": now}
            for i in range(leads)
        ])
        rows = []
        for n in range(submissions):
            persona, result = scored[n % len(scored)]
            rows.append({
                "lead_id": n % leads + 1, "created_at": now, "answers": typical_answers(dict(persona.answers), n),
                "context": {"utm_source": "bench", "events": event_rows(persona.events)},
                "model_version": model.version, **{d: result.points.get(d, 0) for d in SCORED_DIMENSIONS},
                "total": result.total, "verdict": result.verdict,
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
    from leads.extensions import db, site_content
    from leads.scoring.replay import _stored, replay

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
