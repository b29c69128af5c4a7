"""Mail: an HTML and a plain-text part under a stable Message-ID, sent over SMTP or kept in a local mailbox."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def message_id(key: str, site_url: str) -> str:
    """The same Message-ID on every try of one outbox message, so a mail sent twice after a crash is one thread."""
    return f"<{key}@{urlsplit(site_url).hostname or 'doorstep.invalid'}>"


def build_email(sender: str, to: str, subject: str, text: str, html: str, msg_id: str,
                headers: Mapping[str, str] | None = None) -> EmailMessage:
    message = EmailMessage()
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
        refused = smtp.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return f"accepted by {host}:{port}"


def local_mailbox(directory: str | Path) -> mailbox.Maildir:
    """The development mailbox: a Maildir any mail client can open, and the admins' mailbox page lists."""
    return mailbox.Maildir(str(directory), create=True)
