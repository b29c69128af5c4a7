"""Demo data for a first run: three logins, and the persona cases stored as real leads."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import sqlalchemy as sa

from leads import clock
from leads.accounts.users import create_user
from leads.extensions import db
from leads.models import User
from leads.publishing.check import PERSONAS_FILE, load_personas
from leads.questionnaire import Questionnaire
from leads.questionnaire.submissions import Arrival, submit_answers

DEMO_USERS = (
    ("admin", "admin@doorstep.example", "Avery Admin"),
    ("marketer", "marketer@doorstep.example", "Morgan Marketer"),
    ("sales", "sales@doorstep.example", "Sasha Sales"),
)


def load_demo(model: Questionnaire, content_dir: Path) -> list[tuple[str, str, str]]:
    """Seed an empty database; return (role, email, password) for each login created."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return []
    logins = []
    for role, email, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        create_user(email, name, role, password)
        logins.append((role, email, password))
    now = clock.now()
    personas = load_personas(content_dir / PERSONAS_FILE, now)
    for hours_ago, persona in enumerate(reversed(personas)):
        submit_answers(model, persona.answers, Arrival({"utm_source": "demo"}, persona.events),
                       now=now - dt.timedelta(hours=hours_ago + 1))
    return logins
