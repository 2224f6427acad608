"""Sales per blog post: the revenue and the new subscribers each post brought, by first touch
and by last touch (blog/attribution.py records them on orders and subscriptions). Read-only;
a few GROUP BY queries, however many posts and orders there are.

For a period (`since`, now):
- orders: paid orders (orders.listing.SOLD) paid in the period, their totals;
- box payments: Culture Box payments (PaidPeriod) taken in the period, from subscriptions a
  post brought (first payments and renewals alike);
- new subscribers: subscriptions started in the period and paid for (not a checkout left
  unpaid).
A sale no post brought is counted under no post, so the totals are the shop's.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..blog.models import Post
from ..extensions import db
from ..orders.listing import SOLD
from ..orders.models import Order
from ..subscriptions.models import PaidPeriod, Subscription
from ..subscriptions.models import SubscriptionStatus as SubStatus

TOUCHES = ("first", "last")


@dataclass
class Credit:
    """What one touch credits one post with."""

    orders: int = 0
    order_pence: int = 0
    box_pence: int = 0
    subscribers: int = 0

    @property
    def revenue_pence(self) -> int:
        return self.order_pence + self.box_pence

    def add(self, other: "Credit") -> None:
        self.orders += other.orders
        self.order_pence += other.order_pence
        self.box_pence += other.box_pence
        self.subscribers += other.subscribers


@dataclass
class PostSales:
    post_id: int | None  # None: the sales no post brought
    title: str
    slug: str | None
    first: Credit = field(default_factory=Credit)
    last: Credit = field(default_factory=Credit)


@dataclass
class PostReport:
    posts: list[PostSales]  # most revenue (last touch, then first touch) first
    unattributed: PostSales
    total: PostSales

    @property
    def top(self) -> list[PostSales]:
        """The five posts that brought the most, leaving out those that brought nothing."""
        return [row for row in self.posts if any(_brought(c) for c in (row.first, row.last))][:5]


def _brought(credit: Credit) -> bool:
    return bool(credit.revenue_pence or credit.subscribers or credit.orders)


def _credits(touch: str, since: datetime, until: datetime) -> dict[int | None, Credit]:
    order_post = getattr(Order, f"{touch}_touch_post_id")
    sub_post = getattr(Subscription, f"{touch}_touch_post_id")
    credits: dict[int | None, Credit] = {}

    def credit(post_id) -> Credit:
        return credits.setdefault(post_id, Credit())

    orders = db.session.execute(
        select(order_post, func.count(Order.id), func.coalesce(func.sum(Order.total_pence), 0))
        .where(Order.paid_at >= since, Order.paid_at < until, Order.status.in_(SOLD))
        .group_by(order_post)
    )
    for post_id, count, pence in orders:
        row = credit(post_id)
        row.orders, row.order_pence = int(count), int(pence)
    payments = db.session.execute(
        select(sub_post, func.coalesce(func.sum(PaidPeriod.amount_pence), 0))
        .join(Subscription, Subscription.id == PaidPeriod.subscription_id)
        .where(PaidPeriod.paid_at >= since, PaidPeriod.paid_at < until)
        .group_by(sub_post)
    )
    for post_id, pence in payments:
        credit(post_id).box_pence = int(pence)
    subscribers = db.session.execute(
        select(sub_post, func.count(Subscription.id))
        .where(
            Subscription.created_at >= since,
            Subscription.created_at < until,
            Subscription.status != SubStatus.PENDING_PAYMENT,
        )
        .group_by(sub_post)
    )
    for post_id, count in subscribers:
        credit(post_id).subscribers = int(count)
    return credits


def post_report(since: datetime, until: datetime) -> PostReport:
    by_touch = {touch: _credits(touch, since, until) for touch in TOUCHES}
    ids = {post_id for credits in by_touch.values() for post_id in credits if post_id is not None}
    posts = {
        row.id: PostSales(row.id, row.title, row.slug)
        for row in db.session.execute(select(Post.id, Post.title, Post.slug).where(Post.id.in_(ids)))
    }
    unattributed = PostSales(None, "Not from a post", None)
    total = PostSales(None, "All sales", None)
    for touch, credits in by_touch.items():
        for post_id, credit in credits.items():
            row = posts.get(post_id, unattributed) if post_id is not None else unattributed
            getattr(row, touch).add(credit)
            getattr(total, touch).add(credit)
    ranked = sorted(
        posts.values(),
        key=lambda row: (
            -row.last.revenue_pence,
            -row.first.revenue_pence,
            -(row.last.subscribers + row.first.subscribers),
            row.title,
        ),
    )
    return PostReport(ranked, unattributed, total)
