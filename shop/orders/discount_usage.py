"""How each discount code is doing: uses and the revenue of the orders that used it.

Here rather than in discounts because it reads orders, which sit above discounts."""

from dataclasses import dataclass

from sqlalchemy import func, select

from ..discounts.models import DiscountCode, DiscountRedemption
from ..extensions import db
from .models import Order, OrderStatus

# Orders whose money the shop kept (a refunded or unpaid order earned nothing).
EARNING = (OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class Usage:
    uses: int  # redemptions held by placed orders (paid or waiting for payment)
    paid_orders: int
    revenue_pence: int  # what those paid orders took, discount already off
    discount_given_pence: int


def usage_by_code() -> dict[int, Usage]:
    rows = db.session.execute(
        select(
            DiscountRedemption.discount_id,
            func.count(),
            func.count().filter(Order.status.in_(EARNING)),
            func.coalesce(func.sum(Order.total_pence).filter(Order.status.in_(EARNING)), 0),
            func.coalesce(func.sum(DiscountRedemption.amount_pence).filter(Order.status.in_(EARNING)), 0),
        )
        .join(Order, Order.id == DiscountRedemption.order_id)
        .group_by(DiscountRedemption.discount_id)
    ).all()
    return {row[0]: Usage(*row[1:]) for row in rows}


def recent_orders(discount: DiscountCode, limit: int = 50) -> list[Order]:
    query = (
        select(Order)
        .join(DiscountRedemption, DiscountRedemption.order_id == Order.id)
        .where(DiscountRedemption.discount_id == discount.id)
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
