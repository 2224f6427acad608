"""Sales per blog post: the revenue and the new subscribers each post brought, by first touch
and by last touch (blog/attribution.py records them on orders and subscriptions). Read-only:
three GROUP BY queries and one for the titles, however many posts and orders there are.

For a period (from `since` to `until`):
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


# (first touch post id, last touch post id) -> what orders and subscriptions with that pair brought
Pairs = dict[tuple[int | None, int | None], Credit]


def _by_pair(since: datetime, until: datetime) -> Pairs:
    """Three GROUP BY queries, each by the (first, last) pair: at most posts² rows however
    many sales, and each table scanned once for both touches."""
    pairs: Pairs = {}

    def credit(first, last) -> Credit:
        return pairs.setdefault((first, last), Credit())

    orders = db.session.execute(
        select(
            Order.first_touch_post_id,
            Order.last_touch_post_id,
            func.count(Order.id),
            func.coalesce(func.sum(Order.total_pence), 0),
        )
        .where(Order.paid_at >= since, Order.paid_at < until, Order.status.in_(SOLD))
        .group_by(Order.first_touch_post_id, Order.last_touch_post_id)
    )
    for first, last, count, pence in orders:
        row = credit(first, last)
        row.orders, row.order_pence = int(count), int(pence)
    payments = db.session.execute(
        select(
            Subscription.first_touch_post_id,
            Subscription.last_touch_post_id,
            func.coalesce(func.sum(PaidPeriod.amount_pence), 0),
        )
        .join(Subscription, Subscription.id == PaidPeriod.subscription_id)
        .where(PaidPeriod.paid_at >= since, PaidPeriod.paid_at < until)
        .group_by(Subscription.first_touch_post_id, Subscription.last_touch_post_id)
    )
    for first, last, pence in payments:
        credit(first, last).box_pence = int(pence)
    subscribers = db.session.execute(
        select(Subscription.first_touch_post_id, Subscription.last_touch_post_id, func.count(Subscription.id))
        .where(
            Subscription.created_at >= since,
            Subscription.created_at < until,
            Subscription.status != SubStatus.PENDING_PAYMENT,
        )
        .group_by(Subscription.first_touch_post_id, Subscription.last_touch_post_id)
    )
    for first, last, count in subscribers:
        credit(first, last).subscribers = int(count)
    return pairs


def post_report(since: datetime, until: datetime) -> PostReport:
    pairs = _by_pair(since, until)
    ids = {post_id for pair in pairs for post_id in pair if post_id is not None}
    posts = {
        row.id: PostSales(row.id, row.title, row.slug)
        for row in db.session.execute(select(Post.id, Post.title, Post.slug).where(Post.id.in_(ids)))
    }
    unattributed = PostSales(None, "Not from a post", None)
    total = PostSales(None, "All sales", None)
    for (first, last), credit in pairs.items():
        for touch, post_id in (("first", first), ("last", last)):
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
