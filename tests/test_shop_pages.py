"""The shop and its categories in pages; a post's text rendered once per process while its
product cards stay live."""

import re

import pytest
from sqlalchemy import insert, select

from shop.blog import markdown
from shop.catalog.models import Category, Product, Variant
from shop.extensions import db
from shop.models import Post

FILM = "/blog/top-5-korean-movies-that-make-you-cry"


def add_products(app, count: int, category_slug: str = "magazines") -> None:
    with app.app_context():
        category = db.session.scalar(select(Category).filter_by(slug=category_slug))
        db.session.execute(
            insert(Product),
            [
                dict(
                    id=50_000 + n,
                    slug=f"many-{n:03d}",
                    name=f"Many {n:03d}",
                    category_id=category.id,
                    position=1000 + n,
                )
                for n in range(count)
            ],
        )
        db.session.execute(
            insert(Variant),
            [
                dict(
                    product_id=50_000 + n,
                    sku=f"MANY-{n}",
                    name="One",
                    price_pence=500,
                    weight_g=10,
                    stock=5,
                    hs_code="4902",
                    origin_country="KR",
                )
                for n in range(count)
            ],
        )
        db.session.commit()


def product_names(html: str) -> list[str]:
    return re.findall(r"Many \d{3}", html)


def test_the_shop_shows_24_products_a_page_with_links_to_the_others(seeded, app, client):
    add_products(app, 60)
    first = client.get("/shop").get_data(as_text=True)
    assert len(re.findall(r'class="card product-card', first)) == 24
    assert 'rel="next" href="/shop?page=2"' in first and 'rel="prev"' not in first
    assert "Page 1 of 3" in first
    assert 'href="/shop?page=3"' in first  # the page numbers, for a jump
    second = client.get("/shop?page=2").get_data(as_text=True)
    assert 'rel="prev" href="/shop?page=1"' in second and 'rel="next" href="/shop?page=3"' in second
    assert "(page 2)" in second.split("</title>")[0]
    # Every product is on exactly one page.
    seen = [name for page in (1, 2, 3) for name in product_names(client.get(f"/shop?page={page}").text)]
    assert sorted(seen) == [f"Many {n:03d}" for n in range(60)] and len(set(seen)) == 60


def test_a_category_is_in_pages_too(seeded, app, client):
    add_products(app, 30)
    page = client.get("/shop/magazines?page=2").get_data(as_text=True)
    assert 'rel="prev" href="/shop/magazines?page=1"' in page
    assert "Page 2 of 2" in page
    assert not client.get("/shop/beauty").text.count("Page 1 of")  # one page: no pager


def test_a_page_past_the_last_is_not_found(seeded, app, client):
    assert client.get("/shop?page=2").status_code == 404
    assert client.get("/shop/magazines?page=9").status_code == 404


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e9", "99999999999999999999", "", "2.5", "%00"])
def test_a_page_number_no_list_has_is_the_first_page(seeded, client, value):
    response = client.get(f"/shop?page={value}")
    assert response.status_code == 200
    assert "The shop" in response.text


def test_the_sitemap_lists_every_product_and_each_categorys_latest_change(seeded, app, client):
    add_products(app, 30)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert all(f"/products/many-{n:03d}</loc>" in sitemap for n in range(30))
    assert "/products/magazine-issue-1-hallyu</loc>" in sitemap
    assert re.search(r"/shop/magazines</loc><lastmod>\d{4}-\d\d-\d\d</lastmod>", sitemap)


def test_an_edited_post_shows_its_new_text(seeded, app, client):
    assert "A sentence added later" not in client.get(FILM).text
    with app.app_context():
        post = db.session.scalar(select(Post).filter_by(slug="top-5-korean-movies-that-make-you-cry"))
        post.body_markdown += "\n\nA sentence added *later*.\n"
        db.session.commit()
    assert "A sentence added <em>later</em>." in client.get(FILM).text


def test_a_product_card_in_a_post_shows_todays_price_although_the_text_is_kept(seeded, app, client):
    markdown.sanitised_html.cache_clear()
    with app.app_context():
        post = db.session.scalar(select(Post).filter_by(slug="top-5-korean-movies-that-make-you-cry"))
        assert "[[product:magazine-issue-1-hallyu]]" in post.body_markdown
        product = db.session.scalar(select(Product).filter_by(slug="magazine-issue-1-hallyu"))
        variant = product.variants[0]
    client.get(FILM)
    hits = markdown.sanitised_html.cache_info().hits
    with app.app_context():
        db.session.get(Variant, variant.id).price_pence = 12345
        db.session.commit()
    page = client.get(FILM).text
    assert markdown.sanitised_html.cache_info().hits > hits  # the text came from the cache
    assert "£123.45" in page  # and the card from the database
