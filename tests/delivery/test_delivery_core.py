"""The pure parts of delivery: when to retry, what a webhook carries, who is mailed, and working hours."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from leads.delivery.alerts import audience, sales_alert
from leads.delivery.payload import encode, receipt_summary, webhook_body, why_ready
from leads.delivery.schedule import GIVE_UP_AFTER, LONGEST_DELAY, next_attempt, retry_delay
from leads.delivery.service_level import WorkingHours, is_late, working_time
from leads.delivery.webhooks import new_secret, signed_headers

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # a Tuesday


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 10), (2, 20), (3, 40), (6, 320), (12, 14_400), (40, 14_400)])
def test_the_wait_doubles_from_ten_seconds_up_to_four_hours(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts, jitter=lambda: 1.0) == dt.timedelta(seconds=seconds)
    assert retry_delay(attempts, jitter=lambda: 0.0) == dt.timedelta(seconds=seconds / 2)


def test_jitter_spreads_messages_that_failed_together() -> None:
    waits = {retry_delay(5) for _ in range(50)}
    assert len(waits) > 1 and all(dt.timedelta(seconds=80) <= w <= dt.timedelta(seconds=160) for w in waits)


def test_the_last_try_falls_on_the_deadline_and_after_it_the_message_is_dead() -> None:
    give_up_at = T0 + GIVE_UP_AFTER
    assert next_attempt(give_up_at, 20, give_up_at - dt.timedelta(hours=1), lambda: 1.0) == give_up_at
    assert next_attempt(give_up_at, 21, give_up_at, lambda: 1.0) is None


def test_a_receiver_down_for_three_days_is_tried_a_few_dozen_times_before_giving_up() -> None:
    now, attempts, give_up_at = T0, 0, T0 + GIVE_UP_AFTER
    while (after := next_attempt(give_up_at, attempts + 1, now, lambda: 0.5)) is not None:
        attempts += 1
        assert after - now <= LONGEST_DELAY
        now = after
    assert 20 <= attempts <= 40


RECEIPT = [
    {"rule": "timeline=now", "label": "Timeline", "input": "This quarter", "dimension": "intent", "points": 20},
    {"rule": "lexicon:pain", "label": "Challenges", "input": "manual reports", "dimension": "intent", "points": 8},
    {"rule": "role=student", "label": "Role", "input": "Student", "dimension": "fit", "points": -30},
    {"rule": "size", "label": "Company size", "input": "200-500", "dimension": "fit", "points": 12},
]


def test_why_ready_lists_what_counted_most_and_leaves_out_penalties() -> None:
    assert [r["rule"] for r in why_ready(RECEIPT)] == ["timeline=now", "size", "lexicon:pain"]
    assert [r["rule"] for r in why_ready(RECEIPT, limit=1)] == ["timeline=now"]


def test_the_webhook_body_is_versioned_and_keeps_the_event_time() -> None:
    submission = {"model_version": "abc", "verdict": "sales_ready", "total": 40, "fit": 12, "intent": 28,
                  "engagement": 0, "gates_missed": [], "receipt": RECEIPT}
    body = webhook_body("lead.sales_ready", T0, {"by": "submission"}, {"id": 7, "url": "https://x/inbox/leads/7"},
                        {"goals": "grow"}, receipt_summary(submission))
    assert body["type"] == "lead.sales_ready" and body["version"] == 1
    assert body["timestamp"] == "2026-12-01T09:00:00+00:00"
    assert body["data"]["receipt"]["points"] == {"fit": 12, "intent": 28, "engagement": 0}
    assert json.loads(encode(body)) == body


def test_a_ping_carries_only_its_event() -> None:
    assert webhook_body("endpoint.ping", T0, {"message": "hi"})["data"] == {"event": {"message": "hi"}}


def test_signed_headers_verify_with_the_standard_webhooks_package() -> None:
    from standardwebhooks import Webhook

    secret, now = new_secret(), dt.datetime.now(dt.UTC)
    headers = signed_headers(secret, "msg_1", now, '{"a":1}')
    assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == str(int(now.timestamp()))


@pytest.mark.parametrize(("topic", "has_owner", "expected"), [
    ("lead.sales_ready", True, "owner"),
    ("lead.sales_ready", False, "admins"),
    ("lead.assigned", True, "owner"),
    ("lead.sla_missed", True, "admins"),
    ("lead.status_changed", True, None),
    ("lead.recycled", True, None),
])
def test_who_is_mailed_about_each_event(topic: str, has_owner: bool, expected: str | None) -> None:
    assert audience(topic, has_owner) == expected


def test_an_alert_quotes_only_answered_questions_and_keeps_headers_on_one_line() -> None:
    alert = sales_alert("lead.sales_ready", {"name": "Ann\r\nBcc: x@evil.example", "company": "Acme"},
                        {"goals": "  Grow  ", "challenges": ""}, RECEIPT,
                        {"goals": "Your goals", "challenges": "Your challenges"}, "https://x/inbox/leads/1")
    assert "\n" not in alert.subject and alert.subject.startswith("Ann Bcc: x@evil.example (Acme)")
    assert alert.own_words == [("Your goals", "Grow")]
    assert len(alert.reasons) == 3


@pytest.mark.parametrize("length", [60, 70, 74, 77, 78, 120, 200])
def test_a_mail_subject_reads_as_written_at_every_length(length: int) -> None:
    """Read back as a mail client parses it: no leading space from a fold, nothing lost."""
    import email
    import email.policy

    from leads.delivery.email import build_email

    subject = ("Booked: a conversation with Riley Rep, Monday, 7 December 2026, 09:00 (Europe/Berlin) " * 3)[:length]
    built = build_email("Doorstep <d@x.example>", "p@x.example", subject.strip(), "text", "<p>html</p>", "<k@x>")
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == subject.strip()


HOURS = WorkingHours.parse("09:00-17:00", "Mon-Fri", "Europe/Paris")


@pytest.mark.parametrize(("start", "end", "hours"), [
    ("2026-12-01T08:00", "2026-12-01T10:00", 2),   # Tuesday, Paris is UTC+1: 9:00 to 11:00 local
    ("2026-12-01T15:00", "2026-12-02T09:00", 2),   # 16:00-17:00, then 9:00-10:00 the next day
    ("2026-12-04T15:00", "2026-12-07T09:00", 2),   # Friday afternoon to Monday morning: the weekend does not count
    ("2026-12-05T10:00", "2026-12-05T16:00", 0),   # all Saturday
])
def test_only_working_hours_count_toward_the_service_level(start: str, end: str, hours: float) -> None:
    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    assert working_time(at(start), at(end), HOURS) == dt.timedelta(hours=hours)


def test_a_lead_is_late_after_the_allowed_working_hours() -> None:
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert not is_late(start, start + dt.timedelta(hours=1, minutes=59), 2, HOURS)
    assert is_late(start, start + dt.timedelta(hours=2), 2, HOURS)


@pytest.mark.parametrize("days", ["Mon,Wed,Fri", "mon, wed, fri"])
def test_working_days_read_as_people_write_them(days: str) -> None:
    assert WorkingHours.parse("08:30-12:00", days, "UTC").days == frozenset({0, 2, 4})


@pytest.mark.parametrize(("now", "last_until", "due"), [
    ("2026-12-02T07:59", None, False),                 # before today's digest time
    ("2026-12-02T08:00", None, True),                  # the first look after it
    ("2026-12-02T08:00", "2026-12-01T08:00", True),    # yesterday's was sent
    ("2026-12-02T15:00", "2026-12-02T08:01", False),   # today's was sent
])
def test_a_daily_digest_goes_once_a_day_after_its_time(now: str, last_until: str | None, due: bool) -> None:
    from leads.delivery.alerts import digest_due

    def at(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    assert digest_due(at(last_until) if last_until else None, at(now), dt.time(8), ZoneInfo("UTC")) is due
