"""The demo gateway's Culture Box billing, for running the shop without Stripe keys:

- the first payment, on the demo payment page;
- a card update (the arrears email's link), which pays what is overdue at once;
- `flask box demo-renew --date`, which takes every renewal due by that date, the way
  Stripe would have on each billing day.

Cards: 4242 4242 4242 4242 always pays; 4000 0000 0000 0341 pays the first payment and
declines every renewal (Stripe's test card that does the same), so arrears can be seen;
4000 0000 0000 0002 is declined at once. Like the order demo, it drives the same
lifecycle functions the Stripe webhooks do, and refuses to run in production.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from ..core.calendar import billing_at
from ..core.money import format_money
from ..db_types import utcnow
from ..extensions import db
from ..subscriptions import emails, lifecycle
from ..subscriptions.models import Plan, PlanKind, Subscription
from ..subscriptions.models import SubscriptionStatus as S
from .demo import DECLINED_CARD, PAYING_CARD, RENEWAL_FAILS_CARD, CardDeclined, DemoCardError, normalise_card

ACTOR = "demo-gateway"
CARD_PREFIX = "demo_card_"  # Subscription.provider_customer_id: which demo card pays renewals


def _accepted_card(number: str) -> str:
    card = normalise_card(number)
    if card == DECLINED_CARD:
        raise CardDeclined("Your card was declined, so nothing was charged.")
    if card not in (PAYING_CARD, RENEWAL_FAILS_CARD):
        raise DemoCardError(
            "This demo knows three cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0341 pays now but "
            "fails at renewal, and 4000 0000 0000 0002 is declined."
        )
    return card


def amount(sub: Subscription) -> int:
    """What one payment of `sub` costs: the price it was sold at, never today's plan price."""
    return sub.total_pence


def pay_first(sub: Subscription, card_number: str, reference: str, *, now: datetime | None = None) -> bool:
    """The first payment of a pending subscription. A declined card ends this attempt
    (the customer's choice stays in their session, so paying again starts a new one)."""
    now = now or utcnow()
    try:
        card = _accepted_card(card_number)
    except CardDeclined:
        lifecycle.end(sub, actor=ACTOR, reason="card declined (demo card 4000 0000 0000 0002)")
        db.session.commit()
        raise
    if sub.status is not S.PENDING_PAYMENT:
        return False
    sub.provider_customer_id = CARD_PREFIX + card[-4:]
    period = lifecycle.record_payment(
        sub, reference=reference, first_month=lifecycle.month_for_payment(sub, now),
        amount_pence=amount(sub), actor=ACTOR, paid_at=now,
    )
    db.session.commit()
    if period is not None:
        emails.send_subscription_confirmation(sub.id)
    return period is not None


def abandon(sub: Subscription) -> bool:
    """The customer left the demo payment page: this attempt ends, nothing was charged."""
    if sub.status is not S.PENDING_PAYMENT:
        return False
    lifecycle.end(sub, actor="customer", reason="payment abandoned on the demo payment page")
    db.session.commit()
    return True


def _charge(sub: Subscription, paid_at: datetime) -> bool:
    """Take one renewal at `paid_at` from the subscriber's demo card. Flushes, no commit."""
    if sub.provider_customer_id == CARD_PREFIX + RENEWAL_FAILS_CARD[-4:]:
        return not lifecycle.mark_arrears(sub, actor=ACTOR, reason="renewal declined (demo card ending 0341)")
    month = lifecycle.month_for_payment(sub, paid_at)
    lifecycle.record_payment(
        sub, reference=f"demo_renewal_{sub.id}_{month:%Y-%m}", first_month=month,
        amount_pence=amount(sub), actor=ACTOR, paid_at=paid_at,
    )
    return True


def update_card(sub: Subscription, card_number: str, *, now: datetime | None = None) -> bool:
    """Change the card renewals are charged to; in arrears, pay what is overdue with it now.
    Returns whether a payment was taken. Raises CardDeclined if it is still not paid."""
    card = _accepted_card(card_number)
    sub.provider_customer_id = CARD_PREFIX + card[-4:]
    lifecycle.record(sub, "card", actor="customer", detail=f"demo card ending {card[-4:]}")
    paid = False
    if sub.status is S.ARREARS:
        _charge(sub, now or utcnow())
        paid = sub.status is S.ACTIVE
    db.session.commit()
    if sub.status is S.ARREARS:
        raise CardDeclined("That card was declined too, so the payment is still overdue.")
    return paid


@dataclass
class RenewalReport:
    paid: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def renew_due(on: date) -> RenewalReport:
    """Take every demo renewal due by the end of `on` (UTC), each at its billing time, as
    Stripe would have. Safe to repeat: a renewal is keyed by its subscription and month."""
    until = datetime.combine(on, time.max, tzinfo=UTC)
    query = (
        select(Subscription).join(Plan)
        .where(
            Subscription.provider == "demo", Subscription.status == S.ACTIVE,
            Subscription.cancel_at_period_end.is_(False), Plan.kind != PlanKind.GIFT,
        )
        .order_by(Subscription.id)
    )
    report = RenewalReport()
    for sub in db.session.scalars(query).all():
        while sub.status is S.ACTIVE:
            due_at = billing_at(lifecycle.next_unpaid_month(sub))
            if due_at > until:
                break
            label = f"#{sub.id} {sub.email} ({sub.plan.name}, {sub.ship_country})"
            if _charge(sub, due_at):
                report.paid.append(f"{label}: paid {format_money(amount(sub))} on {due_at:%Y-%m-%d}")
            else:
                report.failed.append(f"{label}: declined on {due_at:%Y-%m-%d}, now in arrears")
        db.session.commit()
        if sub.status is S.ARREARS:
            emails.send_arrears_notice(sub.id)
    return report
