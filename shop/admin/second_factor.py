"""The admin's second factor: a TOTP authenticator app (RFC 6238, through pyotp) and ten
one-time recovery codes.

The TOTP secret is kept encrypted (Fernet, with a key derived from SECRET_KEY), so a copy of
the database alone cannot mint codes; it is shown only while the admin sets the app up and
never logged. A code is accepted once: the time step it belongs to is stored and a code of
that step or an earlier one is refused, even in the same 30 seconds. Recovery codes are
random, shown once and stored as SHA-256 hashes (they carry 50 bits of randomness, so a
fast hash is enough). Operations flush; the view commits.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update

from ..accounts.models import User
from ..db_types import utcnow
from ..extensions import db
from .models import AdminRecoveryCode, AdminSecondFactor

ISSUER = "Inspire Me Korea"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy from paper
DRIFT_STEPS = 1  # accept the code of the step before and after: phones' clocks drift


class SecondFactorError(Exception):
    """A code was not accepted; the message is safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WrongCode(SecondFactorError):
    pass


class ReusedCode(SecondFactorError):
    pass


class SecondFactorMissing(SecondFactorError):
    pass


# ---- the secret at rest -------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(b"admin-second-factor\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_of(factor: AdminSecondFactor) -> str:
    try:
        return _fernet().decrypt(factor.secret.encode()).decode()
    except InvalidToken as exc:  # SECRET_KEY changed since the app was set up
        raise SecondFactorMissing(
            "This authenticator can no longer be read. Ask another admin to run "
            "`flask shop create-admin YOUR-EMAIL --reset-second-factor`."
        ) from exc


# ---- setting the app up -------------------------------------------------------------------


def factor_for(user: User) -> AdminSecondFactor | None:
    return db.session.get(AdminSecondFactor, user.id)


def is_enrolled(user: User) -> bool:
    factor = factor_for(user)
    return factor is not None and factor.confirmed_at is not None


def start_setup(user: User) -> AdminSecondFactor:
    """The admin's factor being set up: a new secret, or the one already shown (reloading the
    page keeps the QR code the admin may have scanned). Refused once set up."""
    factor = factor_for(user)
    if factor is not None and factor.confirmed_at is not None:
        raise SecondFactorError("Your authenticator app is already set up.")
    if factor is None:
        factor = AdminSecondFactor(user_id=user.id, secret=_seal(pyotp.random_base32()))
        db.session.add(factor)
        db.session.flush()
    return factor


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(data: str) -> Markup:
    """The QR code as inline SVG (drawn here: no script, no image request, nothing inline
    that the Content-Security-Policy refuses)."""
    svg = segno.make(data, error="m").svg_inline(scale=5, border=2, dark="#1f2a44", light="#ffffff", title="QR code")
    return Markup(svg)  # noqa: S704  segno's own markup, no user input in it but the otpauth URI


def confirm_setup(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Check the first code from the app; the factor is then set up and ten new recovery
    codes are returned, to be shown once."""
    factor = factor_for(user)
    if factor is None:
        raise SecondFactorMissing("Set up your authenticator app first.")
    _check_totp(factor, code, now=now)
    factor.confirmed_at = now or utcnow()
    db.session.flush()
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes; any earlier ones stop working."""
    db.session.execute(delete(AdminRecoveryCode).where(AdminRecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(AdminRecoveryCode(user_id=user.id, code_hash=_hash_code(code)) for code in codes)
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def reset(user: User) -> None:
    """Forget the admin's app and recovery codes: they set up again at their next sign-in."""
    db.session.execute(delete(AdminRecoveryCode).where(AdminRecoveryCode.user_id == user.id))
    db.session.execute(delete(AdminSecondFactor).where(AdminSecondFactor.user_id == user.id))
    db.session.flush()


# ---- signing in ---------------------------------------------------------------------------


def verify(user: User, code: str, *, now: datetime | None = None) -> str:
    """Accept a code from the app (six digits) or a recovery code; returns which it was
    ("app" or "recovery code"). Raises WrongCode or ReusedCode."""
    factor = factor_for(user)
    if factor is None or factor.confirmed_at is None:
        raise SecondFactorMissing("Set up your authenticator app first.")
    digits = "".join(code.split())
    if digits.isdigit():
        _check_totp(factor, digits, now=now)
        return "app"
    _use_recovery_code(user, code, now=now)
    return "recovery code"


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(AdminRecoveryCode.id).where(
                AdminRecoveryCode.user_id == user.id, AdminRecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _check_totp(factor: AdminSecondFactor, code: str, *, now: datetime | None) -> None:
    code = "".join(code.split())
    totp = pyotp.TOTP(secret_of(factor))
    current = totp.timecode(now or utcnow())
    for step in sorted(range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1), key=lambda s: abs(s - current)):
        if hmac.compare_digest(totp.generate_otp(step), code):
            # Conditional, so two requests racing with one code cannot both pass.
            moved = db.session.execute(
                update(AdminSecondFactor)
                .where(
                    AdminSecondFactor.user_id == factor.user_id,
                    or_(AdminSecondFactor.last_step.is_(None), AdminSecondFactor.last_step < step),
                )
                .values(last_step=step)
                .execution_options(synchronize_session="fetch")
            ).rowcount
            if not moved:
                raise ReusedCode("That code has already been used. Wait for the next one in your app.")
            return
    raise WrongCode("That code is not right. Check your authenticator app's clock and try the newest code.")


def _hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _use_recovery_code(user: User, code: str, *, now: datetime | None) -> None:
    used = db.session.execute(
        update(AdminRecoveryCode)
        .where(
            AdminRecoveryCode.user_id == user.id,
            AdminRecoveryCode.code_hash == _hash_code(code),
            AdminRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:
        raise WrongCode("That recovery code is not right, or it has been used already.")
