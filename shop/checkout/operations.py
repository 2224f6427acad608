"""Checkout operations: paying for a cart. Plain arguments in, typed errors out; they flush
and never commit (the pay view commits once).

The rules: a retry with the same cart and details pays the same pending order again (a
new attempt) instead of placing another, even when the browser never got the answer that
named it (a worker killed after committing, a lost response): the order is found by the
fingerprint stored with it; a pending order for anything else is cancelled
before the new one is placed; a line that ran out is capped at what is left.
"""

from collections.abc import Callable, MutableMapping
from dataclasses import asdict, dataclass

from ..blog.attribution import NO_TOUCH, Touches
from ..cart.services import CART_KEY
from ..orders import services as orders
from ..orders.models import Order, OrderStatus
from ..payments import CheckoutRedirect, PaymentGateway
from .services import CheckoutDetails, fingerprint, place

REPLACED = "replaced by a new checkout (cart or details changed)"

# The visitor's checkout, in their session (the cart itself is the cart's: cart.services.CART_KEY).
DETAILS_KEY = "checkout"  # the typed checkout details
PENDING_KEY = "checkout_order"  # {number, token, fingerprint} of the order being paid


@dataclass(frozen=True)
class PendingCheckout:
    """The order a visitor placed and is paying for (kept in their session)."""

    number: str
    token: str
    fingerprint: str

    @classmethod
    def from_dict(cls, data: dict | None) -> "PendingCheckout | None":
        if not data:
            return None
        return cls(str(data.get("number") or ""), str(data.get("token") or ""), str(data.get("fingerprint") or ""))

    def to_dict(self) -> dict:
        return asdict(self)


def order_to_pay(
    items: dict,
    details: CheckoutDetails,
    pending: PendingCheckout | None,
    gateway: PaymentGateway,
    *,
    user_id: int | None = None,
    touches: Touches = NO_TOUCH,
) -> tuple[Order, PendingCheckout]:
    """The order to pay for `items` and `details`: the pending one this visitor already
    placed for the same cart and details, or a new one crediting the blog posts in
    `touches` (a pending order for anything else is cancelled first, its payment page
    closed). Raises CartNotReady, ShippingError, DiscountError or orders.OutOfStock: the
    caller rolls back, and the old pending order is as it was."""
    wanted = fingerprint(items, details)
    order = _reusable(pending, wanted, gateway) or orders.pending_order_for(wanted)
    if order is None:
        order = place(items, details, user_id=user_id, touches=touches)
    return order, PendingCheckout(order.number, order.access_token, wanted)


def _reusable(pending: PendingCheckout | None, wanted: str, gateway: PaymentGateway) -> Order | None:
    if pending is None:
        return None
    order = orders.order_for_token(pending.number, pending.token)
    if order is None or not order.is_pending:
        return None
    if pending.fingerprint == wanted:
        return order
    orders.fail_payment(order, reason=REPLACED, actor="customer")
    gateway.close_checkout(order.payment_reference)
    return None


def waiting_order(items: dict, details: CheckoutDetails, pending: PendingCheckout | None) -> Order | None:
    """The order this visitor placed for exactly this cart and these details, still waiting
    for payment: Pay will pay it again (a new attempt), under the same order number."""
    if pending is None or pending.fingerprint != fingerprint(items, details):
        return None
    order = orders.order_for_token(pending.number, pending.token)
    return order if order is not None and order.is_pending else None


def start_payment(
    order: Order, gateway: PaymentGateway, *, urls: Callable[[Order], tuple[str, str]]
) -> CheckoutRedirect:
    """Count a new attempt and open the provider's payment page; `urls(order)` gives the
    (success, cancel) pages. The earlier attempt's page is closed, so a customer who pays
    twice (a second tab, the back button) cannot be charged twice. Raises PaymentError when
    the provider refuses."""
    earlier = order.payment_reference if order.payment_provider == gateway.name else None
    attempt = orders.begin_payment_attempt(order, provider=gateway.name)
    success_url, cancel_url = urls(order)
    redirect = gateway.start_order_payment(order, attempt=attempt, success_url=success_url, cancel_url=cancel_url)
    orders.record_payment_reference(order, redirect.reference)
    if earlier and earlier != redirect.reference:
        gateway.close_checkout(earlier)
    return redirect


def cap_to_stock(items: dict, variant_id: int, available: int) -> dict:
    """The cart with the line that ran out cut down to what is left (or removed)."""
    capped = dict(items)
    key = str(variant_id)
    if key in capped:
        if available > 0:
            capped[key] = min(capped[key], available)
        else:
            capped.pop(key)
    return capped


def reconcile_checkout(state: MutableMapping) -> None:
    """Once the order being paid is paid, the cart and details have done their job;
    once it is cancelled or expired, forget it (the cart and details stay). `state` is
    the visitor's session (any mapping); the cart and checkout pages call this first."""
    pending = state.get(PENDING_KEY)
    if not pending:
        return
    status = orders.order_status(pending.get("number", ""))
    if status is None or status in orders.RELEASING:
        state.pop(PENDING_KEY, None)
    elif status is not OrderStatus.PENDING_PAYMENT:
        for key in (PENDING_KEY, CART_KEY, DETAILS_KEY):
            state.pop(key, None)
