"""Signed, expiring tokens for the links we email (itsdangerous, keyed by SECRET_KEY).

Nothing is stored: each token embeds what must still be true when it is used.
- password reset: a fingerprint of the current password hash, so the link stops working
  once the password has changed (it works once) and after RESET_MAX_AGE (1 hour);
- email confirmation: the address it confirms, so it means nothing after an email change;
- email change: the old and the new address, so it works once (after the change the old
  address no longer matches).
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET_MAX_AGE = 60 * 60  # 1 hour
CONFIRM_MAX_AGE = 7 * 24 * 60 * 60  # 7 days
EMAIL_CHANGE_MAX_AGE = 24 * 60 * 60  # 1 day


class TokenInvalid(Exception):
    """The link is forged, expired or already used."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts.{purpose}")


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int) -> dict:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenInvalid(expired=True) from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(payload, dict):
        raise TokenInvalid()
    return payload
