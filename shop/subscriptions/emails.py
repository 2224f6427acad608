"""The Culture Box's emails: one for every change a subscriber or the shop makes, a receipt
for every renewal, and the reminder before a renewal.

| email | sent by |
|---|---|
| welcome (first payment) | stripe_events, demo_sales |
| receipt (renewal, recovered arrears) | stripe_events, demo_sales |
| arrears (a renewal failed) | stripe_events, demo_sales |
| skipped, skip undone, paused, resumed, address changed, cancelled, kept | manage (the account pages, the back office), stripe_events (the Customer Portal) |
| card updated | demo_sales (the demo card page), stripe_events (the Customer Portal) |
| renewal reminder | reminders (the worker's schedule) |

Each is recorded as a job in the transaction that makes it true, so the change and its
email commit together, and the job worker sends it (notifications.send_email). Links are
built on SHOP_BASE_URL, never on a request's Host.

`by_shop`: True when the shop made the change for the subscriber (the back office), so
the email says "we" rather than "you".

A gift sent by email has three more: the gift email with its claim link (to the recipient,
after the buyer's welcome), "your gift has been claimed" (gifts.claim) and "a box of your
gift is on its way" (the shipment_shipped signal), the last two to the buyer without the
recipient's address.
"""

from datetime import date

from ..core.addresses import PostalAddress, country_name
from ..core.calendar import add_months
from ..db_types import utcnow
from ..extensions import db
from ..notifications import email_link, send_email
from . import lifecycle, pricing
from .gift_links import claim_days, claim_url
from .models import Edition, PaidPeriod, Subscription
from .pricing import BoxQuote
from .services import edition_for


def _send(sub: Subscription, subject: str, template: str, **context) -> None:
    send_email(
        sub.email,
        subject,
        template,
        sub=sub,
        country=country_name(sub.ship_country),
        manage_url=email_link("subscriber.manage", sub_id=sub.id),
        **context,
    )


def _load(subscription_id: int) -> Subscription:
    return db.session.get(Subscription, subscription_id)


def _plans(sub: Subscription) -> dict:
    """What the change emails all say at the end: the next box, the next payment."""
    now = utcnow()
    boxes = lifecycle.upcoming_boxes(sub, now)
    upcoming = lifecycle.next_payment(sub, now)
    next_month = boxes[0] if boxes else (upcoming.month if upcoming else None)
    return {
        "next_month": next_month,
        "next_edition": edition_for(next_month),
        "next_paid": bool(boxes),
        "upcoming": upcoming,
        "amount_pence": pricing.amount_due(sub),
        "last_month": max(lifecycle.paid_months(sub), default=None),
    }


# -- payments -----------------------------------------------------------------------------


def send_subscription_confirmation(subscription_id: int) -> None:
    """Thank you: the plan, the first box, what was paid, when the next payment is."""
    sub = _load(subscription_id)
    now = utcnow()
    boxes = lifecycle.upcoming_boxes(sub, now)
    first = boxes[0] if boxes else sub.first_month
    _send(
        sub,
        "Welcome to the Culture Box",
        "subscription_welcome",
        first_month=first,
        edition=edition_for(first),
        paid=sub.periods[-1] if sub.periods else None,
        upcoming=lifecycle.next_payment(sub, now),
        amount_pence=pricing.amount_due(sub),
    )
    if sub.awaiting_claim:
        send_gift_to_recipient(subscription_id)


def send_payment_receipt(subscription_id: int, period: PaidPeriod, *, recovered: bool = False) -> None:
    """A renewal (or an overdue payment, `recovered`) was taken: the amount, its VAT and
    the boxes it buys."""
    sub = _load(subscription_id)
    what = "overdue payment" if recovered else "payment"
    _send(
        sub,
        f"Receipt for your Culture Box {what}",
        "subscription_receipt",
        period=period,
        boxes=lifecycle.boxes_bought(sub, period),
        recovered=recovered,
        receipt_url=email_link("subscriber.receipt", sub_id=sub.id, period_id=period.id),
        **_plans(sub),
    )


def send_arrears_notice(subscription_id: int) -> None:
    """A renewal failed: no box ships until it is paid; the link fixes the card."""
    sub = _load(subscription_id)
    upcoming = lifecycle.next_payment(sub, utcnow())
    _send(
        sub,
        "Your Culture Box payment didn't go through",
        "subscription_arrears",
        card_url=email_link("subscriber.card", sub_id=sub.id),
        month=upcoming.month if upcoming else None,
        amount_pence=pricing.amount_due(sub),
    )


