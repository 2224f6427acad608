import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.addresses import AddressColumns
from ..core.carriers import CARRIERS, tracking_url
from ..core.money import exact_share
from ..core.vat import VatTreatment
from ..db_types import enum_by_value, utcnow
from ..extensions import db
from ..orders.models import Order


class PlanKind(enum.Enum):
    MONTHLY = "monthly"  # rolling, billed every month
    PREPAID = "prepaid"  # billed every `months` months, cheaper per box
    GIFT = "gift"  # paid once for `months` boxes, never renews


class Plan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(enum_by_value(PlanKind))
    months: Mapped[int]  # boxes per payment
    price_pence: Mapped[int]  # VAT-inclusive, per payment, UK delivery included
    blurb: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def per_box_pence(self) -> int | None:
        """The price of one box, when the payment divides into whole pennies per box (else
        None: pages then show the payment alone, never a figure that doesn't multiply back)."""
        return exact_share(self.price_pence, self.months)

    @property
    def renews(self) -> bool:
        return self.kind is not PlanKind.GIFT


class Edition(db.Model):
    """One month's box: its theme, what is in it (for customs), its cutoff and ship date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)  # the first day of the month
    theme: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"description", "hs_code", "value_pence", "weight_g", "origin_country"}, ...]
    manifest: Mapped[list[dict]] = mapped_column(JSON, default=list)
    cutoff_at: Mapped[datetime]
    ships_on: Mapped[date]
    capacity: Mapped[int | None]

    @property
    def code(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def weight_g(self) -> int:
        return sum(item["weight_g"] for item in self.manifest)

    @property
    def customs_value_pence(self) -> int:
        return sum(item["value_pence"] for item in self.manifest)


class SubscriptionStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"  # checkout started, nothing paid yet
    ACTIVE = "active"
    PAUSED = "paused"  # no renewals are collected; boxes already paid for still ship
    ARREARS = "arrears"  # a renewal failed; no new box until it is paid
    ENDED = "ended"  # cancelled and past its paid period, a gift that has run out, or never paid

    @property
    def label(self) -> str:
        return {
            "pending_payment": "Waiting for payment",
            "active": "Active",
            "paused": "Paused",
            "arrears": "Payment overdue",
            "ended": "Ended",
        }[self.value]


class Subscription(AddressColumns, db.Model):
    """Where its boxes go is its address (the ship_* columns); each shipment keeps a copy of
    the address it was sent to, so a later change of address never rewrites history."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_by_value(SubscriptionStatus), default=SubscriptionStatus.PENDING_PAYMENT, index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)  # who pays
    first_month: Mapped[date]  # the first edition this subscription gets
    gift_message: Mapped[str | None] = mapped_column(Text)
    # A gift sent by email: the recipient claims it with a signed link (subscriptions/gifts.py)
    # and types their own address, which the buyer never sees. Until then the ship_* columns
    # hold only their name and the country the gift's shipping was paid for, and no box ships.
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    gift_from: Mapped[str | None] = mapped_column(String(120))  # the giver's name, as the recipient knows them
    claim_nonce: Mapped[str | None] = mapped_column(String(32))  # in the link; changes when claimed
    claimed_at: Mapped[datetime | None]
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    # Why they cancelled (churn.REASONS; optional), while the cancellation stands.
    cancel_reason: Mapped[str | None] = mapped_column(String(40), index=True)
    cancel_note: Mapped[str | None] = mapped_column(String(300))  # "something else", in their words
    provider: Mapped[str | None] = mapped_column(String(20))  # "stripe" or "demo"
    provider_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The payment page of the first payment (a Checkout Session id), until it is paid.
    checkout_reference: Mapped[str | None] = mapped_column(String(255))
    # Stripe: the Customer (for the Customer Portal). Demo: which demo card pays renewals.
    provider_customer_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The blog posts that brought the subscriber (blog/attribution.py): the first they read and
    # the last, within ATTRIBUTION_DAYS of subscribing. NULL: not from a post.
    first_touch_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)
    last_touch_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"), index=True)

    # The price it was sold at, per payment, as the customer pays it: set when it starts and
    # when moving house re-quotes it (pricing.sell_at). Pages and charges read these, so a
    # later change of the plan's price never changes a running subscription.
    box_pence: Mapped[int]
    shipping_pence: Mapped[int]
    vat_pence: Mapped[int]  # UK VAT included in total_pence
    vat_removed_pence: Mapped[int]  # export: the UK VAT taken off
    total_pence: Mapped[int]
    vat_treatment: Mapped[VatTreatment] = mapped_column(enum_by_value(VatTreatment))
    shipping_zone_name: Mapped[str] = mapped_column(String(80))
    priced_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A discount code it was sold with: discount_pence off each of the first
    # discount_payments payments (every payment when that is NULL). See pricing.BoxQuote.
    discount_code: Mapped[str | None] = mapped_column(String(40))
    discount_pence: Mapped[int] = mapped_column(default=0, server_default="0")
    discount_payments: Mapped[int | None]

    @property
    def sent_by_email(self) -> bool:
        """A gift whose recipient chooses the address (the buyer never sees it)."""
        return self.recipient_email is not None

    @property
    def awaiting_claim(self) -> bool:
        return self.recipient_email is not None and self.claimed_at is None

    plan: Mapped[Plan] = relationship()
    periods: Mapped[list["PaidPeriod"]] = relationship(back_populates="subscription", order_by="PaidPeriod.first_month")
    events: Mapped[list["SubscriptionEvent"]] = relationship(
        back_populates="subscription", order_by="SubscriptionEvent.id"
    )


