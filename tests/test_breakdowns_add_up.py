"""Every breakdown a customer reads adds up to the total charged: a property test over plans ×
zones × shipping rates × VAT rates for the Culture Box, and over carts × destinations ×
quantities × discounts for checkout. Figures are read from the rendered HTML, as shown."""

import re
from html import unescape

from flask import get_template_attribute, render_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from shop.cart import services as cart
from shop.catalog.models import Product, ProductKind
from shop.checkout import services as checkout
from shop.checkout.services import CheckoutDetails
from shop.core.addresses import PostalAddress
from shop.core.vat import VatRate
from shop.extensions import db
from shop.shipping.models import ShippingZone
from shop.subscriptions.models import Plan, PlanKind
from shop.subscriptions.pricing import quote

from .commerce import items

COUNTRIES = ["GB", "IM", "JE", "DE", "FR", "US", "CA", "AU", "JP"]
PROPERTY = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def pence(figure: str) -> int:
    match = re.fullmatch(r"−?£([\d,]+)\.(\d\d)(?: taken off)?", figure.strip())
    assert match, f"not a money figure: {figure!r}"
    return int(match[1].replace(",", "")) * 100 + int(match[2])


def rows(html: str) -> list[tuple[str, str]]:
    """The totals list as (label, figure) pairs, tags dropped."""
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    return [
        (unescape(re.sub(r"<[^>]+>", "", dt)).strip(), unescape(re.sub(r"<[^>]+>", "", dd)).strip()) for dt, dd in pairs
    ]


def check_products_shown(text: str) -> None:
    """Every "n boxes × £x" shown multiplies back to the figure beside it."""
    for count, each, total in re.findall(r"\((\d+) boxes × (£[\d,.]+)\)</dt><dd>(£[\d,.]+)</dd>", text):
        assert int(count) * pence(each) == pence(total), (count, each, total)


def box_quote_html(plan: Plan, country: str) -> str:
    return render_template("subscriptions/_quote.html", q=quote(plan, country))


@PROPERTY
@given(
    price=st.integers(min_value=100, max_value=60_000),
    months=st.sampled_from([1, 3, 6, 12]),
    kind=st.sampled_from([PlanKind.MONTHLY, PlanKind.PREPAID, PlanKind.GIFT]),
    box_shipping=st.integers(min_value=0, max_value=3_000),
    country=st.sampled_from(COUNTRIES),
    rate=st.sampled_from(list(VatRate)),
)
def test_every_culture_box_breakdown_adds_up(seeded, price, months, kind, box_shipping, country, rate):
    with seeded.test_request_context():
        box = db.session.scalar(select(Product).where(Product.kind == ProductKind.SUBSCRIPTION))
        box.vat_rate = rate
        for zone in db.session.scalars(select(ShippingZone)):
            zone.box_shipping_pence = 0 if zone.code == "uk" else box_shipping
        db.session.flush()
        plan = Plan(code="test", name="Test", kind=kind, months=months, price_pence=price)
        html = box_quote_html(plan, country)
        figures = dict(rows(html))
        t = quote(plan, country).totals
        total = pence(next(v for k, v in figures.items() if k in ("Each payment", "To pay, once")))
        items_shown = pence(next(v for k, v in figures.items() if k.startswith("Test:")))
        shipping_label, shipping_shown = next((k, v) for k, v in figures.items() if k.startswith("Shipping:"))
        shipping = 0 if shipping_shown == "Included" else pence(shipping_shown)
        assert items_shown + shipping == total == t.total_pence
        check_products_shown(html)
        per_box = re.search(r"That is (£[\d,.]+) a box", html)
        if per_box:
            assert pence(per_box[1]) * months == total
        db.session.rollback()


def test_the_seeded_plans_to_every_zone_add_up(seeded):
    with seeded.test_request_context():
        for plan in db.session.scalars(select(Plan)):
            for country in COUNTRIES:
                html = box_quote_html(plan, country)
                check_products_shown(html)
                per_box = re.search(r"That is (£[\d,.]+) a box", html)
                total = quote(plan, country).totals.total_pence
                assert per_box is None or pence(per_box[1]) * plan.months == total


def test_a_six_box_gift_to_europe_shows_no_figure_that_does_not_multiply_back(seeded):
    with seeded.test_request_context():
        gift = db.session.scalar(select(Plan).filter_by(code="gift-6"))
        html = box_quote_html(gift, "DE")
        assert "£32.50" in html and "× £5.41" not in html and "(6 boxes)" in html


SKUS = ["MASK-MIX-7", "MASK-MIX-30", "MASK-HONEY-7", "MAG-001", "MAG-002"]


@PROPERTY
@given(
    quantities=st.lists(st.integers(min_value=0, max_value=3), min_size=len(SKUS), max_size=len(SKUS)).filter(any),
    country=st.sampled_from(COUNTRIES),
    code=st.sampled_from(["", "WELCOME10"]),
)
def test_every_checkout_breakdown_adds_up(seeded, quantities, country, code):
    with seeded.test_request_context():
        wanted = {sku.replace("-", "_"): q for sku, q in zip(SKUS, quantities, strict=True) if q}
        try:
            address = PostalAddress.of("Test Buyer", "1 Test Road", "", "Town", "12345", country)
            buyer = CheckoutDetails(email="buyer@example.com", address=address, discount_code=code)
            q = checkout.price(cart.load(items(**wanted)), buyer)
        except Exception as refused:  # a parcel too heavy, a code not for this customer: nothing shown
            assert type(refused).__name__ in ("ParcelTooHeavy", "DiscountError", "CartNotReady"), refused
            return
        totals = get_template_attribute("checkout/_macros.html", "totals")
        figures = rows(str(totals(q.totals, "Parcel", "Discount")))
        t = q.totals
        shown = {label: figure for label, figure in figures}
        items_shown = pence(next(v for k, v in shown.items() if k.startswith("Items")))
        shipping_shown = next(v for k, v in shown.items() if k.startswith("Shipping"))
        shipping = 0 if shipping_shown == "Free" else pence(shipping_shown)
        discount = pence(shown["Discount"]) if "Discount" in shown else 0
        total = pence(shown["Total to pay"])
        assert items_shown + shipping - discount == total == t.total_pence
        assert sum(p.unit_price_pence * p.quantity for _, p in q.priced) == items_shown
