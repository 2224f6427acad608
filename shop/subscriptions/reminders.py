"""The reminder before a renewal: a few days (BOX_REMINDER_DAYS) before the shop takes a
payment that the subscriber might not expect, it tells them the amount, the day and how
to cancel. That is every renewal of a prepaid term (months apart), and a monthly renewal
whose price changed since the last payment (a move re-quoted it).

Run once a day by the worker's schedule (jobs/tasks.py); safe to repeat: each reminder is
recorded as a `reminder` event naming the month it is for, and never sent twice.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..core.calendar import LONDON, add_months, billing_at, month_of
from ..db_types import utcnow
from ..extensions import db
from . import emails, lifecycle
from .models import PaidPeriod, Plan, PlanKind, Subscription, SubscriptionEvent
from .models import SubscriptionStatus as S

REMINDER = "reminder"


def _renewal_month_within(now: datetime, days: int) -> date | None:
    """The month whose renewals are taken in (now, now + days], if any: renewals are all
    taken on one day (core/calendar.billing_at), so at most one month is in reach."""
    for month in (month_of(now), add_months(month_of(now), 1)):
        if now < billing_at(month) <= now + timedelta(days=days):
            return month
    return None


def price_changed(sub: Subscription) -> bool:
    """Whether the next payment differs from the last one taken (a move re-quoted it)."""
    last = max(sub.periods, key=lambda p: p.paid_at, default=None)
    return last is not None and last.amount_pence != sub.total_pence


def send_due(now: datetime | None = None, *, days: int = 5) -> list[int]:
    """Remind every subscriber whose renewal is due within `days` and who should hear of it;
    returns their subscription ids. Flushes; the schedule commits."""
    now = now or utcnow()
    month = _renewal_month_within(now, days)
    if month is None:
        return []
    last_paid = (
        select(func.max(PaidPeriod.last_month)).where(PaidPeriod.subscription_id == Subscription.id).scalar_subquery()
    )
    reminded = select(SubscriptionEvent.subscription_id).where(
        SubscriptionEvent.kind == REMINDER, SubscriptionEvent.detail == f"{month:%Y-%m}"
    )
    # Candidates in SQL (the payment would be the one after the last paid box, give or take
    # a skip); the exact next payment is then worked out for each.
    candidates = db.session.scalars(
        select(Subscription)
        .join(Plan)
        .where(
            Subscription.status == S.ACTIVE,
            Subscription.cancel_at_period_end.is_(False),
            Plan.kind != PlanKind.GIFT,
            last_paid.between(add_months(month, -3), add_months(month, -1)),
            Subscription.id.not_in(reminded),
        )
        .order_by(Subscription.id)
    ).all()
    sent = []
    for sub in candidates:
        upcoming = lifecycle.next_payment(sub, now)
        if upcoming is None or upcoming.month != month or upcoming.due_at <= now:
            continue
        changed = price_changed(sub)
        if sub.plan.kind is PlanKind.MONTHLY and not changed:
            continue  # the same amount as every month: no reminder needed
        lifecycle.record(sub, REMINDER, actor="schedule", detail=f"{month:%Y-%m}")
        emails.send_renewal_reminder(
            sub.id, month=month, due_on=upcoming.due_at.astimezone(LONDON).date(), price_changed=changed
        )
        sent.append(sub.id)
    db.session.flush()
    return sent
