"""Where Culture Box subscriptions meet customer accounts: the account page's list (and its
payments beside the orders), the customer's data download, and what
deleting an account does to them (manage.close_account).
Accounts sit below subscriptions, so `connect()` hooks this area to their signals."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, selectinload

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from . import lifecycle, manage
from .models import PaidPeriod, Subscription
from .models import SubscriptionStatus as S


def user_subscriptions(user: User) -> list[Subscription]:
    """The customer's subscriptions, newest first. A checkout that ended without a payment
    (abandoned, declined, or replaced by a later attempt) was never a subscription to the
    customer, so it is left out; one still waiting for payment is listed as not completed."""
    never_paid = ~exists().where(PaidPeriod.subscription_id == Subscription.id)
    query = (
        select(Subscription)
        .where(Subscription.user_id == user.id, ~((Subscription.status == S.ENDED) & never_paid))
        .order_by(Subscription.id.desc())
        .options(selectinload(Subscription.plan), selectinload(Subscription.periods))
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class BoxPayment:
    """One Culture Box payment, for the account's list of orders and payments."""

    period: PaidPeriod
    subscription: Subscription
    boxes: list[date]

    @property
    def paid_at(self) -> datetime:
        return self.period.paid_at


def box_payments(user: User) -> list[BoxPayment]:
    """Every payment of the customer's subscriptions, newest first."""
    query = (
        select(PaidPeriod)
        .join(PaidPeriod.subscription)
        .where(Subscription.user_id == user.id)
        .options(contains_eager(PaidPeriod.subscription).selectinload(Subscription.plan))
        .order_by(PaidPeriod.paid_at.desc(), PaidPeriod.id.desc())
    )
    return [
        BoxPayment(period, period.subscription, lifecycle.boxes_bought(period.subscription, period))
        for period in db.session.scalars(query)
    ]


def orders_and_payments(orders: list, user: User) -> list:
    """The account's orders and box payments in one list, newest first (an order by when it
    was placed, a payment by when it was taken)."""
    return sorted(
        [*orders, *box_payments(user)],
        key=lambda item: item.paid_at if isinstance(item, BoxPayment) else item.created_at,
        reverse=True,
    )


def gifts_received(user: User) -> list[Subscription]:
    """Gifts sent by email that this customer claimed: read-only for them (the buyer
    manages the gift), but their boxes and tracking are theirs to follow."""
    query = (
        select(Subscription)
        .where(Subscription.recipient_user_id == user.id, Subscription.claimed_at.is_not(None))
        .order_by(Subscription.id.desc())
        .options(selectinload(Subscription.plan))
    )
    return list(db.session.scalars(query))


def export_subscriptions(user: User) -> list[dict]:
    return [
        {
            "plan": s.plan.name if s.plan else None,
            "status": s.status.value,
            "email": s.email,
            "first_month": s.first_month.isoformat(),
            # A gift sent by email goes where its recipient said: theirs, not the buyer's data.
            "ship_to": (
                {"name": s.ship_name, "email": s.recipient_email, "country": s.ship_country}
                if s.sent_by_email
                else s.postal_address.to_dict()
            ),
            "gift_message": s.gift_message,
            "created_at": s.created_at.isoformat(),
        }
        for s in db.session.scalars(select(Subscription).where(Subscription.user_id == user.id))
    ]


def _exported(user: User, **_) -> tuple[str, list[dict]]:
    return "subscriptions", export_subscriptions(user)


def connect() -> None:
    """Hook the subscriptions area to the account signals (once, when the app starts)."""
    accounts.data_exported.connect(_exported)
    accounts.account_closing.connect(manage.close_account)
