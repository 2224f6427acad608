"""One table decides UK VAT and customs per destination: the Isle of Man is in the UK VAT
area and needs no customs form; Jersey and Guernsey pay no UK VAT and need one."""

import csv
import io
from datetime import date

import pytest

from shop.checkout import services as checkout
from shop.checkout.services import CheckoutDetails
from shop.core import territories, vat
from shop.core.addresses import PostalAddress
from shop.core.vat import VatTreatment
from shop.extensions import db
from shop.subscriptions import box_run
from shop.subscriptions.models import Plan
from shop.subscriptions.pricing import quote

from .box_factories import make_edition, make_subscription, run_box
from .commerce import items

JAN = date(2027, 1, 1)


@pytest.mark.parametrize(
    "country, uk_vat, customs_form",
    [
        ("GB", True, False),
        ("IM", True, False),
        ("JE", False, True),
        ("GG", False, True),
        ("DE", False, True),
        ("US", False, True),
        ("im", True, False),
    ],
)
def test_the_territory_table(country, uk_vat, customs_form):
    place = territories.territory(country)
    assert (place.uk_vat, place.customs_form) == (uk_vat, customs_form)
    assert vat.is_export(country) is not uk_vat
    assert territories.needs_customs_form(country) is customs_form


def packing_rows(edition) -> dict[str, dict]:
    out = io.StringIO()
    box_run.write_packing_list(edition, out)
    return {row["name"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}


def test_an_isle_of_man_box_pays_uk_vat_and_carries_no_customs_data(seeded):
    with seeded.app_context():
        plan = db.session.scalar(db.select(Plan).filter_by(code="monthly"))
        douglas = quote(plan, "IM")
        assert not douglas.totals.is_export
        assert douglas.totals.vat_pence > 0 and douglas.totals.vat_removed_pence == 0
        assert douglas.box_pence == plan.price_pence  # the VAT-inclusive price

        jan = make_edition(JAN)
        make_subscription(first_month=JAN, country="IM", name="Douglas")
        run_box(jan, "cli")
        row = packing_rows(jan)["Douglas"]
        assert row["country"] == "Isle of Man (IM)"
        assert (row["customs_form"], row["customs_contents"], row["customs_value_gbp"], row["origin_countries"]) == (
            "",
            "",
            "",
            "",
        )


@pytest.mark.parametrize("country, name", [("JE", "St Helier"), ("GG", "St Peter Port")])
def test_a_channel_islands_box_pays_no_uk_vat_and_carries_customs_data(seeded, country, name):
    with seeded.app_context():
        plan = db.session.scalar(db.select(Plan).filter_by(code="monthly"))
        island = quote(plan, country)
        assert island.totals.is_export
        assert island.totals.vat_pence == 0 and island.totals.vat_removed_pence > 0
        assert island.box_pence < plan.price_pence

        jan = make_edition(JAN)
        make_subscription(first_month=JAN, country=country, name=name)
        run_box(jan, "cli")
        row = packing_rows(jan)[name]
        assert row["customs_form"] == "CN22" and row["customs_value_gbp"] == "10.00"
        assert "Sheet mask (HS 3304.99)" in row["customs_contents"] and row["origin_countries"] == "KR"


def _order_to(country: str, postcode: str):
    address = PostalAddress.of("Islander", "1 Harbour Road", "", "Town", postcode, country)
    details = CheckoutDetails(email="islander@example.com", address=address)
    return checkout.place(items(MASK_MIX_30=1), details)


def test_a_one_off_order_follows_the_same_table(seeded):
    with seeded.app_context():
        douglas = _order_to("IM", "IM1 1AA")
        assert douglas.vat_treatment is VatTreatment.UK and not douglas.is_export
        assert douglas.vat_pence > 0 and douglas.vat_removed_pence == 0
        assert douglas.lines[0].unit_price_pence == 3900

        helier = _order_to("JE", "JE2 3AB")
        assert helier.vat_treatment is VatTreatment.EXPORT and helier.is_export
        assert helier.vat_pence == 0 and helier.vat_removed_pence > 0
        assert helier.lines[0].unit_price_pence == 3250
