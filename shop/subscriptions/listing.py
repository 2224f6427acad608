"""Subscriptions as the back office lists them: filtered, newest first, a page at a time."""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Plan, Subscription, SubscriptionEvent, SubscriptionStatus


@dataclass(frozen=True)
class SubscriptionFilter:
    status: SubscriptionStatus | None = None
    plan_id: int | None = None
    country: str | None = None
    arrears: bool = False
    email: str = ""


def filtered(filters: SubscriptionFilter) -> Select:
    """The subscriptions matching `filters`, unordered (the list pages them newest first)."""
    query = select(Subscription).options(selectinload(Subscription.plan))
    if filters.arrears:
        query = query.where(Subscription.status == SubscriptionStatus.ARREARS)
    elif filters.status is not None:
        query = query.where(Subscription.status == filters.status)
    if filters.plan_id:
        query = query.where(Subscription.plan_id == filters.plan_id)
    if filters.country:
        query = query.where(Subscription.ship_country == filters.country.upper())
    if filters.email:
        query = query.where(Subscription.email == filters.email.strip().lower())
    return query


def plans() -> list[Plan]:
    return list(db.session.scalars(select(Plan).order_by(Plan.position)))


def history(sub: Subscription, limit: int = 200) -> list[SubscriptionEvent]:
    query = (
        select(SubscriptionEvent)
        .where(SubscriptionEvent.subscription_id == sub.id)
        .order_by(SubscriptionEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
