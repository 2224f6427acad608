"""Orders: placing one (snapshot + stock reservation), moving it through its states, and
the functions payment providers call.

Every status change goes through `transition()`, which checks the allowed-moves map,
writes an OrderEvent, and does what entering the new state means (releasing the reserved
stock and discount use when an unpaid order is cancelled or expires). The payment
functions (`confirm_payment`, `fail_payment`, `expire_order`, `record_refund`) are
conditional and idempotent: a repeat returns False and changes nothing.

Nothing here commits: every function flushes, and the edge that called it (a request, a
webhook delivery, a CLI command, a job) commits once, so its own record (e.g. the
processed webhook event) commits together with the effect, or rolls everything back.
"""

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import ANONYMISED_EMAIL, ANONYMISED_LINE, ANONYMISED_NAME
from ..catalog.models import Variant
from ..core.addresses import PostalAddress
from ..db_types import utcnow
from ..discounts import services as discounts
from ..discounts.models import DiscountCode
from ..extensions import db
from ..notifications import build_message, composer, send_email_later, stable_message_id
from .models import Order, OrderEvent, OrderLine, OrderStatus, VatTreatment

log = logging.getLogger(__name__)

S = OrderStatus
ALLOWED_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    # A paid order the shop cancels before it ships is refunded (orders.fulfilment.cancel).
    S.PAID: frozenset({S.PACKED, S.CANCELLED, S.REFUNDED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REFUNDED: frozenset(),
}
# Ending an order before it ships gives back the stock and the discount use it reserved.
RELEASING = frozenset({S.CANCELLED, S.EXPIRED})
PAID_OR_LATER = frozenset({S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.REFUNDED})

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out


class OrderError(Exception):
    """An order operation cannot be done; the message is safe to show."""


class IllegalTransition(OrderError):
    pass


class ConcurrentUpdate(IllegalTransition):
    """Another process moved the order first."""


class OutOfStock(OrderError):
    def __init__(self, message: str, *, variant_id: int, available: int):
        super().__init__(message)
        self.variant_id = variant_id
        self.available = available


# --- The state machine ------------------------------------------------------------------


def can_move(from_status: OrderStatus, to: OrderStatus) -> bool:
    return to in ALLOWED_MOVES[from_status]


def transition(order: Order, to: OrderStatus, *, actor: str, reason: str = "") -> OrderEvent:
    """The one way an order's status changes (flushes, does not commit). On
    ConcurrentUpdate the session needs rolling back (to a savepoint, or by the edge)."""
    current, number = order.status, order.number  # read now: a failed flush expires them
    if not can_move(current, to):
        raise IllegalTransition(f"Order {number} cannot go from {current.value} to {to.value}.")
    try:
        if to in RELEASING:  # reachable only before shipping: the goods are still here
            release_reservations(order)
        if to is S.PAID:
            order.paid_at = utcnow()
        order.status = to
        entry = _add_event(
            order, kind="status", from_status=current.value, to_status=to.value, actor=actor, reason=reason
        )
        db.session.flush()
    except StaleDataError as error:
        raise ConcurrentUpdate(f"Order {number} was changed by someone else; try again.") from error
    return entry


def record_event(
    order: Order,
    kind: str,
    *,
    actor: str,
    reason: str = "",
    reference: str | None = None,
    amount_pence: int | None = None,
) -> OrderEvent:
    entry = _add_event(order, kind=kind, actor=actor, reason=reason, reference=reference, amount_pence=amount_pence)
    db.session.flush()
    return entry


def _add_event(order: Order, **values) -> OrderEvent:
    """Add an event row without loading the order's history: setting its order appends it
    to `order.events` if that is loaded, and is a pending append if not (a payment webhook
    never reads the history, so it is not read)."""
    entry = OrderEvent(order=order, **values)
    db.session.add(entry)
    return entry


# --- Stock ------------------------------------------------------------------------------


def reserve_stock(variant_id: int, quantity: int) -> bool:
    """Take `quantity` off a variant's stock if (and only if) that many are there.
    One conditional UPDATE: concurrent buyers queue on the row and can never take the
    stock below zero."""
    result = db.session.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.stock >= quantity)
        .values(stock=Variant.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    _forget_stock(variant_id)
    return result.rowcount == 1


def release_stock(variant_id: int, quantity: int) -> None:
    db.session.execute(
        update(Variant)
        .where(Variant.id == variant_id)
        .values(stock=Variant.stock + quantity)
        .execution_options(synchronize_session=False)
    )
    _forget_stock(variant_id)


def _forget_stock(variant_id: int) -> None:
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Variant) and obj.id == variant_id:
            db.session.expire(obj, ["stock"])


