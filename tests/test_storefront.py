from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from shop.core.calendar import cutoff_for, first_box_month
from shop.extensions import db
from shop.models import Variant


def test_home_leads_with_the_culture_box_and_shows_products_posts_and_instagram(seeded, client):
    html = client.get("/").get_data(as_text=True)
    assert "A box of Korea at your door, every month" in html
    assert 'href="/culture-box"' in html
    assert "shipped anywhere in the world" in html
    for featured in ["The Culture Box", "Sheet Mask Set", "Issue 1: Hallyu"]:
        assert featured in html
    assert "Top 5 Korean Movies That Are Guaranteed To Make You Cry" in html
    assert "Follow Us on Instagram!" in html
    assert "pick Jjimdak (braised chicken" in html
    assert "#CherryBlossoms" in html


def test_shop_lists_every_category_with_its_products(seeded, client):
    html = client.get("/shop").get_data(as_text=True)
    for category in ["Culture Box", "Magazines", "Beauty"]:
        assert f">{category}</h2>" in html
    assert "Honey &amp; Rice Sheet Masks" in html


def test_category_page_shows_only_that_category(seeded, client):
    html = client.get("/shop/magazines").get_data(as_text=True)
    assert "Issue 2: Seoul Eats" in html
    assert "Sheet Mask Set" not in html
    assert html.count("Free shipping") >= 3
    assert client.get("/shop/no-such-thing").status_code == 404


def test_product_page_shows_price_stock_and_variant_picker(seeded, client):
    html = client.get("/products/sheet-mask-set").get_data(as_text=True)
    assert "£12.00" in html and "£39.00" in html
    assert 'aria-current="true"' in html
    assert "In stock" in html
    one_month = client.get("/products/sheet-mask-set?variant=MASK-MIX-30").get_data(as_text=True)
    assert '<p class="price price--large">£39.00</p>' in one_month
    assert "In stock" in one_month


@pytest.mark.parametrize(
    "slug, label",
    [
        ("past-box-spring-in-seoul", "Only 3 left"),
        ("magazine-issue-3-hanok-heritage", "Sold out"),
        ("magazine-issue-2-seoul-eats", "Only 4 left"),
    ],
)
def test_product_page_says_how_much_stock_is_left(seeded, client, slug, label):
    assert label in client.get(f"/products/{slug}").get_data(as_text=True)


def test_stock_label_follows_the_database(seeded, client):
    with seeded.app_context():
        db.session.scalar(select(Variant).filter_by(sku="MAG-001")).stock = 1
        db.session.commit()
    assert "Only 1 left" in client.get("/products/magazine-issue-1-hallyu").get_data(as_text=True)


def test_magazines_say_they_ship_free(seeded, client):
    html = client.get("/products/magazine-issue-1-hallyu").get_data(as_text=True)
    assert "Free shipping, anywhere in the world" in html
    assert "£6.99" in html


def test_product_page_carries_json_ld_product_with_offer(seeded, client):
    html = client.get("/products/magazine-issue-1-hallyu").get_data(as_text=True)
    assert '"@type": "Product"' in html
    assert '"price": "6.99"' in html and '"priceCurrency": "GBP"' in html


def test_unknown_product_is_a_designed_404(seeded, client):
    response = client.get("/products/kimchi-fridge")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.get_data(as_text=True)


def test_culture_box_page_lists_every_plan_with_prices_and_shipping(seeded, client):
    html = client.get("/culture-box").get_data(as_text=True)
    for name, price in [
        ("Monthly", "£24.99"),
        ("3 months prepaid", "£70.47"),
        ("6 months prepaid", "£134.94"),
        ("12 months prepaid", "£251.88"),
        ("Gift of 3 months", "£70.47"),
    ]:
        assert name in html and price in html
    assert "£20.99 a box" in html  # the 12-month price per box
    assert "10th at 23:59 UK time" in html
    assert "£9.95" in html  # North America's monthly box shipping


def test_subscription_product_page_points_to_the_plans(seeded, client):
    html = client.get("/products/culture-box").get_data(as_text=True)
    assert "Choose your plan" in html and 'href="/culture-box"' in html


@pytest.mark.parametrize(
    "now, expected",
    [
        (datetime(2027, 1, 10, 23, 58, tzinfo=UTC), date(2027, 1, 1)),  # before the cutoff (GMT)
        (datetime(2027, 1, 11, 0, 0, tzinfo=UTC), date(2027, 2, 1)),  # just after it
        (datetime(2027, 6, 10, 22, 59, tzinfo=UTC), date(2027, 6, 1)),  # 23:59 BST
        (datetime(2027, 6, 10, 23, 0, tzinfo=UTC), date(2027, 7, 1)),  # 00:00 BST on the 11th
        (datetime(2027, 12, 20, 12, 0, tzinfo=UTC), date(2028, 1, 1)),  # over the year end
    ],
)
def test_joining_before_the_cutoff_gets_this_months_box(now, expected):
    assert first_box_month(now) == expected


def test_cutoff_is_the_tenth_at_2359_london_time():
    cutoff = cutoff_for(date(2027, 6, 1))
    assert (cutoff.day, cutoff.hour, cutoff.minute) == (10, 23, 59)
    assert cutoff.utcoffset().total_seconds() == 3600  # BST in June


def test_pages_send_a_content_security_policy_without_inline_script(seeded, client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_a_server_error_shows_the_shops_error_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "something went wrong on our side" in html
    assert "kaboom" not in html and "Traceback" not in html


def test_robots_and_sitemap(seeded, client):
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin" in robots and "Sitemap: http://localhost/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    for path in [
        "/culture-box",
        "/shop/beauty",
        "/products/sheet-mask-set",
        "/blog/top-5-korean-movies-that-make-you-cry",
    ]:
        assert f"<loc>http://localhost{path}</loc>" in sitemap


def test_culture_box_page_shows_the_coming_editions_from_the_first_box(seeded, client, monkeypatch):
    monkeypatch.setattr("shop.subscriptions.views.utcnow", lambda: datetime(2027, 1, 20, 12, tzinfo=UTC))
    html = client.get("/culture-box").get_data(as_text=True)
    assert "your first box is the <strong>February 2027</strong> box" in html
    assert "order by 10 February, 23:59 UK time" in html
    assert "Hangul &amp; Stationery" in html and "Cherry Blossom Spring" in html
    assert "Seollal" not in html  # January's cutoff has passed
    assert "Join by 10 March, 23:59" in html
