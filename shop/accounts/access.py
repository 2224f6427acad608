"""The one place that decides whether the signed-in customer may see or change a row.

Every customer-owned page and action loads its row through `owned_or_404`: a row that
does not exist, belongs to another customer, or is asked for by a visitor who is not
signed in is the same 404, so nobody can learn that someone else's order or address exists.
"""

from typing import TypeVar

from flask import abort, current_app, g, request, session
from flask_login import current_user, login_user
from sqlalchemy import select

from ..extensions import db, limiter
from . import services

T = TypeVar("T")


def owned_or_404(model: type[T], ident, *, by: str = "id") -> T:
    """The `model` row whose `by` column equals `ident` and whose `user_id` is the
    signed-in customer's; 404 otherwise."""
    if not current_user.is_authenticated:
        abort(404)
    row = db.session.scalar(select(model).where(getattr(model, by) == ident, model.user_id == current_user.id))
    if row is None:
        abort(404)
    return row


def is_owner(row) -> bool:
    """For pages that also admit a guest by secret token (an order): does the signed-in
    customer own this row?"""
    return bool(current_user.is_authenticated and getattr(row, "user_id", None) == current_user.id)


# Session keys that belong to the signed-in identity; everything else (the cart, the
# checkout in progress, flashes) is the visitor's and survives signing in.
AUTH_SESSION_KEYS = {"_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "csrf_token"}


def start_session(user, *, remember: bool = False) -> None:
    """Sign in on a renewed session: the identity keys and the CSRF token are dropped and
    re-created (no session fixation), every other key — the cart — is kept. Every page
    that signs someone in (the account's, a gift's claim) goes through it."""
    kept = {key: value for key, value in session.items() if key not in AUTH_SESSION_KEYS}
    session.clear()
    session.update(kept)
    services.open_session(user)  # flushed: the caller commits
    login_user(user, remember=remember)


# ---- failed sign-ins: one budget for every page that takes a password ------------------------


def _sign_in_failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


def _email_key() -> str:
    return f"sign-in:{services.normalise_email(request.form.get('email', ''))}"


def limit_failed_sign_ins(view):
    """`ACCOUNTS_SIGN_IN_LIMIT` failed passwords per address and per email, shared by every
    page that signs in with a password (the sign-in page, subscribing): a view marks a failure
    with `g.sign_in_failed = True`; only failures count."""
    limit = lambda: current_app.config["ACCOUNTS_SIGN_IN_LIMIT"]  # noqa: E731
    view = limiter.shared_limit(limit, "sign-in", methods=["POST"], deduct_when=_sign_in_failed)(view)
    return limiter.shared_limit(
        limit, "sign-in-email", key_func=_email_key, methods=["POST"], deduct_when=_sign_in_failed
    )(view)
