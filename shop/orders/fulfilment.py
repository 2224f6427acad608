"""What the shop does with a paid order: pack it, ship it (with the carrier's tracking
number, emailed to the customer), cancel it (its stock back on the shelf) and refund it in
full or in part through the provider that took the money.

Every status change goes through services.transition; nothing here commits.

Refunds are safe to press twice. The page that asks for one carries what had already been
asked for when it was shown (`seen_pence`); a refund is only made if that is still so, and
the idempotency key given to the provider is built from it. A second press of the same
button (or a retried request) finds the first refund already recorded and refunds nothing,
and the provider, given the same key, would not refund twice either.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from ..core.carriers import CarrierError, clean_tracking_number, find_carrier, tracking_url
from ..core.money import format_money
from ..db_types import utcnow
from ..extensions import db
from ..notifications import send_email
from ..payments import PaymentError, get_gateway
from . import services
from .models import Order, OrderEvent, OrderStatus
from .services import OrderError, order_link, record_event, transition

S = OrderStatus
# Statuses in which the goods are still in the shop: cancelling puts them back in stock.
CANCELLABLE = frozenset({S.PENDING_PAYMENT, S.PAID, S.PACKED})
REFUND_REQUESTED = "refund_requested"


class FulfilmentError(OrderError):
    """An order cannot be packed, shipped, cancelled or refunded as asked; safe to show."""


# ---- packing and shipping -----------------------------------------------------------------


def mark_packed(order: Order, *, actor: str) -> OrderEvent:
    if order.status is not S.PAID:
        raise FulfilmentError(f"Order {order.number} is {order.status.label.lower()}: only a paid order is packed.")
    return transition(order, S.PACKED, actor=actor, reason="packed")


def mark_shipped(order: Order, *, carrier: str, tracking_number: str, actor: str) -> OrderEvent:
    """Paid or packed → shipped with the carrier and its tracking number; the customer is
    emailed the tracking link. A paid order is packed on the way."""
    if order.status not in (S.PAID, S.PACKED):
        raise FulfilmentError(
            f"Order {order.number} is {order.status.label.lower()}: only a paid or packed order is shipped."
        )
    try:
        found = find_carrier(carrier)
        number = clean_tracking_number(tracking_number)
    except CarrierError as exc:
        raise FulfilmentError(str(exc)) from None
    if order.status is S.PAID:
        transition(order, S.PACKED, actor=actor, reason="packed")
    order.carrier, order.tracking_number, order.shipped_at = found.code, number, utcnow()
    entry = transition(order, S.SHIPPED, actor=actor, reason=f"{found.name} {number}")
    entry.reference = number
    db.session.flush()
    send_email(
        order.email,
        f"Your Inspire Me Korea order {order.number} is on its way",
        "order_shipped",
        order=order,
        carrier=found,
        tracking_url=tracking_url(found.code, number),
        order_url=order_link(order),
    )
    return entry


# ---- cancelling ---------------------------------------------------------------------------


def cancel(order: Order, *, reason: str, actor: str) -> OrderEvent:
    """Cancel an order that has not left the shop: its stock and discount use are given
    back (by the transition), a paid order is refunded in full, and the customer is told."""
    if order.status not in CANCELLABLE:
        raise FulfilmentError(
            f"Order {order.number} is {order.status.label.lower()}: only an order that has not shipped is cancelled."
        )
    reason = (reason or "").strip() or "cancelled by the shop"
    was_paid = order.status is not S.PENDING_PAYMENT
    seen = requested_pence(order)
    entry = transition(order, S.CANCELLED, actor=actor, reason=reason)
    refund = None
    if was_paid and refundable_pence(order) > 0:
        refund = request_refund(
            order,
            refundable_pence(order),
            seen_pence=seen,
            reason=f"order cancelled: {reason}",
            actor=actor,
            email=False,
        )
    send_email(
        order.email,
        f"Your Inspire Me Korea order {order.number} is cancelled",
        "order_cancelled",
        order=order,
        reason=reason,
        refund=refund,
        order_url=order_link(order),
    )
    return entry


# ---- refunds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refund:
    amount_pence: int
    settled: bool  # the money is back now (demo); else the provider confirms it by webhook
    key: str


def requested_pence(order: Order) -> int:
    """What the shop has asked the provider to refund on this order so far."""
    return db.session.scalar(
        select(func.coalesce(func.sum(OrderEvent.amount_pence), 0)).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == REFUND_REQUESTED
        )
    )


def refundable_pence(order: Order) -> int:
    """What can still be refunded: the total less what was refunded or asked for (a refund
    made in Stripe's dashboard counts too, through charge.refunded)."""
    if order.paid_at is None:
        return 0
    return max(0, order.total_pence - max(requested_pence(order), services.refunded_pence(order)))


def refund_key(order: Order, seen_pence: int) -> str:
    return f"order-{order.id}-refund-after-{seen_pence}"


def request_refund(
    order: Order, amount_pence: int, *, seen_pence: int, reason: str, actor: str, email: bool = True
) -> Refund:
    """Refund `amount_pence` of a paid order through the provider that took the money.
    `seen_pence` is requested_pence(order) as the admin's page showed it: if more has been
    asked for since (a second press, another admin), nothing is refunded."""
    if order.paid_at is None or order.payment_provider is None:
        raise FulfilmentError(f"Order {order.number} was never paid: there is nothing to refund.")
    if requested_pence(order) != seen_pence:
        raise FulfilmentError(
            f"Order {order.number} has had a refund since this page was opened, so nothing more was refunded. "
            "Check its history before refunding again."
        )
    available = refundable_pence(order)
    if not 0 < amount_pence <= available:
        raise FulfilmentError(
            f"A refund on order {order.number} must be between {format_money(1)} and {format_money(available)}."
            if available
            else f"Order {order.number} is refunded in full already."
        )
    gateway = get_gateway()
    if gateway.name != order.payment_provider:
        raise FulfilmentError(
            f"Order {order.number} was paid through {order.payment_provider}, which this shop is not "
            "running now: refund it there."
        )
    key = refund_key(order, seen_pence)
    reason = (reason or "").strip()
    record_event(order, REFUND_REQUESTED, actor=actor, reason=reason, reference=key, amount_pence=amount_pence)
    try:
        result = gateway.refund(
            order.payment_reference or "",
            amount_pence,
            currency=order.currency,
            idempotency_key=key,
            metadata={"order_id": str(order.id), "order_number": order.number},
        )
    except PaymentError as exc:
        raise FulfilmentError(str(exc)) from None
    if result.settled:
        services.record_refund(order, amount_pence=amount_pence, reference=result.reference or key, actor=actor)
    if email:
        send_email(
            order.email,
            f"A refund on your Inspire Me Korea order {order.number}",
            "order_refunded",
            order=order,
            amount_pence=amount_pence,
            reason=reason,
            order_url=order_link(order),
        )
    return Refund(amount_pence=amount_pence, settled=result.settled, key=key)
