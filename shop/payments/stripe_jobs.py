"""Stripe calls a committed change requires, run as jobs (retried until Stripe answers).

The callers record them in their own transaction (`cancel_subscription_later`,
`expire_checkout_later`, `create_refund_later`); the handlers call Stripe from the worker. A
refusal that asking again cannot change (the subscription is already
cancelled, the session is no longer open) is logged and the job is done; a connection
error, a rate limit or a Stripe server error raises, so the job is retried with backoff.
"""

import logging

import stripe
from flask import current_app

from .. import jobs
from .stripe_client import stripe_client

log = logging.getLogger(__name__)

CANCEL_SUBSCRIPTION = "stripe.subscription.cancel"
EXPIRE_CHECKOUT = "stripe.checkout_session.expire"
CREATE_REFUND = "stripe.refund.create"  # part or all of a payment, under the shop's own key


def _client() -> stripe.StripeClient:
    return stripe_client(current_app.config)


def cancel_subscription_later(stripe_subscription_id: str) -> None:
    """Cancel a Stripe subscription now (no more charges), once this transaction commits."""
    jobs.enqueue(CANCEL_SUBSCRIPTION, stripe_subscription_id=stripe_subscription_id)


def expire_checkout_later(session_id: str) -> None:
    """Close an unpaid Checkout Session's page, once this transaction commits."""
    jobs.enqueue(EXPIRE_CHECKOUT, session_id=session_id)


def create_refund_later(payment_reference: str, amount_pence: int, *, idempotency_key: str, metadata: dict) -> None:
    """Refund part or all of a payment (a Checkout Session or a PaymentIntent id), once this
    transaction commits."""
    jobs.enqueue(
        CREATE_REFUND,
        payment_reference=payment_reference,
        amount_pence=amount_pence,
        idempotency_key=idempotency_key,
        metadata=metadata,
    )


@jobs.handler(CANCEL_SUBSCRIPTION)
def cancel_subscription(stripe_subscription_id: str) -> None:
    # DELETE is idempotent at Stripe (it takes no idempotency key): a repeat finds it cancelled.
    try:
        _client().v1.subscriptions.cancel(stripe_subscription_id)
    except stripe.InvalidRequestError as error:
        log.warning("Stripe subscription %s not cancelled: %s", stripe_subscription_id, error.user_message or error)
        return
    log.warning("Cancelled Stripe subscription %s: its Culture Box subscription had ended", stripe_subscription_id)


@jobs.handler(EXPIRE_CHECKOUT)
def expire_checkout(session_id: str) -> None:
    # No idempotency key: Stripe would replay a first 500 to every retry. A repeat is
    # harmless anyway: the session is no longer open, which is logged below.
    try:
        _client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError as error:  # completed or expired already: nothing to close
        log.warning("Could not expire Checkout Session %s: %s", session_id, error.user_message or error)


@jobs.handler(CREATE_REFUND)
def create_refund(payment_reference: str, amount_pence: int, idempotency_key: str, metadata: dict) -> None:
    # The idempotency key is the shop's own, one per refund: a retry after a timeout (ours or
    # stripe-python's) gets Stripe's first answer back instead of a second refund.
    client = _client()
    payment_intent = payment_reference
    if payment_reference.startswith("cs_"):  # an order keeps its Checkout Session's id
        found = client.v1.checkout.sessions.retrieve(payment_reference).to_dict().get("payment_intent")
        payment_intent = found.get("id") if isinstance(found, dict) else found
    if not payment_intent:
        log.error("Refund %s not made: Checkout Session %s has no payment", idempotency_key, payment_reference)
        return
    try:
        client.v1.refunds.create(
            params={"payment_intent": payment_intent, "amount": amount_pence, "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.InvalidRequestError as error:  # refunded in full already, or more than is left
        log.error("Stripe refused refund %s: %s", idempotency_key, error.user_message or error)
