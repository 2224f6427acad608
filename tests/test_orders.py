"""Orders: the snapshot, the state machine, stock reservation and release, the payment
functions providers call, and `flask orders expire-stale`."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from shop.cart import services as cart
from shop.checkout import services as checkout
from shop.core import vat
from shop.core.vat import VatRate
from shop.extensions import db
from shop.models import Product, Variant
from shop.orders import services as orders
from shop.orders.models import ImmutableSnapshot, Order, OrderEvent, OrderStatus

from .commerce import details, items, place, variant

S = OrderStatus


def stock(sku: str) -> int:
    db.session.expire_all()
    return variant(sku).stock


def status_events(order: Order) -> list[tuple]:
    rows = db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "status").order_by(OrderEvent.id)
    )
    return [(e.from_status, e.to_status) for e in rows]


def test_placing_writes_the_snapshot_and_reserves_stock(seeded):
    with seeded.app_context():
        order = place(items(MASK_MIX_30=2, MAG_001=1), "DE")
        assert order.number.startswith("IMK-") and len(order.number) == 12
        assert len(order.access_token) >= 40
        assert order.status is S.PENDING_PAYMENT
        assert (order.ship_name, order.ship_city, order.ship_country) == ("Jana Müller", "Berlin", "DE")
        assert order.is_export and order.vat_pence == 0
        lines = {line.sku: line for line in order.lines}
        mask = lines["MASK-MIX-30"]
        assert (mask.catalogue_price_pence, mask.unit_price_pence, mask.quantity, mask.line_total_pence) == (
            3900,
            3250,
            2,
            6500,
        )
        assert (mask.hs_code, mask.origin_country, mask.weight_g, mask.customs_description) == (
            "3304.99",
            "KR",
            850,
            "Cosmetic sheet masks",
        )
        # a magazine is zero-rated: an export pays its full price, there is no VAT to take off
        assert lines["MAG-001"].unit_price_pence == 699 and lines["MAG-001"].free_shipping
        assert (lines["MAG-001"].vat_rate_percent, lines["MASK-MIX-30"].vat_rate_percent) == (0, 20)
        assert order.items_pence == 6500 + 699
        assert order.shipping_pence == 1495 - 249  # 1.7 kg to Europe: £14.95 less VAT
        assert order.total_pence == order.items_pence + order.shipping_pence
        assert order.shipping_method == "Tracked parcel — Europe" and order.parcel_weight_g == 1700
        assert stock("MASK-MIX-30") == 8 - 2 and stock("MAG-001") == 40 - 1
        assert status_events(order) == [(None, "pending_payment")]


def test_uk_order_lines_carry_their_vat_at_the_products_rate(seeded):
    with seeded.app_context():
        order = place(items(MASK_MIX_7=2, MAG_001=3), "GB")
        lines = {line.sku: line for line in order.lines}
        mask, magazine = lines["MASK-MIX-7"], lines["MAG-001"]
        assert (mask.unit_price_pence, mask.vat_rate_percent, mask.vat_pence, mask.line_total_pence) == (
            1200,
            20,
            400,
            2400,
        )
        assert (magazine.unit_price_pence, magazine.vat_rate_percent, magazine.vat_pence) == (699, 0, 0)
        shipping_vat = vat.vat_in_gross(order.shipping_pence)
        assert order.vat_pence == 400 + shipping_vat
        assert order.total_pence == 2400 + 2097 + order.shipping_pence
        assert order.vat_note == "Includes UK VAT at 20% on standard-rated items"


def test_a_later_change_of_a_products_rate_never_alters_a_placed_order(seeded):
    with seeded.app_context():
        order = place(items(MAG_001=1), "GB")
        magazine = db.session.scalar(select(Product).where(Product.slug == "magazine-issue-1-hallyu"))
        magazine.vat_rate = VatRate.STANDARD
        db.session.commit()
        db.session.refresh(order)
        line = order.lines[0]
        assert (line.vat_rate_percent, line.vat_pence, order.vat_pence) == (0, 0, 0)
        assert order.vat_note == "Zero-rated for UK VAT — no VAT charged"
        again = place(items(MAG_001=1), "GB", email="second@example.com")
        assert (again.lines[0].vat_rate_percent, again.vat_pence) == (20, 117)


def test_the_snapshot_cannot_be_changed(seeded):
    with seeded.app_context():
        order = place(items(MAG_001=1))
        order.total_pence = 1
        with pytest.raises(ImmutableSnapshot, match="total_pence"):
            db.session.flush()
        db.session.rollback()
        order.lines[0].unit_price_pence = 1
        with pytest.raises(ImmutableSnapshot):
            db.session.flush()
        db.session.rollback()


def test_out_of_stock_places_nothing_and_takes_nothing(seeded):
    with seeded.app_context():
        # The cart was priced with 2 honey masks in stock; one sold elsewhere before placing.
        quote = checkout.price(cart.load(items(MASK_MIX_7=1, MASK_HONEY_7=2)), details())
        db.session.execute(update(Variant).where(Variant.sku == "MASK-HONEY-7").values(stock=1))
        db.session.commit()
        with pytest.raises(orders.OutOfStock, match="only 1 of Honey & Rice Sheet Masks — 7-day set left") as caught:
            orders.place_order(checkout.draft_order(quote))
        db.session.rollback()  # what the edge does on the typed error
        assert caught.value.available == 1
        assert db.session.scalar(select(Order)) is None
        assert stock("MASK-MIX-7") == 25 and stock("MASK-HONEY-7") == 1


def test_the_whole_journey_through_the_state_machine(seeded):
    with seeded.app_context():
        order = place(items(MAG_001=1))
        assert orders.confirm_payment(order, provider="demo", reference="demo_1", actor="test")
        assert order.paid_at is not None and order.payment_reference == "demo_1"
        for to in (S.PACKED, S.SHIPPED, S.DELIVERED, S.REFUNDED):
            event = orders.transition(order, to, actor="admin:faye", reason="test")
            assert event.to_status == to.value and event.actor == "admin:faye"
        db.session.commit()
        assert status_events(order) == [
            (None, "pending_payment"),
            ("pending_payment", "paid"),
            ("paid", "packed"),
            ("packed", "shipped"),
            ("shipped", "delivered"),
            ("delivered", "refunded"),
        ]
        assert stock("MAG-001") == 39  # a refund does not restock: the goods were sent


@pytest.mark.parametrize(
    "path, refused",
    [
        ([], S.SHIPPED),
        ([], S.REFUNDED),
        ([S.PAID], S.PENDING_PAYMENT),
        ([S.PAID, S.PACKED, S.SHIPPED], S.CANCELLED),  # a parcel that has left is refunded, not cancelled
        ([S.CANCELLED], S.PAID),
        ([S.EXPIRED], S.CANCELLED),
        ([S.PAID, S.REFUNDED], S.PACKED),
    ],
)
def test_refused_moves_raise_and_change_nothing(seeded, path, refused):
    with seeded.app_context():
        order = place(items(MAG_001=1))
        for to in path:
            orders.transition(order, to, actor="test")
        db.session.commit()
        before = status_events(order)
        with pytest.raises(orders.IllegalTransition, match=f"to {refused.value}"):
            orders.transition(order, refused, actor="test")
        db.session.rollback()
        assert status_events(order) == before


def test_cancel_and_expire_release_the_stock_once(seeded):
    with seeded.app_context():
        a = place(items(MASK_MIX_30=3))
        b = place(items(MASK_MIX_30=2))
        assert stock("MASK-MIX-30") == 3
        assert orders.fail_payment(a, reason="card declined", actor="demo")
        assert not orders.fail_payment(a, reason="card declined", actor="demo")  # a repeat: no second release
        db.session.commit()
        assert stock("MASK-MIX-30") == 6
        assert orders.expire_order(b, reason="session expired", actor="stripe")
        assert not orders.expire_order(b, reason="session expired", actor="stripe")
        db.session.commit()
        assert stock("MASK-MIX-30") == 8
        assert [e.to_status for e in b.events if e.kind == "status"] == ["pending_payment", "expired"]


def test_payment_functions_are_idempotent(seeded):
    with seeded.app_context():
        order = place(items(MAG_001=1))
        assert orders.confirm_payment(order, provider="stripe", reference="cs_1", actor="stripe:evt_1")
        assert not orders.confirm_payment(order, provider="stripe", reference="cs_1", actor="stripe:evt_1")
        assert not orders.fail_payment(order, reason="late failure", actor="stripe")
        assert not orders.expire_order(order, reason="late expiry", actor="stripe")
        db.session.commit()
        assert order.status is S.PAID
        assert orders.order_by_payment_reference("cs_1") is order
        assert orders.order_by_id(order.id) is order

        # Partial refund: an event only. The same refund twice: one effect. Then the rest: refunded.
        assert orders.record_refund(order, amount_pence=100, reference="re_1", actor="stripe")
        assert not orders.record_refund(order, amount_pence=100, reference="re_1", actor="stripe")
        assert order.status is S.PAID
        assert orders.record_refund(order, amount_pence=order.total_pence - 100, reference="re_2", actor="stripe")
        db.session.commit()
        assert order.status is S.REFUNDED
        assert [e.reference for e in order.events if e.kind == "refund"] == ["re_1", "re_2"]


def test_money_arriving_for_a_cancelled_order_is_flagged_for_refund(seeded):
    with seeded.app_context():
        order = place(items(MAG_001=1))
        orders.fail_payment(order, reason="customer left", actor="customer")
        assert not orders.confirm_payment(order, provider="stripe", reference="cs_9", actor="stripe")
        assert not orders.confirm_payment(order, provider="stripe", reference="cs_9", actor="stripe")
        db.session.commit()
        late = [e for e in order.events if e.kind == "late_payment"]
        assert len(late) == 1 and "refund needed" in late[0].reason
        assert order.status is S.CANCELLED


def test_a_stale_copy_cannot_move_an_order_twice(seeded):
    """Two processes load the same pending order; the second one's move loses."""
    with seeded.app_context():
        order = place(items(MAG_001=1))
        number = order.number
        db.session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(version=Order.version + 1)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(orders.ConcurrentUpdate):
            orders.transition(order, S.PAID, actor="test")
        db.session.rollback()
        assert orders.order_by_number(number).status is S.PENDING_PAYMENT


def test_expire_stale_cli_expires_only_old_unpaid_orders(seeded):
    with seeded.app_context():
        old = place(items(MASK_MIX_30=1))
        paid_old = place(items(MASK_MIX_30=1))
        fresh = place(items(MASK_MIX_30=1))
        orders.confirm_payment(paid_old, provider="demo", reference="x", actor="test")
        long_ago = datetime.now(UTC) - timedelta(hours=3)
        db.session.execute(update(Order).where(Order.id.in_([old.id, paid_old.id])).values(created_at=long_ago))
        db.session.commit()
        assert stock("MASK-MIX-30") == 5
        old, paid_old, fresh = old.number, paid_old.number, fresh.number
    result = seeded.test_cli_runner().invoke(args=["orders", "expire-stale", "--older-than-minutes", "60"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.output.splitlines() == [f"expired {old}", "1 order(s) expired"]
    with seeded.app_context():
        assert orders.order_by_number(old).status is S.EXPIRED
        assert orders.order_by_number(paid_old).status is S.PAID
        assert orders.order_by_number(fresh).status is S.PENDING_PAYMENT
        assert stock("MASK-MIX-30") == 6
