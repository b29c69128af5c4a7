"""The studio's what-if: how long until the preview page answers, and until the worker's replay shows the result,
against the replay the page used to run inside the request (the baseline, measured in the same run).

Two drafts: one that changes a lexicon group's points (every answer is scored again) and one that changes only a
threshold (the stored scores are reused). The submissions are stored as ``bench scoring`` stores them.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.bench_scoring import CONTENT, _fill
from bench.common import save, table

PASSWORD = "bench password not for production"
DRAFTS = {
    "lexicon points changed": ("    points: 5\n    cap: 5\n    gap: 3", "    points: 25\n    cap: 25\n    gap: 3"),
    "threshold only": ("sales_ready: 45", "sales_ready: 70"),
}


def measure(size: int) -> list[dict[str, Any]]:
    from flask_migrate import upgrade

    from leads import create_app
    from leads.accounts.users import create_user
    from leads.extensions import db
    from leads.questionnaire import parse_questionnaire
    from leads.scoring.replay import replay
    from leads.studio import what_if

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(CONTENT, content)
        url = f"sqlite:///{Path(tmp) / 'whatif.db'}"
        app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                          "CONTENT_DIR": str(content), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
            create_user("marketer@bench.example", "Bench Marketer", "marketer", PASSWORD)
        started = time.perf_counter()
        _fill(url, size)
        print(f"stored {size:,} submissions in {time.perf_counter() - started:.1f}s", flush=True)
        client = app.test_client()
        assert client.post("/login", data={"email": "marketer@bench.example", "password": PASSWORD}).status_code == 302
        live = (content / "questionnaire.yaml").read_text()
        for name, (old, new) in DRAFTS.items():
            assert live.count(old) == 1, name
            draft = live.replace(old, new)
            (content / "questionnaire.draft.yaml").write_text(draft)

            # Before: the replay ran inside the request, so the page answered when it was done.
            with app.app_context():
                draft_model = parse_questionnaire(draft.encode(), content / "questionnaire.draft.yaml")
                begun = time.perf_counter()
                report = replay(draft_model, since=None)
                in_request = time.perf_counter() - begun
                assert report.submissions == size
                db.session.rollback()

            # Now: the page answers at once; the worker replays in a thread of its own.
            begun = time.perf_counter()
            page = client.get("/studio/model/preview?days=3650")
            answered = time.perf_counter() - begun
            assert page.status_code == 200 and b"what-if-progress" in page.data, name
            stop = threading.Event()
            with app.app_context():
                assert what_if.start_next(app, stop), name
            polls = 0
            while True:
                status = client.get(page.data.decode().split('data-what-if="')[1].split('"')[0]).get_json()
                polls += 1
                if status["status"] in ("done", "failed"):
                    break
                time.sleep(0.25)  # the page polls every second; a quarter keeps the figure close
            ready = time.perf_counter() - begun
            assert status["status"] == "done" and status["done"] == size, status
            shown = client.get("/studio/model/preview?days=3650").data.decode()
            reused = "reusing their stored scores" in shown
            rows.append({"submissions": f"{size:,}", "draft": name, "replay in the request (before) s": in_request,
                         "page answers s": answered, "result ready s": ready,
                         "page / before": answered / in_request, "stored scores reused": "yes" if reused else "no",
                         "progress polls": polls})
            print(table(rows[-1:]), flush=True)
        with app.app_context():
            db.engine.dispose()
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench whatif", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of stored submissions")
    args = parser.parse_args(argv)
    rows = [row for size in (int(s) for s in args.sizes.split(",")) for row in measure(size)]
    print(table(rows))
    save("whatif", {"rows": rows})
    return 0
