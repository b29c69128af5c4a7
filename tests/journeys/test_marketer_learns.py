"""Journey 7: the studio learns from outcomes. Sales close the leads the live model sent them: in its first
month they win, three months on they lose. Mara, the marketer, gets the weekly mail saying the model has
drifted, follows its link from a browser that has never seen the site, signs in, and reads on "What wins" which
score band moved, from how many leads then and now; then she stops the weekly mail from her account, by the
mail's own link. The live model is not changed by any of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leads.extensions import db, site_content
from leads.inbox.workflow import change_status
from leads.models import User
from leads.questionnaire.submissions import Arrival, submit_answers
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey

pytestmark = pytest.mark.browser

READY = "Revenue leader with a deadline"


def closed(journey: Journey, rep_id: int, n: int, outcome: str, tag: str) -> None:
    """``n`` ready buyers who answer now, and whose deals sales close as ``outcome``."""
    with journey.app.app_context():
        model = site_content().questionnaire()
        for i in range(n):
            answers = persona_answers(READY) | {"name": f"{tag} {i}", "email": f"{tag}{i}@buyer.example"}
            lead_id = submit_answers(model, answers, Arrival()).lead_id
            change_status(lead_id, outcome, rep_id)


def test_a_marketer_hears_the_live_model_has_drifted_and_reads_why(journey: Journey) -> None:
    live = (Path(journey.app.config["CONTENT_DIR"]) / "questionnaire.yaml").read_text()
    rita, _ = journey.staff("sales", name="Rita Rep")
    journey.step("In the model's first month, sales win eight ready buyers")
    closed(journey, rita.id, 8, "won", "early")
    journey.step("Three months on, they lose eight who answered the same")
    journey.clock.move(days=100)
    closed(journey, rita.id, 8, "lost", "late")
    mara, _ = journey.staff("marketer", name="Mara Marketer")

    journey.step("Mara's weekly mail says the model has drifted, and links to the evidence")
    mail = journey.mail(mara.email, "drifted")
    assert "won 100% of 8 then, 0% of 8 now" in mail.text
    [link] = [url for url in mail.links if url.endswith("/studio/evidence")]
    journey.open(link)  # a browser that has never seen the site: the sign-in page, not an error
    page = journey.sign_in(mara.email)
    page.goto(link)
    # The page answers at once; the worker reads the outcomes and the page shows them when it is done.
    page.locator("#drift-heading").wait_for()
    main = page.inner_text("main")
    assert "The live model has drifted" in main and "won 100% of 8 then, 0% of 8 now" in main

    journey.step("Mara follows the mail's last link to her account and stops the weekly mail")
    [account] = [url for url in mail.links if url.endswith("/account")]
    page.goto(account)
    page.get_by_label("Send me the studio's weekly mail").uncheck()
    page.get_by_role("button", name="Save the weekly mail choice").click()
    assert "weekly mail stops" in page.inner_text("main")
    assert not page.get_by_label("Send me the studio's weekly mail").is_checked()
    with journey.app.app_context():
        assert db.session.get(User, mara.id).weekly_mail is False

    journey.step("Nothing changed the live model")
    assert (Path(journey.app.config["CONTENT_DIR"]) / "questionnaire.yaml").read_text() == live
    assert not (Path(journey.app.config["CONTENT_DIR"]) / "questionnaire.draft.yaml").exists()