class PaidPeriod(db.Model):
    """The boxes one payment paid for: editions first_month..last_month inclusive.

    One row per paid invoice (unique reference), so a repeated invoice.paid has one effect.
    A box ships for an edition only if a paid period covers its month.
    """

    __table_args__ = (CheckConstraint("last_month >= first_month", name="months_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    reference: Mapped[str] = mapped_column(String(255), unique=True)  # invoice or payment id
    first_month: Mapped[date]
    last_month: Mapped[date]
    amount_pence: Mapped[int]
    # What the amount was made of, as the subscription was priced when it was paid
    # (pricing.split_payment): the receipt shows these, whatever the price is later.
    box_pence: Mapped[int] = mapped_column(default=0, server_default="0")
    shipping_pence: Mapped[int] = mapped_column(default=0, server_default="0")
    vat_pence: Mapped[int] = mapped_column(default=0, server_default="0")  # UK VAT included in amount_pence
    vat_removed_pence: Mapped[int] = mapped_column(default=0, server_default="0")  # export: VAT taken off
    vat_treatment: Mapped[VatTreatment | None] = mapped_column(enum_by_value(VatTreatment))
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="periods")

    @property
    def is_export(self) -> bool:
        return self.vat_treatment is VatTreatment.EXPORT


class Skip(db.Model):
    __table_args__ = (UniqueConstraint("subscription_id", "edition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"))
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubscriptionEvent(db.Model):
    """Append-only history: every status move and every fact about a subscription."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # "status", "paid", "skip", "address", ...
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="events")


class BoxRun(db.Model):
    """Who ran an edition's box run, when, and how many shipments it created."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    run_by: Mapped[str] = mapped_column(String(120))
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    shipments_created: Mapped[int]


class ShipmentStatus(enum.Enum):
    PACKING = "packing"  # created by the box run, not handed to the carrier yet
    SHIPPED = "shipped"  # with the carrier: a tracking number, and the subscriber told

    @property
    def label(self) -> str:
        return {"packing": "Being packed", "shipped": "Shipped"}[self.value]


class Shipment(AddressColumns, db.Model):
    """One box for one subscription and one edition, with the address it goes to. Its
    status moves only through fulfilment.transition."""

    __table_args__ = (UniqueConstraint("subscription_id", "edition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"))
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id"), index=True)
    box_run_id: Mapped[int] = mapped_column(ForeignKey("box_run.id"), index=True)
    status: Mapped[ShipmentStatus] = mapped_column(
        enum_by_value(ShipmentStatus), default=ShipmentStatus.PACKING, server_default=ShipmentStatus.PACKING.value
    )
    carrier: Mapped[str | None] = mapped_column(String(40))  # a code from core/carriers.py
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship()
    edition: Mapped[Edition] = relationship()

    @property
    def is_shipped(self) -> bool:
        return self.status is ShipmentStatus.SHIPPED

    @property
    def carrier_name(self) -> str:
        carrier = CARRIERS.get(self.carrier or "")
        return carrier.name if carrier else ""

    @property
    def tracking_url(self) -> str | None:
        return tracking_url(self.carrier, self.tracking_number)


class BoxAddOn(db.Model):
    """A one-off item a subscriber added to their next box: an order of its own (paid at
    once, no shipping: it travels in the box). The box run puts it in the subscription's
    next shipment (shipment_id); if the subscription ends first, the order is refunded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    month: Mapped[date]  # the box it was added to when bought (the box run takes the next one that ships)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship()
    order: Mapped[Order] = relationship()
    shipment: Mapped[Shipment | None] = relationship()
