"""Migrations that change existing rows keep the data: each test upgrades to the revision
before the change, writes rows as the shop had them, upgrades to head and reads them back."""

from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from shop import create_app
from shop.extensions import db

from .dbs import BACKENDS, empty_database

BEFORE_SOLD_PRICE = "422ac4b2f591"


def _insert(conn, table: str, **values) -> None:
    columns = ", ".join(f'"{name}"' for name in values)
    conn.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(":" + n for n in values)})'), values)


@pytest.mark.parametrize("backend", BACKENDS)
def test_running_subscriptions_are_priced_at_todays_quote(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=BEFORE_SOLD_PRICE)
            with db.engine.begin() as conn:
                _insert(
                    conn,
                    "plan",
                    id=1,
                    code="monthly",
                    name="Monthly",
                    kind="monthly",
                    months=1,
                    price_pence=2499,
                    blurb="",
                    position=0,
                    is_active=True,
                )
                _insert(
                    conn,
                    "plan",
                    id=2,
                    code="prepaid-3",
                    name="3 months",
                    kind="prepaid",
                    months=3,
                    price_pence=6999,
                    blurb="",
                    position=1,
                    is_active=True,
                )
                _insert(conn, "shipping_zone", id=1, code="uk", name="United Kingdom", position=0, box_shipping_pence=0)
                _insert(
                    conn,
                    "shipping_zone",
                    id=2,
                    code="north-america",
                    name="North America",
                    position=1,
                    box_shipping_pence=995,
                )
                for country, zone in [("GB", 1), ("IM", 1), ("CA", 2)]:
                    _insert(conn, "zone_country", country_code=country, zone_id=zone, ships=True)
                for sub_id, plan_id, country in [(1, 1, "GB"), (2, 2, "CA"), (3, 1, "IM")]:
                    _insert(
                        conn,
                        "subscription",
                        id=sub_id,
                        plan_id=plan_id,
                        status="active",
                        email=f"s{sub_id}@example.com",
                        first_month=date(2027, 1, 1),
                        cancel_at_period_end=False,
                        created_at="2026-11-01 10:00:00",
                        ship_name="Min-ji",
                        ship_line1="1 Tea Street",
                        ship_line2="",
                        ship_city="Leeds",
                        ship_postcode="LS1 1AA",
                        ship_country=country,
                    )
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT id, box_pence, shipping_pence, vat_pence, vat_removed_pence, total_pence, vat_treatment, "
                        "shipping_zone_name FROM subscription ORDER BY id"
                    )
                ).all()
            db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, 2499, 0, 417, 0, 2499, "uk", "United Kingdom"),
        # 6999 - 1167 VAT; 3 × 995 shipping = 2985 - 498 VAT
        (2, 5832, 2487, 0, 1665, 8319, "export", "North America"),
        (3, 2499, 0, 417, 0, 2499, "uk", "United Kingdom"),
    ]


BEFORE_ONE_ADDRESS_SHAPE = "5b4e07b759fb"


@pytest.mark.parametrize("backend", BACKENDS)
def test_saved_addresses_keep_their_values_in_the_shared_address_columns(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=BEFORE_ONE_ADDRESS_SHAPE)
            with db.engine.begin() as conn:
                _insert(
                    conn,
                    "user_account",
                    id=1,
                    email="min-ji@example.com",
                    name="Min-ji",
                    password_hash="x",
                    login_token="token-1",
                    created_at="2026-11-01 10:00:00",
                    is_admin=False,
                )
                _insert(
                    conn,
                    "address",
                    id=1,
                    user_id=1,
                    name="Min-ji Kim",
                    line1="1 Tea Street",
                    line2="Flat 2",
                    city="Leeds",
                    region="West Yorkshire",
                    postal_code="LS1 1AA",
                    country="GB",
                    phone="0113",
                    is_default=True,
                    created_at="2026-11-01 10:00:00",
                )
            upgrade()
            with db.engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postcode, ship_country, ship_phone, "
                        "is_default FROM address"
                    )
                ).one()
            db.engine.dispose()
    assert tuple(row) == (
        "Min-ji Kim",
        "1 Tea Street",
        "Flat 2",
        "Leeds",
        "West Yorkshire",
        "LS1 1AA",
        "GB",
        "0113",
        True,
    )


BEFORE_FILM_FIXES = "5776360cf272"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_published_film_article_gets_its_typos_fixed_and_its_seo_title(backend, tmp_path):
    source = (
        "Kim Su-jin (Son Ye-jin) and Choi Chul-soo (Joong Woo-sung) fall deeply in love. "
        "the movie hit a distinct cord with the sentiments. If Song-Joong-ki’s beautiful puppy eyes… "
        "Soon Yi (Park Bo-young) moves back to to a cottage. Yong-goo (Ryu Seong-ryong), a father. "
        "Starring Han Hyo-joo and So Ji-yub, the film.\n\n[[product:culture-box]]\n"
    )
    with empty_database(backend, tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision=BEFORE_FILM_FIXES)
            with db.engine.begin() as conn:
                _insert(conn, "author", id=1, slug="faye-broadbent", name="Faye Broadbent", bio="")
                _insert(
                    conn,
                    "post",
                    id=1,
                    slug="top-5-korean-movies-that-make-you-cry",
                    title="Top 5 Korean Movies That Are Guaranteed To Make You Cry",
                    excerpt="",
                    body_markdown=source,
                    hero_alt="",
                    author_id=1,
                    updated_at="2024-01-19 09:00:00",
                )
            upgrade()
            with db.engine.connect() as conn:
                body, seo_title = conn.execute(text("SELECT body_markdown, seo_title FROM post")).one()
            db.engine.dispose()
    assert seo_title == "Top 5 Sad Films That Are Guaranteed To Make You Cry"
    assert body.startswith(
        "Kim Su-jin (Son Ye-jin) and Choi Chul-soo (Jung Woo-sung) fall deeply in love. "
        "the movie hit a distinct chord with the sentiments. If Song Joong-ki’s beautiful puppy eyes… "
        "Soon Yi (Park Bo-young) moves back to a cottage. Yong-goo (Ryu Seung-ryong), a father. "
        "Starring Han Hyo-joo and So Ji-sub, the film.\n\n[[product:culture-box]]"
    )
    assert "[Inspire Me Korea magazines](/shop/magazines)" in body and body.endswith("[[product:sheet-mask-set]]\n")
