"""Stripe Checkout for one-off orders, through stripe-python's StripeClient.

The Checkout Session is built ONLY from the order's own snapshot (its lines, shipping,
discount and totals in pence), never from anything the browser sent:

- one line item per order line: `price_data` in the order's currency with
  `unit_amount` = the line's unit_price_pence (VAT already removed for exports);
- shipping as one `shipping_options` entry with `shipping_rate_data` of type
  fixed_amount = the order's shipping_pence, named after the shipping method;
- the discount as a one-off coupon (`amount_off` in pence, duration once,
  max_redemptions 1) created for this payment attempt and attached with `discounts`.
  Stripe applies a coupon to the line items only, so a discount larger than the items
  (e.g. free shipping expressed as a discount) takes the rest off the shipping rate;
  before calling Stripe the gateway checks that items - coupon + shipping equals the
  order's total_pence exactly, and refuses (PaymentError) if it does not.

Every request for one payment attempt carries an idempotency key derived from the order
and the attempt number, so a retried request (ours or stripe-python's own network retries)
never creates a second session or coupon, and attempt 2 gets a fresh session.
"""

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import stripe

from .gateway import (
    BillableSubscription,
    BoxPrice,
    CheckoutRedirect,
    PayableOrder,
    PaymentError,
    RefundResult,
    payment_intent_data,
)
from .stripe_client import stripe_client
from .stripe_jobs import create_refund_later, expire_checkout_later
from .stripe_subscriptions import StripeSubscriptions

log = logging.getLogger(__name__)

ACTOR = "stripe"

UNAVAILABLE_MESSAGE = (
    "We couldn't reach our card payment provider just now, so nothing has been charged. "
    "Your order and your basket are saved: please try again in a moment."
)
REFUSED_MESSAGE = (
    "Our card payment provider couldn't start this payment, so nothing has been charged. "
    "Your order and your basket are saved: please try again, or contact us if it keeps happening."
)


def idempotency_key(order: PayableOrder, attempt: int, purpose: str = "session") -> str:
    base = f"order-{order.id}-attempt-{attempt}"
    return base if purpose == "session" else f"{base}-{purpose}"


def order_metadata(order: PayableOrder) -> dict[str, str]:
    """What Stripe hands back on every event about this order (ids as strings: Stripe's rule)."""
    return {"order_id": str(order.id), "order_number": order.number}


def amounts_for(order: PayableOrder) -> tuple[int, int, int]:
    """(items, coupon, shipping) in pence as Stripe will charge them, checked against the total."""
    items = sum(line.unit_price_pence * line.quantity for line in order.lines)
    discount = order.discount_pence or 0
    coupon = min(discount, items)
    shipping = order.shipping_pence - (discount - coupon)
    if shipping < 0 or items - coupon + shipping != order.total_pence:
        log.error(
            "Order %s does not add up for Stripe: items %s - discount %s + shipping %s != total %s",
            order.number,
            items,
            discount,
            order.shipping_pence,
            order.total_pence,
        )
        raise PaymentError(REFUSED_MESSAGE)
    return items, coupon, shipping


def vat_percent(order: PayableOrder, line) -> int:
    """The UK VAT rate inside a line's amount: none for an export, whose VAT was taken off."""
    return 0 if order.is_export else line.vat_rate_percent


