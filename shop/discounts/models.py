import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import enum_by_value, utcnow
from ..extensions import db


class DiscountKind(enum.Enum):
    PERCENTAGE = "percentage"  # percent_off of the items
    FIXED_AMOUNT = "fixed_amount"  # amount_off_pence (VAT-inclusive, like catalogue prices) off the items
    FREE_SHIPPING = "free_shipping"  # the quoted shipping is taken off


class DiscountDuration(enum.Enum):
    """How many payments of a Culture Box subscription a code applies to (an order is one
    payment, so it is always "once" there). Named as Stripe names a coupon's duration."""

    ONCE = "once"  # the first payment
    REPEATING = "repeating"  # the first `duration_payments` payments
    FOREVER = "forever"  # every payment


class DiscountCode(db.Model):
    __table_args__ = (
        CheckConstraint(
            "(duration = 'repeating') = (duration_payments IS NOT NULL AND duration_payments > 1)",
            name="repeating_has_payments",
        ),
        CheckConstraint("times_used >= 0", name="times_used_not_negative"),
        CheckConstraint("usage_limit IS NULL OR times_used <= usage_limit", name="within_usage_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # stored upper-case
    description: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[DiscountKind] = mapped_column(enum_by_value(DiscountKind))
    percent_off: Mapped[int | None]
    amount_off_pence: Mapped[int | None]
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    usage_limit: Mapped[int | None]  # total uses across every customer
    per_customer_limit: Mapped[int | None]  # uses per email address
    duration: Mapped[DiscountDuration] = mapped_column(
        enum_by_value(DiscountDuration), default=DiscountDuration.ONCE, server_default=DiscountDuration.ONCE.value
    )
    duration_payments: Mapped[int | None]  # REPEATING only: how many payments, 2 or more
    times_used: Mapped[int] = mapped_column(default=0)  # reserved by placed orders, see services
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    redemptions: Mapped[list["DiscountRedemption"]] = relationship(back_populates="discount")

    @property
    def payments(self) -> int | None:
        """How many payments it takes something off; None: every payment."""
        return {DiscountDuration.ONCE: 1, DiscountDuration.FOREVER: None}.get(self.duration, self.duration_payments)


class DiscountRedemption(db.Model):
    """A use of a code by an order or a Culture Box subscription: written when the order is
    placed (the subscription started), deleted if it ends before it is paid."""

    __table_args__ = (CheckConstraint("(order_id IS NULL) <> (subscription_id IS NULL)", name="order_or_subscription"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int] = mapped_column(ForeignKey("discount_code.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), unique=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscription.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased
    amount_pence: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    discount: Mapped[DiscountCode] = relationship(back_populates="redemptions")
