"""Addresses carriers accept: postcodes in the country's format, a state or province where
the post needs one, a phone number the courier can dial; the same rule on every form."""

import csv
import io

import pytest

from shop.core.addresses import (
    PostalAddress,
    country_from_languages,
    normalise_postcode,
    postcode_problem,
    region_choices,
)

from .commerce import variant


@pytest.mark.parametrize(
    "country,typed,stored",
    [
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", " ls1   1aa ", "LS1 1AA"),
        ("US", "10001", "10001"),
        ("US", "10001-1234", "10001-1234"),
        ("CA", "k1a0b1", "K1A 0B1"),
        ("AU", "2000", "2000"),
        ("DE", "10115", "10115"),
        ("FR", "75001", "75001"),
        ("KR", "03187", "03187"),
        ("JP", "1000001", "100-0001"),
        ("NL", "1011ab", "1011 AB"),
    ],
)
def test_common_postcodes_are_accepted_and_written_as_the_post_writes_them(country, typed, stored):
    assert normalise_postcode(country, typed) == stored
    assert postcode_problem(country, stored) is None


@pytest.mark.parametrize(
    "country,typed,message",
    [
        ("GB", "LS1", "That doesn't look like a postcode in the United Kingdom: it should look like SW1A 1AA."),
        ("US", "1000", "That doesn't look like a postcode in the United States: it should look like 10001"),
        ("CA", "12345", "That doesn't look like a postcode in Canada: it should look like K1A 0B1."),
        ("AU", "20000", "That doesn't look like a postcode in Australia"),
        ("DE", "1011", "That doesn't look like a postcode in Germany"),
        ("FR", "7500A", "That doesn't look like a postcode in France"),
        ("KR", "0318", "That doesn't look like a postcode in South Korea"),
        ("JP", "10-0001", "That doesn't look like a postcode in Japan"),
        ("DE", "", "Please enter the postcode: every address in Germany has one."),
    ],
)
def test_a_postcode_in_the_wrong_format_is_explained(country, typed, message):
    assert message in postcode_problem(country, normalise_postcode(country, typed))


def test_countries_without_a_known_format_take_any_postcode_or_none():
    assert postcode_problem("HK", "") is None
    assert postcode_problem("IE", "D02 X285") is None


def test_us_canada_and_australia_need_a_listed_state_stored_as_its_code():
    california = PostalAddress.of("Sam", "1 Main St", "", "Los Angeles", "90001", "us", region="california")
    assert california.region == "CA" and california.problems() == {}
    assert PostalAddress.of("Mia", "8 Beach Rd", "", "Sydney", "2000", "AU", region="nsw").region == "NSW"
    assert PostalAddress.of("Ji", "1 Bay St", "", "Toronto", "M5V 2T6", "CA", region="Ontario").region == "ON"
    missing = PostalAddress.of("Sam", "1 Main St", "", "Portland", "97201", "US").problems()
    assert missing == {"region": "Please enter the state: the post in the United States needs it."}
    wrong = PostalAddress.of("Sam", "1 Main St", "", "Portland", "97201", "US", region="Narnia").problems()
    assert wrong["region"].startswith("Please enter a state of the United States by its name or code")
    assert ("NY", "New York") in region_choices("US") and "UM" not in dict(region_choices("US"))
    assert len(region_choices("CA")) == 13 and len(region_choices("AU")) == 8
    # Japan needs its prefecture, typed freely.
    assert "region" in PostalAddress.of("Yui", "1-1", "", "Chiyoda", "100-0001", "JP").problems()
    assert PostalAddress.of("Yui", "1-1", "", "Chiyoda", "100-0001", "JP", region="Tokyo").problems() == {}
    # The UK needs no county.
    assert PostalAddress.of("Min", "1 Tea St", "", "Leeds", "LS1 1AA", "GB").problems() == {}


