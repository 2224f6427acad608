"""The Culture Box: plans and the rules that say which month's box comes first."""

from datetime import UTC, date, datetime, time

from flask import g
from sqlalchemy import select

from ..extensions import db
from ..shipping.models import ShippingZone
from ..uk import LONDON
from .models import Edition, Plan, PlanKind

CUTOFF_DAY = 10  # join by the 10th, 23:59 London time, for that month's box
SHIP_DAY = 15
# Every renewal is taken on one day: the payment for the box of month M is taken at 09:00 UTC
# on the 1st of M, nine days before M's cutoff (time for the card to be retried or fixed) and
# a fortnight before the box ships. See billing_at() and docs/culture-box.md.
BILLING_DAY = 1
BILLING_TIME_UTC = time(9, 0)


def active_plans() -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.is_active).order_by(Plan.position)))


def monthly_plan() -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.kind == PlanKind.MONTHLY, Plan.is_active))


def zones_with_box_shipping() -> list[ShippingZone]:
    return list(db.session.scalars(select(ShippingZone).order_by(ShippingZone.position)))


def cutoff_for(month: date) -> datetime:
    """The last moment to join for the box of `month`: the 10th, 23:59 London time."""
    return datetime.combine(month.replace(day=CUTOFF_DAY), time(23, 59, 59), tzinfo=LONDON)


def billing_at(month: date) -> datetime:
    """When the renewal that pays for the box of `month` is taken: 09:00 UTC on its 1st.

    Stripe repeats a subscription's billing at the same day and UTC time, so anchoring the
    first renewal here puts every renewal of every subscriber on the 1st."""
    return datetime.combine(month.replace(day=BILLING_DAY), BILLING_TIME_UTC, tzinfo=UTC)


def month_of(moment: datetime) -> date:
    """The month (its first day) `moment` falls in, UK time."""
    return moment.astimezone(LONDON).date().replace(day=1)


def first_box_month(now: datetime) -> date:
    """Joining before this month's cutoff gets this month's box; after it, next month's."""
    this_month = month_of(now)
    if now <= cutoff_for(this_month):
        return this_month
    return next_month(this_month)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def next_month(month: date) -> date:
    return add_months(month, 1)


def box_price_from() -> int | None:
    """The lowest price per box across the active plans, for "from £x a box". A template
    global that a page may call several times (header, cards, embeds): asked once per request."""
    if "box_price_from" not in g:
        g.box_price_from = min((plan.per_box_pence for plan in active_plans()), default=None)
    return g.box_price_from


def edition_for(month: date | None) -> Edition | None:
    """The edition of `month` (its first day), if the shop has created it yet."""
    return db.session.scalar(select(Edition).where(Edition.month == month)) if month else None


def upcoming_editions(from_month: date, limit: int = 3) -> list[Edition]:
    query = select(Edition).where(Edition.month >= from_month).order_by(Edition.month).limit(limit)
    return list(db.session.scalars(query))
