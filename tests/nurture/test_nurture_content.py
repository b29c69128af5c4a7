"""Email sequences as content: files read into plain data, and every problem reported as path:line: message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leads import create_app
from leads.extensions import db, site_content
from leads.nurture.sequences import DEFAULT_TRACK, as_plain_text, linked, load_sequences, parse_delay
from tests.fixtures.app import CONTENT_DIR, doorstep

SLUGS = [path.stem for path in (CONTENT_DIR / "articles").glob("*.md")]
TRACKS = ["early", "qualification", "follow_up", "pipeline", "deciding"]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("written", "days"), [(7, 7), ("7 days", 7), ("1 day", 1), ("2 weeks", 14), (" 3 ", 3)])
def test_a_delay_is_days_or_weeks(written: object, days: int) -> None:
    assert parse_delay(written) == dt.timedelta(days=days)


@pytest.mark.parametrize("written", ["soon", "-1", "1.5", "7 months", True, None, ""])
def test_other_delays_are_refused_with_a_message(written: object) -> None:
    with pytest.raises(ValueError, match="delay must be a number of days"):
        parse_delay(written)


def test_the_shipped_sequences_load_cleanly_in_order() -> None:
    found = load_sequences(CONTENT_DIR, TRACKS, SLUGS)
    assert found.problems == []
    assert DEFAULT_TRACK in found.tracks and found.tracks["early"]
    names = [e.name for e in found.tracks["early"]]
    assert names == sorted(names)
    assert found.track_for(["qualification", "early"]) == "early"  # the first matching track with emails
    assert found.track_for(["pipeline"]) == DEFAULT_TRACK


def test_each_broken_file_is_reported_at_its_line_and_the_rest_still_load(tmp_path: Path) -> None:
    folder = tmp_path / "emails" / "early"
    write(folder, "01-good.md", "---\nsubject: Good\ndelay: 3\n---\nSee [this](article:qualifying-by-the-gap).\n")
    no_subject = write(folder, "02-no-subject.md", "---\ndelay: 3\n---\nBody\n")
    bad_delay = write(folder, "03-bad-delay.md", "---\nsubject: Late\ndelay: someday\n---\nBody\n")
    bad_link = write(folder, "04-bad-link.md", "---\nsubject: Link\ndelay: 3\n---\nIntro\n\nRead [it](article:nope).\n")
    unknown = write(folder, "05-unknown.md", "---\nsubject: Hi\ndelay: 3\nfrom: me\n---\nBody\n")
    broken = write(folder, "06-yaml.md", "---\nsubject: [unclosed\ndelay: 3\n---\nBody\n")
    no_front = write(folder, "07-plain.md", "Just words\n")
    write(tmp_path / "emails" / "someone-else", "01.md", "---\nsubject: A\ndelay: 1\n---\nB\n")

    found = load_sequences(tmp_path, TRACKS, SLUGS)
    messages = sorted(str(p) for p in found.problems)
    assert f"{no_subject}:2: error: subject is missing: every email needs one" in messages
    assert any(m.startswith(f"{bad_delay}:3: error: delay must be a number of days") for m in messages)
    assert f"{bad_link}:7: error: link to article:nope points to no article" in messages
    assert any(m.startswith(f"{unknown}:4: warning: unknown field 'from'") for m in messages)
    assert any(m.startswith(f"{broken}:2: error: YAML syntax error in front matter") for m in messages)
    assert f"{no_front}:1: error: missing front matter: the file must start with a line '---'" in messages
    assert any("'someone-else' is no nurture track" in m for m in messages)
    # A broken link is reported, but does not stop the email: content check fails, the site keeps sending.
    assert [e.name for e in found.tracks["early"]] == ["01-good", "04-bad-link", "05-unknown"]


@pytest.mark.parametrize(("line", "opened"), [
    ('subject: "What you wrote', "a quoted value starts here and its quote is never closed"),
    ("subject: 'What you wrote", "a quoted value starts here and its quote is never closed"),
    ("subject: [What, you wrote", "a list opened here with '[' is never closed with ']'"),
    ("subject: {What: you wrote", "a mapping opened here with '{' is never closed with '}'"),
])
def test_a_yaml_syntax_error_is_reported_at_the_line_that_opened_what_is_never_closed(
        tmp_path: Path, line: str, opened: str) -> None:
    path = write(tmp_path / "emails" / "early", "01.md", f"---\n{line}\ndelay: 3\nfrom: me\n---\nBody\n")
    [problem] = load_sequences(tmp_path, TRACKS, SLUGS).problems
    assert (problem.path, problem.line) == (path, 2)
    assert problem.message.startswith(f"YAML syntax error in front matter: {opened}")


def test_a_broken_email_is_logged_once_when_it_appears_while_the_others_keep_being_sent(
        content_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    from leads.publishing.content import Content

    content = Content(content_copy)
    sent = [e.key for e in content.email_sequences().tracks["early"]]
    email = content_copy / "emails" / "early" / "02-naming-the-gap.md"
    good = email.read_text()
    email.write_text(good.replace("subject: ", 'subject: "', 1))
    with caplog.at_level("WARNING", logger="leads.publishing.content"):
        for _ in range(3):  # a page, the nurture job, a mail: one log line
            found = content.email_sequences()
    assert [r.getMessage() for r in caplog.records] == [
        f"{email}:2: error: YAML syntax error in front matter: a quoted value starts here and its quote is never "
        "closed (found unexpected end of stream)"]
    assert caplog.records[0].levelname == "ERROR"
    assert [e.key for e in found.tracks["early"]] == [key for key in sent if key != "early/02-naming-the-gap"]
    caplog.clear()
    email.write_text(good)  # fixed: served again, nothing more logged
    assert [e.key for e in content.email_sequences().tracks["early"]] == sent and caplog.records == []


def test_content_check_reports_a_broken_email_and_fails(content_copy: Path) -> None:
    email = content_copy / "emails" / "early" / "02-naming-the-gap.md"
    email.write_text(email.read_text().replace("delay: 10 days", "delay: a fortnight"))
    other = content_copy / "emails" / "default" / "01-what-you-wrote.md"
    other.write_text(other.read_text().replace("subject: ", 'subject: "', 1))
    result = doorstep("content", "check", "--content-dir", str(content_copy))
    assert result.exit_code == 1
    assert f"{email}:3: error: delay must be a number of days" in result.output
    assert f"{other}:2: error: YAML syntax error in front matter: a quoted value starts here" in result.output


def test_article_links_by_slug_become_urls_in_html_and_words_with_urls_in_text() -> None:
    body = "Read [the gap](article:qualifying-by-the-gap) and [gone](article:gone)."
    urls = {"qualifying-by-the-gap": "https://x.example/email/read/t"}
    assert linked(body, urls) == "Read [the gap](https://x.example/email/read/t) and gone."
    assert as_plain_text(body, urls) == "Read the gap (https://x.example/email/read/t) and gone."


def test_the_nurture_job_waits_while_no_questionnaire_has_ever_loaded(content_copy: Path, database_url: str) -> None:
    from leads.nurture.sending import queue_due_emails

    model = content_copy / "questionnaire.yaml"
    model.write_text(model.read_text().replace("thresholds:", "thresholds: [", 1))
    app = create_app({"ENV": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "CONTENT_DIR": str(content_copy)})
    with app.app_context():
        try:
            assert site_content(app).questionnaire_or_none() is None
            assert queue_due_emails() == 0  # the worker's periodic job goes on; nothing is lost, the emails wait
        finally:
            db.engine.dispose()