def send_renewal_reminder(subscription_id: int, *, month: date, due_on: date, price_changed: bool) -> None:
    """A few days before a renewal: the amount, the day, the boxes, and how to cancel."""
    sub = _load(subscription_id)
    months = [month]
    while len(months) < sub.plan.months:
        months.append(add_months(months[-1], 1))
    _send(
        sub,
        f"Your Culture Box renews on {due_on:%-d %B}",
        "subscription_reminder",
        month=month,
        months=months,
        due_on=due_on,
        price_changed=price_changed,
        amount_pence=pricing.amount_due(sub),
        cancel_url=email_link("subscriber.cancel", sub_id=sub.id),
    )


# -- changes ------------------------------------------------------------------------------


def send_skipped(subscription_id: int, edition: Edition, *, by_shop: bool = False) -> None:
    sub = _load(subscription_id)
    _send(
        sub,
        f"The {edition.month:%B %Y} box is skipped",
        "subscription_skipped",
        edition=edition,
        by_shop=by_shop,
        **_plans(sub),
    )


def send_skip_undone(subscription_id: int, edition: Edition, *, by_shop: bool = False) -> None:
    sub = _load(subscription_id)
    _send(
        sub,
        f"The {edition.month:%B %Y} box is back on",
        "subscription_unskipped",
        edition=edition,
        by_shop=by_shop,
        **_plans(sub),
    )


def send_paused(subscription_id: int, *, by_shop: bool = False) -> None:
    sub = _load(subscription_id)
    _send(
        sub,
        "Your Culture Box is paused",
        "subscription_paused",
        by_shop=by_shop,
        coming=lifecycle.upcoming_boxes(sub, utcnow()),
        **_plans(sub),
    )


def send_resumed(subscription_id: int, *, by_shop: bool = False) -> None:
    sub = _load(subscription_id)
    _send(sub, "Your Culture Box is running again", "subscription_resumed", by_shop=by_shop, **_plans(sub))


def send_address_changed(
    subscription_id: int, *, old_address: PostalAddress, old_price: BoxQuote, new_price: BoxQuote, by_shop: bool = False
) -> None:
    """The old address and price beside the new ones (a gift's price does not change)."""
    sub = _load(subscription_id)
    _send(
        sub,
        "Your Culture Box address has changed",
        "subscription_address",
        by_shop=by_shop,
        old_address=old_address,
        old_country=country_name(old_address.country),
        old_price=old_price,
        new_price=new_price,
        **_plans(sub),
    )


def send_cancelled(subscription_id: int, *, by_shop: bool = False) -> None:
    """The last box named; nothing more is charged."""
    sub = _load(subscription_id)
    plans = _plans(sub)
    last = plans["last_month"]
    shipped = last in lifecycle.shipped_months(sub) if last else False
    _send(
        sub,
        "Your Culture Box is cancelled",
        "subscription_cancelled",
        by_shop=by_shop,
        last_edition=edition_for(last),
        last_shipped=shipped,
        **plans,
    )


def send_kept(subscription_id: int, *, by_shop: bool = False) -> None:
    sub = _load(subscription_id)
    _send(sub, "Your Culture Box carries on", "subscription_kept", by_shop=by_shop, **_plans(sub))


def send_card_updated(subscription_id: int, *, card_hint: str = "", by_shop: bool = False) -> None:
    """`card_hint`: e.g. "ending 4242", when the provider says."""
    sub = _load(subscription_id)
    _send(
        sub,
        "Your Culture Box card is updated",
        "subscription_card",
        by_shop=by_shop,
        card_hint=card_hint,
        **_plans(sub),
    )


# -- a gift sent by email -------------------------------------------------------------------


def send_gift_to_recipient(subscription_id: int) -> None:
    """A gift sent by email has been paid: the recipient gets the message and the claim link."""
    sub = _load(subscription_id)
    giver = sub.gift_from or "Someone"
    send_email(
        sub.recipient_email,
        f"{giver} has sent you the Culture Box",
        "gift_received",
        sub=sub,
        giver=giver,
        claim_url=claim_url(sub),
        claim_days=claim_days(),
    )


def send_gift_claimed(subscription_id: int) -> None:
    sub = _load(subscription_id)
    _send(
        sub,
        "Your Culture Box gift has been claimed",
        "gift_claimed",
        first_month=sub.first_month,
        edition=edition_for(sub.first_month),
    )


def send_gift_box_shipped(shipment) -> None:
    """A box of a gift has left: the buyer hears which one, never where it went."""
    _send(
        shipment.subscription,
        f"The {shipment.edition.month:%B} box of your gift is on its way",
        "gift_box_shipped",
        shipment=shipment,
        edition=shipment.edition,
    )
