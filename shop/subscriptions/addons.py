"""Add to my next box: a subscriber buys a one-off item (a magazine, a mask set) that travels
in their next Culture Box, so it needs no shipping of its own.

It is an order like any other (a snapshot, stock reserved, paid through the gateway's
one-off payment: Stripe Checkout or the demo page, with the order's confirmation email),
priced for the subscription's address with shipping 0, plus a `BoxAddOn` row tying it to
the subscription. The box run puts every paid add-on into the subscription's shipment of
that run (the order moves to packed) and the packing list shows it under the parcel with
its customs line; when the box is marked shipped, so is the order. If the subscription
ends before a box takes it, the order is refunded.
Nothing here commits.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select

from ..catalog.models import Product, Variant
from ..core import vat
from ..core.vat import VatTreatment
from ..db_types import utcnow
from ..extensions import db
from ..orders import demo_sales
from ..orders import fulfilment as order_fulfilment
from ..orders import services as orders
from ..orders.models import Order, OrderEvent, OrderStatus
from ..payments import CheckoutRedirect, PaymentGateway, get_gateway
from . import fulfilment, lifecycle
from .lifecycle import SubscriptionError
from .models import BoxAddOn, Edition, PlanKind, Shipment, Subscription
from .models import SubscriptionStatus as S

log = logging.getLogger(__name__)

ACTOR = "customer"
ZONE = "culture-box"  # the order's shipping zone: it ships inside the box
MAX_QUANTITY = 10


@dataclass(frozen=True)
class NextBox:
    """The box an add-on bought now would travel in."""

    subscription: Subscription
    month: date

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}"


def next_box(sub: Subscription, now: datetime | None = None) -> NextBox | None:
    """The first box coming to `sub` that is still open for packing (its edition's cutoff
    not passed): a paid one, else the one the next payment buys. None when no box is
    coming (ended, paused with nothing paid, a gift's boxes all sent)."""
    now = now or utcnow()
    if sub.status not in (S.ACTIVE, S.PAUSED, S.ARREARS) or sub.plan.kind is PlanKind.GIFT:
        return None
    candidates = list(lifecycle.upcoming_boxes(sub, now))
    upcoming = lifecycle.next_payment(sub, now)
    if upcoming is not None and sub.status is S.ACTIVE:
        candidates.append(upcoming.month)
    editions = (
        {e.month: e for e in db.session.scalars(select(Edition).where(Edition.month.in_(candidates)))}
        if candidates
        else {}
    )
    for month in candidates:
        edition = editions.get(month)
        if edition is None or edition.cutoff_at >= now:
            return NextBox(sub, month)
    return None


def next_boxes_for(user_id: int | None, now: datetime | None = None) -> list[NextBox]:
    """The next box of each of the customer's subscriptions that can take an add-on."""
    if user_id is None:
        return []
    subs = db.session.scalars(
        select(Subscription)
        .where(Subscription.user_id == user_id, Subscription.status.in_((S.ACTIVE, S.PAUSED, S.ARREARS)))
        .order_by(Subscription.id)
    )
    return [box for box in (next_box(sub, now) for sub in subs) if box is not None]


def _customs_description(product: Product) -> str:
    """Plain words a customs officer understands (CN22/CN23), as the checkout writes them."""
    return {"magazines": "Printed magazine", "beauty": "Cosmetic sheet masks"}.get(product.category.slug, product.name)[
        :200
    ]


def add_to_next_box(
    sub: Subscription, variant_id: int, quantity: int, *, now: datetime | None = None
) -> tuple[Order, BoxAddOn]:
    """Place the order for `quantity` of the variant, to travel in `sub`'s next box: priced
    for the box's address (VAT removed for an export), no shipping, stock reserved. Raises
    SubscriptionError (no box coming, not for sale) or orders.OutOfStock: the caller rolls
    back."""
    box = next_box(sub, now)
    if box is None:
        raise SubscriptionError("No Culture Box is coming to you that this could travel in.")
    variant = db.session.get(Variant, variant_id)
    if variant is None or not variant.product.is_active or variant.product.is_subscription:
        raise SubscriptionError("That item can't be added to a box.")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise SubscriptionError(f"Choose between 1 and {MAX_QUANTITY}.")
    country = sub.ship_country
    line = vat.price_line(country, variant.price_pence, quantity)
    totals = vat.order_totals(country, [line], 0)
    name = f"{variant.product.name} — {variant.name}" if len(variant.product.variants) > 1 else variant.product.name
    draft = orders.NewOrder(
        email=sub.email,
        address=sub.postal_address,
        lines=[
            orders.NewLine(
                variant_id=variant.id,
                name=name,
                sku=variant.sku,
                catalogue_price_pence=line.catalogue_price_pence,
                unit_price_pence=line.unit_price_pence,
                quantity=quantity,
                vat_pence=line.vat_charged_pence,
                customs_description=_customs_description(variant.product),
                hs_code=variant.hs_code,
                origin_country=variant.origin_country,
                weight_g=variant.weight_g,
                free_shipping=True,
            )
        ],
        vat_treatment=VatTreatment.for_country(country),
        shipping_zone=ZONE,
        shipping_method=f"In your Culture Box ({box.label} box)",
        parcel_weight_g=variant.weight_g * quantity,
        items_pence=totals.items_pence,
        shipping_pence=0,
        discount_id=None,
        discount_code=None,
        discount_pence=0,
        vat_pence=totals.vat_pence,
        vat_removed_pence=totals.vat_removed_pence,
        total_pence=totals.total_pence,
    )
    order = orders.place_order(draft, user_id=sub.user_id)
    addon = BoxAddOn(subscription=sub, order_id=order.id, month=box.month)
    db.session.add(addon)
    lifecycle.record(sub, "add_on", actor=ACTOR, detail=f"order {order.number}: {quantity} × {variant.sku}")
    db.session.flush()
    return order, addon


def start_payment(
    order: Order, *, success_url: str, cancel_url: str, gateway: PaymentGateway | None = None
) -> CheckoutRedirect:
    """Open the one-off payment page for an add-on's order (Stripe Checkout or the demo's)."""
    gateway = gateway or get_gateway()
    attempt = orders.begin_payment_attempt(order, provider=gateway.name)
    redirect = gateway.start_order_payment(order, attempt=attempt, success_url=success_url, cancel_url=cancel_url)
    orders.record_payment_reference(order, redirect.reference)
    return redirect


def waiting(sub: Subscription) -> list[Order]:
    """The paid add-on orders no box has taken yet, oldest first."""
    return list(
        db.session.scalars(
            select(Order)
            .join(BoxAddOn, BoxAddOn.order_id == Order.id)
            .where(BoxAddOn.subscription_id == sub.id, BoxAddOn.shipment_id.is_(None), Order.status == OrderStatus.PAID)
            .order_by(Order.id)
        )
    )


# -- the box run ------------------------------------------------------------------------------


def pack_into(edition: Edition) -> int:
    """Put every paid add-on not yet in a box into its subscription's shipment of `edition`
    (its order moves to packed). Returns how many were packed."""
    rows = db.session.execute(
        select(BoxAddOn, Shipment.id)
        .join(Order, Order.id == BoxAddOn.order_id)
        .join(Shipment, (Shipment.subscription_id == BoxAddOn.subscription_id) & (Shipment.edition_id == edition.id))
        .where(BoxAddOn.shipment_id.is_(None), Order.status == OrderStatus.PAID)
        .order_by(BoxAddOn.id)
    ).all()
    for addon, shipment_id in rows:
        addon.shipment_id = shipment_id
        orders.transition(addon.order, OrderStatus.PACKED, actor="box run", reason=f"packed in the {edition.code} box")
    db.session.flush()
    return len(rows)


# -- refunds ----------------------------------------------------------------------------------


def refund_unsent(subscription_id: int | None = None) -> list[str]:
    """Refund every paid add-on that no box took, of subscriptions that have ended (or of
    the one given, once it has ended). Returns the order numbers refunded or asked to be."""
    query = (
        select(BoxAddOn)
        .join(Order, Order.id == BoxAddOn.order_id)
        .join(Subscription, Subscription.id == BoxAddOn.subscription_id)
        .where(
            BoxAddOn.shipment_id.is_(None),
            Order.status == OrderStatus.PAID,
            Subscription.status == S.ENDED,
            ~exists().where(OrderEvent.order_id == Order.id, OrderEvent.kind == order_fulfilment.REFUND_REQUESTED),
        )
        .order_by(BoxAddOn.id)
    )
    if subscription_id is not None:
        query = query.where(BoxAddOn.subscription_id == subscription_id)
    refunded = []
    for addon in db.session.scalars(query).all():
        order = addon.order
        try:
            order_fulfilment.request_refund(
                order,
                order_fulfilment.refundable_pence(order),
                seen_pence=order_fulfilment.requested_pence(order),
                reason="its Culture Box subscription ended before a box could take it",
                actor="box add-on",
            )
        except order_fulfilment.FulfilmentError as error:  # paid through a provider not running now
            log.error("Box add-on order %s not refunded: %s", order.number, error)
            continue
        log.info("Box add-on order %s refunded: no box took it", order.number)
        refunded.append(order.number)
    return refunded


def _subscription_ended(sub: Subscription) -> None:
    refund_unsent(sub.id)


def _box_shipped(shipment: Shipment, **_) -> None:
    """The box left with its carrier: so did the items packed in it."""
    for addon in db.session.scalars(select(BoxAddOn).where(BoxAddOn.shipment_id == shipment.id)):
        if orders.can_move(addon.order.status, OrderStatus.SHIPPED):
            orders.transition(
                addon.order, OrderStatus.SHIPPED, actor="box shipped", reason=f"in Culture Box #{shipment.id}"
            )


def is_add_on(order: Order) -> bool:
    return db.session.scalar(select(BoxAddOn.id).where(BoxAddOn.order_id == order.id)) is not None


lifecycle.when_ended(_subscription_ended)
fulfilment.shipment_shipped.connect(_box_shipped)
demo_sales.NOT_FROM_THE_CART.append(is_add_on)
