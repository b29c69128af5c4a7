"""The team's sign-in safeguards: TOTP two-factor sign-in with recovery codes, the admins' policy, and
password changes that end every other session.

The TOTP secret is encrypted at rest under the key that encrypts reps' calendar passwords
(``leads.booking.passwords``), so a copy of the database alone does not give anyone a second factor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from leads import clock
from leads.accounts.users import UserError, password_problem
from leads.booking.passwords import decrypt, encrypt, secret_box
from leads.extensions import db
from leads.models import StaffPolicy, User
from leads.privacy import audit

log = logging.getLogger(__name__)

RECOVERY_CODES = 10
STEP = dt.timedelta(seconds=30)


class TwoFactorError(ValueError):
    """A two-factor step that cannot be done, in words for the person at the keyboard."""


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(secret: str, email: str, issuer: str) -> str:
    """What an authenticator app scans: the otpauth:// URI of this account."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: paths and attributes only, so the strict CSP allows it."""
    code = segno.make(uri, error="m")
    return str(code.svg_inline(scale=5, light="white", title="QR code for your authenticator app"))


def matching_step(secret: str, code: str, after: int) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side for clock drift) if it is later than
    ``after``: a code already used does not work again."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp, now = pyotp.TOTP(secret), clock.now()
    for drift in (0, -1, 1):
        moment = now + drift * STEP
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            return step if step > after else None
    return None


def _hash_code(code: str) -> str:
    # Recovery codes are random (80 bits), so a plain hash is enough; a slow one would only slow sign-in.
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()


def enable(user_id: int, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on, once a code from the app proves it is set up; return the recovery codes."""
    user = _user(user_id)
    step = matching_step(secret, code, 0)
    if step is None:
        raise TwoFactorError(_("That code doesn't match. Check the time on your phone, and type the code shown now."))
    codes = [f"{secrets.token_hex(5)[:5]}-{secrets.token_hex(5)[:5]}" for _n in range(RECOVERY_CODES)]
    user.totp_secret = encrypt(secret_box(current_app.config), secret)
    user.totp_last_step, user.recovery_codes = step, [_hash_code(c) for c in codes]
    audit.note(user.id, "two_factor.enabled", f"user #{user.id}")
    db.session.commit()
    return codes


def disable(user_id: int, password: str) -> None:
    user = _user(user_id)
    if not check_password_hash(user.password_hash, password):
        raise TwoFactorError(_("That password is not right."))
    if user.role == "admin" and admins_need_two_factor():
        raise TwoFactorError(_("Admins must use two-factor sign-in here; another admin can change that rule."))
    user.totp_secret, user.totp_last_step, user.recovery_codes = "", 0, []
    audit.note(user.id, "two_factor.disabled", f"user #{user.id}")
    db.session.commit()


def reset(email: str) -> None:
    """Two-factor sign-in off, from the command line (a server operator), for someone locked out."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise TwoFactorError(_("There is no account for %(email)s.", email=email))
    user.totp_secret, user.totp_last_step, user.recovery_codes = "", 0, []
    audit.note(None, "two_factor.reset", f"user #{user.id}", {"by": "command line"})
    db.session.commit()


def check_code(user_id: int, code: str) -> User | None:
    """The user, when ``code`` is their current authenticator code or an unused recovery code (used up now)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.totp_secret:
        return None
    secret = decrypt(secret_box(current_app.config), user.totp_secret)
    if not secret:  # encrypted under another key: only a recovery code, or a reset, signs this account in now
        log.warning("The two-factor secret of user #%s does not decrypt under CALENDAR_KEY; was the key changed?",
                    user.id)
    step = matching_step(secret, code, user.totp_last_step) if secret else None
    if step is not None:
        user.totp_last_step = step
    else:
        hashed = _hash_code(code)
        if hashed not in user.recovery_codes:
            return None
        user.recovery_codes = [c for c in user.recovery_codes if c != hashed]
        audit.note(user.id, "two_factor.recovery_code_used", f"user #{user.id}",
                   {"left": len(user.recovery_codes)})
    db.session.commit()
    return user


def admins_need_two_factor() -> bool:
    return bool(db.session.scalar(sa.select(StaffPolicy.admins_need_two_factor).where(StaffPolicy.id == 1)))


def require_for_admins(actor_id: int, required: bool) -> None:
    policy = db.session.get(StaffPolicy, 1)
    if policy is None:
        policy = StaffPolicy(id=1)
        db.session.add(policy)
    policy.admins_need_two_factor = required
    audit.note(actor_id, "policy.changed", "two-factor for admins", {"required": required})
    db.session.commit()


def change_password(user_id: int, current: str, new: str) -> User:
    """A new password; every session and remember-me cookie of this account ends, the caller signs in anew."""
    user = _user(user_id)
    if not check_password_hash(user.password_hash, current):
        raise UserError(_("Your current password is not right."))
    if problem := password_problem(new):
        raise UserError(problem)
    user.password_hash = generate_password_hash(new)
    user.session_version += 1
    audit.note(user.id, "user.password_changed", f"user #{user.id}")
    db.session.commit()
    return user


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise TwoFactorError(_("That account no longer exists."))
    return user
