"""The Culture Box on the demo gateway, for running the shop without Stripe keys:

- the first payment, on the demo payment page;
- a card update (the arrears email's link), which pays what is overdue at once;
- `flask box demo-renew --date`, which takes every renewal due by that date, the way
  Stripe would have on each billing day.

The demo gateway knows the cards (4242 4242 4242 4242 always pays; 4000 0000 0000 0341
pays the first payment and declines every renewal, so arrears can be seen; 4000 0000 0000
0002 is declined at once); what a payment buys is decided here, through the same
lifecycle functions the Stripe webhooks use. Nothing here commits: the page or the
command does.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from ..core.calendar import billing_at
from ..core.money import format_money
from ..db_types import utcnow
from ..extensions import db
from ..payments import demo
from . import emails, lifecycle, pricing
from .models import Plan, PlanKind, Subscription
from .models import SubscriptionStatus as S

ACTOR = demo.ACTOR


def amount(sub: Subscription) -> int:
    """What the next payment of `sub` costs: the price it was sold at (never today's plan
    price), less its discount code for as many payments as the code says, as Stripe's
    coupon would."""
    return pricing.amount_due(sub)


def _charge(sub: Subscription, paid_at: datetime) -> int | None:
    """Take one renewal at `paid_at` from the subscriber's saved demo card: the amount, or
    None if the card was declined."""
    if not demo.renewal_pays(sub.provider_customer_id):
        lifecycle.mark_arrears(sub, actor=ACTOR, reason="renewal declined (demo card ending 0341)")
        return None
    recovered = sub.status is S.ARREARS
    month = lifecycle.month_for_payment(sub, paid_at)
    charged = amount(sub)
    period = lifecycle.record_payment(
        sub,
        reference=f"demo_renewal_{sub.id}_{month:%Y-%m}",
        first_month=month,
        amount_pence=charged,
        actor=ACTOR,
        paid_at=paid_at,
    )
    if period is not None:
        emails.send_payment_receipt(sub.id, period, recovered=recovered)
    return charged


class FirstPayment:
    """The demo payment page of a subscription still waiting for its first payment."""

    def purchase(self, subject_id: int) -> demo.DemoPurchase | None:
        sub = db.session.get(Subscription, subject_id)
        if sub is None:
            return None
        then = ""
        if sub.plan.renews:
            every = f"every {sub.plan.months} months" if sub.plan.months > 1 else "every month"
            later = pricing.amount_due(sub, 2)
            then = f", then the same {every}" if later == amount(sub) else f", then {format_money(later)} {every}"
        return demo.DemoPurchase(
            title=f"Culture Box, {sub.plan.name}",
            amount_pence=amount(sub),
            payable=sub.status is S.PENDING_PAYMENT,
            then=then,
            saves_card=True,  # remembered on the subscription (provider_customer_id)
            retry_note="Your choices are still here: try again with another card.",
        )

    def pay(self, subject_id: int, *, reference: str, card: str, now: datetime | None = None) -> bool:
        sub = db.session.get(Subscription, subject_id)
        if sub.status is not S.PENDING_PAYMENT:
            return False
        now = now or utcnow()
        sub.provider_customer_id = demo.customer_reference(card)
        period = lifecycle.record_payment(
            sub,
            reference=reference,
            first_month=lifecycle.month_for_payment(sub, now),
            amount_pence=amount(sub),
            actor=ACTOR,
            paid_at=now,
        )
        if period is not None:
            emails.send_subscription_confirmation(sub.id)
        return period is not None

    def decline(self, subject_id: int, *, reason: str) -> None:
        """This attempt ends (the customer's choice stays in their session, so paying again
        starts a new one)."""
        lifecycle.end(db.session.get(Subscription, subject_id), actor=ACTOR, reason=reason)

    def abandon(self, subject_id: int) -> bool:
        sub = db.session.get(Subscription, subject_id)
        if sub.status is not S.PENDING_PAYMENT:
            return False
        lifecycle.end(sub, actor="customer", reason="payment abandoned on the demo payment page")
        return True


class CardUpdate:
    """The demo's card page: change the card renewals are charged to; in arrears, pay what
    is overdue with it at once."""

    def purchase(self, subject_id: int) -> demo.DemoPurchase | None:
        sub = db.session.get(Subscription, subject_id)
        if sub is None:
            return None
        return demo.DemoPurchase(
            title=sub.plan.name,
            amount_pence=amount(sub),
            payable=True,
            overdue=sub.status is S.ARREARS,
            saves_card=True,
        )

    def pay(self, subject_id: int, *, reference: str, card: str, now: datetime | None = None) -> bool:
        """Returns whether an overdue payment was taken; CardDeclined if it is still overdue."""
        sub = db.session.get(Subscription, subject_id)
        sub.provider_customer_id = demo.customer_reference(card)
        lifecycle.record(sub, "card", actor="customer", detail=f"demo card ending {card[-4:]}")
        emails.send_card_updated(sub.id, card_hint=f"ending {card[-4:]}")
        if sub.status is not S.ARREARS:
            return False
        if _charge(sub, now or utcnow()) is None or sub.status is S.ARREARS:
            raise demo.CardDeclined("That card was declined too, so the payment is still overdue.")
        return True

    def decline(self, subject_id: int, *, reason: str) -> None:
        pass  # a declined card changes nothing: the old one stays

    def abandon(self, subject_id: int) -> bool:
        return False


@dataclass
class RenewalReport:
    paid: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def renew_due(on: date) -> RenewalReport:
    """Take every demo renewal due by the end of `on` (UTC), each at its billing time, as
    Stripe would have, and request the arrears emails. Safe to repeat: a renewal is keyed
    by its subscription and month. Flushes; the command commits."""
    until = datetime.combine(on, time.max, tzinfo=UTC)
    query = (
        select(Subscription)
        .join(Plan)
        .where(
            Subscription.provider == "demo",
            Subscription.status == S.ACTIVE,
            Subscription.cancel_at_period_end.is_(False),
            Plan.kind != PlanKind.GIFT,
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
            charged = _charge(sub, due_at)
            if charged is not None:
                report.paid.append(f"{label}: paid {format_money(charged)} on {due_at:%Y-%m-%d}")
            else:
                report.failed.append(f"{label}: declined on {due_at:%Y-%m-%d}, now in arrears")
        if sub.status is S.ARREARS:
            emails.send_arrears_notice(sub.id)
    return report


def register() -> None:
    demo.register(demo.BOX, FirstPayment())
    demo.register(demo.CARD, CardUpdate())