def release_reservations(order: Order) -> None:
    for line in order.lines:
        if line.variant_id is not None:
            release_stock(line.variant_id, line.quantity)
    discounts.release(order.id)


# --- Placing an order -------------------------------------------------------------------


@dataclass(frozen=True)
class NewLine:
    variant_id: int
    name: str
    sku: str
    catalogue_price_pence: int
    unit_price_pence: int
    quantity: int
    vat_pence: int
    customs_description: str
    hs_code: str
    origin_country: str
    weight_g: int
    free_shipping: bool
    vat_rate_percent: int = 20


@dataclass(frozen=True)
class NewOrder:
    """Everything an order's snapshot holds, worked out by checkout.services."""

    email: str
    address: PostalAddress
    lines: list[NewLine]
    vat_treatment: VatTreatment
    shipping_zone: str
    shipping_method: str
    parcel_weight_g: int
    items_pence: int
    shipping_pence: int
    discount_id: int | None
    discount_code: str | None
    discount_pence: int
    vat_pence: int
    vat_removed_pence: int
    total_pence: int
    # The cart and details it was placed for (checkout.services.fingerprint): Pay again for
    # the same finds this order even when the browser never heard of it.
    checkout_fingerprint: str | None = None
    # The blog posts that brought the customer (blog/attribution.py), when any did.
    first_touch_post_id: int | None = None
    last_touch_post_id: int | None = None


def new_order_number() -> str:
    return "IMK-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def place_order(draft: NewOrder, *, actor: str = "customer", user_id: int | None = None) -> Order:
    """Write the snapshot, reserve the stock and the discount use (flushed, not committed).
    `user_id`: the signed-in customer's account the order belongs to (None for a guest).
    Raises OutOfStock when a line cannot be reserved: the caller rolls back, which
    gives back whatever was reserved before it."""
    address = draft.address
    order = Order(
        number=new_order_number(),
        access_token=secrets.token_urlsafe(32),
        email=draft.email.strip(),
        user_id=user_id,
        **address.columns(),
        status=S.PENDING_PAYMENT,
        currency="GBP",
        vat_treatment=draft.vat_treatment,
        shipping_zone=draft.shipping_zone,
        shipping_method=draft.shipping_method,
        parcel_weight_g=draft.parcel_weight_g,
        items_pence=draft.items_pence,
        shipping_pence=draft.shipping_pence,
        discount_code=draft.discount_code,
        discount_pence=draft.discount_pence,
        vat_pence=draft.vat_pence,
        vat_removed_pence=draft.vat_removed_pence,
        total_pence=draft.total_pence,
        checkout_fingerprint=draft.checkout_fingerprint,
        first_touch_post_id=draft.first_touch_post_id,
        last_touch_post_id=draft.last_touch_post_id,
    )
    for line in draft.lines:
        order.lines.append(
            OrderLine(
                variant_id=line.variant_id,
                name=line.name,
                sku=line.sku,
                catalogue_price_pence=line.catalogue_price_pence,
                unit_price_pence=line.unit_price_pence,
                quantity=line.quantity,
                line_total_pence=line.unit_price_pence * line.quantity,
                vat_pence=line.vat_pence,
                vat_rate_percent=line.vat_rate_percent,
                customs_description=line.customs_description,
                hs_code=line.hs_code,
                origin_country=line.origin_country,
                weight_g=line.weight_g,
                free_shipping=line.free_shipping,
            )
        )
    order.events.append(
        OrderEvent(
            kind="status", from_status=None, to_status=S.PENDING_PAYMENT.value, actor=actor, reason="order placed"
        )
    )
    db.session.add(order)
    db.session.flush()
    for line in draft.lines:
        if not reserve_stock(line.variant_id, line.quantity):
            available = db.session.scalar(select(Variant.stock).where(Variant.id == line.variant_id)) or 0
            message = (
                f"Sorry, {line.name} is sold out."
                if available == 0
                else f"Sorry, only {available} of {line.name} left."
            )
            raise OutOfStock(message, variant_id=line.variant_id, available=available)
    if draft.discount_id is not None:
        discounts.reserve(
            db.session.get(DiscountCode, draft.discount_id),
            order_id=order.id,
            email=draft.email,
            amount_pence=draft.discount_pence,
        )
    log.info("Order %s placed: %s pence", order.number, order.total_pence)
    return order


# --- Finding orders ---------------------------------------------------------------------


def order_by_id(order_id: int) -> Order | None:
    return db.session.get(Order, order_id)


