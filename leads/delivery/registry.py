"""What each capability hands delivery when the app is created: the renderer of every topic it mails, the jobs the
clock makes due, and what an address that bounced means to it. The worker and its scheduled work look them up
here, so that delivery imports no capability: each capability imports delivery, never the reverse."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from leads.delivery.email import Mail
from leads.models import OutboxMessage

# The mail an outbox message stands for; it raises Undeliverable when it must not go (its lead is gone, say),
# or NothingToSend when nothing is to be sent after all.
Renderer = Callable[[OutboxMessage], Mail]
# Work the clock makes due; it takes its own lock (``jobs.only_worker``) and commits what it did.
Job = Callable[[], object]
# Told of each address a mail server refused for good, with the server's words.
BounceHandler = Callable[[str, str], None]
# Work a person waits for, asked for by a row (the studio's what-if): looked for whenever the worker is idle, not on
# the clock's schedule; it may hand the work to a thread of its own, which stops when the event is set.
Task = Callable[[threading.Event], object]

KEY = "doorstep.delivery"


@dataclass
class Registry:
    renderers: dict[str, Renderer] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    bounce_handlers: list[BounceHandler] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def registry(app: Flask | None = None) -> Registry:
    """This app's registrations."""
    found: Registry = (app or current_app).extensions.setdefault(KEY, Registry())
    return found


def renders(app: Flask, renderer: Renderer, *topics: str) -> None:
    """``renderer`` writes the mails of ``topics``; one renderer per topic."""
    known = registry(app).renderers
    for topic in topics:
        if topic in known:
            raise ValueError(f"Topic {topic!r} already has a renderer.")
        known[topic] = renderer


def schedule(app: Flask, job: Job) -> None:
    """Run ``job`` with the worker's scheduled work, after those scheduled before it."""
    registry(app).jobs.append(job)


def asks(app: Flask, task: Task) -> None:
    """Run ``task`` each time the worker is idle: for work a page asked for and a person waits on."""
    registry(app).tasks.append(task)


def on_bounce(app: Flask, handler: BounceHandler) -> None:
    registry(app).bounce_handlers.append(handler)


def renderer_for(topic: str) -> Renderer | None:
    return registry().renderers.get(topic)
