"""The catalogue from the back office: products and variants, the stock ledger, uploaded
pictures (checked, re-encoded, resized, served with srcset), and prices that never reach
back into a placed order."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from shop.catalog import operations as catalog
from shop.catalog.models import Category, Product, StockMovement
from shop.extensions import db

from .commerce import items, new_product, place, variant


def png(width: int, height: int, mode: str = "RGB", noise: bool = False) -> io.BytesIO:
    if noise:
        image = Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))
    else:
        image = Image.new(mode, (width, height), (200, 80, 60) if mode == "RGB" else 0)
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def test_a_new_product_is_hidden_until_published_and_needs_a_variant(seeded, client):
    with seeded.app_context():
        category = db.session.scalar(select(Category))
        bare = catalog.save_product(catalog.ProductDraft(slug="bare", name="Bare", category_id=category.id))
        with pytest.raises(catalog.CatalogError, match="at least one variant"):
            catalog.set_published(bare, True)
        product = new_product()
        db.session.commit()
        assert client.get("/products/hanji-notebook").status_code == 404
        catalog.set_published(product, True)
        db.session.commit()
        page = client.get("/products/hanji-notebook")
        assert page.status_code == 200 and "£12.00" in page.text and "Sold out" in page.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sku": "MASK-MIX-7"}, "already used"),
        ({"price_pence": 0}, "more than £0.00"),
        ({"hs_code": "mask"}, "HS code"),
        ({"origin_country": "ZZ"}, "country the goods were made in"),
        ({"weight_g": 0}, "at least 1 g"),
    ],
)
def test_a_variant_that_cannot_be_right_is_refused(seeded, changes, message):
    with seeded.app_context():
        fields = dict(sku="NEW-1", name="New", price_pence=100, weight_g=10, hs_code="3304.99", origin_country="KR")
        fields.update(changes)
        product = db.session.scalar(select(Product).where(Product.slug == "sheet-mask-set"))
        with pytest.raises(catalog.CatalogError, match=message):
            catalog.save_variant(catalog.VariantDraft(**fields), product)


def test_stock_changes_are_in_the_ledger_and_never_go_below_zero(seeded):
    with seeded.app_context():
        mask = variant("MASK-MIX-7")
        start = mask.stock
        catalog.adjust_stock(mask, 24, reason="Delivery from Seoul", actor="faye@example.com")
        catalog.adjust_stock(mask, -2, reason="Damaged in the post", actor="faye@example.com")
        assert mask.stock == start + 22
        with pytest.raises(catalog.CatalogError, match=f"Only {start + 22} of MASK-MIX-7 are in stock"):
            catalog.adjust_stock(mask, -(start + 23), reason="Recount", actor="faye@example.com")
        with pytest.raises(catalog.CatalogError, match="Say why"):
            catalog.adjust_stock(mask, 1, reason=" ", actor="faye@example.com")
        ledger = [(m.change, m.stock_after, m.reason) for m in catalog.stock_movements(mask)]
        assert ledger == [(-2, start + 22, "Damaged in the post"), (24, start + 24, "Delivery from Seoul")]
        assert db.session.scalar(select(StockMovement.actor).limit(1)) == "faye@example.com"


def test_a_price_change_never_alters_a_placed_order(seeded):
    with seeded.app_context():
        order = place(items(MASK_MIX_7=2))
        line_before = (order.lines[0].unit_price_pence, order.lines[0].line_total_pence, order.total_pence)
        mask = variant("MASK-MIX-7")
        draft = catalog.VariantDraft(
            sku=mask.sku,
            name=mask.name,
            price_pence=mask.price_pence + 1000,
            weight_g=mask.weight_g,
            hs_code=mask.hs_code,
            origin_country=mask.origin_country,
        )
        catalog.save_variant(draft, mask.product, mask)
        db.session.commit()
        db.session.expire_all()
        assert (order.lines[0].unit_price_pence, order.lines[0].line_total_pence, order.total_pence) == line_before


# -- pictures ----------------------------------------------------------------------------------


def media_files(app) -> list[Path]:
    folder = Path(app.config["MEDIA_FOLDER"])
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture
def media(seeded, tmp_path):
    seeded.config["MEDIA_FOLDER"] = str(tmp_path / "media")
    return seeded


def test_a_picture_is_re_encoded_at_several_widths_and_served_with_srcset(media, client):
    with media.app_context():
        product = new_product()
        catalog.set_published(product, True)
        image = catalog.add_image(product, png(1600, 1200), alt="A hanji notebook, open")
        db.session.commit()
        assert image.widths == [320, 640, 1280]
        files = media_files(media)
        assert [f.name for f in files] == [f"{image.path}-{w}.jpg" for w in (1280, 320, 640)]
        with Image.open(files[0]) as largest:
            assert (largest.format, largest.size) == ("JPEG", (1280, 960))
        page = client.get("/products/hanji-notebook").text
        assert f"/media/{image.path}-320.jpg 320w" in page and f"/media/{image.path}-1280.jpg 1280w" in page
        served = client.get(f"/media/{image.path}-640.jpg")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.data.startswith(b"\xff\xd8")
        assert client.get("/media/../shop.db").status_code == 404


def test_a_small_picture_is_not_enlarged_and_transparency_becomes_white(media):
    with media.app_context():
        image = catalog.add_image(new_product(), png(200, 100, mode="RGBA"), alt="A sticker")
        assert image.widths == [200]
        with Image.open(media_files(media)[0]) as stored:
            assert stored.mode == "RGB" and stored.size == (200, 100) and stored.getpixel((5, 5)) == (255, 255, 255)


def test_a_text_file_named_jpg_is_refused(media):
    with media.app_context():
        product = new_product()
        fake = io.BytesIO(b"this is not a picture, whatever its name says\n" * 20)
        with pytest.raises(catalog.CatalogError, match="not a picture we can use"):
            catalog.add_image(product, fake, alt="Fake")
        assert product.images == [] and media_files(media) == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded(media):
    with media.app_context():
        bomb = png(9000, 5000, mode="1")  # 45 megapixels in a few kilobytes
        assert len(bomb.getvalue()) < 100_000
        with pytest.raises(catalog.CatalogError, match="9000 x 5000 pixels, too many"):
            catalog.add_image(new_product(), bomb, alt="Bomb")
        assert media_files(media) == []


def test_an_oversized_file_is_refused(media):
    media.config["MEDIA_MAX_BYTES"] = 50_000
    with media.app_context():
        with pytest.raises(catalog.CatalogError, match="larger than"):
            catalog.add_image(new_product(), png(300, 300, noise=True), alt="Noise")
        assert media_files(media) == []


def test_a_truncated_picture_is_refused(media):
    with media.app_context():
        broken = io.BytesIO(png(400, 400, noise=True).getvalue()[:3000])
        with pytest.raises(catalog.CatalogError, match="not a picture we can use"):
            catalog.add_image(new_product(), broken, alt="Broken")
