"""Mail: an HTML and a plain-text part under a stable Message-ID, sent over SMTP or kept in a local mailbox.

What the receiving server answers decides what happens next (RFC 5321, 4.2.1): a 4xx is a temporary
failure, tried again; a 5xx refusal of the address (550 "no such mailbox") is a bounce, which ends the
mail at once (``Bounced``); a 5xx refusal of the message itself (DATA) ends it too. Refusals about our own
side are tried again, since they go once an admin fixes the settings: a refused sender or sign-in, and
5.7.x ("security or policy": relaying denied, authentication required).
"""

from __future__ import annotations

import email.policy
import mailbox
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from leads.delivery import Undeliverable


class Bounced(Undeliverable):
    """The receiving server refused the address for good: this mail ends, and the address is suppressed."""

    def __init__(self, address: str, code: int, reply: str) -> None:
        super().__init__(f"SMTP {code} {reply}: the address was refused for good")
        self.address, self.code = address, code


def permanent(code: int, reply: bytes | str) -> bool:
    """A 5xx answer about the address or the message, not about our own setup (5.7.x, tried again)."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return 500 <= code < 600 and not text.lstrip().startswith("5.7.")


@dataclass(frozen=True)
class Mail:
    """One mail as the renderer of its topic writes it; the worker addresses, stamps and sends it."""

    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)
    calendar: str = ""  # an iCalendar invitation, sent as its text/calendar part
    method: str = ""  # the invitation's METHOD: REQUEST, or CANCEL


def mail_from(template: str, subject: str, context: Mapping[str, Any], **parts: Any) -> Mail:
    """A mail written by the templates ``email/<template>.txt`` and ``.html`` from ``context`` (and the site's
    name); ``parts`` are the rest of the Mail (headers, an invitation)."""
    env, context = current_app.jinja_env, {**context, "subject": subject,
                                           "site_name": current_app.config["SITE_NAME"]}
    return Mail(subject, env.get_template(f"email/{template}.txt").render(context),
                env.get_template(f"email/{template}.html").render(context), **parts)


def message_id(key: str, site_url: str) -> str:
    """The same Message-ID on every try of one outbox message, so a mail sent twice after a crash is one thread."""
    return f"<{key}@{urlsplit(site_url).hostname or 'doorstep.invalid'}>"


# Headers fold at RFC 5322's hard limit rather than its 78-character suggestion: the standard library folds a
# subject of 70 to 77 characters whole onto the next line ("Subject:" CRLF SP "Booked: …"), and readers then
# show it with a leading space. Subjects are cut at 200 characters, so they stay on one line.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


def build_email(sender: str, to: str, subject: str, text: str, html: str, msg_id: str,
                headers: Mapping[str, str] | None = None) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = msg_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_email(message: EmailMessage, config: Mapping[str, Any]) -> str:
    """Hand ``message`` on as configured; return what the other side said, for the delivery log."""
    if config["MAIL_BACKEND"] == "mailbox":
        key = local_mailbox(config["MAILBOX_DIR"]).add(message)
        return f"kept in the local mailbox as {key}"
    return _send_smtp(message, config)


def _send_smtp(message: EmailMessage, config: Mapping[str, Any]) -> str:
    host, port, timeout = config["SMTP_HOST"], int(config["SMTP_PORT"]), float(config["SMTP_TIMEOUT_SECONDS"])
    security = config["SMTP_SECURITY"]
    context = ssl.create_default_context()
    smtp: smtplib.SMTP = (smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) if security == "tls"
                          else smtplib.SMTP(host, port, timeout=timeout))
    with smtp:
        if security == "starttls":
            smtp.starttls(context=context)
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        try:
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except smtplib.SMTPDataError as exc:
            if permanent(exc.smtp_code, exc.smtp_error):
                raise Undeliverable(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}: the message was refused "
                                    "for good") from exc
            raise
    for address, (code, reply) in refused.items():
        if permanent(code, reply):
            raise Bounced(address, code, _text(reply))
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return f"accepted by {host}:{port}"


def _text(reply: bytes | str) -> str:
    return " ".join((reply.decode(errors="replace") if isinstance(reply, bytes) else reply).split())


def local_mailbox(directory: str | Path) -> mailbox.Maildir:
    """The development mailbox: a Maildir any mail client can open, and the admins' mailbox page lists."""
    return mailbox.Maildir(str(directory), create=True)
