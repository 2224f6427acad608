"""The one small interface every payment provider implements.

Two implementations: Stripe (production, when STRIPE_SECRET_KEY is set) and the
local demo gateway (no keys, no network, refused in production). Both drive the
same order services, so the rest of the shop never knows which one took the money.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..orders.models import Order
    from ..subscriptions.models import Subscription
    from ..subscriptions.pricing import BoxQuote


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

    # -- the Culture Box ----------------------------------------------------------------
    # The shop decides (shop/subscriptions): what a payment costs (the BoxQuote), which
    # boxes it pays for, and when the next renewal is due (lifecycle.next_payment). The
    # gateway only tells the provider. Every method raises PaymentError with a message
    # safe to show when the provider refuses or cannot be reached; the caller then rolls
    # back its own change. For a gift (one payment, nothing recurring) the methods after
    # start_subscription_payment have nothing to do.

    def start_subscription_payment(
        self, sub: "Subscription", quote: "BoxQuote", *, first_renewal_at: datetime | None,
        success_url: str, cancel_url: str,
    ) -> CheckoutRedirect:
        """The first payment: quote.totals.total_pence now for the first plan.months boxes;
        then, unless it is a gift (first_renewal_at None), the same amount every plan.months
        months from first_renewal_at."""
        ...

    def abandon_checkout(self, sub: "Subscription") -> None:
        """The customer started again: close this unpaid attempt's payment page so it can no
        longer take money. Best effort: never raises (a page paid anyway is flagged for a
        refund by the webhook)."""
        ...

    def reschedule(self, sub: "Subscription", due_at: datetime) -> None:
        """Take the next renewal at `due_at` (after a skip), or now if that has passed."""
        ...

    def pause(self, sub: "Subscription") -> None:
        """Collect nothing until resume()."""
        ...

    def resume(self, sub: "Subscription", due_at: datetime) -> None:
        """Collect again, the next renewal at `due_at` (or now if that has passed)."""
        ...

    def change_amount(self, sub: "Subscription", quote: "BoxQuote") -> None:
        """Renewals from now on cost `quote` (a new address: other shipping zone or VAT)."""
        ...

    def cancel_at_period_end(self, sub: "Subscription") -> None:
        """Charge nothing more; the boxes already paid for still ship."""
        ...

    def keep_renewing(self, sub: "Subscription") -> None:
        """Take back cancel_at_period_end: renewals go on."""
        ...

    def card_update_url(self, sub: "Subscription", *, return_url: str) -> str:
        """Where the subscriber changes the card renewals are charged to (and pays what is
        overdue): the Stripe Customer Portal, or the demo's card page."""
        ...
