"""The one small interface every payment provider implements.

Two implementations: Stripe (production, when STRIPE_SECRET_KEY is set) and the
local demo gateway (no keys, no network, refused in production). Providers import no
order or subscription code: they read what they charge through the protocols below
(which an order, a subscription and a box quote satisfy), and the areas register what
happens when money moves (shop/payments/stripe_events.py, shop/payments/demo.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

# -- what a provider reads of the things it charges for ------------------------------------


class ChargedLine(Protocol):
    name: str
    sku: str
    quantity: int
    unit_price_pence: int  # what the customer pays per unit (VAT already off for exports)
    vat_rate_percent: int  # the UK VAT rate it was sold at (20, or 0 for printed matter)


class ShipsTo(Protocol):
    """The address the shop quoted and ships to (core.addresses.AddressColumns)."""

    ship_name: str
    ship_line1: str
    ship_line2: str
    ship_city: str
    ship_postcode: str
    ship_country: str
    ship_region: str
    ship_phone: str


def shipping_details(where: ShipsTo) -> dict | None:
    """The shop's delivery address in Stripe's `shipping` shape (name, address, phone): sent
    with the payment for fraud checks, so Stripe's page never asks for an address a second
    time. None while there is no address yet (a gift its recipient has still to claim):
    Stripe refuses a shipping address without its first line."""
    if not where.ship_line1:
        return None
    address = {
        "line1": where.ship_line1,
        "line2": where.ship_line2,
        "city": where.ship_city,
        "state": where.ship_region,
        "postal_code": where.ship_postcode,
        "country": where.ship_country,
    }
    details = {"name": where.ship_name, "address": {key: value for key, value in address.items() if value}}
    if where.ship_phone:
        details["phone"] = where.ship_phone
    return details


def payment_intent_data(metadata: dict, where: ShipsTo) -> dict:
    """Checkout's payment_intent_data: the metadata, and the shipping address when there is one."""
    shipping = shipping_details(where)
    return {"metadata": metadata, "shipping": shipping} if shipping else {"metadata": metadata}


class PayableOrder(ShipsTo, Protocol):
    id: int
    number: str
    email: str
    currency: str
    shipping_method: str
    shipping_pence: int
    discount_pence: int
    total_pence: int
    payment_reference: str | None  # the provider's id of the attempt that paid (a Checkout Session)

    @property
    def is_export(self) -> bool: ...

    @property
    def lines(self) -> Sequence[ChargedLine]: ...


class BilledPlan(Protocol):
    code: str
    name: str
    months: int

    @property
    def renews(self) -> bool: ...


class BillableSubscription(ShipsTo, Protocol):
    id: int
    email: str
    created_at: datetime | None
    first_month: date
    checkout_reference: str | None
    provider_subscription_id: str | None
    provider_customer_id: str | None

    @property
    def plan(self) -> BilledPlan: ...


class PaymentTotals(Protocol):
    items_pence: int
    shipping_pence: int
    total_pence: int

    @property
    def is_export(self) -> bool: ...


class PriceDiscount(Protocol):
    """A discount code on a subscription: amount_pence off each of its first `payments`
    payments (every payment when None)."""

    code: str
    amount_pence: int
    payments: int | None

    @property
    def duration(self) -> str: ...  # "once", "repeating" or "forever", as Stripe names it


class BoxPrice(Protocol):
    """What one payment of a subscription costs, to one destination (`totals`, without a
    discount), and the discount code that comes off some payments."""

    country_code: str
    zone_name: str
    discount: PriceDiscount | None

    @property
    def totals(self) -> PaymentTotals: ...

    @property
    def vat_rate_percent(self) -> int: ...


class PaymentError(Exception):
    """The provider could not start or confirm a payment. The order stays pending and
    the cart stays; the message is safe to show to the customer."""


@dataclass(frozen=True)
class CheckoutRedirect:
    url: str  # where to send the customer to pay
    reference: str  # the provider's id for this payment attempt (e.g. a Checkout Session id)


@dataclass(frozen=True)
class RefundResult:
    settled: bool  # True: the money is back now (demo); False: the provider confirms it by webhook
    reference: str | None = None  # the provider's refund id, when it is known now


class PaymentGateway(Protocol):
    name: str

    def start_order_payment(
        self, order: PayableOrder, *, attempt: int, success_url: str, cancel_url: str
    ) -> CheckoutRedirect: ...

    def close_checkout(self, reference: str | None) -> None:
        """The customer started again (an order or a subscription): close the earlier unpaid
        attempt's payment page so it can no longer take money. Recorded in the caller's
        transaction and never raises; a page paid anyway is flagged for a refund by the
        webhook."""
        ...

    def refund(
        self, payment_reference: str, amount_pence: int, *, currency: str, idempotency_key: str, metadata: dict
    ) -> RefundResult:
        """Give back `amount_pence` of the payment `payment_reference` (what start_order_payment
        returned). The same idempotency key never refunds twice. Recorded in the caller's
        transaction (a job) where the provider is remote."""
        ...

    # -- the Culture Box ----------------------------------------------------------------
    # The shop decides (shop/subscriptions): what a payment costs (the BoxQuote), which
    # boxes it pays for, and when the next renewal is due (lifecycle.next_payment). The
    # gateway only tells the provider. Every method raises PaymentError with a message
    # safe to show when the provider refuses or cannot be reached; the caller then rolls
    # back its own change. For a gift (one payment, nothing recurring) the methods after
    # start_subscription_payment have nothing to do.

    def start_subscription_payment(
        self,
        sub: BillableSubscription,
        quote: BoxPrice,
        *,
        first_renewal_at: datetime | None,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutRedirect:
        """The first payment: quote.totals.total_pence now for the first plan.months boxes;
        then, unless it is a gift (first_renewal_at None), the same amount every plan.months
        months from first_renewal_at."""
        ...

    def reschedule(self, sub: BillableSubscription, due_at: datetime) -> None:
        """Take the next renewal at `due_at` (after a skip), or now if that has passed."""
        ...

    def pause(self, sub: BillableSubscription) -> None:
        """Collect nothing until resume()."""
        ...

    def resume(self, sub: BillableSubscription, due_at: datetime) -> None:
        """Collect again, the next renewal at `due_at` (or now if that has passed)."""
        ...

    def change_amount(self, sub: BillableSubscription, quote: BoxPrice) -> None:
        """Renewals from now on cost `quote` (a new address: other shipping zone or VAT)."""
        ...

    def cancel_at_period_end(self, sub: BillableSubscription) -> None:
        """Charge nothing more; the boxes already paid for still ship."""
        ...

    def keep_renewing(self, sub: BillableSubscription) -> None:
        """Take back cancel_at_period_end: renewals go on."""
        ...

    def card_update_url(self, sub: BillableSubscription, *, return_url: str) -> str:
        """Where the subscriber changes the card renewals are charged to (and pays what is
        overdue): the Stripe Customer Portal, or the demo's card page."""
        ...
