"""Stripe Billing for the Culture Box: the first payment through Checkout, and what the
subscriber later changes (skip, pause, resume, new address, cancel, card) on the Stripe
subscription. `StripeGateway` delegates its subscription methods here.

THE BILLING-DAY RULE (shop/core/calendar.py: billing_at): the payment for the box
of month M is taken at 09:00 UTC on the 1st of M. The first payment is taken at checkout,
for the first `plan.months` boxes; every renewal must then fall on billing_at(...) of the
next unpaid box. Stripe's `billing_cycle_anchor` cannot express that: in Checkout it must
fall before the subscription's next natural billing date, which a prepaid-12 plan, or a
joiner after the cutoff whose first box is next month, overshoots. So a renewing plan's
Checkout Session carries

- the recurring prices (box, and the zone's shipping when it is not free), each
  `recurring = {interval: month, interval_count: plan.months}`;
- the same amounts again as ONE-TIME prices (no `recurring`): Stripe's API reference for
  Checkout `line_items`: "Line items with one-time Prices will be on the initial invoice
  only" — the invoice created and charged at checkout;
- `subscription_data.trial_end` = the first renewal (billing_at of the first unpaid box):
  the recurring prices are first charged then, and every `interval_count` months after,
  at the same day and time, i.e. always on a billing day. Stripe requires a Checkout
  `trial_end` to be at least 48 hours ahead; with the cutoff on the 10th the first
  renewal is always at least about three weeks away, and the gateway refuses (logs,
  PaymentError) rather than send a session Stripe would reject.

A discount code becomes a Stripe coupon of the same amount (`amount_off`, created for this
subscription, max_redemptions 1) with the matching duration: `once` (the first payment,
on the initial invoice), `forever`, or `repeating` for the first N payments, with
`duration_in_months` counted, as Stripe counts it, from the coupon's start at checkout to
just before payment N + 1 (`coupon_months`).

A skip moves the next renewal (`trial_end` again, no proration), a pause voids invoices
(`pause_collection`), a new address re-prices the items, a cancellation sets
`cancel_at_period_end`. A gift is one Checkout payment (mode=payment) and nothing recurs.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import stripe

from ..db_types import utcnow
from .gateway import BillableSubscription, BoxPrice, CheckoutRedirect, PaymentError, payment_intent_data

log = logging.getLogger(__name__)

# metadata["purpose"] on Culture Box Checkout Sessions: the webhook dispatches on it, so a
# Culture Box session never reaches the order handlers (shop/payments/stripe_events.py).
PURPOSE_SUBSCRIPTION = "culture_box"
PURPOSE_GIFT = "culture_box_gift"
MIN_TRIAL = timedelta(hours=48)  # Stripe: Checkout subscription_data.trial_end >= 48 h ahead

START_UNAVAILABLE = (
    "We couldn't reach our card payment provider just now, so nothing has been charged. Please try again in a moment."
)
START_REFUSED = (
    "Our card payment provider couldn't start this payment, so nothing has been charged. "
    "Please try again, or contact us if it keeps happening."
)
CHANGE_UNAVAILABLE = (
    "We couldn't reach our card payment provider just now, so nothing has changed. Please try again in a moment."
)
CHANGE_REFUSED = (
    "Our card payment provider couldn't make this change, so nothing has changed. "
    "Please try again, or contact us if it keeps happening."
)
NOT_LINKED = "Your subscription is still being set up with our card payment provider. Please try again in a minute."
NO_CUSTOMER = (
    "We can't open the card page for this subscription yet: its first payment is still "
    "being set up. Please try again in a minute, or contact us."
)


@contextmanager
def stripe_call(what: str, sub: BillableSubscription, *, unavailable: str, refused: str) -> Iterator[None]:
    """Stripe errors and timeouts become PaymentError with a message safe to show."""
    try:
        yield
    except stripe.APIConnectionError:
        log.exception("Stripe unreachable or timed out (%s, subscription %s)", what, sub.id)
        raise PaymentError(unavailable) from None
    except stripe.StripeError as error:
        log.error(
            "Stripe refused %s for subscription %s: %s (request %s, code %s)",
            what,
            sub.id,
            error.user_message or error,
            error.request_id,
            error.code,
        )
        raise PaymentError(refused) from None


def subscription_metadata(sub: BillableSubscription, quote: BoxPrice) -> dict[str, str]:
    """What every event about this subscription carries back (strings: Stripe's rule)."""
    return {
        "subscription_id": str(sub.id),
        "plan": sub.plan.code,
        "ship_country": quote.country_code,
        "first_month": f"{sub.first_month:%Y-%m}",
    }


def shipping_metadata(sub: BillableSubscription) -> dict[str, str]:
    """The delivery address as metadata (strings, each far under Stripe's 500 characters)."""
    return {
        "ship_name": sub.ship_name,
        "ship_line1": sub.ship_line1,
        "ship_line2": sub.ship_line2 or "",
        "ship_city": sub.ship_city,
        "ship_postcode": sub.ship_postcode or "",
    }


def client_reference(sub: BillableSubscription) -> str:
    """Never a bare number: an order's client_reference_id is its id."""
    return f"culture-box-{sub.id}"


def checkout_idempotency_key(sub: BillableSubscription) -> str:
    """One Checkout Session per pending subscription: a retried request (ours or
    stripe-python's) gets the same session. The creation time keeps the key unique even
    if a database reuses the id of a subscription rolled back after a failed attempt."""
    created = int(sub.created_at.timestamp()) if sub.created_at else 0
    return f"culture-box-{sub.id}-{created}-checkout"


def _price(amount: int, name: str, line: str, vat_percent: int, recurring: dict | None = None) -> dict:
    price: dict[str, Any] = {
        "currency": "gbp",
        "unit_amount": amount,
        # The amount is what the customer pays, VAT (if any) included.
        "tax_behavior": "inclusive",
        "product_data": {"name": name, "metadata": {"line": line, "vat_rate_percent": str(vat_percent)}},
    }
    if recurring:
        price["recurring"] = recurring
    return {"quantity": 1, "price_data": price}


def _recurring(sub: BillableSubscription) -> dict:
    return {"interval": "month", "interval_count": sub.plan.months}


def _names(sub: BillableSubscription, quote: BoxPrice) -> tuple[str, str]:
    boxes = f"{sub.plan.months} boxes" if sub.plan.months > 1 else "1 box"
    return f"Culture Box — {sub.plan.name}", f"Culture Box shipping to {quote.zone_name} ({boxes})"


def _check_total(sub: BillableSubscription, quote: BoxPrice) -> None:
    totals = quote.totals
    if (
        totals.items_pence < 0
        or totals.shipping_pence < 0
        or totals.items_pence + totals.shipping_pence != totals.total_pence
    ):
        log.error(
            "Culture Box quote for subscription %s does not add up: box %s + shipping %s != total %s",
            sub.id,
            totals.items_pence,
            totals.shipping_pence,
            totals.total_pence,
        )
        raise PaymentError(START_REFUSED)


def coupon_months(months_per_payment: int, payments: int, first_renewal_at: datetime, now: datetime) -> int:
    """Stripe's `duration_in_months` for a coupon that starts `now` and must cover `payments`
    payments: the first now, then renewals every `months_per_payment` months from
    `first_renewal_at` (each on the 1st, 09:00 UTC). It ends in the month before payment
    `payments + 1`, on the day of the month it started, so after payment `payments`."""
    excluded = first_renewal_at.year * 12 + first_renewal_at.month - 1 + (payments - 1) * months_per_payment
    return max(1, excluded - (now.year * 12 + now.month - 1) - 1)


def coupon_params(
    sub: BillableSubscription, quote: BoxPrice, *, first_renewal_at: datetime | None, now: datetime
) -> dict:
    discount = quote.discount
    duration = discount.duration if first_renewal_at is not None else "once"  # a gift is one payment
    params: dict[str, Any] = {
        "amount_off": discount.amount_pence,
        "currency": "gbp",
        "duration": duration,
        "max_redemptions": 1,
        "name": discount.code,
        "metadata": {"subscription_id": str(sub.id), "code": discount.code},
    }
    if duration == "repeating":
        params["duration_in_months"] = coupon_months(sub.plan.months, discount.payments, first_renewal_at, now)
    return params


def checkout_params(
    sub: BillableSubscription,
    quote: BoxPrice,
    *,
    first_renewal_at: datetime | None,
    success_url: str,
    cancel_url: str,
    coupon: str | None = None,
) -> dict:
    """The Checkout Session for the first payment (see the module docstring)."""
    _check_total(sub, quote)
    box, shipping = quote.totals.items_pence, quote.totals.shipping_pence
    box_name, shipping_name = _names(sub, quote)
    # An export's VAT was taken off; in the UK the box's rate, and the delivery follows it.
    vat = 0 if quote.totals.is_export else quote.vat_rate_percent
    metadata = subscription_metadata(sub, quote)
    params: dict[str, Any] = {
        "customer_email": sub.email,
        "client_reference_id": client_reference(sub),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if coupon is not None:
        params["discounts"] = [{"coupon": coupon}]
    if first_renewal_at is None:  # a gift: one payment for plan.months boxes
        metadata["purpose"] = PURPOSE_GIFT
        params.update(
            mode="payment",
            line_items=[_price(box, box_name, "box", vat)],
            shipping_options=[
                {
                    "shipping_rate_data": {
                        "type": "fixed_amount",
                        "display_name": shipping_name,
                        "fixed_amount": {"amount": shipping, "currency": "gbp"},
                        "tax_behavior": "inclusive",
                    }
                }
            ],
            metadata=metadata,
            # The shop's quoted address ships: sent for fraud checks, never asked again.
            payment_intent_data=payment_intent_data(metadata, sub),
        )
        return params
    recurring = _recurring(sub)
    line_items = [_price(box, box_name, "box", vat, recurring)]
    if shipping > 0:
        line_items.append(_price(shipping, shipping_name, "shipping", vat, recurring))
    # The first payment, charged at checkout (one-time prices go on the initial invoice only).
    line_items.append(_price(box, f"{box_name}: first payment", "first_box", vat))
    if shipping > 0:
        line_items.append(_price(shipping, f"{shipping_name}: first payment", "first_shipping", vat))
    params.update(
        mode="subscription",
        line_items=line_items,
        # Subscription mode has no payment_intent_data: the address the shop quoted rides on
        # the Stripe subscription's metadata instead (ship_*), so staff see it in Stripe.
        subscription_data={
            "trial_end": int(first_renewal_at.timestamp()),
            "metadata": {**metadata, **shipping_metadata(sub)},
        },
        metadata={**metadata, "purpose": PURPOSE_SUBSCRIPTION},
    )
    return params


class StripeSubscriptions:
    """The Culture Box side of StripeGateway (`client.v1.*` of one StripeClient)."""

    def __init__(self, client: stripe.StripeClient):
        self.client = client

    # -- the first payment ----------------------------------------------------------------

    def start(
        self,
        sub: BillableSubscription,
        quote: BoxPrice,
        *,
        first_renewal_at: datetime | None,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutRedirect:
        if first_renewal_at is not None and first_renewal_at - utcnow() < MIN_TRIAL:
            log.error(
                "Subscription %s: first renewal %s is under 48 h away; Stripe would refuse the trial_end",
                sub.id,
                first_renewal_at,
            )
            raise PaymentError(START_REFUSED)
        coupon = None
        with stripe_call("starting checkout", sub, unavailable=START_UNAVAILABLE, refused=START_REFUSED):
            if quote.discount is not None:
                coupon = self.client.v1.coupons.create(
                    params=coupon_params(sub, quote, first_renewal_at=first_renewal_at, now=utcnow()),
                    options={"idempotency_key": checkout_idempotency_key(sub).replace("-checkout", "-coupon")},
                ).id
            params = checkout_params(
                sub,
                quote,
                first_renewal_at=first_renewal_at,
                success_url=success_url,
                cancel_url=cancel_url,
                coupon=coupon,
            )
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": checkout_idempotency_key(sub)}
            )
        answer = session.to_dict()
        if not answer.get("url") or not answer.get("id"):
            log.error("Stripe answered without a session url for subscription %s", sub.id)
            raise PaymentError(START_REFUSED)
        return CheckoutRedirect(url=answer["url"], reference=answer["id"])

    # -- changes to a running subscription --------------------------------------------------

    def _linked(self, sub: BillableSubscription) -> str | None:
        """The Stripe subscription id; None for a gift (nothing recurs). A renewing plan
        whose checkout webhook has not linked it yet cannot be changed: PaymentError."""
        if not sub.plan.renews:
            return None
        if not sub.provider_subscription_id:
            raise PaymentError(NOT_LINKED)
        return sub.provider_subscription_id

    def _update(self, sub: BillableSubscription, what: str, params: dict) -> None:
        stripe_id = self._linked(sub)
        if stripe_id is None:
            return
        with stripe_call(what, sub, unavailable=CHANGE_UNAVAILABLE, refused=CHANGE_REFUSED):
            self.client.v1.subscriptions.update(stripe_id, params=params)

    @staticmethod
    def _trial_end(due_at: datetime) -> int | str:
        return int(due_at.timestamp()) if due_at > utcnow() else "now"

    def reschedule(self, sub: BillableSubscription, due_at: datetime) -> None:
        self._update(sub, "rescheduling", {"trial_end": self._trial_end(due_at), "proration_behavior": "none"})

    def pause(self, sub: BillableSubscription) -> None:
        self._update(sub, "pausing", {"pause_collection": {"behavior": "void"}})

    def resume(self, sub: BillableSubscription, due_at: datetime) -> None:
        self._update(
            sub,
            "resuming",
            {"pause_collection": "", "trial_end": self._trial_end(due_at), "proration_behavior": "none"},
        )

    def cancel_at_period_end(self, sub: BillableSubscription) -> None:
        self._update(sub, "cancelling", {"cancel_at_period_end": True})

    def keep_renewing(self, sub: BillableSubscription) -> None:
        self._update(sub, "taking back a cancellation", {"cancel_at_period_end": False})

    def change_amount(self, sub: BillableSubscription, quote: BoxPrice) -> None:
        """Re-price the box and shipping items (a new address); nothing is prorated: the
        new amounts are charged from the next renewal."""
        stripe_id = self._linked(sub)
        if stripe_id is None:
            return
        _check_total(sub, quote)
        with stripe_call("re-pricing", sub, unavailable=CHANGE_UNAVAILABLE, refused=CHANGE_REFUSED):
            current = self.client.v1.subscriptions.retrieve(
                stripe_id, params={"expand": ["items.data.price.product"]}
            ).to_dict()
            items = self._item_changes(sub, quote, current)
            self.client.v1.subscriptions.update(
                stripe_id,
                params={
                    "items": items,
                    "proration_behavior": "none",
                    "metadata": {"ship_country": quote.country_code, **shipping_metadata(sub)},
                },
            )

    def _item_changes(self, sub: BillableSubscription, quote: BoxPrice, current: dict) -> list[dict]:
        by_line: dict[str, dict] = {}
        for item in (current.get("items") or {}).get("data") or []:
            product = (item.get("price") or {}).get("product")
            line = (product.get("metadata") or {}).get("line") if isinstance(product, dict) else None
            by_line[line or (item.get("metadata") or {}).get("line") or "box"] = item
        box_item = by_line.get("box")
        if box_item is None:
            log.error("Stripe subscription %s has no box item", sub.provider_subscription_id)
            raise PaymentError(CHANGE_REFUSED)
        recurring = _recurring(sub)
        box, shipping = quote.totals.items_pence, quote.totals.shipping_pence

        def price_data(item_or_product: dict | str, amount: int) -> dict:
            if isinstance(item_or_product, dict):
                product = item_or_product["price"]["product"]
                item_or_product = product["id"] if isinstance(product, dict) else product
            return {"currency": "gbp", "product": item_or_product, "unit_amount": amount, "recurring": recurring}

        changes = [{"id": box_item["id"], "price_data": price_data(box_item, box)}]
        shipping_item = by_line.get("shipping")
        if shipping_item is not None and shipping == 0:
            changes.append({"id": shipping_item["id"], "deleted": True})
        elif shipping_item is not None:
            changes.append({"id": shipping_item["id"], "price_data": price_data(shipping_item, shipping)})
        elif shipping > 0:
            product = self.client.v1.products.create(
                params={"name": _names(sub, quote)[1], "metadata": {"line": "shipping"}},
                options={"idempotency_key": f"culture-box-{sub.id}-shipping-product-{quote.country_code}"},
            )
            changes.append({"price_data": price_data(product.id, shipping), "quantity": 1})
        return changes

    # -- the card ---------------------------------------------------------------------------

    def card_update_url(self, sub: BillableSubscription, *, return_url: str) -> str:
        """A Customer Portal session (configure the portal in the Stripe dashboard)."""
        if not sub.provider_customer_id:
            raise PaymentError(NO_CUSTOMER)
        with stripe_call("opening the customer portal", sub, unavailable=CHANGE_UNAVAILABLE, refused=CHANGE_REFUSED):
            session = self.client.v1.billing_portal.sessions.create(
                params={"customer": sub.provider_customer_id, "return_url": return_url}
            )
        return session.url
