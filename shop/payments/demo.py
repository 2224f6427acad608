"""The demo gateway: a local payment page that takes no money, for running the shop
without Stripe keys. Card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, and
(for the Culture Box) 4000 0000 0000 0341 pays now and declines every renewal.

Like Stripe's hosted page, the demo knows cards, amounts and where to send the customer
back, not what an order or a subscription is: each area registers a `DemoSale` for its
purpose (shop/orders/demo_sales.py, shop/subscriptions/demo_sales.py) that describes what
is being paid and applies the outcome through the same services as Stripe's webhooks.

It cannot run in production: DemoGateway refuses to be built when SHOP_ENV is production
or Stripe keys are set, the pages answer 404 then, and config.check_production refuses to
start a production app without STRIPE_SECRET_KEY.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from .gateway import BillableSubscription, BoxPrice, CheckoutRedirect, PayableOrder, RefundResult

PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
# Stripe's test card that pays when it is given but declines every later charge: a Culture
# Box bought with it goes into arrears at its first renewal (`flask box demo-renew`).
RENEWAL_FAILS_CARD = "4000000000000341"
CARD_PREFIX = "demo_card_"  # the demo's "customer": which card pays renewals
ACTOR = "demo-gateway"

# What a demo page URL is for (the `purpose` in its signed state).
ORDER = "order"
BOX = "culture_box"
CARD = "culture_box_card"

DECLINED_MESSAGE = "Your card was declined, so nothing was charged."


class DemoGatewayRefused(RuntimeError):
    """The demo gateway was asked for where it must not run (production, or Stripe configured)."""


class DemoCardError(Exception):
    """The card number is not one of the demo cards; the message is safe to show."""


class CardDeclined(Exception):
    pass


@dataclass(frozen=True)
class DemoPurchase:
    """What a demo payment page shows, as the area that sells it describes it."""

    title: str  # e.g. "Order IMK-7Q2K" or "Culture Box, Monthly"
    amount_pence: int
    payable: bool  # False once paid or ended: the page sends the customer on
    then: str = ""  # what recurs after this payment, e.g. ", then the same every month"
    overdue: bool = False  # the card page: a renewal is waiting for the new card
    saves_card: bool = False  # the card is kept for renewals (so the card that fails at renewal is taken)
    retry_url: str | None = None  # where a declined card sends the customer (default: back)
    retry_note: str = ""  # what the customer keeps after a declined card


class DemoSale(Protocol):
    """What an area does when the demo takes (or refuses) money for its purpose. Each
    method flushes, never commits: the page's request commits once."""

    def purchase(self, subject_id: int) -> DemoPurchase | None: ...

    def pay(self, subject_id: int, *, reference: str, card: str) -> bool:
        """The card paid. Returns whether this changed anything (a repeat does not)."""
        ...

    def decline(self, subject_id: int, *, reason: str) -> None: ...

    def abandon(self, subject_id: int) -> bool: ...


SALES: dict[str, DemoSale] = {}


def register(purpose: str, sale: DemoSale) -> None:
    SALES[purpose] = sale


def sale_for(purpose: str) -> DemoSale | None:
    return SALES.get(purpose)


def demo_allowed(config: Mapping[str, Any]) -> bool:
    return config.get("SHOP_ENV") != "production" and not config.get("STRIPE_SECRET_KEY")


# -- cards --------------------------------------------------------------------------------


def normalise_card(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "")


def accept_card(number: str, *, renewing: bool = False) -> str:
    """The card, if it pays now; CardDeclined or DemoCardError (safe to show) if not.
    `renewing`: the card is kept for renewals, so the card that fails at renewal is taken too."""
    card = normalise_card(number)
    if card == DECLINED_CARD:
        raise CardDeclined(DECLINED_MESSAGE)
    if card == PAYING_CARD or (renewing and card == RENEWAL_FAILS_CARD):
        return card
    if renewing:
        raise DemoCardError(
            "This demo knows three cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0341 pays now but "
            "fails at renewal, and 4000 0000 0000 0002 is declined."
        )
    raise DemoCardError("This demo only knows two cards: 4242 4242 4242 4242 pays and 4000 0000 0000 0002 is declined.")


def customer_reference(card: str) -> str:
    """What the shop keeps to charge renewals to (Stripe keeps a Customer; the demo, a card)."""
    return CARD_PREFIX + card[-4:]


def renewal_pays(reference: str | None) -> bool:
    """Whether a renewal charged to this saved demo card goes through."""
    return reference != customer_reference(RENEWAL_FAILS_CARD)


# -- page URLs: signed, so they cannot be forged ---------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="demo-payment")


PAGE_STATE = frozenset({"purpose", "subject", "reference", "success", "cancel"})
CARD_STATE = frozenset({"purpose", "subject", "return"})


def read_state(state: str, keys: frozenset[str] = PAGE_STATE) -> dict | None:
    """What a demo page URL stands for, if it is genuine and has `keys`."""
    try:
        data = _serializer().loads(state)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and keys <= data.keys() else None


def _page(
    endpoint: str, purpose: str, subject_id: int, reference: str, success_url: str, cancel_url: str
) -> CheckoutRedirect:
    state = _serializer().dumps(
        {
            "purpose": purpose,
            "subject": subject_id,
            "reference": reference,
            "success": success_url,
            "cancel": cancel_url,
        }
    )
    return CheckoutRedirect(url=url_for(endpoint, state=state), reference=reference)


class DemoGateway:
    name = "demo"

    def __init__(self, config: Mapping[str, Any]):
        if not demo_allowed(config):
            raise DemoGatewayRefused(
                "The demo payment gateway is never used in production or when Stripe is configured"
            )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "DemoGateway":
        return cls(config)

    def start_order_payment(
        self, order: PayableOrder, *, attempt: int, success_url: str, cancel_url: str
    ) -> CheckoutRedirect:
        return _page("payments.demo_page", ORDER, order.id, f"demo_{order.number}_{attempt}", success_url, cancel_url)

    # -- the Culture Box: the demo keeps no schedule of its own. `flask box demo-renew`
    # charges whatever the subscription says is due, so skips, pauses, address changes
    # and cancellations need nothing from the demo "provider".

    def start_subscription_payment(
        self,
        sub: BillableSubscription,
        quote: BoxPrice,
        *,
        first_renewal_at: datetime | None,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutRedirect:
        return _page("payments.demo_box_page", BOX, sub.id, f"demo_box_{sub.id}_first", success_url, cancel_url)

    def close_checkout(self, reference: str | None) -> None:
        pass  # a demo page takes payment only for what is still waiting for it

    def refund(
        self, payment_reference: str, amount_pence: int, *, currency: str, idempotency_key: str, metadata: dict
    ) -> RefundResult:
        # No money moved, so none moves back: the refund is recorded as done at once, under
        # the key, so the same key is the same refund.
        return RefundResult(settled=True, reference=f"demo_refund_{idempotency_key}")

    def reschedule(self, sub: BillableSubscription, due_at: datetime) -> None:
        pass

    def pause(self, sub: BillableSubscription) -> None:
        pass

    def resume(self, sub: BillableSubscription, due_at: datetime) -> None:
        pass

    def change_amount(self, sub: BillableSubscription, quote: BoxPrice) -> None:
        pass

    def cancel_at_period_end(self, sub: BillableSubscription) -> None:
        pass

    def keep_renewing(self, sub: BillableSubscription) -> None:
        pass

    def card_update_url(self, sub: BillableSubscription, *, return_url: str) -> str:
        state = _serializer().dumps({"purpose": CARD, "subject": sub.id, "return": return_url})
        return url_for("payments.demo_card_page", state=state)
