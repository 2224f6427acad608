"""Where Culture Box subscriptions meet customer accounts: the account page's list (and its
payments beside the orders), the customer's data download, and what
deleting an account does to them (manage.close_account).
Accounts sit below subscriptions, so `connect()` hooks this area to their signals."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from . import lifecycle, manage
from .models import PaidPeriod, Subscription
from .models import SubscriptionStatus as S


@dataclass(frozen=True)
class BoxPayment:
    """One Culture Box payment, for the account's list of orders and payments."""

    period: PaidPeriod
    subscription: Subscription
    boxes: list[date]

    @property
    def paid_at(self) -> datetime:
        return self.period.paid_at


@dataclass(frozen=True)
class AccountBoxes:
    """What the account page shows of the Culture Box."""

    subscriptions: list[Subscription]  # the customer's own, newest first
    gifts_received: list[Subscription]  # gifts sent by email that they claimed, newest first
    payments: list[BoxPayment]  # every payment of their own subscriptions, newest first


# Built once: the account page runs it on every visit.
_ACCOUNT_SUBSCRIPTIONS = (
    select(Subscription)
    .where(
        or_(
            Subscription.user_id == bindparam("user_id"),
            (Subscription.recipient_user_id == bindparam("user_id")) & Subscription.claimed_at.is_not(None),
        )
    )
    .order_by(Subscription.id.desc())
    .options(selectinload(Subscription.plan), selectinload(Subscription.periods))
)


def account_boxes(user: User) -> AccountBoxes:
    """The customer's subscriptions, the gifts they claimed and the payments, from one query
    (and, only when it finds any, one for their plans and one for their payments): the
    account page is rendered on every visit, and most customers have none.

    A checkout that ended without a payment (abandoned, declined, or replaced by a later
    attempt) was never a subscription to the customer, so it is left out; one still waiting
    for payment is listed as not completed. A gift is read-only for its recipient (the buyer
    manages it), but its boxes and tracking are theirs to follow."""
    found = list(db.session.scalars(_ACCOUNT_SUBSCRIPTIONS, {"user_id": user.id}))
    own = [s for s in found if s.user_id == user.id and not (s.status == S.ENDED and not s.periods)]
    gifts = [s for s in found if s.recipient_user_id == user.id and s.claimed_at is not None]
    payments = [
        BoxPayment(period, sub, lifecycle.boxes_bought(sub, period))
        for sub in found
        if sub.user_id == user.id
        for period in sub.periods
    ]
    payments.sort(key=lambda payment: (payment.paid_at, payment.period.id), reverse=True)
    return AccountBoxes(own, gifts, payments)


def orders_and_payments(orders: list, payments: list[BoxPayment]) -> list:
    """The account's orders and box payments in one list, newest first (an order by when it
    was placed, a payment by when it was taken)."""
    return sorted(
        [*orders, *payments],
        key=lambda item: item.paid_at if isinstance(item, BoxPayment) else item.created_at,
        reverse=True,
    )


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
