"""Gifts sent by email: the buyer gives the recipient's email (and a message) instead of
their address; the recipient gets an email with a claim link and types their own address.

- The claim link is signed (itsdangerous, keyed by SECRET_KEY), names the subscription and
  its `claim_nonce`, expires after GIFT_CLAIM_DAYS (default 180) and works once: a claimed
  gift refuses it.
- Until it is claimed the gift ships nothing (box_run.HAS_AN_ADDRESS) and does not run out.
  Claiming re-dates its one paid period to start with the first box still open, so the
  recipient gets every box the buyer paid for, from the month they claim it.
- The address must cost the same to ship as the one paid for (the buyer chose the country
  for the price): within the same shipping zone, or anywhere shipping costs the same.
- The buyer is told when it is claimed and each time a box ships (emails.py), and never
  sees the recipient's address: pages and emails that the buyer reads show the recipient's
  name and email only.
"""

import secrets
from datetime import date, datetime

from ..accounts import tokens
from ..core.addresses import PostalAddress
from ..core.calendar import add_months
from ..db_types import utcnow
from ..extensions import db
from ..shipping import services as shipping
from . import emails, lifecycle
from .gift_links import CLAIM_PURPOSE, claim_days, claim_token, new_nonce  # noqa: F401  (the gift's link)
from .lifecycle import SubscriptionError
from .models import Subscription
from .models import SubscriptionStatus as S
from .pricing import quote
from .services import first_box_month

RECIPIENT = "recipient"


class GiftClaimError(SubscriptionError):
    """The claim link cannot be used; the message says why and what to do."""


def gift_for_claim(token: str) -> Subscription:
    """The gift a claim link is for, if it can still be claimed; GiftClaimError otherwise."""
    try:
        payload = tokens.read(CLAIM_PURPOSE, token, max_age=claim_days() * 24 * 60 * 60)
    except tokens.TokenInvalid as error:
        if error.expired:
            raise GiftClaimError(
                "This gift link has expired. Please ask the person who gave you the gift to contact us: "
                "we'll send you a new one."
            ) from None
        raise GiftClaimError("This gift link isn't valid. Please check you copied all of it.") from None
    sub = db.session.get(Subscription, payload.get("s")) if isinstance(payload.get("s"), int) else None
    if sub is None or not sub.sent_by_email or not secrets.compare_digest(str(payload.get("n")), sub.claim_nonce or ""):
        raise GiftClaimError("This gift link isn't valid. Please check you copied all of it.")
    if sub.claimed_at is not None:
        raise GiftClaimError("This gift has been claimed already: its boxes are on their way to the address given.")
    if sub.status is not S.ACTIVE:
        raise GiftClaimError("This gift can't be claimed any more. Please contact us and we'll sort it out.")
    return sub


def _same_price(sub: Subscription, country: str) -> None:
    try:
        there = quote(sub.plan, country).totals.total_pence
        paid_for = quote(sub.plan, sub.ship_country).totals.total_pence
    except shipping.ShippingError as error:
        raise SubscriptionError(str(error)) from None
    if there != paid_for:
        raise SubscriptionError(
            f"This gift's delivery was paid for {sub.ship_country_name} ({sub.shipping_zone_name}). "
            "Please give an address there, or ask the person who gave it to contact us."
        )


def claim(
    sub: Subscription, address: PostalAddress, *, user_id: int | None = None, now: datetime | None = None
) -> date:
    """The recipient's address for every box of the gift, from the first box still open
    (returned). Flushes; the caller commits, or rolls back on SubscriptionError."""
    now = now or utcnow()
    if sub.claimed_at is not None:
        raise GiftClaimError("This gift has been claimed already.")
    problems = address.problems()
    if problems:
        raise SubscriptionError(next(iter(problems.values())))
    _same_price(sub, address.country)
    first = first_box_month(now)
    [period] = sub.periods  # a gift is paid once
    period.first_month, period.last_month = first, add_months(first, sub.plan.months - 1)
    sub.first_month = first
    sub.postal_address = address
    sub.claimed_at = now
    sub.recipient_user_id = user_id
    lifecycle.record(sub, "claimed", actor=RECIPIENT, detail=f"boxes from {first:%Y-%m}")
    db.session.flush()
    emails.send_gift_claimed(sub.id)
    return first
