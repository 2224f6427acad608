"""POST /webhooks/stripe: Stripe tells the shop that money moved (or did not).

1. The signature on the RAW body is verified (STRIPE_WEBHOOK_SECRET) before anything
   else; a bad signature, a stale timestamp or a malformed body answers 400 and changes
   nothing. The endpoint is CSRF-exempt: the signature is the check.
2. In ONE transaction: the event id is inserted into processed_stripe_event (UNIQUE),
   the event's effect is applied through the order services, and both commit together.
   A repeated event id (a retry, or two deliveries racing) fails the insert, rolls back
   and answers 200 with no second effect.
3. Emails are recorded as jobs in that same transaction and sent by a worker, so a
   slow mail server never undoes a payment and a committed payment never loses its email.

Every effect is conditional (the order services only pay a pending order, only expire a
pending order, ...), so events that arrive out of order have one sensible effect.

Handlers live in HANDLERS {event type -> handler}; other areas (subscriptions, issue 5)
add theirs with `@handles("invoice.paid")`. Unknown types are recorded and acknowledged.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import stripe
from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import csrf, db
from ..orders import services as orders
from ..orders.models import Order, OrderEvent, OrderStatus
from .models import ProcessedStripeEvent

log = logging.getLogger(__name__)

ACTOR = "stripe webhook"
PROVIDER = "stripe"
SIGNATURE_TOLERANCE_SECONDS = 300  # Stripe's own default: older signed payloads are replays

bp = Blueprint("stripe_webhooks", __name__)


class InvalidWebhook(Exception):
    """The request is not a genuine, well-formed Stripe event."""


@dataclass
class WebhookContext:
    """What a handler gets besides the event's object."""

    event: dict
    record: ProcessedStripeEvent
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Handler = Callable[[dict, WebhookContext], str]
HANDLERS: dict[str, Handler] = {}


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Register a handler for one or more event types."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS[event_type] = handler
        return handler

    return register


SESSION_EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
# Checkout Sessions come in modes: (mode, purpose, event type) -> handler. `purpose` is the
# session's metadata["purpose"]: orders set none, the Culture Box sets "culture_box"
# (subscription mode) or "culture_box_gift" (payment mode) and registers its handlers with
# @handles_session(..., mode=..., purpose=...). A session whose purpose has no handler is
# acknowledged and ignored: it never falls through to the order handlers (whose fallback
# reads client_reference_id as an order id).
SESSION_HANDLERS: dict[tuple[str, str | None, str], Handler] = {}


def handles_session(event_type: str, *, mode: str, purpose: str | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        SESSION_HANDLERS[(mode, purpose, event_type)] = handler
        return handler

    return register


@handles(*SESSION_EVENT_TYPES)
def dispatch_session(session: dict, context: WebhookContext) -> str:
    mode = session.get("mode") or "payment"
    purpose = (session.get("metadata") or {}).get("purpose") or None
    handler = SESSION_HANDLERS.get((mode, purpose, context.event["type"]))
    if handler is None:
        return f"ignored: no handler for {mode} sessions" + (f" ({purpose})" if purpose else "")
    return handler(session, context)


# -- verification ---------------------------------------------------------------------


def verify_event(payload: bytes, signature_header: str | None, secret: str) -> dict:
    """The event, if the payload is signed with `secret`, recent and well formed."""
    if not secret:
        raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not set")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, SIGNATURE_TOLERANCE_SECONDS)
        event = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook(f"signature: {error.user_message or error}") from None
    except (UnicodeDecodeError, ValueError):
        raise InvalidWebhook("the body is not JSON") from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise InvalidWebhook("not a Stripe event")
    return event


# -- processing -----------------------------------------------------------------------


def process_event(event: dict) -> str:
    """Record the event and apply its effect in one transaction. Returns what happened."""
    record = ProcessedStripeEvent(event_id=event["id"], type=event["type"])
    context = WebhookContext(event=event, record=record)
    handler = HANDLERS.get(event["type"])
    try:
        db.session.add(record)
        db.session.flush()  # the UNIQUE constraint answers here (a racing twin waits, then fails)
        outcome = handler(event["data"]["object"], context) if handler else "ignored: unhandled event type"
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if _already_processed(event["id"]):
            log.info("Stripe event %s (%s) already processed", event["id"], event["type"])
            return "duplicate"
        raise
    except Exception:
        db.session.rollback()
        raise
    log.info("Stripe event %s (%s): %s", event["id"], event["type"], outcome)
    for task in context.after_commit:
        try:
            task()
        except Exception:  # the effect is committed; a failed email must not make Stripe retry
            log.exception("After-commit task for Stripe event %s failed", event["id"])
    return outcome


def _already_processed(event_id: str) -> bool:
    return db.session.scalar(select(ProcessedStripeEvent.id).where(ProcessedStripeEvent.event_id == event_id)) is not None


# -- finding the order ----------------------------------------------------------------


def _load_order(order_id: int):
    """The order, locked for this transaction where the database can (PostgreSQL), so two
    different events about one order are applied one after the other."""

    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update())


