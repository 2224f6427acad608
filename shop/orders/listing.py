"""Finding orders: the back office's list (filters and search). Read-only."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select

from ..core.calendar import LONDON
from .models import Order, OrderStatus

# What the back office asks for most: paid orders not yet sent.
WAITING_TO_SHIP = (OrderStatus.PAID, OrderStatus.PACKED)
# An order counts as a sale from the moment it is paid (a later refund is shown apart).
SOLD = (OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class OrderQuery:
    statuses: tuple[OrderStatus, ...] = ()
    country: str | None = None
    placed_from: date | None = None  # UK dates, both included
    placed_to: date | None = None
    search: str = ""  # an order number, an email (or its start) or part of a name


def london_midnight(day: date) -> datetime:
    """The moment a UK calendar day starts, in UTC (what created_at holds)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def find_orders(query: OrderQuery) -> Select:
    """SELECT of the orders matching `query`, unordered (the caller pages it by id)."""
    stmt = select(Order)
    if len(query.statuses) == 1:
        stmt = stmt.where(Order.status == query.statuses[0])
    elif query.statuses:
        stmt = stmt.where(Order.status.in_(query.statuses))
    if query.country:
        stmt = stmt.where(Order.ship_country == query.country.upper())
    if query.placed_from:
        stmt = stmt.where(Order.created_at >= london_midnight(query.placed_from))
    if query.placed_to:
        stmt = stmt.where(Order.created_at < london_midnight(query.placed_to + timedelta(days=1)))
    if text := query.search.strip():
        stmt = stmt.where(_search(text))
    return stmt


ORDER_NUMBER = re.compile(r"^(IMK-)?[2-9A-HJ-NP-Z]{8}$", re.IGNORECASE)


def _search(text: str):
    """An order number or an email is looked up by its index; anything else is part of a
    name (a scan, so only then)."""
    number = text.upper()
    if ORDER_NUMBER.fullmatch(text) and (number.startswith("IMK-") or any(ch.isdigit() for ch in number)):
        return Order.number == (number if number.startswith("IMK-") else f"IMK-{number}")
    lowered = text.lower()
    if "@" in lowered:
        # A prefix as an index range (LIKE would not use the index on every database).
        exact = Order.email.in_({text, lowered})
        return or_(exact, and_(Order.email >= lowered, Order.email < lowered + "\uffff"))
    pattern = lowered.replace("\\", "").replace("%", "").replace("_", "")
    return or_(Order.number == text.upper(), func.lower(Order.ship_name).like(f"%{pattern}%"))
