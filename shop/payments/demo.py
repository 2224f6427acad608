"""The demo gateway: a local payment page that takes no money, for running the shop
without Stripe keys. Card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.

It drives the same order services as Stripe's webhooks (confirm_payment, fail_payment),
and it cannot run in production: DemoGateway refuses to be built when SHOP_ENV is
production or Stripe keys are set, the pages answer 404 then, and config.check_production
refuses to start a production app without STRIPE_SECRET_KEY.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..orders import services as orders
from ..orders.models import Order
from .gateway import CheckoutRedirect

if TYPE_CHECKING:
    from ..subscriptions.models import Subscription
    from ..subscriptions.pricing import BoxQuote

PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
# Stripe's test card that pays when it is given but declines every later charge: a Culture
# Box bought with it goes into arrears at its first renewal (`flask box demo-renew`).
RENEWAL_FAILS_CARD = "4000000000000341"
ACTOR = "demo-gateway"


class DemoGatewayRefused(RuntimeError):
    """The demo gateway was asked for where it must not run (production, or Stripe configured)."""


class DemoCardError(Exception):
    """The card number is not one of the demo cards; the message is safe to show."""


class CardDeclined(Exception):
    pass


def demo_allowed(config: Mapping[str, Any]) -> bool:
    return config.get("SHOP_ENV") != "production" and not config.get("STRIPE_SECRET_KEY")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="demo-payment")


class DemoGateway:
    name = "demo"

    def __init__(self, config: Mapping[str, Any]):
        if not demo_allowed(config):
            raise DemoGatewayRefused("The demo payment gateway is never used in production or when Stripe is configured")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "DemoGateway":
        return cls(config)

    def start_order_payment(self, order: Order, *, attempt: int, success_url: str, cancel_url: str) -> CheckoutRedirect:
        reference = f"demo_{order.number}_{attempt}"
        state = _serializer().dumps(
            {"number": order.number, "reference": reference, "success": success_url, "cancel": cancel_url}
        )
        return CheckoutRedirect(url=url_for("payments.demo_page", state=state), reference=reference)

    # -- the Culture Box: the demo keeps no schedule of its own. `flask box demo-renew`
    # charges whatever lifecycle.next_payment says is due, so skips, pauses, address
    # changes and cancellations need nothing from the demo "provider".

    def start_subscription_payment(
        self, sub: "Subscription", quote: "BoxQuote", *, first_renewal_at: datetime | None,
        success_url: str, cancel_url: str,
    ) -> CheckoutRedirect:
        reference = f"demo_box_{sub.id}_first"
        state = _serializer().dumps(
            {"subscription": sub.id, "reference": reference, "success": success_url, "cancel": cancel_url}
        )
        return CheckoutRedirect(url=url_for("payments.demo_box_page", state=state), reference=reference)

    def abandon_checkout(self, sub: "Subscription") -> None:
        pass  # the demo page only takes payment for a subscription still pending

    def reschedule(self, sub: "Subscription", due_at: datetime) -> None:
        pass

    def pause(self, sub: "Subscription") -> None:
        pass

    def resume(self, sub: "Subscription", due_at: datetime) -> None:
        pass

    def change_amount(self, sub: "Subscription", quote: "BoxQuote") -> None:
        pass

    def cancel_at_period_end(self, sub: "Subscription") -> None:
        pass

    def keep_renewing(self, sub: "Subscription") -> None:
        pass

    def card_update_url(self, sub: "Subscription", *, return_url: str) -> str:
        state = _serializer().dumps({"subscription": sub.id, "return": return_url})
        return url_for("payments.demo_card_page", state=state)


ORDER_STATE = frozenset({"number", "reference", "success", "cancel"})
BOX_STATE = frozenset({"subscription", "reference", "success", "cancel"})
CARD_STATE = frozenset({"subscription", "return"})


def read_state(state: str, keys: frozenset[str] = ORDER_STATE) -> dict | None:
    """What a demo page URL stands for (signed, so it cannot be forged), if it has `keys`."""
    try:
        data = _serializer().loads(state)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and keys <= data.keys() else None


def normalise_card(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "")


def pay(order: Order, card_number: str, reference: str) -> bool:
    """Charge the demo card: pays the order (and emails the customer), raises
    CardDeclined (the order is cancelled, its stock released) or DemoCardError."""
    card = normalise_card(card_number)
    if card == PAYING_CARD:
        changed = orders.confirm_payment(order, provider="demo", reference=reference, actor=ACTOR)
        if changed:
            orders.send_order_confirmation(order)  # a job, committed with the payment
        db.session.commit()
        return changed
    if card == DECLINED_CARD:
        orders.fail_payment(order, reason="card declined (demo card 4000 0000 0000 0002)", actor=ACTOR)
        db.session.commit()
        raise CardDeclined("Your card was declined, so nothing was charged.")
    raise DemoCardError(
        "This demo only knows two cards: 4242 4242 4242 4242 pays and 4000 0000 0000 0002 is declined."
    )


def abandon(order: Order) -> bool:
    """The customer left the demo payment page: the order is cancelled, its stock released."""
    return orders.cancel_unpaid(order, reason="payment abandoned on the demo payment page", actor="customer")
