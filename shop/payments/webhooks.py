"""POST /webhooks/stripe: Stripe tells the shop that money moved (or did not).

1. The signature on the RAW body is verified (STRIPE_WEBHOOK_SECRET) before anything
   else; a bad signature, a stale timestamp or a malformed body answers 400 and changes
   nothing. The endpoint is CSRF-exempt: the signature is the check.
2. In ONE transaction: the event id is inserted into processed_stripe_event (UNIQUE),
   the handler the areas registered applies the event's effect (including the emails it
   requests), and both commit together. A repeated event id (a retry, or two deliveries
   racing) fails the insert, rolls back and answers 200 with no second effect.

Every effect is conditional (an order is paid only while pending, ...), so events that
arrive out of order have one sensible effect. Unknown types are recorded and acknowledged.
"""

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import csrf, db
from .models import ProcessedStripeEvent
from .stripe_events import InvalidWebhook, WebhookContext, handler_for, verify_event

log = logging.getLogger(__name__)

bp = Blueprint("stripe_webhooks", __name__)


def process_event(event: dict) -> str:
    """Record the event and apply its effect in one transaction. Returns what happened."""
    record = ProcessedStripeEvent(event_id=event["id"], type=event["type"])
    handler = handler_for(event["type"])
    try:
        db.session.add(record)
        db.session.flush()  # the UNIQUE constraint answers here (a racing twin waits, then fails)
        context = WebhookContext(event=event, record=record)
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
    return outcome


def _already_processed(event_id: str) -> bool:
    return (
        db.session.scalar(select(ProcessedStripeEvent.id).where(ProcessedStripeEvent.event_id == event_id)) is not None
    )


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
