"""Accounts for the team: create and change them, check a sign-in."""

from __future__ import annotations

import datetime as dt
from statistics import median

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from leads import clock, languages
from leads.dates import ZONES
from leads.extensions import db
from leads.models import ALERT_CHOICES, ROLES, Assignment, Lead, User
from leads.privacy import audit
from leads.scoring.handover import round_robin_window
from leads.scoring.routing import Route

MIN_PASSWORD_LENGTH = 12
MAX_WEIGHT = 10
# zxcvbn scores 0 (guessable in a few tries) to 4; below 3 it is within reach of an online or
# modest offline attack, and zxcvbn's own list of common passwords and patterns drives that.
MIN_PASSWORD_STRENGTH = 3
# Hashing a throwaway password when the account is unknown keeps both answers equally slow.
_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing")


class UserError(ValueError):
    """A request to create or change an account that cannot be honoured, in plain words."""


def password_problem(password: str) -> str | None:
    """Why a password is refused, in words the user can act on; None when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return str(_("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    strength = zxcvbn(password[:200])  # zxcvbn slows down sharply on very long inputs
    if strength["score"] < MIN_PASSWORD_STRENGTH:
        # zxcvbn's own warnings are English only.
        warning = strength["feedback"]["warning"] or _("That password is too easy to guess.")
        return str(_("%(warning)s. Try a few unrelated words instead.", warning=warning.rstrip(".")))
    return None


def create_user(email: str, name: str, role: str, password: str, actor_id: int | None = None) -> User:
    """A new account; one an admin created (``actor_id``) is recorded in the audit log in the same transaction,
    while the command line and the demo create theirs unrecorded."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    if "@" not in email:
        raise UserError(_("Enter an email address."))
    if problem := password_problem(password):
        raise UserError(problem)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise UserError(_("There is already an account for %(email)s.", email=email))
    user = User(email=email, name=name.strip() or email, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    if actor_id is not None:
        db.session.flush()  # the entry names the account by id
        audit.note(actor_id, "user.created", f"user #{user.id}", {"role": user.role})
    db.session.commit()
    return user


def update_user(user_id: int, actor_id: int, role: str, active: bool, away: bool, weight: int) -> User:
    """Change an account, recorded in the audit log as ``actor_id``'s act; an admin cannot lock themselves out
    by deactivating or demoting their own."""
    user = db.session.get(User, user_id)
    if user is None:
        raise UserError(_("That account no longer exists."))
    if role not in ROLES:
        raise UserError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    if not 0 <= weight <= MAX_WEIGHT:
        raise UserError(_("Weight must be a whole number from 0 to %(most)d.", most=MAX_WEIGHT))
    if user.id == actor_id and user.role == "admin" and (role != "admin" or not active):
        raise UserError(_("You can't remove your own admin access; ask another admin."))
    if (user.away and not away) or (not user.active and active):
        user.available_since = clock.now()  # back: the round robin weighs their count from now, not from before
    user.role, user.active, user.away, user.weight = role, active, away, weight
    audit.note(actor_id, "user.changed", f"user #{user.id}",
               {"role": user.role, "active": user.active, "away": user.away, "weight": user.weight})
    db.session.commit()
    return user


def choose_alerts(user_id: int, choice: str) -> User:
    """How a rep hears about leads handed to them: ``each`` at once, or one daily ``digest``."""
    if choice not in ALERT_CHOICES:
        raise UserError(_("Choose one of the ways offered."))
    return _set_own(user_id, alerts=choice)


def choose_time_zone(user_id: int, zone: str) -> User:
    """A team member's own zone: the one every time is shown to them in and, for a rep, their hours are in."""
    if zone not in ZONES:
        raise UserError(_("Choose a time zone from the list."))
    return _set_own(user_id, timezone=zone)


def choose_language(user_id: int, language: str) -> User:
    """A team member's own language for their pages and mails: a shipped one, or "" for their browser's."""
    if language and not languages.is_shipped(language):
        raise UserError(_("Choose a language from the list."))
    return _set_own(user_id, language=language)


def choose_weekly_mail(user_id: int, wanted: bool) -> User:
    """Whether a marketer gets the studio's weekly mail (drift and suggested changes)."""
    return _set_own(user_id, weekly_mail=wanted)


def _set_own(user_id: int, **settings: str | bool) -> User:
    """A setting each team member chooses for themselves, already checked."""
    user = db.session.get(User, user_id)
    if user is None:
        raise UserError(_("That account no longer exists."))
    for name, value in settings.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def team() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.name)))


def sales_user(user_id: int) -> User | None:
    """A sales rep's account, or None for anyone else."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.role == "sales" else None


def active_reps() -> list[User]:
    """Sales reps who can be handed a lead."""
    return list(db.session.scalars(sa.select(User).where(User.role == "sales", User.active.is_(True))
                                   .order_by(User.name)))


def rep_counts() -> dict[int, dict[str, int]]:
    """Per rep: inbox leads by status, and assignments that count for the round robin (within its window)."""
    counts: dict[int, dict[str, int]] = {}
    for owner_id, status, n in db.session.execute(
        sa.select(Lead.owner_id, Lead.status, sa.func.count()).where(Lead.route == Route.SALES_READY,
                                                                     Lead.owner_id.is_not(None))
        .group_by(Lead.owner_id, Lead.status)
    ):
        if owner_id is not None:  # excluded by the query; said again for the type checker
            counts.setdefault(owner_id, {})[status] = n
    for user_id, n in db.session.execute(
        sa.select(Assignment.user_id, sa.func.count())
        .where(Assignment.counts.is_(True), Assignment.at >= clock.now() - round_robin_window())
        .group_by(Assignment.user_id)
    ):
        counts.setdefault(user_id, {})["assigned"] = n
    return counts


SPEED_DAYS = 30


def speed_to_lead() -> dict[int, dict[str, dt.timedelta | None]]:
    """Per rep, over the last 30 days of leads handed to them: the median time from arriving to a booked meeting,
    and to sales' first contact (a status move or a note)."""
    since = clock.now() - dt.timedelta(days=SPEED_DAYS)
    waits: dict[int, dict[str, list[float]]] = {}
    for owner_id, routed_at, booked_at, contact_at in db.session.execute(
        sa.select(Lead.owner_id, Lead.routed_at, Lead.first_booked_at, Lead.first_contact_at)
        .where(Lead.owner_id.is_not(None), Lead.routed_at >= since)
    ):
        if owner_id is None:  # excluded by the query; said again for the type checker
            continue
        mine = waits.setdefault(owner_id, {"booked": [], "contact": []})
        for name, at in (("booked", booked_at), ("contact", contact_at)):
            if at is not None:
                mine[name].append(max((at - routed_at).total_seconds(), 0.0))
    return {rep: {name: dt.timedelta(seconds=median(values)) if values else None for name, values in kinds.items()}
            for rep, kinds in waits.items()}


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; never says which part was wrong."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user