def _order_from_metadata(metadata: dict | None, fallback_id: Any = None):
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


def _order_for_session(session: dict):

    order = _order_from_metadata(session.get("metadata"), session.get("client_reference_id"))
    if order is None and session.get("id"):
        found = orders.order_by_payment_reference(session["id"])
        order = _load_order(found.id) if found is not None else None
    return order


def _is_current_attempt(order, session: dict) -> bool:
    """Whether the session is the order's current payment attempt (an earlier attempt's
    session expiring or failing must not end an order the customer is paying again)."""
    return order.payment_reference in (None, session.get("id"))


def _remember(context: WebhookContext, order, payment_intent: str | None) -> None:
    context.record.order_id = order.id
    if payment_intent:
        context.record.payment_intent = payment_intent


# -- handlers -------------------------------------------------------------------------


def _confirm(order, session: dict, context: WebhookContext) -> str:

    expected = (order.total_pence, order.currency.lower())
    charged = (session.get("amount_total"), (session.get("currency") or "").lower())
    if session.get("amount_total") is not None and charged != expected:
        log.error("Stripe session %s charged %s, order %s expects %s: not confirmed", session.get("id"), charged, order.number, expected)
        orders.record_event(order, "payment_mismatch", actor=ACTOR, reference=session.get("id"),
                            amount_pence=session.get("amount_total"),
                            reason=f"Stripe charged {charged[0]} {charged[1]}, the order is {expected[0]} {expected[1]}: check and refund")
        return "refused: amount differs from the order"
    if orders.confirm_payment(order, provider=PROVIDER, reference=session.get("id"), actor=ACTOR):
        orders.send_order_confirmation(order)  # a job, committed with the payment
        return "paid"
    return f"no change: order is {order.status.value}"


def _session_order(session: dict, context: WebhookContext):
    order = _order_for_session(session)
    if order is not None:
        _remember(context, order, session.get("payment_intent"))
    else:
        log.warning("Stripe session %s matches no order", session.get("id"))
    return order


@handles_session("checkout.session.completed", mode="payment")
def session_completed(session: dict, context: WebhookContext) -> str:
    order = _session_order(session, context)
    if order is None:
        return "ignored: no order"
    if session.get("payment_status") in ("paid", "no_payment_required"):
        return _confirm(order, session, context)
    return "waiting: payment not yet settled"  # async methods: async_payment_succeeded/_failed follow


@handles_session("checkout.session.async_payment_succeeded", mode="payment")
def session_async_succeeded(session: dict, context: WebhookContext) -> str:
    order = _session_order(session, context)
    if order is None:
        return "ignored: no order"
    return _confirm(order, session, context)


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
        session, context, orders.fail_payment,
        "The payment did not go through (Stripe: async payment failed)", "cancelled",
    )


@handles_session("checkout.session.expired", mode="payment")
def session_expired(session: dict, context: WebhookContext) -> str:
    return _end_current_attempt(
        session, context, orders.expire_order, "Stripe Checkout session expired without payment", "expired",
    )


def _order_for_charge(charge: dict):
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
        from .stripe_gateway import StripeGateway

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
    new_refund = refunded - _refunds_recorded(order)
    reference = f"{charge.get('id')}:refunded:{refunded}"
    if new_refund > 0 and orders.record_refund(order, amount_pence=new_refund, reference=reference, actor=ACTOR):
        outcome.append(f"refund of {new_refund} recorded")
    return ", ".join(outcome) or f"no change: order is {order.status.value}"


def _refunds_recorded(order) -> int:

    return db.session.scalar(
        select(func.coalesce(func.sum(OrderEvent.amount_pence), 0)).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "refund"
        )
    )


# -- the endpoint ---------------------------------------------------------------------


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook():
    try:
        event = verify_event(
            request.get_data(cache=False),
            request.headers.get("Stripe-Signature"),
            current_app.config.get("STRIPE_WEBHOOK_SECRET", ""),
        )
    except InvalidWebhook as error:
        log.warning("Rejected a Stripe webhook: %s", error)
        return jsonify(error="invalid webhook"), 400
    outcome = process_event(event)
    return jsonify(received=True, outcome=outcome), 200


def init_app(app: Flask) -> None:
    # The areas whose handlers register with @handles / @handles_session on import.
    from ..subscriptions import webhooks as subscription_webhooks  # noqa: F401

    app.register_blueprint(bp)