def test_a_phone_number_must_be_one_a_courier_can_dial():
    ok = PostalAddress.of("Min", "1 Tea St", "", "Leeds", "LS1 1AA", "GB", phone="+44 (0)113 496-0000")
    assert ok.problems() == {}
    for bad in ("call me", "12", "+44 113 496 0000 ext. 5", "1" * 16):
        problems = PostalAddress.of("Min", "1 Tea St", "", "Leeds", "LS1 1AA", "GB", phone=bad).problems()
        assert problems["phone"].startswith("Please enter a phone number"), bad


def test_checkout_shows_each_problem_on_its_field_and_keeps_what_was_typed(seeded, client):
    with client.application.app_context():
        client.post("/cart/add", data={"variant_id": variant("MAG-001").id, "quantity": 1})
    typed = {
        "email": "sam@example.com",
        "name": "Sam Lee",
        "line1": "1 Main St",
        "city": "Portland",
        "postcode": "9720",
        "country": "US",
        "region": "",
        "phone": "ring the bell",
    }
    response = client.post("/checkout", data=typed)
    assert response.status_code == 422
    page = response.text
    assert 'id="postcode-error"' in page and "a postcode in the United States" in page
    assert 'id="region-error"' in page and "Please enter the state" in page
    assert 'id="phone-error"' in page
    assert 'value="1 Main St"' in page and 'value="ring the bell"' in page
    fixed = client.post("/checkout", data=typed | {"postcode": "97201", "region": "oregon", "phone": "+1 503 555 0100"})
    assert fixed.status_code == 302
    review = client.get("/checkout/review").text
    assert "Portland OR 97201" in review and "+1 503 555 0100" in review


def test_a_saved_address_keeps_its_region_and_phone(app, client):
    from shop.accounts.models import Address
    from shop.extensions import db

    from .accounts.factories import make_user, sign_in

    with app.app_context():
        make_user()
    sign_in(client)
    data = {"name": "Mia Chen", "line1": "8 Beach Rd", "city": "Sydney", "postcode": "2000", "country": "AU"}
    refused = client.post("/account/addresses/new", data=data)
    assert "Please enter the state or territory" in refused.text
    assert client.post("/account/addresses/new", data=data | {"region": "New South Wales", "phone": "0412 345 678"})
    with app.app_context():
        saved = db.session.scalars(db.select(Address)).one()
        assert (saved.ship_region, saved.ship_phone) == ("NSW", "0412 345 678")
        assert saved.as_lines() == ["Mia Chen", "8 Beach Rd", "Sydney NSW 2000", "Australia"]


def test_the_packing_list_carries_the_region_and_the_phone(seeded):
    from datetime import date, timedelta

    import time_machine

    from shop.extensions import db
    from shop.subscriptions import box_run

    from .box_factories import make_edition, make_subscription

    with seeded.app_context():
        edition = make_edition(date(2027, 1, 1))
        sub = make_subscription(first_month=edition.month, country="US", name="Sam Lee")
        sub.ship_region, sub.ship_phone, sub.ship_postcode = "OR", "+1 503 555 0100", "97201"
        db.session.commit()
        with time_machine.travel(edition.cutoff_at + timedelta(hours=1), tick=False):  # runs wait for the cutoff
            box_run.run(edition, run_by="test")
        out = io.StringIO()
        box_run.write_packing_list(edition, out)
    rows = [row for row in csv.DictReader(io.StringIO(out.getvalue())) if row["name"] == "Sam Lee"]
    # A leading "+" is neutralised like any cell a spreadsheet would read as a formula.
    assert [(r["region"], r["postcode"], r["phone"]) for r in rows] == [("OR", "97201", "'+1 503 555 0100")]


@pytest.mark.parametrize(
    "tags, country",
    [
        (["en-GB", "en"], "GB"),
        (["ko-KR", "ko", "en-US"], "KR"),
        (["fr"], None),  # a language alone says nothing about where someone lives
        (["fr", "de-AT"], "AT"),
        (["zh-Hant-TW"], "TW"),
        (["es-419"], None),  # a region of the world, not a country
        (["en_ca"], "CA"),
        (["en-XX"], None),
        ([], None),
    ],
)
def test_the_country_of_a_browser_language(tags, country):
    assert country_from_languages(tags) == country