def order_by_number(number: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.number == number).options(selectinload(Order.lines), selectinload(Order.events))
    )


def order_status(number: str) -> OrderStatus | None:
    """Just the status (the cart's before_request check runs on every cart page)."""
    return db.session.scalar(select(Order.status).where(Order.number == number))


def order_by_payment_reference(reference: str) -> Order | None:
    if not reference:
        return None
    return db.session.scalar(select(Order).where(Order.payment_reference == reference))


def order_for_token(number: str, token: str | None) -> Order | None:
    """The order if `token` is its access token (constant-time comparison), else None."""
    order = order_by_number(number)
    if order is None or not token or not hmac.compare_digest(order.access_token, token):
        return None
    return order


# --- Payment attempts and facts (called by the gateways) -------------------------------


def begin_payment_attempt(order: Order, *, provider: str) -> int:
    """Count a new payment attempt (its number makes the provider's idempotency key)."""
    if not order.is_pending:
        raise IllegalTransition(f"Order {order.number} is {order.status.label.lower()}; it cannot be paid.")
    number = order.number
    order.payment_attempts = (order.payment_attempts or 0) + 1
    order.payment_provider = provider
    try:
        record_event(order, "payment_attempt", actor="customer", reason=f"{provider} attempt {order.payment_attempts}")
    except StaleDataError as error:  # paid (or cancelled) by a webhook at this very moment
        raise ConcurrentUpdate(f"Order {number} was changed meanwhile; please check it and try again.") from error
    return order.payment_attempts


def record_payment_reference(order: Order, reference: str) -> None:
    order.payment_reference = reference
    db.session.flush()


def confirm_payment(order: Order, *, provider: str, reference: str | None, actor: str) -> bool:
    """pending_payment → paid. A repeat returns False. Money that arrives for an order
    that was already cancelled or expired, or a second payment for a paid order (an earlier
    attempt's page paid too), is recorded as a `late_payment` event (refund needed) and
    returns False."""
    if order.status in PAID_OR_LATER and reference in (None, order.payment_reference):
        return False  # the same payment again
    if order.status in PAID_OR_LATER or order.status in RELEASING:
        already = db.session.scalar(
            select(func.count())
            .select_from(OrderEvent)
            .where(
                OrderEvent.order_id == order.id, OrderEvent.kind == "late_payment", OrderEvent.reference == reference
            )
        )
        if not already:
            record_event(
                order,
                "late_payment",
                actor=actor,
                reference=reference,
                reason=f"{provider} payment received for a {order.status.value} order: refund needed",
            )
            log.warning(
                "Order %s: payment %s arrived after it was %s; refund needed",
                order.number,
                reference,
                order.status.value,
            )
        return False
    order.payment_provider = provider
    if reference:
        order.payment_reference = reference
    transition(order, S.PAID, actor=actor, reason=f"payment confirmed by {provider}")
    return True


def pending_order_for(fingerprint: str) -> Order | None:
    """The newest order still waiting for payment that was placed for exactly this cart and
    these details (email and address included)."""
    query = (
        select(Order)
        .where(Order.checkout_fingerprint == fingerprint, Order.status == S.PENDING_PAYMENT)
        .order_by(Order.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def record_payment_declined(order: Order, *, reason: str, actor: str) -> None:
    """A card was declined for this attempt; the order stays pending for another card."""
    if order.is_pending:
        record_event(order, "payment_declined", actor=actor, reason=reason)


def fail_payment(order: Order, *, reason: str, actor: str) -> bool:
    """pending_payment → cancelled (stock and discount released): the payment failed, or the
    customer gave up or replaced the order. A repeat returns False."""
    if not order.is_pending:
        return False
    transition(order, S.CANCELLED, actor=actor, reason=reason)
    return True


def expire_order(order: Order, *, reason: str, actor: str) -> bool:
    """pending_payment → expired (stock and discount released). A repeat returns False."""
    if not order.is_pending:
        return False
    transition(order, S.EXPIRED, actor=actor, reason=reason)
    return True


def refunded_pence(order: Order) -> int:
    """What has been refunded on the order so far, by the refund events recorded."""
    return db.session.scalar(
        select(func.coalesce(func.sum(OrderEvent.amount_pence), 0)).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "refund"
        )
    )


def record_refund(order: Order, *, amount_pence: int, reference: str, actor: str) -> bool:
    """Record a refund once per reference. Refunds adding up to the total move a paid (or
    later) order to refunded; a partial refund is an event only."""
    seen = db.session.scalar(
        select(func.count())
        .select_from(OrderEvent)
        .where(OrderEvent.order_id == order.id, OrderEvent.kind == "refund", OrderEvent.reference == reference)
    )
    if seen:
        return False
    record_event(
        order,
        "refund",
        actor=actor,
        reference=reference,
        amount_pence=amount_pence,
        reason=f"refund of {amount_pence} pence",
    )
    if refunded_pence(order) >= order.total_pence and can_move(order.status, S.REFUNDED):
        transition(order, S.REFUNDED, actor=actor, reason="refunded in full")
    return True


# --- Personal data ----------------------------------------------------------------------

ACCOUNT_DELETED = "Account deleted at the customer's request: name, email and address removed."


def anonymise(order: Order, *, actor: str, reason: str) -> OrderEvent:
    """Remove the person from an order: name, email, address lines and account link.
    Totals, lines and country stay for the books. The one change a placed snapshot
    allows, so it is an explicit UPDATE (guarded by the optimistic lock) and an event."""
    number, version = order.number, order.version
    entry = record_event(order, "anonymised", actor=actor, reason=reason)
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.version == version)
        .values(
            user_id=None,
            email=ANONYMISED_EMAIL,
            ship_name=ANONYMISED_NAME,
            ship_line1=ANONYMISED_LINE,
            ship_line2="",
            ship_city=ANONYMISED_LINE,
            ship_postcode="",
            version=Order.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConcurrentUpdate(f"Order {number} was changed by someone else; try again.")
    db.session.expire(order)  # the loaded copy must not keep the old details
    return entry


def anonymise_account_orders(user, **_) -> int:
    """accounts.services.account_closing receiver: anonymise every order of the account."""
    placed = db.session.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id)).all()
    for order in placed:
        anonymise(order, actor="customer", reason=ACCOUNT_DELETED)
    return len(placed)


