"""Subscriptions as the back office lists them: filtered, newest first, a page at a time."""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
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


def page(filters: SubscriptionFilter, page: int, per_page: int = 50) -> Pagination:
    query = select(Subscription).options(selectinload(Subscription.plan)).order_by(Subscription.id.desc())
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
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


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
