"""The dashboard's figures, each one query over indexed columns (fast at 100,000 orders
and subscriptions: bench/admin_lists.py times them). Read-only.

The sales per blog post (`sales_by_post`) come from post_sales.py, which reads the posts that
orders and subscriptions record.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from ..catalog.models import LOW_STOCK_THRESHOLD, Product, Variant
from ..core.calendar import LONDON, add_months
from ..db_types import utcnow
from ..extensions import db
from ..jobs.models import Job, JobStatus
from ..orders.listing import SOLD, WAITING_TO_SHIP, london_midnight
from ..orders.models import Order
from ..subscriptions import box_run, churn
from ..subscriptions.models import Edition, Plan, PlanKind, Shipment, Subscription, SubscriptionEvent
from ..subscriptions.models import SubscriptionStatus as SubStatus
from .post_sales import PostReport, post_report


@dataclass(frozen=True)
class Sales:
    pence: int
    orders: int


@dataclass(frozen=True)
class Period:
    start: date  # UK dates, start included, end excluded
    end: date

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


@dataclass
class Dashboard:
    today: Sales
    month: Sales
    last_month_to_date: Sales
    last_month: Sales
    periods: dict[str, Period]
    daily: list[tuple[date, int]]
    active_subscribers: int
    mrr_pence: int
    churned_30_days: int
    new_subscribers_30_days: int
    churn_reasons: list[churn.ChurnReason]
    next_edition: Edition | None
    boxes: list[tuple[str, str, int]]
    low_stock: list[tuple[Variant, Product]]
    failed_jobs: int
    waiting_to_ship: int
    sales_by_post: PostReport | None = None
    extra: dict = field(default_factory=dict)

    @property
    def boxes_total(self) -> int:
        return sum(count for _, _, count in self.boxes)

    @property
    def churn_rate(self) -> float | None:
        """Subscriptions ended in 30 days, against those running at some point in them."""
        base = self.active_subscribers + self.churned_30_days
        return self.churned_30_days / base if base else None


def sales_between(start: date, end: date) -> Sales:
    pence, count = db.session.execute(
        select(func.coalesce(func.sum(Order.total_pence), 0), func.count(Order.id)).where(
            Order.paid_at >= london_midnight(start), Order.paid_at < london_midnight(end), Order.status.in_(SOLD)
        )
    ).one()
    return Sales(pence=int(pence), orders=int(count))


def daily_sales(end: date, days: int = 30) -> list[tuple[date, int]]:
    """Paid orders' totals per UK day for the `days` days up to `end` (included)."""
    first = end - timedelta(days=days - 1)
    rows = db.session.execute(
        select(Order.paid_at, Order.total_pence).where(
            Order.paid_at >= london_midnight(first),
            Order.paid_at < london_midnight(end + timedelta(days=1)),
            Order.status.in_(SOLD),
        )
    )
    totals = {first + timedelta(days=i): 0 for i in range(days)}
    for paid_at, pence in rows:
        day = paid_at.astimezone(LONDON).date()
        if day in totals:
            totals[day] += pence
    return sorted(totals.items())


def active_subscribers() -> int:
    return db.session.scalar(select(func.count(Subscription.id)).where(Subscription.status == SubStatus.ACTIVE))


