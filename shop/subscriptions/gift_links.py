"""The claim link of a gift sent by email: signed with SECRET_KEY (itsdangerous), naming the
subscription and its claim_nonce, valid for GIFT_CLAIM_DAYS. gifts.py checks it; the gift
email carries it."""

import secrets

from flask import current_app

from ..accounts import tokens
from ..notifications import email_link
from .models import Subscription

CLAIM_PURPOSE = "gift-claim"
DEFAULT_CLAIM_DAYS = 180


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def claim_token(sub: Subscription) -> str:
    return tokens.make(CLAIM_PURPOSE, {"s": sub.id, "n": sub.claim_nonce})


def claim_url(sub: Subscription) -> str:
    return email_link("subscriptions.claim_gift", token=claim_token(sub))


def claim_days() -> int:
    return int(current_app.config.get("GIFT_CLAIM_DAYS", DEFAULT_CLAIM_DAYS))
