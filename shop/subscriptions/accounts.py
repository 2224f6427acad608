"""Where Culture Box subscriptions meet customer accounts: the account page's list, the
customer's data download, and what deleting an account does to them (manage.close_account).
Accounts sit below subscriptions, so `connect()` hooks this area to their signals."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from . import manage
from .models import Subscription


def user_subscriptions(user: User) -> list[Subscription]:
    """The customer's subscriptions, newest first."""
    query = (
        select(Subscription)
        .where(Subscription.user_id == user.id)
        .order_by(Subscription.id.desc())
        .options(selectinload(Subscription.plan), selectinload(Subscription.periods))
    )
    return list(db.session.scalars(query))


def export_subscriptions(user: User) -> list[dict]:
    return [
        {
            "plan": s.plan.name if s.plan else None,
            "status": s.status.value,
            "email": s.email,
            "first_month": s.first_month.isoformat(),
            "ship_to": s.postal_address.to_dict(),
            "gift_message": s.gift_message,
            "created_at": s.created_at.isoformat(),
        }
        for s in user_subscriptions(user)
    ]


def _exported(user: User, **_) -> tuple[str, list[dict]]:
    return "subscriptions", export_subscriptions(user)


def connect() -> None:
    """Hook the subscriptions area to the account signals (once, when the app starts)."""
    accounts.data_exported.connect(_exported)
    accounts.account_closing.connect(manage.close_account)
