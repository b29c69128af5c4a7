"""Accounts for the team: create them, check a sign-in."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from leads.extensions import db
from leads.models import ROLES, User

MIN_PASSWORD_LENGTH = 12
# Hashing a throwaway password when the account is unknown keeps both answers equally slow.
_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing")


class UserError(ValueError):
    """A request to create or change an account that cannot be honoured, in plain words."""


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def create_user(email: str, name: str, role: str, password: str) -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"Role must be one of {', '.join(ROLES)}.")
    if "@" not in email:
        raise UserError("Enter an email address.")
    if problem := password_problem(password):
        raise UserError(problem)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise UserError(f"There is already an account for {email}.")
    user = User(email=email, name=name.strip() or email, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; never says which part was wrong."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user
