"""Orders: immutable snapshots of what was bought, where it goes and what it cost.

An order is written once, when the customer places it, and its snapshot (address, lines,
prices, VAT, shipping, discount, totals) never changes afterwards: a before-update hook
refuses any change to those columns. Only the status (through orders.services.transition),
the payment fields and the timestamps move.
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, attributes, mapped_column, relationship

from ..core.addresses import AddressColumns
from ..core.carriers import CARRIERS, tracking_url
from ..core.vat import VatTreatment, vat_note_for
from ..db_types import enum_by_value, utcnow
from ..extensions import db


class OrderStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return {
            "pending_payment": "Payment processing",
            "paid": "Paid",
            "packed": "Packed",
            "shipped": "Shipped",
            "delivered": "Delivered",
            "cancelled": "Cancelled",
            "expired": "Expired",
            "refunded": "Refunded",
        }[self.value]


class ImmutableSnapshot(RuntimeError):
    """Something tried to change an order's snapshot after it was placed."""


class Order(AddressColumns, db.Model):
    # `order` is a reserved word; the table name is quoted by SQLAlchemy everywhere.
    __tablename__ = "order"
    __table_args__ = (
        # The back office's order list: newest first within a status or a country.
        Index("ix_order_status_id", "status", "id"),
        Index("ix_order_ship_country_id", "ship_country", "id"),
        # The dashboard's sales by day: read from the index alone.
        Index("ix_order_paid_at_status_total_pence", "paid_at", "status", "total_pence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    # The customer's account (shop.accounts), or NULL for a guest order. Linked when placed
    # signed in, or claimed later by shop.orders.accounts (see docs/accounts.md).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Where it goes: the ship_* columns of core.addresses.AddressColumns.

    status: Mapped[OrderStatus] = mapped_column(
        enum_by_value(OrderStatus), default=OrderStatus.PENDING_PAYMENT, index=True
    )
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    vat_treatment: Mapped[VatTreatment] = mapped_column(enum_by_value(VatTreatment))

    shipping_zone: Mapped[str] = mapped_column(String(40))
    shipping_method: Mapped[str] = mapped_column(String(120))
    parcel_weight_g: Mapped[int] = mapped_column(default=0)
    # Every amount below is what the customer pays (pence): for an export, VAT already removed.
    items_pence: Mapped[int]
    shipping_pence: Mapped[int]
    discount_code: Mapped[str | None] = mapped_column(String(40))
    discount_pence: Mapped[int] = mapped_column(default=0)
    vat_pence: Mapped[int] = mapped_column(default=0)  # UK VAT included in total_pence
    vat_removed_pence: Mapped[int] = mapped_column(default=0)  # export: VAT taken off
    total_pence: Mapped[int]

    # What the order was placed for (cart and checkout details, hashed): a repeated Pay for the
    # same reuses this order while it waits for payment, instead of holding stock twice.
    checkout_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    # The blog posts that brought the customer (blog/attribution.py): the first they read and
    # the last, within ATTRIBUTION_DAYS of placing the order. NULL: not from a post.
    first_touch_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)
    last_touch_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)

    payment_provider: Mapped[str | None] = mapped_column(String(20))
    payment_reference: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_attempts: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None]
    # Set when the order is shipped: the carrier's code (core.carriers) and tracking number.
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None]
    # Optimistic lock: two processes moving the same order at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_export(self) -> bool:
        return self.vat_treatment is VatTreatment.EXPORT

    @property
    def is_pending(self) -> bool:
        return self.status is OrderStatus.PENDING_PAYMENT

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def country_name(self) -> str:
        return self.ship_country_name

    @property
    def vat_note(self) -> str:
        """The receipt's VAT line, from the rates its lines were sold at."""
        return vat_note_for(
            [line.vat_rate_percent for line in self.lines], export=self.is_export, vat_pence=self.vat_pence
        )

    @property
    def tracking_url(self) -> str | None:
        return tracking_url(self.carrier, self.tracking_number)

    @property
    def carrier_name(self) -> str | None:
        carrier = CARRIERS.get(self.carrier or "")
        return carrier.name if carrier else self.carrier


# Columns that may change after placing; everything else is the snapshot.
MUTABLE_ORDER_COLUMNS = frozenset(
    {
        "status",
        "payment_provider",
        "payment_reference",
        "payment_attempts",
        "updated_at",
        "paid_at",
        "version",
        "carrier",
        "tracking_number",
        "shipped_at",
    }
)


class OrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    # Kept to release stock; the snapshot below is what the customer bought.
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variant.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(300))  # product and variant, e.g. "Sheet Mask Set — 1-month set"
    sku: Mapped[str] = mapped_column(String(64))
    catalogue_price_pence: Mapped[int]  # the VAT-inclusive catalogue price at the time
    unit_price_pence: Mapped[int]  # what the customer pays per unit (export: VAT removed)
    quantity: Mapped[int]
    line_total_pence: Mapped[int]  # unit_price_pence × quantity
    vat_pence: Mapped[int]  # UK VAT included in line_total_pence (0 for an export)
    # The product's UK VAT rate when it was sold (20 or 0), kept so that a later change of
    # the product's rate never alters a placed order.
    vat_rate_percent: Mapped[int] = mapped_column(default=20, server_default="20")
    # Customs data for CN22/CN23.
    customs_description: Mapped[str] = mapped_column(String(200))
    hs_code: Mapped[str] = mapped_column(String(16))
    origin_country: Mapped[str] = mapped_column(String(2))
    weight_g: Mapped[int]  # per unit
    free_shipping: Mapped[bool] = mapped_column(default=False)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(db.Model):
    """One row per status move and per payment fact (append-only)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # "status", "payment_attempt", "refund", "late_payment", ...
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str | None] = mapped_column(String(255), index=True)
    amount_pence: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


def _changed_columns(mapper, target, allowed: frozenset[str]) -> list[str]:
    """The columns of `target` changed since it was loaded, other than `allowed`. Only the
    attributes set since loading are looked at (the session records them): a payment
    webhook that moves the status checks three columns, not all forty."""
    state = inspect(target)
    return [
        key
        for key in state.committed_state
        if key not in allowed and key in mapper.column_attrs and attributes.get_history(target, key).has_changes()
    ]


@event.listens_for(Order, "before_update")
def _refuse_snapshot_changes(mapper, connection, target: Order) -> None:
    for key in _changed_columns(mapper, target, MUTABLE_ORDER_COLUMNS):
        raise ImmutableSnapshot(f"order {target.number}: {key} is part of the snapshot and cannot change")


@event.listens_for(OrderLine, "before_update")
def _refuse_line_changes(mapper, connection, target: OrderLine) -> None:
    changed = _changed_columns(mapper, target, frozenset({"variant_id"}))
    if changed:
        raise ImmutableSnapshot(f"order line {target.sku}: {', '.join(changed)} cannot change")
