from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.shipping.services import CountryNotShipped, UnknownCountry
from shop.subscriptions.models import Plan
from shop.subscriptions.pricing import quote

JAN_5 = datetime(2027, 1, 5, 12, tzinfo=UTC)


def plan(code):
    return db.session.scalar(select(Plan).filter_by(code=code))


@pytest.mark.parametrize(
    "code, country, box, shipping, vat, total",
    [
        # UK: VAT included, delivery included.
        ("monthly", "GB", 2499, 0, 417, 2499),
        # Canada: export, VAT off the box (2499 - 417) and off North America's £9.95.
        ("monthly", "CA", 2082, 829, 0, 2911),
        # Germany, prepaid 3: three boxes and three months of Europe's £6.50, VAT off both.
        ("prepaid-3", "DE", 5872, 1625, 0, 7497),
        # Australia, 12 months: Rest of World £11.95 a month.
        ("prepaid-12", "AU", 20990, 11950, 0, 32940),
    ],
)
def test_box_quote_per_payment(seeded, code, country, box, shipping, vat, total):
    with seeded.app_context():
        result = quote(plan(code), country, now=JAN_5)
        assert (result.box_pence, result.shipping_pence, result.totals.vat_pence, result.totals.total_pence) == (
            box,
            shipping,
            vat,
            total,
        )
        assert result.first_month == date(2027, 1, 1)


def test_box_quote_refuses_countries_we_do_not_ship_to(seeded):
    with seeded.app_context():
        with pytest.raises(CountryNotShipped):
            quote(plan("monthly"), "KP")
        with pytest.raises(UnknownCountry):
            quote(plan("monthly"), "ZZ")