def monthly_recurring_pence() -> int:
    """MRR: what the running subscriptions bring in a month, each payment spread over the
    months it pays for. Gifts (paid once) and subscriptions ending at their period's end
    are not recurring."""
    rows = db.session.execute(
        select(Plan.months, func.sum(Subscription.total_pence))
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(
            Subscription.status == SubStatus.ACTIVE,
            Subscription.cancel_at_period_end.is_(False),
            Plan.kind != PlanKind.GIFT,
        )
        .group_by(Plan.months)
    )
    return sum(int(total) // max(months, 1) for months, total in rows)


def churned_since(since: datetime) -> int:
    """Subscriptions that ended since `since` after having run (a checkout never paid is
    not churn)."""
    return db.session.scalar(
        select(func.count(func.distinct(SubscriptionEvent.subscription_id))).where(
            SubscriptionEvent.kind == "status",
            SubscriptionEvent.to_status == SubStatus.ENDED.value,
            SubscriptionEvent.from_status != SubStatus.PENDING_PAYMENT.value,
            SubscriptionEvent.created_at >= since,
        )
    )


def new_subscribers_since(since: datetime) -> int:
    return db.session.scalar(
        select(func.count(Subscription.id)).where(
            Subscription.created_at >= since, Subscription.status != SubStatus.PENDING_PAYMENT
        )
    )


def churn_by_reason(since: datetime) -> list[churn.ChurnReason]:
    """The cancellations since `since` that still stand, by the reason the subscriber gave,
    most common first."""
    return churn.churn_reasons(since)


def sales_by_post(since: datetime, until: datetime) -> PostReport:
    """Revenue and new subscribers per blog post between `since` and `until`, by first and
    last touch (post_sales.py)."""
    return post_report(since, until)


def next_edition(now: datetime) -> Edition | None:
    """The edition whose cutoff comes next: the box the shop is filling now."""
    return db.session.scalar(select(Edition).where(Edition.cutoff_at > now).order_by(Edition.cutoff_at).limit(1))


def boxes_by_zone_and_plan(edition: Edition) -> list[tuple[str, str, int]]:
    """How many boxes `edition` needs, by shipping zone and plan: shipments already made
    plus the subscriptions entitled to one that the box run would add."""
    waiting = box_run.entitled(edition).order_by(None).subquery()
    counts: dict[tuple[str, str], int] = {}
    queries = (
        select(waiting.c.shipping_zone_name, Plan.name, func.count())
        .join(Plan, Plan.id == waiting.c.plan_id)
        .group_by(waiting.c.shipping_zone_name, Plan.name),
        select(Subscription.shipping_zone_name, Plan.name, func.count())
        .select_from(Shipment)
        .join(Subscription, Subscription.id == Shipment.subscription_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(Shipment.edition_id == edition.id)
        .group_by(Subscription.shipping_zone_name, Plan.name),
    )
    for query in queries:
        for zone, plan, count in db.session.execute(query):
            counts[(zone, plan)] = counts.get((zone, plan), 0) + count
    return sorted(((zone, plan, n) for (zone, plan), n in counts.items()), key=lambda row: (row[0], row[1]))


def low_stock(limit: int = 8) -> list[tuple[Variant, Product]]:
    rows = db.session.execute(
        select(Variant, Product)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.stock <= LOW_STOCK_THRESHOLD)
        .order_by(Variant.stock, Variant.id)
        .limit(limit)
    )
    return [(variant, product) for variant, product in rows]


def failed_jobs() -> int:
    return db.session.scalar(select(func.count(Job.id)).where(Job.status == JobStatus.FAILED))


def waiting_to_ship() -> int:
    return db.session.scalar(select(func.count(Order.id)).where(Order.status.in_(WAITING_TO_SHIP)))


def dashboard(now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    month_start = today.replace(day=1)
    last_month_start = add_months(month_start, -1)
    # The same stretch of last month ("1st to the 14th"), for a fair comparison.
    same_day_last_month = min(today.day, (month_start - timedelta(days=1)).day)
    last_month_same = last_month_start.replace(day=same_day_last_month) + timedelta(days=1)
    thirty_days_ago = now - timedelta(days=30)
    edition = next_edition(now)
    return Dashboard(
        today=sales_between(today, today + timedelta(days=1)),
        month=sales_between(month_start, today + timedelta(days=1)),
        last_month_to_date=sales_between(last_month_start, last_month_same),
        last_month=sales_between(last_month_start, month_start),
        periods={
            "today": Period(today, today + timedelta(days=1)),
            "month": Period(month_start, today + timedelta(days=1)),
            "last_month": Period(last_month_start, month_start),
        },
        daily=daily_sales(today),
        active_subscribers=active_subscribers(),
        mrr_pence=monthly_recurring_pence(),
        churned_30_days=churned_since(thirty_days_ago),
        new_subscribers_30_days=new_subscribers_since(thirty_days_ago),
        churn_reasons=churn_by_reason(thirty_days_ago),
        next_edition=edition,
        boxes=boxes_by_zone_and_plan(edition) if edition else [],
        low_stock=low_stock(),
        failed_jobs=failed_jobs(),
        waiting_to_ship=waiting_to_ship(),
        sales_by_post=sales_by_post(thirty_days_ago, now),
    )


def countdown(until: datetime, now: datetime | None = None) -> str:
    """ "3 days 4 hours", "5 hours 10 minutes", "passed"."""
    left = until - (now or datetime.now(UTC))
    if left.total_seconds() <= 0:
        return "passed"
    days, rest = divmod(int(left.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} hour{'s' if hours != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''} {minutes} minute{'s' if minutes != 1 else ''}"