class StripeGateway:
    """`PaymentGateway` on Stripe Checkout (orders: mode=payment) and Stripe Billing (the
    Culture Box: shop/payments/stripe_subscriptions.py)."""

    name = "stripe"

    def __init__(self, client: stripe.StripeClient):
        self.client = client
        self.subscriptions = StripeSubscriptions(client)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, http_client: stripe.HTTPClient | None = None) -> "StripeGateway":
        """A gateway from the app's settings (see stripe_client)."""
        return cls(stripe_client(config, http_client=http_client))

    # -- the PaymentGateway interface -------------------------------------------------

    def start_order_payment(
        self, order: PayableOrder, *, attempt: int, success_url: str, cancel_url: str
    ) -> CheckoutRedirect:
        """Create the Checkout Session for this attempt; the customer is sent to its URL."""
        _, coupon_pence, _ = amounts_for(order)
        try:
            coupon_id = self._create_coupon(order, attempt, coupon_pence) if coupon_pence else None
            params = self.session_params(order, success_url=success_url, cancel_url=cancel_url, coupon_id=coupon_id)
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key(order, attempt)}
            )
        except stripe.APIConnectionError:
            log.exception("Stripe unreachable or timed out starting payment for order %s", order.number)
            raise PaymentError(UNAVAILABLE_MESSAGE) from None
        except stripe.StripeError as error:
            log.error(
                "Stripe refused to start payment for order %s: %s (request %s, code %s)",
                order.number,
                error.user_message or error,
                error.request_id,
                error.code,
            )
            raise PaymentError(REFUSED_MESSAGE) from None
        answer = session.to_dict()
        if not answer.get("url") or not answer.get("id"):
            log.error("Stripe answered without a session url for order %s", order.number)
            raise PaymentError(REFUSED_MESSAGE)
        return CheckoutRedirect(url=answer["url"], reference=answer["id"])

    def refund(
        self, payment_reference: str, amount_pence: int, *, currency: str, idempotency_key: str, metadata: dict
    ) -> RefundResult:
        """A Stripe Refund, made by the worker once this transaction commits (retried until
        Stripe answers, under one idempotency key); charge.refunded then records it."""
        if not payment_reference:
            raise PaymentError("This order has no Stripe payment to refund.")
        create_refund_later(payment_reference, amount_pence, idempotency_key=idempotency_key, metadata=metadata)
        return RefundResult(settled=False)

    # -- the Culture Box (see stripe_subscriptions.py for the billing-day rule) ----------

    def start_subscription_payment(
        self,
        sub: BillableSubscription,
        quote: BoxPrice,
        *,
        first_renewal_at: datetime | None,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutRedirect:
        return self.subscriptions.start(
            sub, quote, first_renewal_at=first_renewal_at, success_url=success_url, cancel_url=cancel_url
        )

    def close_checkout(self, reference: str | None) -> None:
        """Expire an unpaid attempt's Checkout Session (a job, retried while Stripe cannot be
        reached; Stripe then sends checkout.session.expired)."""
        if reference:
            expire_checkout_later(reference)

    def reschedule(self, sub: BillableSubscription, due_at: datetime) -> None:
        self.subscriptions.reschedule(sub, due_at)

    def pause(self, sub: BillableSubscription) -> None:
        self.subscriptions.pause(sub)

    def resume(self, sub: BillableSubscription, due_at: datetime) -> None:
        self.subscriptions.resume(sub, due_at)

    def change_amount(self, sub: BillableSubscription, quote: BoxPrice) -> None:
        self.subscriptions.change_amount(sub, quote)

    def cancel_at_period_end(self, sub: BillableSubscription) -> None:
        self.subscriptions.cancel_at_period_end(sub)

    def keep_renewing(self, sub: BillableSubscription) -> None:
        self.subscriptions.keep_renewing(sub)

    def card_update_url(self, sub: BillableSubscription, *, return_url: str) -> str:
        return self.subscriptions.card_update_url(sub, return_url=return_url)

    # -- building blocks --------------------------------------------------------------

    @staticmethod
    def session_params(order: PayableOrder, *, success_url: str, cancel_url: str, coupon_id: str | None) -> dict:
        """The Checkout Session, from the order's snapshot only."""
        currency = order.currency.lower()
        _, _, shipping_pence = amounts_for(order)
        metadata = order_metadata(order)
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": line.unit_price_pence,
                        # The amount is what the customer pays, VAT (if any) included.
                        "tax_behavior": "inclusive",
                        "product_data": {
                            "name": line.name,
                            "metadata": {"sku": line.sku, "vat_rate_percent": str(vat_percent(order, line))},
                        },
                    },
                }
                for line in order.lines
            ],
            "shipping_options": [
                {
                    "shipping_rate_data": {
                        "type": "fixed_amount",
                        "display_name": order.shipping_method,
                        "fixed_amount": {"amount": shipping_pence, "currency": currency},
                        "tax_behavior": "inclusive",
                    }
                }
            ],
            "customer_email": order.email,
            "client_reference_id": str(order.id),
            "metadata": metadata,
            # The address the shop quoted is the one that ships: Stripe's page must not ask
            # for another; it is sent with the payment for Stripe's fraud checks.
            "payment_intent_data": payment_intent_data(metadata, order),
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if coupon_id:
            params["discounts"] = [{"coupon": coupon_id}]
        return params

    def _create_coupon(self, order: PayableOrder, attempt: int, amount_pence: int) -> str:
        coupon = self.client.v1.coupons.create(
            params={
                "amount_off": amount_pence,
                "currency": order.currency.lower(),
                "duration": "once",
                "max_redemptions": 1,
                "name": f"Discount on order {order.number}"[:40],
                "metadata": order_metadata(order),
            },
            options={"idempotency_key": idempotency_key(order, attempt, "coupon")},
        )
        return coupon.id

    def payment_intent_metadata(self, payment_intent_id: str) -> dict[str, str]:
        """The metadata on a PaymentIntent (used when a charge event is the first the shop
        hears of a payment). Stripe errors propagate: the webhook answers 500 and Stripe retries."""
        intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        return dict(intent.to_dict().get("metadata") or {})
