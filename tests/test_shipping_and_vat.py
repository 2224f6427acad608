"""Shipping quotes and UK VAT for a UK, a German, a US and an Australian address, to the penny."""

import pytest

from shop.cart import services as cart
from shop.checkout import services as checkout
from shop.core import vat
from shop.shipping import services as shipping
from shop.shipping.services import ParcelItem

from .commerce import details, items

# 1 × 1-month sheet mask set (£39.00, 850 g, standard-rated) and 2 × magazine (£6.99, zero-rated
# printed matter, ships free, weight not counted). Per unit VAT: 3900 × 20/120 = 650; a
# magazine carries none, so an export pays its full £6.99 too.
EXPECTED = {
    #        zone             band   shipping  ship VAT  items   total  VAT incl. VAT removed
    "GB": ("uk", 395, 395, 66, 5298, 5693, 716, 0),
    "DE": ("europe", 995, 829, 166, 4648, 5477, 0, 816),
    "US": ("north-america", 1495, 1246, 249, 4648, 5894, 0, 899),
    "AU": ("rest-of-world", 1695, 1412, 283, 4648, 6060, 0, 933),  # 282.5 → 283
}


@pytest.mark.parametrize("country", ["GB", "DE", "US", "AU"])
def test_quote_and_vat_for_each_destination(seeded, country):
    zone, band, shipping_paid, ship_vat, items_pence, total, vat_incl, vat_removed = EXPECTED[country]
    with seeded.app_context():
        quote = checkout.price(cart.load(items(MASK_MIX_30=1, MAG_001=2)), details(country))
        assert quote.shipping.zone_code == zone
        assert quote.shipping.weight_g == 850  # magazines add nothing
        assert quote.shipping.price_pence == band
        t = quote.totals
        assert (t.items_pence, t.shipping_pence, t.total_pence) == (items_pence, shipping_paid, total)
        assert (t.vat_pence, t.vat_removed_pence) == (vat_incl, vat_removed)
        assert t.total_pence == t.items_pence + t.shipping_pence - t.discount_pence
        if country == "GB":
            assert not t.is_export and t.vat_note == "Includes UK VAT at 20% on standard-rated items"
            assert sorted(p.unit_price_pence for _, p in quote.priced) == [699, 3900]
        else:
            assert t.is_export and t.vat_note == "Zero-rated export — no UK VAT charged"
            assert sorted(p.unit_price_pence for _, p in quote.priced) == [699, 3250]
            # Catalogue (gross) minus what is paid is exactly the VAT removed.
            assert 5298 + band - t.total_pence == vat_removed


def test_vat_in_gross_rounds_half_up_in_integers():
    assert vat.vat_in_gross(3900) == 650
    assert vat.vat_in_gross(699) == 117  # 116.5
    assert vat.vat_in_gross(1695) == 283  # 282.5
    assert vat.vat_in_gross(1400) == 233  # 233.33
    assert vat.vat_in_gross(995) == 166  # 165.83
    assert vat.vat_in_gross(0) == 0
    assert vat.vat_in_gross(-699) == -117


def test_uk_vat_area_and_exports():
    assert not vat.is_export("GB") and not vat.is_export("gb") and not vat.is_export("IM")
    assert vat.is_export("DE") and vat.is_export("JE") and vat.is_export("US")


def test_a_cart_of_only_magazines_ships_free_everywhere(seeded):
    with seeded.app_context():
        for country in ["GB", "DE", "US", "AU"]:
            quote = checkout.price(cart.load(items(MAG_001=2, MAG_002=1)), details(country))
            assert quote.shipping.price_pence == 0
            assert quote.shipping.method == "Free shipping"
            assert quote.totals.shipping_pence == 0
        gb = checkout.price(cart.load(items(MAG_001=2)), details("GB")).totals
        au = checkout.price(cart.load(items(MAG_001=2)), details("AU")).totals
        # Printed magazines are zero-rated: no VAT in the UK, nothing to take off for an export.
        assert (gb.total_pence, gb.vat_pence, gb.vat_note) == (1398, 0, "Zero-rated for UK VAT — no VAT charged")
        assert (au.total_pence, au.vat_removed_pence) == (1398, 0)


def test_weight_bands_and_their_edges(seeded):
    with seeded.app_context():
        assert shipping.quote("DE", [ParcelItem(250, 1)]).price_pence == 595
        assert shipping.quote("DE", [ParcelItem(251, 1)]).price_pence == 995
        assert shipping.quote("DE", [ParcelItem(1000, 2)]).price_pence == 1495
        assert shipping.quote("DE", [ParcelItem(180, 30, free_shipping=True), ParcelItem(200, 1)]).price_pence == 595


def test_parcel_heavier_than_the_largest_band_is_refused(seeded):
    with seeded.app_context():
        with pytest.raises(shipping.ParcelTooHeavy, match="10.2 kg, more than the 10 kg"):
            shipping.quote("US", [ParcelItem(850, 12)])


def test_countries_we_do_not_ship_to_and_unknown_countries(seeded):
    with seeded.app_context():
        with pytest.raises(shipping.CountryNotShipped, match="can't ship to Russia"):
            shipping.zone_for("RU")
        with pytest.raises(shipping.CountryNotShipped):
            checkout.price(cart.load(items(MAG_001=1)), details("RU"))
        with pytest.raises(shipping.UnknownCountry):
            shipping.zone_for("XX")
        with pytest.raises(shipping.UnknownCountry):
            shipping.zone_for("")
        assert shipping.zone_for("gb").code == "uk"
        assert shipping.zone_for("JP").code == "rest-of-world"
        assert shipping.zone_for("NO").code == "europe"  # Norway, not YAML's false
