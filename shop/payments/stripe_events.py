"""Stripe events: verifying them, and the registry the areas hook their effects into.

The provider knows what Stripe sends, not what an order or a subscription is: the orders
area registers its handlers here (shop/orders/stripe_events.py), the Culture Box its own
(shop/subscriptions/stripe_events.py), each when its area starts. The endpoint
(shop/payments/webhooks.py) verifies the event, records it once and calls the handler.

Checkout Sessions are dispatched by (mode, metadata["purpose"], event type): orders set
no purpose, the Culture Box sets "culture_box" (subscription mode) or "culture_box_gift"
(payment mode). A session whose purpose has no handler is acknowledged and ignored: it
never falls through to the order handlers.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import stripe

from .models import ProcessedStripeEvent

# Stripe's own default: a payload signed longer ago is a replay. Stripe's library refuses only
# the past; a timestamp this far ahead is refused too, so a payload signed "in the future"
# cannot be replayed for longer.
SIGNATURE_TOLERANCE_SECONDS = 300

SESSION_EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)


class InvalidWebhook(Exception):
    """The request is not a genuine, well-formed Stripe event."""


@dataclass
class WebhookContext:
    """What a handler gets besides the event's object: the event, and its log row (which
    a handler may annotate with the order and payment intent it was about)."""

    event: dict
    record: ProcessedStripeEvent


Handler = Callable[[dict, WebhookContext], str]
HANDLERS: dict[str, Handler] = {}
SESSION_HANDLERS: dict[tuple[str, str | None, str], Handler] = {}


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Register a handler for one or more event types."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS[event_type] = handler
        return handler

    return register


def handles_session(event_type: str, *, mode: str, purpose: str | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for one Checkout Session event of one mode and purpose."""

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


def handler_for(event_type: str) -> Handler | None:
    return HANDLERS.get(event_type)


def _signed_at(signature_header: str) -> int:
    """The t= of a header that verify_header has already parsed and accepted."""
    return int(dict(part.split("=", 1) for part in signature_header.split(",") if "=" in part)["t"])


def verify_event(payload: bytes, signature_header: str | None, secret: str) -> dict:
    """The event, if the payload is signed with `secret`, recent and well formed."""
    if not secret:
        raise InvalidWebhook("STRIPE_WEBHOOK_SECRET is not set")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, SIGNATURE_TOLERANCE_SECONDS)
        if _signed_at(signature_header) > time.time() + SIGNATURE_TOLERANCE_SECONDS:
            raise InvalidWebhook("signature: the timestamp is in the future")
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
