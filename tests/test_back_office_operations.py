"""The back office's operations for the blog, shipping and discount codes: what they
change, and what they refuse (with a message a shop owner can act on)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.blog import editing
from shop.blog.models import Author, Post
from shop.discounts.models import DiscountCode, DiscountKind
from shop.discounts.operations import DiscountDraft, expire_now, save_discount
from shop.discounts.services import DiscountError, find_usable
from shop.extensions import db
from shop.orders.discount_usage import usage_by_code
from shop.orders.services import confirm_payment
from shop.shipping import operations as shipping
from shop.shipping import services as quotes
from shop.shipping.models import ShippingZone

from .commerce import items, place


def post_draft(**changes) -> editing.PostDraft:
    author = db.session.scalar(select(Author))
    fields = dict(
        slug="",
        title="Five Korean dramas for a rainy day",
        body_markdown="Put the kettle on.\n\n[[product:sheet-mask-set]]\n\n<script>alert(1)</script>",
        author_id=author.id,
        tags=editing.parse_tags("Dramas, k-drama, Dramas"),
    )
    fields.update(changes)
    return editing.PostDraft(**fields)


def test_a_draft_is_hidden_a_scheduled_post_appears_at_its_time(seeded, client):
    with seeded.app_context():
        post = editing.save_post(post_draft())
        db.session.commit()
        assert post.slug == "five-korean-dramas-for-a-rainy-day"
        assert [t.name for t in post.tags] == ["Dramas", "k-drama"]
        assert client.get(f"/blog/{post.slug}").status_code == 404  # a draft
        editing.save_post(post_draft(published_at=datetime.now(UTC) + timedelta(hours=1)), post)
        db.session.commit()
        assert editing.status(post, datetime.now(UTC)) == "scheduled"
        assert client.get(f"/blog/{post.slug}").status_code == 404
        editing.save_post(post_draft(published_at=datetime.now(UTC) - timedelta(minutes=1)), post)
        db.session.commit()
        assert client.get(f"/blog/{post.slug}").status_code == 200


def test_the_preview_is_the_sanitised_page_body_with_embeds(seeded):
    with seeded.test_request_context():
        html = str(editing.preview(post_draft().body_markdown))
    assert "<p>Put the kettle on.</p>" in html and "<script>" not in html and 'class="embed"' in html


def test_a_post_needs_a_free_address_and_a_title(seeded):
    with seeded.app_context():
        taken = db.session.scalar(select(Post.slug))
        with pytest.raises(editing.BlogError, match=f"/blog/{taken}"):
            editing.save_post(post_draft(slug=taken))
        with pytest.raises(editing.BlogError, match="title"):
            editing.save_post(post_draft(title=" ", slug="x"))


def test_zones_countries_and_weight_bands_change_the_next_quote(seeded):
    with seeded.app_context():
        europe = db.session.scalar(select(ShippingZone).where(ShippingZone.code == "europe"))
        asia = shipping.save_zone(code="asia", name="Asia", box_shipping_pence=650, position=9)
        shipping.save_parcel_rate(asia, max_weight_g=2000, price_pence=1450)
        shipping.move_countries(["kr", "JP"], zone=asia)
        assert quotes.quote("KR", [quotes.ParcelItem(500, 1)]).price_pence == 1450
        shipping.set_country("KR", zone=asia, ships=False)
        with pytest.raises(quotes.CountryNotShipped):
            quotes.quote("KR", [quotes.ParcelItem(500, 1)])
        with pytest.raises(quotes.ShippingError, match="already has a band up to 2000 g"):
            shipping.save_parcel_rate(asia, max_weight_g=2000, price_pence=1)
        with pytest.raises(quotes.ShippingError, match="still has 2 countries"):
            shipping.delete_zone(asia)
        with pytest.raises(quotes.ShippingError, match="already a zone"):
            shipping.save_zone(code="asia", name="Asia again", box_shipping_pence=0)
        assert europe is not None


def test_a_discount_code_is_created_limited_and_expired(seeded):
    with seeded.app_context():
        code = save_discount(
            DiscountDraft(code=" spring15 ", kind=DiscountKind.PERCENTAGE, percent_off=15, usage_limit=5)
        )
        assert code.code == "SPRING15"
        assert find_usable("spring15", "a@example.com") is code
        expire_now(code, datetime.now(UTC) - timedelta(seconds=1))
        with pytest.raises(DiscountError, match="expired"):
            find_usable("spring15", "a@example.com")
        with pytest.raises(DiscountError, match="between 1 and 100"):
            save_discount(DiscountDraft(code="TOOMUCH", kind=DiscountKind.PERCENTAGE, percent_off=120))
        with pytest.raises(DiscountError, match="exists already"):
            save_discount(DiscountDraft(code="WELCOME10", kind=DiscountKind.FREE_SHIPPING))


def test_a_code_shows_its_uses_and_the_revenue_of_paid_orders(seeded):
    with seeded.app_context():
        paid = place(items(MASK_MIX_7=1), discount_code="WELCOME10")
        confirm_payment(paid, provider="demo", reference="pay_1", actor="test")
        place(items(MASK_MIX_7=1), email="other@example.com", discount_code="WELCOME10")  # not paid yet
        db.session.commit()
        welcome = db.session.scalar(select(DiscountCode).where(DiscountCode.code == "WELCOME10"))
        usage = usage_by_code()[welcome.id]
        assert (usage.uses, usage.paid_orders, usage.revenue_pence) == (2, 1, paid.total_pence)
        assert usage.discount_given_pence == paid.discount_pence
