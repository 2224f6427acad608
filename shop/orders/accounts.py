"""Where orders meet customer accounts.

An order belongs to an account through `Order.user_id`:
- an order placed while signed in is linked when it is placed (checkout);
- "create an account" from a guest order's confirmation page links that order at once,
  because the new customer holds the order's secret token and used its email;
- every other guest order placed with the same email is claimed once that email is
  confirmed (at confirmation, and again at each sign-in for guest orders placed later).
The account pages then list orders by `user_id` only: one rule, one query.

Accounts sit below orders, so they announce these moments as signals
(shop/accounts/services.py) and `connect()` below hooks the orders area to them.
Orders are immutable snapshots (shop.orders.models refuses ORM updates to them), so the
link is an explicit SQL UPDATE.
"""

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from . import services
from .models import Order


def link_order_by_token(user: User, number: str, access_token: str) -> bool:
    """Link one guest order to `user`, given its number and secret token and the same email."""
    result = db.session.execute(
        update(Order)
        .where(
            Order.number == number,
            Order.access_token == access_token,
            Order.user_id.is_(None),
            func.lower(Order.email) == user.email,
        )
        .values(user_id=user.id, version=Order.version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_guest_orders(user: User) -> int:
    """Link every guest order placed with this account's email, once it is confirmed."""
    if not user.email_confirmed:
        return 0
    result = db.session.execute(
        update(Order)
        .where(Order.user_id.is_(None), func.lower(Order.email) == user.email)
        .values(user_id=user.id, version=Order.version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# Built once: the account page runs it on every visit.
_USER_ORDERS = (
    select(Order)
    .where(Order.user_id == bindparam("user_id"))
    .options(selectinload(Order.lines))
    .order_by(Order.created_at.desc(), Order.id.desc())
)


def user_orders(user: User) -> list:
    """The customer's orders, newest first, with their lines."""
    return list(db.session.scalars(_USER_ORDERS, {"user_id": user.id}))


def export_orders(user: User) -> list[dict]:
    return [
        {
            "number": order.number,
            "placed_at": order.created_at.isoformat(),
            "status": order.status.value,
            "email": order.email,
            "currency": order.currency,
            "ship_to": order.postal_address.to_dict(),
            "shipping_method": order.shipping_method,
            "items_pence": order.items_pence,
            "shipping_pence": order.shipping_pence,
            "discount_pence": order.discount_pence,
            "vat_pence": order.vat_pence,
            "total_pence": order.total_pence,
            "lines": [
                {
                    "name": line.name,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price_pence": line.unit_price_pence,
                    "line_total_pence": line.line_total_pence,
                }
                for line in order.lines
            ],
        }
        for order in user_orders(user)
    ]


def _linked_at_sign_up(user: User, *, order_number: str = "", order_token: str = "", **_) -> None:
    if order_number and order_token:
        link_order_by_token(user, order_number, order_token)


def _claimed(user: User, **_) -> None:
    claim_guest_orders(user)


def _exported(user: User, **_) -> tuple[str, list[dict]]:
    return "orders", export_orders(user)


def connect() -> None:
    """Hook the orders area to the account signals (once, when the app starts)."""
    accounts.account_created.connect(_linked_at_sign_up)
    accounts.email_verified.connect(_claimed)
    accounts.data_exported.connect(_exported)
    accounts.account_closing.connect(services.anonymise_account_orders)
