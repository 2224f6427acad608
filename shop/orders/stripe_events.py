"""What a Stripe event means for an order: the order handlers the orders area registers
on the shop's one webhook endpoint (shop/payments/webhooks.py: signature, event log and
the transaction are handled there).

| event | effect |
|---|---|
| checkout.session.completed (payment, paid) / async_payment_succeeded | the order is paid, the confirmation email requested |
| checkout.session.async_payment_failed | the current attempt's order is cancelled, stock released |
| checkout.session.expired | the current attempt's order expires, stock released |
| charge.refunded | the refund is recorded (a full refund moves the order to refunded) |

Handlers never commit: the endpoint does, once, with the event's log row.
"""

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..payments.models import ProcessedStripeEvent
from ..payments.stripe_events import WebhookContext, handles, handles_session
from ..payments.stripe_gateway import StripeGateway
from . import services as orders
from .models import Order, OrderStatus

log = logging.getLogger(__name__)

ACTOR = "stripe webhook"
PROVIDER = "stripe"


# -- finding the order ----------------------------------------------------------------


def _load_order(order_id: int) -> Order | None:
    """The order, locked for this transaction where the database can (PostgreSQL), so two
    different events about one order are applied one after the other."""
    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update())


def _order_from_metadata(metadata: dict | None, fallback_id: Any = None) -> Order | None:
    metadata = metadata or {}
    raw_id = metadata.get("order_id") or fallback_id
    if raw_id is None or not str(raw_id).isdigit():
        return None
    order = _load_order(int(raw_id))
    number = metadata.get("order_number")
    if order is not None and number and number != order.number:
        # Another shop database sharing the Stripe account (e.g. staging): not our order.
        log.warning("Stripe metadata names order %s #%s, but that id is order %s", raw_id, number, order.number)
        return None
    return order


def _order_for_session(session: dict) -> Order | None:
    order = _order_from_metadata(session.get("metadata"), session.get("client_reference_id"))
    if order is None and session.get("id"):
        found = orders.order_by_payment_reference(session["id"])
        order = _load_order(found.id) if found is not None else None
    return order


def _is_current_attempt(order: Order, session: dict) -> bool:
    """Whether the session is the order's current payment attempt (an earlier attempt's
    session expiring or failing must not end an order the customer is paying again)."""
    return order.payment_reference in (None, session.get("id"))


def _remember(context: WebhookContext, order: Order, payment_intent: str | None) -> None:
    context.record.order_id = order.id
    if payment_intent:
        context.record.payment_intent = payment_intent


def _session_order(session: dict, context: WebhookContext) -> Order | None:
    order = _order_for_session(session)
    if order is not None:
        _remember(context, order, session.get("payment_intent"))
    else:
        log.warning("Stripe session %s matches no order", session.get("id"))
    return order


# -- Checkout -------------------------------------------------------------------------


def _confirm(order: Order, session: dict) -> str:
    expected = (order.total_pence, order.currency.lower())
    charged = (session.get("amount_total"), (session.get("currency") or "").lower())
    if session.get("amount_total") is not None and charged != expected:
        log.error(
            "Stripe session %s charged %s, order %s expects %s: not confirmed",
            session.get("id"),
            charged,
            order.number,
            expected,
        )
        orders.record_event(
            order,
            "payment_mismatch",
            actor=ACTOR,
            reference=session.get("id"),
            amount_pence=session.get("amount_total"),
            reason=f"Stripe charged {charged[0]} {charged[1]}, the order is {expected[0]} {expected[1]}: check and refund",
        )
        return "refused: amount differs from the order"
    if orders.confirm_payment(order, provider=PROVIDER, reference=session.get("id"), actor=ACTOR):
        orders.send_order_confirmation(order)
        return "paid"
    return f"no change: order is {order.status.value}"


@handles_session("checkout.session.completed", mode="payment")
def session_completed(session: dict, context: WebhookContext) -> str:
    order = _session_order(session, context)
    if order is None:
        return "ignored: no order"
    if session.get("payment_status") in ("paid", "no_payment_required"):
        return _confirm(order, session)
    return "waiting: payment not yet settled"  # async methods: async_payment_succeeded/_failed follow


@handles_session("checkout.session.async_payment_succeeded", mode="payment")
def session_async_succeeded(session: dict, context: WebhookContext) -> str:
    order = _session_order(session, context)
    if order is None:
        return "ignored: no order"
    return _confirm(order, session)


def _end_current_attempt(session: dict, context: WebhookContext, end: Callable, reason: str, done: str) -> str:
    """A session that ended without money ends its order, but only if it is the order's
    current payment attempt (an earlier attempt's session must not cancel a newer one)."""
    order = _session_order(session, context)
    if order is None:
        return "ignored: no order"
    if not _is_current_attempt(order, session):
        return "ignored: an earlier payment attempt"
    changed = end(order, reason=reason, actor=ACTOR)
    return done if changed else f"no change: order is {order.status.value}"


@handles_session("checkout.session.async_payment_failed", mode="payment")
def session_async_failed(session: dict, context: WebhookContext) -> str:
    return _end_current_attempt(
        session,
        context,
        orders.fail_payment,
        "The payment did not go through (Stripe: async payment failed)",
        "cancelled",
    )


@handles_session("checkout.session.expired", mode="payment")
def session_expired(session: dict, context: WebhookContext) -> str:
    return _end_current_attempt(
        session, context, orders.expire_order, "Stripe Checkout session expired without payment", "expired"
    )


# -- refunds --------------------------------------------------------------------------


def _order_for_charge(charge: dict) -> Order | None:
    order = _order_from_metadata(charge.get("metadata"))
    payment_intent = charge.get("payment_intent")
    if order is None and payment_intent:
        order_id = db.session.scalar(
            select(ProcessedStripeEvent.order_id)
            .where(ProcessedStripeEvent.payment_intent == payment_intent, ProcessedStripeEvent.order_id.is_not(None))
            .limit(1)
        )
        if order_id is not None:
            order = _load_order(order_id)
    if order is None and payment_intent:
        # The refund is the first the shop hears of this payment: ask Stripe whose it is.
        metadata = StripeGateway.from_config(current_app.config).payment_intent_metadata(payment_intent)
        order = _order_from_metadata(metadata)
    return order


@handles("charge.refunded")
def charge_refunded(charge: dict, context: WebhookContext) -> str:
    order = _order_for_charge(charge)
    if order is None:
        log.warning("Stripe charge %s (refund) matches no order", charge.get("id"))
        return "ignored: no order"
    _remember(context, order, charge.get("payment_intent"))
    outcome = []
    if order.status is OrderStatus.PENDING_PAYMENT and charge.get("paid"):
        # The refund overtook checkout.session.completed: the money did move, so record the
        # payment first (no confirmation email for an order being refunded), then the refund.
        if orders.confirm_payment(order, provider=PROVIDER, reference=order.payment_reference, actor=ACTOR):
            outcome.append("paid")
    # charge.amount_refunded is cumulative (and the refunds list is not sent by default), so
    # the new fact is what Stripe has refunded beyond what the order already records. A
    # repeat, or an older partial refund arriving late, adds nothing.
    refunded = int(charge.get("amount_refunded") or 0)
    new_refund = refunded - orders.refunded_pence(order)
    reference = f"{charge.get('id')}:refunded:{refunded}"
    if new_refund > 0 and orders.record_refund(order, amount_pence=new_refund, reference=reference, actor=ACTOR):
        outcome.append(f"refund of {new_refund} recorded")
    return ", ".join(outcome) or f"no change: order is {order.status.value}"
