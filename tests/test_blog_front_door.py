"""The film article as the shop's front door: its corrected text and SEO title, product cards
that sell from the post, the Instagram block, related posts and products, and what search
engines and feed readers read (Atom, sitemap, JSON-LD, link previews)."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.models import Plan, Post, Product, Variant

FILM = "/blog/top-5-korean-movies-that-make-you-cry"
SEO_TITLE = "Top 5 Sad Films That Are Guaranteed To Make You Cry"


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    return [json.loads(block) for block in blocks]


def of_type(html: str, kind: str) -> dict:
    found = [block for block in json_ld(html) if block.get("@type") == kind]
    assert len(found) == 1, f"{len(found)} {kind} blocks"
    return found[0]


# --- The article itself --------------------------------------------------------------------


def test_the_article_keeps_the_source_text_with_its_typos_fixed(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    for fixed in [
        "(Jung Woo-sung)",
        "hit a distinct chord",
        "moves back to a cottage",
        "(Ryu Seung-ryong)",
        "So Ji-sub,",
    ]:
        assert fixed in html
    for typo in ["Joong Woo-sung", "distinct cord", "to to", "Ryu Seong-ryong", "So Ji-yub", "Song-Joong-ki"]:
        assert typo not in html
    assert "Korean directors are without doubt the masters of melodrama" in html


def test_the_seo_title_is_the_sources_alternate_title(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    assert f"<title>{SEO_TITLE} — Inspire Me Korea</title>" in html
    assert f'<meta property="og:title" content="{SEO_TITLE}">' in html
    assert f'<meta name="twitter:title" content="{SEO_TITLE}">' in html
    assert "<h1>Top 5 Korean Movies That Are Guaranteed To Make You Cry</h1>" in html  # the reader's title


# --- Shopping from the post -----------------------------------------------------------------


def test_the_article_links_the_magazines_and_mask_sets_as_well_as_the_culture_box(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    assert 'href="/culture-box"' in html
    assert 'href="/shop/magazines"' in html
    assert 'href="/products/sheet-mask-set"' in html


def test_the_culture_box_card_offers_the_plans_themselves(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    card = html[html.index('<aside class="embed" aria-label="The Culture Box">') :]
    card = card[: card.index("</aside>")]
    assert 'action="/culture-box/subscribe"' in card
    with seeded.app_context():
        plans = db.session.scalars(select(Plan).where(Plan.is_active, Plan.kind != "gift")).all()
    assert plans
    for plan in plans:
        assert f'name="plan" value="{plan.code}"' in card
    # The button starts the subscribe path with that plan chosen.
    response = client.get("/culture-box/subscribe?plan=monthly")
    assert response.status_code in (200, 302)


def test_a_product_card_adds_to_the_cart_from_the_article(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    card = html[html.index('<aside class="embed" aria-label="Inspire Me Korea Magazine — Issue 1: Hallyu">') :]
    card = card[: card.index("</aside>")]
    assert "£6.99" in card and "In stock" in card and "Add to cart" in card
    variant_id = re.search(r'name="variant_id" value="(\d+)"', card).group(1)
    client.post("/cart/add", data={"variant_id": variant_id, "quantity": "1"})
    cart = client.get("/cart").get_data(as_text=True)
    assert "Issue 1: Hallyu" in cart


def test_a_card_with_sizes_offers_each_size_with_its_stock_and_disables_sold_out_ones(seeded, client):
    with seeded.app_context():
        db.session.scalar(select(Variant).filter_by(sku="MASK-MIX-30")).stock = 0
        db.session.commit()
    html = client.get(FILM).get_data(as_text=True)
    card = html[html.index('<aside class="embed" aria-label="Sheet Mask Set">') :]
    card = card[: card.index("</aside>")]
    assert re.search(r"<option value=\"\d+\" selected>7-day set — £12.00 — In stock</option>", card)
    assert re.search(r"<option value=\"\d+\" disabled>1-month set — £39.00 — Sold out</option>", card)


def test_a_sold_out_card_says_so_and_offers_no_add_to_cart(seeded, client):
    with seeded.app_context():
        db.session.scalar(select(Variant).filter_by(sku="MAG-001")).stock = 0
        db.session.commit()
    html = client.get(FILM).get_data(as_text=True)
    card = html[html.index('<aside class="embed" aria-label="Inspire Me Korea Magazine — Issue 1: Hallyu">') :]
    card = card[: card.index("</aside>")]
    assert "Sold out" in card and "Add to cart" not in card


def test_related_products_and_posts_follow_the_post(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    products = html[html.index('id="related-products-heading"') : html.index('id="related-posts-heading"')]
    # The magazines the text links to, without the one already shown as a card.
    assert "Issue 2: Seoul Eats" in products and "Issue 3: Hanok" in products
    assert "Issue 1: Hallyu" not in products
    posts = html[html.index('id="related-posts-heading"') :]
    assert "A Week of Sheet Masks" in posts
    assert "Top 5 Korean Movies" not in posts[: posts.index("Follow Us on Instagram!")]


# --- Instagram ------------------------------------------------------------------------------


def test_the_post_has_the_follow_us_on_instagram_block_linking_what_each_post_mentions(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    block = html[html.index("Follow Us on Instagram!") :]
    assert 'href="https://www.instagram.com/inspiremekorea/"' in block
    assert "EXCLUSIVE @inspiremekorea magazines in the shop" in block and "#Magazine" in block
    assert '<a class="instagram__link" href="/shop/magazines">Shop the magazines →</a>' in block
    assert "SHEET MASK SETS available in our SHOP!" in block and "#SheetMasks" in block
    assert '<a class="instagram__link" href="/products/sheet-mask-set">Shop the sheet mask sets →</a>' in block


# --- Feeds and search engines ---------------------------------------------------------------


def test_the_atom_feed_parses_with_full_content_and_each_posts_real_updated_date(seeded, client):
    edited = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
    with seeded.app_context():
        db.session.execute(
            Post.__table__.update().where(Post.slug == "a-week-of-sheet-masks").values(updated_at=edited)
        )
        db.session.commit()
    response = client.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    entries = {entry.link: entry for entry in feed.entries}
    film = entries["http://localhost" + FILM]
    assert film.author == "Faye Broadbent"
    body = film.content[0].value
    assert "hit a distinct chord with the sentiments" in body
    assert "Always was the opening film at the prestigious Busan" in body  # the whole article
    assert 'href="http://localhost/culture-box"' in body  # relative links resolved
    assert "csrf_token" not in body and "<form" not in body  # cards become links in a feed
    assert "http://localhost/products/culture-box" in body
    masks = entries["http://localhost/blog/a-week-of-sheet-masks"]
    assert masks.updated_parsed[:5] == (2026, 5, 4, 10, 30)
    assert feed.feed.updated_parsed[:5] == max(e.updated_parsed for e in feed.entries)[:5]


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_sitemap_validates_with_lastmod_and_the_shops_own_pages(seeded, client):
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.data)  # well-formed
    assert root.tag == f"{SITEMAP}urlset"
    urls = {}
    for url in root:
        assert url.tag == f"{SITEMAP}url"
        assert [child.tag for child in url][0] == f"{SITEMAP}loc"
        loc = url.find(f"{SITEMAP}loc").text
        assert re.fullmatch(r"https?://[^\s<>]+", loc)
        lastmod = url.find(f"{SITEMAP}lastmod")
        if lastmod is not None:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod.text), lastmod.text
            datetime.strptime(lastmod.text, "%Y-%m-%d")
        urls[loc] = lastmod.text if lastmod is not None else None
    assert len(urls) == len(root)  # no duplicates
    for page in ["about", "contact", "delivery", "returns", "privacy", "terms", "faq"]:
        assert urls[f"http://localhost/{page}"]
    assert urls["http://localhost" + FILM]
    assert urls["http://localhost/products/sheet-mask-set"]
    assert urls["http://localhost/shop/magazines"]


def test_every_product_page_has_product_json_ld_with_offers(seeded, client):
    with seeded.app_context():
        slugs = db.session.scalars(select(Product.slug).where(Product.is_active)).all()
        plan_count = len(db.session.scalars(select(Plan).where(Plan.is_active)).all())
    assert "culture-box" in slugs
    for slug in slugs:
        html = client.get(f"/products/{slug}").get_data(as_text=True)
        product = of_type(html, "Product")
        assert product["@context"] == "https://schema.org"
        assert product["name"] and product["image"].startswith("http://localhost/static/")
        assert product["offers"], slug
        for offer in product["offers"]:
            assert offer["@type"] == "Offer"
            assert re.fullmatch(r"\d+\.\d{2}", offer["price"])
            assert offer["priceCurrency"] == "GBP"
            assert offer["availability"].startswith("https://schema.org/")
        crumbs = of_type(html, "BreadcrumbList")["itemListElement"]
        assert [c["position"] for c in crumbs] == [1, 2, 3, 4]
        assert crumbs[-1]["item"] == f"http://localhost/products/{slug}"
    box = of_type(client.get("/products/culture-box").get_data(as_text=True), "Product")
    assert len(box["offers"]) == plan_count
    with seeded.app_context():
        monthly = db.session.scalar(select(Plan).filter_by(code="monthly"))
        expected = f"{monthly.price_pence // 100}.{monthly.price_pence % 100:02d}"
    offer = next(o for o in box["offers"] if o["name"] == monthly.name)
    assert offer["price"] == expected and offer["availability"] == "https://schema.org/InStock"
    assert offer["url"] == "http://localhost/culture-box/subscribe?plan=monthly"


def test_a_sold_out_size_is_out_of_stock_in_json_ld(seeded, client):
    html = client.get("/products/magazine-issue-3-hanok-heritage").get_data(as_text=True)
    offer = of_type(html, "Product")["offers"][0]
    assert offer == {
        "@type": "Offer",
        "name": "Print edition",
        "sku": "MAG-003",
        "price": "6.99",
        "priceCurrency": "GBP",
        "availability": "https://schema.org/OutOfStock",
        "url": "http://localhost/products/magazine-issue-3-hanok-heritage?variant=MAG-003",
    }


def test_the_post_has_article_json_ld_with_author_breadcrumbs_and_link_preview_tags(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    article = of_type(html, "Article")
    assert article["headline"] == SEO_TITLE
    assert article["author"]["@type"] == "Person" and article["author"]["name"] == "Faye Broadbent"
    assert article["datePublished"].startswith("2024-01-19T09:00:00")
    assert article["dateModified"] and article["image"].startswith("http://localhost/static/")
    assert article["mainEntityOfPage"] == "http://localhost" + FILM
    crumbs = of_type(html, "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "Blog", "Top 5 Korean Movies That Are Guaranteed To Make You Cry"]
    for tag in [
        'property="og:image" content="http://localhost/static/',
        'name="twitter:card" content="summary_large_image"',
        'name="twitter:image" content="http://localhost/static/',
        'property="og:type" content="article"',
    ]:
        assert tag in html
