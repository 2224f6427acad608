"""The Culture Box: plans and the rules that say which month's box comes first."""

from datetime import date, datetime

from flask import g
from sqlalchemy import select

from ..core import calendar
from ..core.calendar import month_of
from ..extensions import db
from ..shipping.models import ShippingZone
from .models import Edition, Plan, PlanKind


def active_plans() -> list[Plan]:
    """The plans on sale, in their order. A template global that a page may call several times
    (every Culture Box card in a post): asked once per request."""
    if "active_plans" not in g:
        g.active_plans = list(db.session.scalars(select(Plan).where(Plan.is_active).order_by(Plan.position)))
    return g.active_plans


def monthly_plan() -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.kind == PlanKind.MONTHLY, Plan.is_active))


def zones_with_box_shipping() -> list[ShippingZone]:
    return list(db.session.scalars(select(ShippingZone).order_by(ShippingZone.position)))


def cutoff_for(month: date) -> datetime:
    """The last moment to join for the box of `month`: its edition's stored cutoff, which an
    admin may edit; the calendar's default only while the edition is not created yet."""
    edition = edition_for(month)
    return edition.cutoff_at if edition is not None else calendar.cutoff_for(month)


def first_box_month(now: datetime) -> date:
    """Joining before this month's cutoff gets this month's box; after it, next month's."""
    return calendar.first_box_month(now, cutoff_for(month_of(now)))


def box_price_from() -> int | None:
    """The lowest price per box across the active plans, for "from £x a box". A template
    global that a page may call several times (header, cards, embeds): asked once per request."""
    if "box_price_from" not in g:
        # "From": the lowest average, rounded down, even where it is not a whole penny.
        g.box_price_from = min((plan.price_pence // plan.months for plan in active_plans()), default=None)
    return g.box_price_from


def edition_for(month: date | None) -> Edition | None:
    """The edition of `month` (its first day), if the shop has created it yet."""
    return db.session.scalar(select(Edition).where(Edition.month == month)) if month else None


def upcoming_editions(from_month: date, limit: int = 3) -> list[Edition]:
    query = select(Edition).where(Edition.month >= from_month).order_by(Edition.month).limit(limit)
    return list(db.session.scalars(query))