# --- Operations -------------------------------------------------------------------------


def expire_after_minutes(config) -> int:
    """How long an unpaid order waits before it expires: ORDERS_EXPIRE_AFTER_MINUTES, else as
    long as its payment page can still be paid (a Stripe Checkout Session lives 24 hours; a
    demo payment page is paid at once)."""
    return config.get("ORDERS_EXPIRE_AFTER_MINUTES") or (1500 if config.get("STRIPE_SECRET_KEY") else 90)


def expire_stale(older_than_minutes: int, *, now: datetime | None = None) -> list[str]:
    """Expire every order still waiting for payment after `older_than_minutes`, releasing
    its stock. Each order in its own savepoint: one paid or cancelled meanwhile (its
    optimistic lock fails) is left as it is and the sweep goes on. Returns the numbers
    expired; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(minutes=older_than_minutes)
    ids = db.session.scalars(
        select(Order.id).where(Order.status == S.PENDING_PAYMENT, Order.created_at < cutoff).order_by(Order.id)
    ).all()
    expired = []
    for order_id in ids:
        order = db.session.get(Order, order_id)
        try:
            with db.session.begin_nested():
                changed = expire_order(
                    order, reason=f"unpaid after {older_than_minutes} minutes", actor="system:expire-stale"
                )
        except ConcurrentUpdate:
            db.session.expire(order)  # paid or cancelled meanwhile: leave it
            continue
        if changed:
            expired.append(order.number)
    return expired


# --- Email ------------------------------------------------------------------------------


def order_link(order: Order) -> str:
    """The guest's private link to the order (goes in the email)."""
    base = current_app.config["SHOP_BASE_URL"].rstrip("/")
    return f"{base}/orders/{order.number}?token={order.access_token}"


ORDER_CONFIRMATION = "order_confirmation"


def send_order_confirmation(order: Order) -> None:
    """Record the order email (HTML and plain text) as a job in the current transaction: the
    payment and its email commit together. The job worker renders it from the order's
    snapshot (`compose_order_confirmation`), which nothing after the payment changes."""
    send_email_later(order.email, _confirmation_subject(order), ORDER_CONFIRMATION, order_id=order.id)


def _confirmation_subject(order: Order) -> str:
    return f"Your Inspire Me Korea order {order.number}"


@composer(ORDER_CONFIRMATION)
def compose_order_confirmation(order_id: int):
    """The confirmation of a paid order, rendered by the job worker. Nothing is sent for an
    order that is gone or whose customer has been anonymised meanwhile."""
    order = db.session.scalar(select(Order).where(Order.id == order_id).options(selectinload(Order.lines)))
    if order is None or order.email == ANONYMISED_EMAIL:
        return None
    return build_message(
        order.email,
        _confirmation_subject(order),
        "order_confirmation",
        message_id=stable_message_id(f"order-{order.number}-confirmation"),
        order=order,
        order_url=order_link(order),
    )
