"""A UK VAT rate per product: printed magazines zero-rated, sheet masks (and the Culture Box,
unless set otherwise) standard-rated; the rate reaches VAT sums, receipts and the box quote."""

from sqlalchemy import select

from shop.cart import services as cart
from shop.catalog.models import Product, ProductKind
from shop.checkout import services as checkout
from shop.core import vat
from shop.core.vat import VatRate
from shop.extensions import db
from shop.subscriptions.models import Plan
from shop.subscriptions.pricing import quote, sold_quote

from .box_factories import make_subscription
from .commerce import details, items


def test_price_line_at_each_rate():
    standard = vat.price_line("GB", 1200, 2, VatRate.STANDARD)
    zero = vat.price_line("GB", 699, 2, VatRate.ZERO)
    assert (standard.unit_vat_pence, standard.vat_charged_pence, standard.rate_percent) == (200, 400, 20)
    assert (zero.unit_vat_pence, zero.vat_charged_pence, zero.rate_percent) == (0, 0, 0)
    exported = vat.price_line("US", 699, 1, VatRate.ZERO)
    assert (exported.unit_price_pence, exported.vat_removed_pence) == (699, 0)


def test_delivery_of_only_zero_rated_goods_carries_no_vat():
    magazines = [vat.price_line("GB", 699, 1, VatRate.ZERO)]
    t = vat.order_totals("GB", magazines, 395)
    assert (t.vat_pence, t.total_pence, t.vat_note) == (0, 1094, vat.ZERO_RATED_NOTE)
    mixed = [*magazines, vat.price_line("GB", 1200, 1)]
    assert vat.order_totals("GB", mixed, 395).vat_pence == 200 + 66


def test_a_discount_takes_vat_off_only_its_standard_rated_share():
    lines = [vat.price_line("GB", 1200, 1), vat.price_line("GB", 1200, 1, VatRate.ZERO)]
    t = vat.order_totals("GB", lines, 0, discount_pence=240)
    # half the order is standard-rated: £1.20 of the discount is, whose VAT is £0.20
    assert (t.total_pence, t.vat_pence) == (2160, 200 - 20)
    only_standard = vat.order_totals("GB", [vat.price_line("GB", 1200, 2)], 0, discount_pence=240)
    assert only_standard.vat_pence == 400 - 40


def test_the_seeded_catalogue_zero_rates_magazines_and_standard_rates_masks(seeded):
    with seeded.app_context():
        rates = dict(db.session.execute(select(Product.slug, Product.vat_rate)).all())
        assert rates["magazine-issue-1-hallyu"] is VatRate.ZERO
        assert rates["magazine-issue-2-seoul-eats"] is VatRate.ZERO
        assert rates["sheet-mask-set"] is VatRate.STANDARD
        assert rates["culture-box"] is VatRate.STANDARD


def test_a_uk_magazine_order_says_zero_rated_not_vat_at_20_percent(seeded, client):
    with seeded.app_context():
        t = checkout.price(cart.load(items(MAG_001=1)), details("GB")).totals
        assert (t.vat_pence, t.vat_note) == (0, "Zero-rated for UK VAT — no VAT charged")


def test_the_culture_boxs_rate_is_its_products_and_a_sold_price_keeps_its_vat(seeded):
    with seeded.app_context():
        plan = db.session.scalar(select(Plan).filter_by(code="monthly"))
        assert quote(plan, "GB").totals.vat_pence == vat.vat_in_gross(plan.price_pence)
        sub = make_subscription(first_month=quote(plan, "GB").first_month)
        box = db.session.scalar(select(Product).where(Product.kind == ProductKind.SUBSCRIPTION))
        box.vat_rate = VatRate.ZERO
        db.session.commit()
        zero = quote(plan, "GB").totals
        assert (zero.vat_pence, zero.total_pence) == (0, plan.price_pence)
        assert quote(plan, "US").totals.items_pence == plan.price_pence  # no VAT to take off an export
        assert sold_quote(sub).totals.vat_pence == vat.vat_in_gross(plan.price_pence)  # sold before the change
