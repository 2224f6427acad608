"""Where accounts meet orders (shop.orders, built by the checkout work).

An order belongs to an account through `Order.user_id`:
- an order placed while signed in is linked when it is placed (checkout);
- "create an account" from a guest order's confirmation page links that order at once,
  because the new customer holds the order's secret token and used its email;
- every other guest order placed with the same email is claimed once that email is
  confirmed (at confirmation, and again at each sign-in for guest orders placed later).
The account pages then list orders by `user_id` only: one rule, one query.

Orders are immutable snapshots (shop.orders.models refuses ORM updates to them), so
the link is an explicit SQL UPDATE. Deleting an account anonymises its orders through
the orders area itself (it listens to accounts.services.account_closing).
"""

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import ANONYMISED_EMAIL, ANONYMISED_LINE, ANONYMISED_NAME, User  # noqa: F401


def order_model():
    """The Order model once it has the account link, else None (before orders exist)."""
    try:
        from ..orders.models import Order
    except ImportError:
        return None
    return Order if "user_id" in Order.__table__.c else None


def link_order_by_token(user: User, number: str, access_token: str) -> bool:
    """Link one guest order to `user`, given its number and secret token and the same email."""
    Order = order_model()
    if Order is None:
        return False
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
    Order = order_model()
    if Order is None or not user.email_confirmed:
        return 0
    result = db.session.execute(
        update(Order)
        .where(Order.user_id.is_(None), func.lower(Order.email) == user.email)
        .values(user_id=user.id, version=Order.version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def user_orders(user: User) -> list:
    """The customer's orders, newest first, with their lines."""
    Order = order_model()
    if Order is None:
        return []
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.user_id == user.id)
            .options(selectinload(Order.lines))
            .order_by(Order.created_at.desc(), Order.id.desc())
        )
    )


def export_orders(user: User) -> list[dict]:
    return [
        {
            "number": order.number,
            "placed_at": order.created_at.isoformat(),
            "status": order.status.value,
            "email": order.email,
            "currency": order.currency,
            "ship_to": {
                "name": order.ship_name,
                "line1": order.ship_line1,
                "line2": order.ship_line2,
                "city": order.ship_city,
                "postcode": order.ship_postcode,
                "country": order.ship_country,
            },
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


def checkout_prefill(user) -> dict:
    """What the checkout form starts with for a signed-in customer: their email and
    default address (the checkout's field names). Empty for a visitor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    values = {"email": user.email, "name": user.name}
    address = user.default_address
    if address is not None:
        values |= address.postal_address.to_dict()
    return values


def current_user_id() -> int | None:
    """The signed-in customer's id, for linking an order as it is placed."""
    from flask_login import current_user

    return current_user.id if current_user.is_authenticated else None
