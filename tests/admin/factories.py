"""Admins for the back-office tests: made, signed in with their password and through the
second factor, as a person would be."""

from datetime import UTC, datetime, timedelta

import pyotp

from shop.accounts.models import User
from shop.admin import second_factor
from shop.extensions import db

from ..accounts.factories import PASSWORD, make_user, sign_in

ADMIN_EMAIL = "admin@inspiremekorea.co.uk"


def make_admin(email: str = ADMIN_EMAIL, *, enrolled: bool = True) -> User:
    """An admin (call inside an app context), committed. `enrolled`: their authenticator app
    is already set up (its first code used a minute ago, so the current one is fresh)."""
    user = make_user(email, name="Shop Admin")
    user.is_admin = True
    if enrolled:
        second_factor.start_setup(user)
        earlier = datetime.now(UTC) - timedelta(seconds=90)
        second_factor.confirm_setup(user, totp_code(user, earlier), now=earlier)
    db.session.commit()
    return user


def totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(second_factor.secret_of(second_factor.factor_for(user)))


def totp_code(user: User, at: datetime | None = None) -> str:
    return totp(user).at(at or datetime.now(UTC))


def sign_in_admin(app, client, email: str = ADMIN_EMAIL):
    """Password, then the current code from the app: the client is an admin in the back office."""
    assert sign_in(client, email, PASSWORD).status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        code = totp_code(user)
    response = client.post("/admin/second-factor", data={"code": code})
    assert response.status_code == 302, response.text
    return response
