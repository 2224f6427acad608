"""What a Stripe event means for the Culture Box: the handlers the subscriptions area
registers on the shop's one webhook endpoint (shop/payments/webhooks.py: signature, event
log and the transaction are handled there).

| event | effect |
|---|---|
| checkout.session.completed (subscription) | link the Stripe subscription and customer; if paid, record the first payment (reference: the session's invoice) |
| checkout.session.completed / async_payment_succeeded (gift) | record the one payment for the gift's boxes |
| checkout.session.expired / async_payment_failed (gift) | a subscription still pending payment ends |
| invoice.paid | a paid period (reference: the invoice id); first payment or renewal by billing_reason |
| invoice.payment_failed | arrears, and the arrears email with the card link |
| customer.subscription.updated | a cancellation (or taking it back) made in the Customer Portal, and its email; a new default card, and its email; status canceled = deleted |
| customer.updated | a new default card for the customer's invoices (the Customer Portal), and its email |
| customer.subscription.deleted | ends after the boxes already paid for, or now if there are none |

Every effect is conditional: a paid period's reference is unique (lifecycle.record_payment
returns None for one it has seen), status moves only happen from the right status. So
the same event twice, or two events with the same effect (the session and invoice.paid
for the first invoice), have one effect. Handlers never commit (the endpoint does, once);
the emails and Stripe calls they record as jobs are part of the same transaction.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from ..db_types import utcnow
from ..extensions import db
from ..payments.stripe_events import WebhookContext, handles, handles_session
from ..payments.stripe_jobs import cancel_subscription_later
from ..payments.stripe_subscriptions import PURPOSE_GIFT, PURPOSE_SUBSCRIPTION
from . import emails, lifecycle
from .models import Subscription, SubscriptionEvent
from .models import SubscriptionStatus as S

log = logging.getLogger(__name__)

ACTOR = "stripe"
PROVIDER = "stripe"


# -- finding the subscription ---------------------------------------------------------


def _load(**where) -> Subscription | None:
    """The subscription, locked for this transaction where the database can (PostgreSQL),
    so two events about one subscription are applied one after the other."""
    return db.session.scalar(select(Subscription).filter_by(**where).with_for_update())


def _from_metadata(metadata: dict | None, *, email: str | None = None) -> Subscription | None:
    """Our subscription named in Stripe metadata, if it really is ours: the plan and first
    month (and the email, when the object carries the one we sent) must match, so another
    database sharing the Stripe account (staging) never claims the wrong row."""
    metadata = metadata or {}
    raw_id = str(metadata.get("subscription_id") or "")
    if not raw_id.isdigit():
        return None
    sub = _load(id=int(raw_id))
    if sub is None:
        return None
    mismatches = [
        name
        for name, theirs, ours in (
            ("plan", metadata.get("plan"), sub.plan.code),
            ("first_month", metadata.get("first_month"), f"{sub.first_month:%Y-%m}"),
            ("email", (email or "").lower() or None, sub.email.lower()),
        )
        if theirs is not None and theirs != ours
    ]
    if mismatches or not metadata.get("plan"):
        log.warning("Stripe metadata names subscription %s but %s differ: not ours", raw_id, mismatches or ["plan"])
        return None
    return sub


def _link(sub: Subscription, stripe_subscription_id: str | None, customer_id: str | None) -> None:
    """Remember the Stripe subscription and customer (once; a different id is logged)."""
    if customer_id and not sub.provider_customer_id:
        sub.provider_customer_id = customer_id
    if not stripe_subscription_id or sub.provider_subscription_id == stripe_subscription_id:
        return
    if sub.provider_subscription_id:
        log.error(
            "Subscription %s is linked to %s, Stripe now names %s: left as it was",
            sub.id,
            sub.provider_subscription_id,
            stripe_subscription_id,
        )
        return
    sub.provider = PROVIDER
    sub.provider_subscription_id = stripe_subscription_id
    lifecycle.record(
        sub,
        "linked",
        actor=ACTOR,
        detail=f"Stripe subscription {stripe_subscription_id}, customer {customer_id or '?'}",
    )
    db.session.flush()


def _for_stripe_subscription(
    stripe_id: str | None, metadata: dict | None, customer_id: str | None
) -> Subscription | None:
    """By the linked id; else (an event that overtook checkout.session.completed) by the
    metadata we put on the Stripe subscription, linking it."""
    sub = _load(provider_subscription_id=stripe_id) if stripe_id else None
    if sub is None:
        sub = _from_metadata(metadata)
        if sub is not None:
            _link(sub, stripe_id, customer_id)
    if sub is None:
        log.warning("Stripe subscription %s matches no Culture Box subscription", stripe_id)
    return sub


def _session_subscription(session: dict) -> Subscription | None:
    metadata = dict(session.get("metadata") or {})
    reference = str(session.get("client_reference_id") or "")
    if not metadata.get("subscription_id") and reference.startswith("culture-box-"):
        metadata["subscription_id"] = reference.removeprefix("culture-box-")
    sub = _from_metadata(metadata, email=session.get("customer_email"))
    if sub is None:
        log.warning("Stripe session %s matches no Culture Box subscription", session.get("id"))
    return sub


def _moment(timestamp, context: WebhookContext) -> datetime:
    value = timestamp or context.event.get("created")
    return datetime.fromtimestamp(int(value), UTC) if value else utcnow()


# -- effects ----------------------------------------------------------------------------


def _pay(sub: Subscription, *, reference: str, amount_pence: int, paid_at: datetime, note: str) -> str:
    """Record one payment (idempotent by reference). A payment for an ended subscription
    buys no box: it is recorded as an event for the staff to refund."""
    if sub.status is S.ENDED:
        flagged = db.session.scalar(
            select(SubscriptionEvent.id).where(
                SubscriptionEvent.subscription_id == sub.id,
                SubscriptionEvent.kind == "refund_needed",
                SubscriptionEvent.detail.startswith(f"{reference}:"),
            )
        )
        if flagged is None:
            log.error("Payment %s (%s pence) for ended subscription %s: refund needed", reference, amount_pence, sub.id)
            lifecycle.record(
                sub,
                "refund_needed",
                actor=ACTOR,
                detail=f"{reference}: {amount_pence} pence paid after the subscription ended ({note}): refund it",
            )
            if sub.plan.renews and sub.provider_subscription_id:
                # e.g. an abandoned attempt's old Checkout page paid after the customer started
                # again: stop Stripe charging it every month (the refund is the staff's).
                cancel_subscription_later(sub.provider_subscription_id)
        return "refused: the subscription has ended (flagged for a refund)"
    first = not sub.periods
    recovered = sub.status is S.ARREARS
    period = lifecycle.record_payment(
        sub,
        reference=reference,
        first_month=lifecycle.month_for_payment(sub, paid_at),
        amount_pence=amount_pence,
        actor=ACTOR,
        paid_at=paid_at,
        note=note,
    )
    if period is None:
        return f"no change: payment {reference} already recorded"
    if first:
        emails.send_subscription_confirmation(sub.id)
    else:
        emails.send_payment_receipt(sub.id, period, recovered=recovered)
    return f"paid: {period.first_month:%Y-%m} to {period.last_month:%Y-%m}"


def _end_unpaid(sub: Subscription, reason: str) -> str:
    if sub.status is not S.PENDING_PAYMENT:
        return f"no change: subscription is {sub.status.value}"
    lifecycle.end(sub, actor=ACTOR, reason=reason)
    return "ended: never paid"


def _end_or_wind_down(sub: Subscription, reason: str) -> str:
    """Stripe's subscription is over: boxes already paid for still ship (the box run ends
    the subscription after the last one); with none left it ends now."""
    if sub.status is S.ENDED:
        return "no change: subscription already ended"
    if sub.status is not S.PENDING_PAYMENT and lifecycle.upcoming_boxes(sub, utcnow()):
        if sub.cancel_at_period_end:
            return "no change: already ending after its paid boxes"
        lifecycle.cancel_at_period_end(sub, actor=ACTOR)
        return "ending after its paid boxes"
    lifecycle.end(sub, actor=ACTOR, reason=reason)
    return "ended"


# -- Checkout -----------------------------------------------------------------------------


@handles_session("checkout.session.completed", mode="subscription", purpose=PURPOSE_SUBSCRIPTION)
def subscription_session_completed(session: dict, context: WebhookContext) -> str:
    sub = _session_subscription(session)
    if sub is None:
        return "ignored: no subscription"
    _link(sub, session.get("subscription"), session.get("customer"))
    if session.get("payment_status") != "paid":
        return "linked: waiting for invoice.paid"
    if not session.get("invoice"):
        return "linked: the payment is recorded from invoice.paid"
    # The same reference invoice.paid uses for the first invoice: whichever comes first counts.
    return _pay(
        sub,
        reference=session["invoice"],
        amount_pence=int(session.get("amount_total") or 0),
        paid_at=_moment(None, context),
        note="subscription_create, checkout",
    )


@handles_session("checkout.session.completed", mode="payment", purpose=PURPOSE_GIFT)
@handles_session("checkout.session.async_payment_succeeded", mode="payment", purpose=PURPOSE_GIFT)
def gift_session_paid(session: dict, context: WebhookContext) -> str:
    sub = _session_subscription(session)
    if sub is None:
        return "ignored: no subscription"
    _link(sub, None, session.get("customer"))
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return "waiting: payment not yet settled"  # async methods: async_payment_succeeded follows
    reference = session.get("payment_intent") or session["id"]
    return _pay(
        sub,
        reference=reference,
        amount_pence=int(session.get("amount_total") or 0),
        paid_at=_moment(None, context),
        note="gift",
    )


@handles_session("checkout.session.expired", mode="subscription", purpose=PURPOSE_SUBSCRIPTION)
@handles_session("checkout.session.expired", mode="payment", purpose=PURPOSE_GIFT)
@handles_session("checkout.session.async_payment_failed", mode="payment", purpose=PURPOSE_GIFT)
def session_ended_unpaid(session: dict, context: WebhookContext) -> str:
    sub = _session_subscription(session)
    if sub is None:
        return "ignored: no subscription"
    return _end_unpaid(sub, f"Stripe Checkout session {session.get('id')} ended without payment")


# -- invoices -------------------------------------------------------------------------------


def _invoice_subscription(invoice: dict) -> Subscription | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _for_stripe_subscription(details.get("subscription"), details.get("metadata"), invoice.get("customer"))


@handles("invoice.paid")
def invoice_paid(invoice: dict, context: WebhookContext) -> str:
    sub = _invoice_subscription(invoice)
    if sub is None:
        return "ignored: no subscription"
    amount = int(invoice.get("amount_paid") or 0)
    if amount == 0:
        return "ignored: nothing paid (trial or zero invoice)"
    paid_at = _moment((invoice.get("status_transitions") or {}).get("paid_at"), context)
    return _pay(
        sub,
        reference=invoice["id"],
        amount_pence=amount,
        paid_at=paid_at,
        note=invoice.get("billing_reason") or "invoice",
    )


@handles("invoice.payment_failed")
def invoice_payment_failed(invoice: dict, context: WebhookContext) -> str:
    sub = _invoice_subscription(invoice)
    if sub is None:
        return "ignored: no subscription"
    reason = f"Stripe invoice {invoice.get('id')} payment failed (attempt {invoice.get('attempt_count') or 1})"
    if not lifecycle.mark_arrears(sub, actor=ACTOR, reason=reason):
        return f"no change: subscription is {sub.status.value}"
    emails.send_arrears_notice(sub.id)
    return "arrears"


# -- the Stripe subscription itself -----------------------------------------------------------


def _stripe_subscription(obj: dict) -> Subscription | None:
    return _for_stripe_subscription(obj.get("id"), obj.get("metadata"), obj.get("customer"))


@handles("customer.subscription.updated")
def subscription_updated(obj: dict, context: WebhookContext) -> str:
    sub = _stripe_subscription(obj)
    if sub is None:
        return "ignored: no subscription"
    if obj.get("status") == "canceled":
        return _end_or_wind_down(sub, "Stripe subscription canceled")
    card = _card_changed(sub, obj, context, "default_payment_method")
    cancelling = bool(obj.get("cancel_at_period_end") or obj.get("cancel_at"))
    if sub.status is S.ENDED or cancelling == sub.cancel_at_period_end:
        return card or "no change"
    # Made by the subscriber in the Customer Portal: the email says "you".
    if cancelling:
        lifecycle.cancel_at_period_end(sub, actor=ACTOR)
        emails.send_cancelled(sub.id)
        return "set to end after its paid boxes (cancelled at Stripe)"
    if _older_than_last_cancel(sub, context.event.get("created")):
        return "ignored: older than the cancellation"  # an update from before it, delivered late
    lifecycle.keep(sub, actor=ACTOR)
    emails.send_kept(sub.id)
    return "cancellation taken back at Stripe"


def _card_changed(sub: Subscription, obj: dict, context: WebhookContext, field: str) -> str:
    """A new default card (the subscriber changed it in the Customer Portal): recorded and
    emailed. `previous_attributes` names the fields the event changed."""
    previous = (context.event.get("data") or {}).get("previous_attributes") or {}
    if field == "default_payment_method":
        changed = "default_payment_method" in previous and obj.get("default_payment_method")
    else:  # customer.updated
        before = previous.get("invoice_settings") or {}
        changed = "default_payment_method" in before and (obj.get("invoice_settings") or {}).get(
            "default_payment_method"
        )
    if not changed or sub.status is S.ENDED:
        return ""
    lifecycle.record(sub, "card", actor=ACTOR, detail=f"new default payment method {changed}")
    emails.send_card_updated(sub.id)
    return "card updated"


@handles("customer.updated")
def customer_updated(customer: dict, context: WebhookContext) -> str:
    """The Customer Portal sets the customer's default card for invoices: tell the
    subscriber of each running subscription it pays for."""
    subs = db.session.scalars(
        select(Subscription).where(
            Subscription.provider_customer_id == customer.get("id"),
            Subscription.provider == PROVIDER,
            Subscription.status != S.ENDED,
        )
    ).all()
    outcomes = [_card_changed(sub, customer, context, "invoice_settings") for sub in subs]
    return "; ".join(o for o in outcomes if o) or "no change"


def _older_than_last_cancel(sub: Subscription, created: int | None) -> bool:
    cancelled_at = max((e.created_at for e in sub.events if e.kind == "cancel"), default=None)
    return cancelled_at is not None and (created is None or created < int(cancelled_at.timestamp()))


@handles("customer.subscription.deleted")
def subscription_deleted(obj: dict, context: WebhookContext) -> str:
    sub = _stripe_subscription(obj)
    if sub is None:
        return "ignored: no subscription"
    return _end_or_wind_down(sub, "Stripe subscription deleted")
