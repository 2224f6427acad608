"""The demo gateway: a local payment page that takes no money, for running the shop
without Stripe keys. Card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.

It drives the same order services as Stripe's webhooks (confirm_payment, fail_payment),
and it cannot run in production: DemoGateway refuses to be built when SHOP_ENV is
production or Stripe keys are set, the pages answer 404 then, and config.check_production
refuses to start a production app without STRIPE_SECRET_KEY.
"""

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..orders import services as orders
from ..orders.models import Order
from .gateway import CheckoutRedirect

PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
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


def read_state(state: str) -> dict | None:
    """The payment attempt a demo page URL stands for (signed, so it cannot be forged)."""
    try:
        data = _serializer().loads(state)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and {"number", "reference", "success", "cancel"} <= data.keys() else None


def normalise_card(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "")


def pay(order: Order, card_number: str, reference: str) -> bool:
    """Charge the demo card: pays the order (and emails the customer), raises
    CardDeclined (the order is cancelled, its stock released) or DemoCardError."""
    card = normalise_card(card_number)
    if card == PAYING_CARD:
        changed = orders.confirm_payment(order, provider="demo", reference=reference, actor=ACTOR)
        db.session.commit()
        if changed:
            orders.send_order_confirmation(order)
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
