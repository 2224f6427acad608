"""Discount codes: each kind, validity dates, total and per-customer limits, reservations."""

import pytest
from sqlalchemy import select

from shop.cart import services as cart
from shop.checkout import services as checkout
from shop.discounts import services as discounts
from shop.discounts.models import DiscountCode, DiscountKind, DiscountRedemption
from shop.extensions import db
from shop.orders import services as orders

from .commerce import add_code, days, details, items, place


def totals(code, country="GB", email="buyer@example.com", **cart_items):
    cart_items = cart_items or {"MASK_MIX_30": 1}
    return checkout.price(cart.load(items(**cart_items)), details(country, email=email, discount_code=code)).totals


def test_percentage_fixed_and_free_shipping(seeded):
    with seeded.app_context():
        # 1 × £39.00 to the UK: items 3900, shipping 395 (VAT 650 + 66).
        t = totals("welcome10")  # seeded: 10%, case-insensitive
        assert (t.discount_pence, t.total_pence, t.vat_pence) == (390, 3905, 650 + 66 - 65)
        t = totals("FIVEOFF")  # £5
        assert (t.discount_pence, t.total_pence, t.vat_pence) == (500, 3795, 650 + 66 - 83)
        t = totals("FREESHIP")
        assert (t.discount_pence, t.total_pence, t.vat_pence) == (395, 3900, 650)
        # To Germany the VAT is off everything first: items 3250, shipping 829.
        t = totals("WELCOME10", "DE")
        assert (t.discount_pence, t.total_pence, t.vat_pence) == (325, 3754, 0)
        t = totals("FIVEOFF", "DE")  # £5 VAT-inclusive is £4.17 without VAT
        assert (t.discount_pence, t.total_pence) == (417, 3662)
        t = totals("FREESHIP", "DE")
        assert (t.discount_pence, t.total_pence) == (829, 3250)


def test_fixed_amount_never_exceeds_the_items(seeded):
    with seeded.app_context():
        add_code("BIG", DiscountKind.FIXED_AMOUNT, amount_off_pence=5000)
        t = totals("BIG", MAG_001=1)
        assert (t.discount_pence, t.total_pence) == (699, 0)


def test_free_shipping_on_an_order_that_already_ships_free_is_refused(seeded):
    with seeded.app_context():
        with pytest.raises(discounts.CodeNotApplicable, match="already ships free"):
            totals("FREESHIP", MAG_001=1)


def test_unknown_expired_not_yet_valid_and_inactive_codes(seeded):
    with seeded.app_context():
        with pytest.raises(discounts.UnknownCode, match="We don't recognise the discount code “NOPE”"):
            totals("nope")
        with pytest.raises(discounts.CodeExpired, match="SEOLLAL2024 expired on 15 February 2024"):
            totals("SEOLLAL2024")
        add_code("SOON", DiscountKind.PERCENTAGE, percent_off=5, valid_from=days(3))
        with pytest.raises(discounts.CodeNotYetValid, match="can be used from"):
            totals("SOON")
        add_code("OFF", DiscountKind.PERCENTAGE, percent_off=5, is_active=False)
        with pytest.raises(discounts.UnknownCode):
            totals("OFF")


def test_total_usage_limit_reserved_on_placing_and_released_on_cancel(seeded):
    with seeded.app_context():
        add_code("ONCE", DiscountKind.PERCENTAGE, percent_off=20, usage_limit=1)
        order = place(items(MASK_MIX_7=1), discount_code="ONCE", email="first@example.com")
        assert order.discount_code == "ONCE" and order.discount_pence == 240
        assert db.session.scalar(select(DiscountCode.times_used).where(DiscountCode.code == "ONCE")) == 1
        with pytest.raises(discounts.CodeUsedUp, match="ONCE has been used up"):
            totals("ONCE", email="second@example.com")
        # The first order is abandoned: the use comes back.
        orders.fail_payment(order, reason="payment abandoned", actor="customer")
        assert db.session.scalar(select(DiscountCode.times_used).where(DiscountCode.code == "ONCE")) == 0
        assert db.session.scalar(select(DiscountRedemption)) is None
        assert totals("ONCE", email="second@example.com").discount_pence == 780


def test_a_paid_order_keeps_its_use(seeded):
    with seeded.app_context():
        add_code("ONCE", DiscountKind.FIXED_AMOUNT, amount_off_pence=100, usage_limit=1)
        order = place(items(MASK_MIX_7=1), discount_code="ONCE")
        assert orders.confirm_payment(order, provider="demo", reference="r1", actor="test")
        db.session.commit()
        with pytest.raises(discounts.CodeUsedUp):
            totals("ONCE", email="other@example.com")


def test_per_customer_limit_by_email(seeded):
    with seeded.app_context():
        place(items(MASK_MIX_7=1), discount_code="WELCOME10", email="Faye@Example.com")
        with pytest.raises(discounts.CodeAlreadyUsed, match="already used the code WELCOME10"):
            totals("WELCOME10", email="faye@example.com")
        assert totals("WELCOME10", email="someone.else@example.com").discount_pence == 390


def test_the_last_use_cannot_be_reserved_twice(seeded):
    with seeded.app_context():
        code = add_code("LAST", DiscountKind.PERCENTAGE, percent_off=10, usage_limit=1)
        # Two checkouts both saw the code as usable; the second to place loses it.
        quote_a = checkout.price(cart.load(items(MASK_MIX_7=1)), details(email="a@example.com", discount_code="LAST"))
        quote_b = checkout.price(cart.load(items(MASK_MIX_7=1)), details(email="b@example.com", discount_code="LAST"))
        orders.place_order(checkout.draft_order(quote_a))
        db.session.commit()
        with pytest.raises(discounts.CodeUsedUp, match="just been used up"):
            orders.place_order(checkout.draft_order(quote_b))
        db.session.rollback()  # what the edge does on the typed error
        db.session.refresh(code)
        assert code.times_used == 1
        from shop.orders.models import Order

        assert len(db.session.scalars(select(Order)).all()) == 1  # the loser kept nothing
