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


class DiscountCode(db.Model):
    __table_args__ = (
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
    times_used: Mapped[int] = mapped_column(default=0)  # reserved by placed orders, see services
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    redemptions: Mapped[list["DiscountRedemption"]] = relationship(back_populates="discount")


class DiscountRedemption(db.Model):
    """A use of a code by an order: written when the order is placed, deleted if the
    order is cancelled or expires before it is paid."""

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int] = mapped_column(ForeignKey("discount_code.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased
    amount_pence: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    discount: Mapped[DiscountCode] = relationship(back_populates="redemptions")
