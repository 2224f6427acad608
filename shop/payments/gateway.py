"""The one small interface every payment provider implements.

Two implementations: Stripe (production, when STRIPE_SECRET_KEY is set) and the
local demo gateway (no keys, no network, refused in production). Both drive the
same order services, so the rest of the shop never knows which one took the money.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..orders.models import Order


class PaymentError(Exception):
    """The provider could not start or confirm a payment. The order stays pending and
    the cart stays; the message is safe to show to the customer."""


@dataclass(frozen=True)
class CheckoutRedirect:
    url: str  # where to send the customer to pay
    reference: str  # the provider's id for this payment attempt (e.g. a Checkout Session id)


class PaymentGateway(Protocol):
    name: str

    def start_order_payment(
        self, order: "Order", *, attempt: int, success_url: str, cancel_url: str
    ) -> CheckoutRedirect: ...
