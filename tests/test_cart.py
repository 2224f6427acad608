"""The session cart's rules, on the service directly."""

import pytest

from shop.cart import services as cart
from shop.catalog.models import ProductImage
from shop.extensions import db

from .commerce import variant


def test_add_and_merge_lines(seeded):
    with seeded.app_context():
        mask = variant("MASK-MIX-7")
        items = {}
        assert cart.add(items, mask.id, 2) == "Added 2 × Sheet Mask Set — 7-day set to your cart."
        cart.add(items, mask.id, 1)
        assert items == {str(mask.id): 3}
        loaded = cart.load(items)
        assert loaded.item_count == 3 and loaded.subtotal_pence == 3600
        assert cart.count(items) == 3


def test_quantities_are_capped_by_stock_with_a_message(seeded):
    with seeded.app_context():
        honey = variant("MASK-HONEY-7")  # 2 in stock
        items = {}
        message = cart.add(items, honey.id, 5)
        assert message == "Only 2 of Honey & Rice Sheet Masks — 7-day set in stock, so your cart has 2."
        assert items[str(honey.id)] == 2
        assert "Only 2" in cart.set_quantity(items, honey.id, 9)
        assert items[str(honey.id)] == 2
        assert cart.set_quantity(items, honey.id, 1).startswith("Updated")
        assert items[str(honey.id)] == 1


def test_sold_out_items_cannot_be_added_and_are_flagged(seeded):
    with seeded.app_context():
        sold_out = variant("MAG-003")
        with pytest.raises(cart.SoldOut, match="sold out"):
            cart.add({}, sold_out.id, 1)
        mag = variant("MAG-002")
        items = {}
        cart.add(items, mag.id, 3)
        mag.stock = 0  # sold elsewhere since
        db.session.commit()
        loaded = cart.load(items)
        assert loaded.lines[0].is_sold_out
        assert loaded.problems == [
            "Inspire Me Korea Magazine — Issue 2: Seoul Eats is sold out. Please remove it from your cart."
        ]


def test_remove_set_zero_and_bad_input(seeded):
    with seeded.app_context():
        mask = variant("MASK-MIX-30")
        items = {}
        cart.add(items, mask.id, 1)
        assert cart.set_quantity(items, mask.id, 0).startswith("Removed")
        assert items == {}
        with pytest.raises(cart.UnknownItem):
            cart.remove(items, mask.id)
        with pytest.raises(cart.InvalidQuantity):
            cart.add(items, mask.id, 0)
        with pytest.raises(cart.UnknownItem):
            cart.add(items, 999999, 1)


def test_subscription_products_and_unknown_ids_never_load(seeded):
    with seeded.app_context():
        items = {"999999": 1, "not-a-number": 2, str(variant("MAG-001").id): 1}
        loaded = cart.load(items)
        assert [line.variant.sku for line in loaded.lines] == ["MAG-001"]
        assert list(items) == [str(variant("MAG-001").id)]  # the session is cleaned too
        assert cart.count({"1": 2, "2": 3}) == 5 and cart.count(None) == 0


def test_each_line_shows_its_products_first_picture_and_names_a_size_only_when_there_is_a_choice(seeded):
    with seeded.app_context():
        mask, magazine = variant("MASK-MIX-7"), variant("MAG-001")
        product = mask.product
        first = product.images[0]
        db.session.add(ProductImage(product=product, path="img/second.svg", alt="Second", position=first.position + 1))
        db.session.commit()
        items = {str(mask.id): 1, str(magazine.id): 2}
        lines = {line.variant.sku: line for line in cart.load(items).lines}
        assert lines["MASK-MIX-7"].cover.path == first.path
        assert lines["MASK-MIX-7"].name == "Sheet Mask Set — 7-day set"  # it comes in two sizes
        assert lines["MAG-001"].sizes == 1 and lines["MAG-001"].name == magazine.product.name
        product.images.clear()
        db.session.commit()
        assert {line.variant.sku: line.cover for line in cart.load(items).lines}["MASK-MIX-7"] is None


def test_a_quantity_that_is_not_a_number_is_dropped_from_the_cart(seeded):
    with seeded.app_context():
        items = {str(variant("MAG-001").id): "lots", str(variant("MAG-002").id): 1}
        assert [line.variant.sku for line in cart.load(items).lines] == ["MAG-002"]
        assert list(items) == [str(variant("MAG-002").id)]
