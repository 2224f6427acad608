"""The back office's editing pages through the client, as an admin past the second factor:
what each page shows, what a POST changes in the database, and what a refusal says."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import time_machine
from PIL import Image
from sqlalchemy import func, select

from shop.admin.models import AdminAction
from shop.blog.models import Post
from shop.catalog.models import Product, StockMovement, Variant
from shop.core.vat import VatRate
from shop.discounts.models import DiscountCode
from shop.extensions import db
from shop.jobs.models import Job
from shop.notifications import EMAIL_JOB
from shop.shipping.models import ParcelRate, ShippingZone
from shop.subscriptions.models import Edition, Shipment, ShipmentStatus, Subscription, SubscriptionStatus

from ..box_factories import make_edition, make_subscription
from .factories import sign_in_admin

JAN = date(2027, 1, 1)
BEFORE_CUTOFF = datetime(2027, 1, 8, 12, tzinfo=UTC)
AFTER_CUTOFF = datetime(2027, 1, 11, 9, tzinfo=UTC)


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def picture(size=(900, 700)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 90)).save(out, "JPEG")
    out.seek(0)
    return out


def actions(name: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AdminAction).where(AdminAction.action == name))


# ---- catalogue ----------------------------------------------------------------------------


def test_an_admin_adds_a_product_with_a_variant_stock_and_a_picture(app, seeded, admin_client, tmp_path):
    app.config["MEDIA_FOLDER"] = str(tmp_path / "media")
    with app.app_context():
        category_id = db.session.scalar(select(Product.category_id).limit(1))
    response = admin_client.post(
        "/admin/catalogue/products/new",
        data={
            "name": "Hanji notebook",
            "slug": "hanji-notebook",
            "category_id": category_id,
            "kind": "goods",
            "summary": "Handmade paper",
        },
    )
    assert response.status_code == 303
    product_url = response.headers["Location"]
    with app.app_context():
        product = db.session.scalar(select(Product).filter_by(slug="hanji-notebook"))
        assert product.is_active is False
        product_id = product.id

    response = admin_client.post(
        f"/admin/catalogue/products/{product_id}/variants/new",
        data={
            "name": "A5",
            "sku": "note-a5",
            "price": "12.50",
            "weight_g": "180",
            "hs_code": "4820.10",
            "origin_country": "KR",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        variant = db.session.scalar(select(Variant).filter_by(sku="NOTE-A5"))
        assert (variant.price_pence, variant.stock) == (1250, 0)
        variant_id = variant.id

    refused = admin_client.post(
        f"/admin/catalogue/variants/{variant_id}/stock", data={"stock-change": "-1", "stock-reason": "Recount"}
    )
    assert refused.status_code == 422 and "Only 0 of NOTE-A5 are in stock" in text(refused.text)
    added = admin_client.post(
        f"/admin/catalogue/variants/{variant_id}/stock",
        data={"stock-change": "30", "stock-reason": "Delivery from Seoul"},
    )
    assert added.status_code == 303
    page = text(admin_client.get(f"/admin/catalogue/variants/{variant_id}").text)
    assert "+30 30 Delivery from Seoul admin:" in page

    wrong = admin_client.post(
        f"/admin/catalogue/products/{product_id}/images",
        data={"image-image": (io.BytesIO(b"just some text\n" * 50), "notebook.jpg"), "image-alt": "A notebook"},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
    assert "That file is not a picture we can use" in text(wrong.text)
    assert 'value="A notebook"' in wrong.text  # what was typed is kept
    good = admin_client.post(
        f"/admin/catalogue/products/{product_id}/images",
        data={"image-image": (picture(), "notebook.jpg"), "image-alt": "A hanji notebook, open"},
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    assert (
        admin_client.post(f"/admin/catalogue/products/{product_id}/publish", data={"publish": "1"}).status_code == 303
    )

    shop_page = admin_client.get("/products/hanji-notebook").text
    assert "£12.50" in shop_page and re.search(
        r'srcset="/media/[0-9a-f]{24}-320\.jpg 320w, /media/[0-9a-f]{24}-640\.jpg 640w, /media/[0-9a-f]{24}-900\.jpg 900w"',
        shop_page,
    )
    assert "/media/" in admin_client.get("/shop").text  # the card shows the upload too
    with app.app_context():
        assert actions("product.create") == actions("variant.create") == actions("product.image_add") == 1
        assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 1
    assert product_url.endswith(f"/admin/catalogue/products/{product_id}")


def test_an_upload_past_the_request_limit_is_refused_with_a_message(app, seeded, admin_client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    with app.app_context():
        product_id = db.session.scalar(select(Product.id).limit(1))
    page = f"http://localhost/admin/catalogue/products/{product_id}"
    response = admin_client.post(
        f"/admin/catalogue/products/{product_id}/images",
        data={"image-image": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "huge.jpg"), "image-alt": "Huge"},
        content_type="multipart/form-data",
        headers={"Referer": page},
    )
    assert response.status_code == 303 and response.headers["Location"] == page
    shown = text(admin_client.get(page).text)
    assert "That file is larger than 1 MB, the most the shop accepts" in shown


def test_an_admin_zero_rates_a_magazine_and_placed_orders_keep_their_rate(app, seeded, admin_client):
    with app.app_context():
        product = db.session.scalar(select(Product).filter_by(slug="sheet-mask-set"))
        assert product.vat_rate is VatRate.STANDARD
        product_id, category_id, slug, name = product.id, product.category_id, product.slug, product.name
    page = admin_client.get(f"/admin/catalogue/products/{product_id}").get_data(as_text=True)
    assert "UK VAT rate" in page and '<option selected value="standard">' in page
    response = admin_client.post(
        f"/admin/catalogue/products/{product_id}",
        data={"name": name, "slug": slug, "category_id": category_id, "kind": "goods", "vat_rate": "zero"},
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Product, product_id).vat_rate is VatRate.ZERO


def test_a_product_form_with_a_taken_address_keeps_what_was_typed(app, seeded, admin_client):
    with app.app_context():
        category_id = db.session.scalar(select(Product.category_id).limit(1))
    response = admin_client.post(
        "/admin/catalogue/products/new",
        data={"name": "Another mask", "slug": "sheet-mask-set", "category_id": category_id, "kind": "goods"},
    )
    assert response.status_code == 200
    assert "'sheet-mask-set' is already used by another product." in text(response.text)
    assert 'value="Another mask"' in response.text


# ---- Culture Box --------------------------------------------------------------------------


def january_with_subscribers(app, count: int = 2) -> int:
    with app.app_context():
        edition = make_edition(JAN)
        for n in range(count):
            make_subscription(first_month=JAN, name=f"Subscriber {n}")
        return edition.id


def shipments(edition_id: int) -> list[Shipment]:
    return list(db.session.scalars(select(Shipment).where(Shipment.edition_id == edition_id).order_by(Shipment.id)))


def test_the_box_run_is_refused_before_the_cutoff_and_runs_once_after_it(app, seeded, admin):
    edition_id = january_with_subscribers(app)
    admin_client = app.test_client()
    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        sign_in_admin(app, admin_client)  # a session passes the second factor for hours, not months
        page = admin_client.get(f"/admin/culture-box/editions/{edition_id}").text
        assert "cannot be run before 10 January, 23:59 UK time" in text(page)
        refused = admin_client.post(f"/admin/culture-box/editions/{edition_id}/run", follow_redirects=True)
    assert "can't be run yet: its cutoff is 10 January, 23:59 UK time" in text(refused.text)
    with app.app_context():
        assert shipments(edition_id) == [] and actions("edition.run") == 0

    with time_machine.travel(AFTER_CUTOFF, tick=False):
        sign_in_admin(app, admin_client)
        first = admin_client.post(f"/admin/culture-box/editions/{edition_id}/run", follow_redirects=True)
        assert "2 new shipments created (2 in all)" in text(first.text)
        second = admin_client.post(f"/admin/culture-box/editions/{edition_id}/run", follow_redirects=True)
        assert "Nothing new to create: all 2 entitled boxes already have a shipment." in text(second.text)
        packing = admin_client.get(f"/admin/culture-box/editions/{edition_id}/packing-list.csv")
    with app.app_context():
        assert len(shipments(edition_id)) == 2 and actions("edition.run") == 2
    assert packing.status_code == 200 and packing.mimetype == "text/csv"
    assert packing.headers["Content-Disposition"] == 'attachment; filename="packing-list-2027-01.csv"'
    assert packing.text.splitlines()[0].startswith("shipment_id,edition,plan,name")
    assert len(packing.text.splitlines()) == 3


def run_january(app, count: int = 3) -> tuple[int, list[int]]:
    edition_id = january_with_subscribers(app, count)
    with app.app_context(), time_machine.travel(AFTER_CUTOFF, tick=False):
        from shop.subscriptions import box_run

        box_run.run(db.session.get(Edition, edition_id), run_by="test")
        db.session.commit()
        return edition_id, [s.id for s in shipments(edition_id)]


def test_a_tracking_csv_with_a_bad_row_is_reported_by_line_and_nothing_is_applied(app, seeded, admin_client):
    edition_id, (first, second, third) = run_january(app)
    csv = f"shipment_id,carrier,tracking_number\n{first},Royal Mail,RR000000001GB\n{second},Royal Mail,??\n{third},Royal Mail,RR000000003GB\n"
    response = admin_client.post(
        f"/admin/culture-box/editions/{edition_id}/tracking",
        data={"csv-file": (io.BytesIO(csv.encode()), "tracking.csv"), "csv-carrier": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = text(response.text)
    assert "Nothing was marked shipped" in page and "Line 3: '??' does not look like a tracking number" in page
    with app.app_context():
        assert {s.status for s in shipments(edition_id)} == {ShipmentStatus.PACKING}
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == EMAIL_JOB)) == 0

    good = csv.replace("??", "RR000000002GB")
    response = admin_client.post(
        f"/admin/culture-box/editions/{edition_id}/tracking",
        data={"csv-file": (io.BytesIO(good.encode()), "tracking.csv"), "csv-carrier": ""},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "3 shipments marked shipped" in text(response.text)
    with app.app_context():
        assert {s.status for s in shipments(edition_id)} == {ShipmentStatus.SHIPPED}


def test_one_shipment_is_marked_shipped_and_the_subscriber_is_emailed(app, seeded, admin_client):
    edition_id, (first, *_) = run_january(app, 1)
    bad = admin_client.post(
        f"/admin/culture-box/shipments/{first}/ship",
        data={"carrier": "dhl", "tracking_number": "x"},
        follow_redirects=True,
    )
    assert "does not look like a tracking number" in text(bad.text)
    response = admin_client.post(
        f"/admin/culture-box/shipments/{first}/ship",
        data={"carrier": "royal-mail", "tracking_number": "RR123456785GB"},
        follow_redirects=True,
    )
    assert "is shipped; subscriber1" in text(response.text) or "is shipped;" in text(response.text)
    assert 'href="https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB"' in response.text
    with app.app_context():
        shipment = db.session.get(Shipment, first)
        assert shipment.status is ShipmentStatus.SHIPPED and actions("shipment.ship") == 1
        [job] = db.session.scalars(select(Job).where(Job.kind == EMAIL_JOB)).all()
        assert job.payload["to"] == shipment.subscription.email


def test_an_edition_is_created_from_the_form_with_its_contents(app, seeded, admin_client):
    form = {
        "month": "2031-03",
        "theme": "Spring in Gyeongju",
        "cutoff_at": "2031-03-10T23:59",
        "ships_on": "2031-03-15",
        "capacity": "",
        "items-0-description": "Barley tea bags",
        "items-0-hs_code": "0902.30",
        "items-0-value": "4.00",
        "items-0-weight_g": "150",
        "items-0-origin_country": "KR",
        "items-1-description": "Sheet mask",
        "items-1-hs_code": "",
        "items-1-value": "2.50",
        "items-1-weight_g": "30",
        "items-1-origin_country": "KR",
    }
    refused = admin_client.post("/admin/culture-box/editions/new", data=form)
    assert refused.status_code == 200 and "Item 2 (Sheet mask): the HS code is 6 to 10 digits" in text(refused.text)
    assert 'value="Spring in Gyeongju"' in refused.text
    form["items-1-hs_code"] = "3304.99"
    created = admin_client.post("/admin/culture-box/editions/new", data=form)
    assert created.status_code == 303
    with app.app_context():
        edition = db.session.scalar(select(Edition).where(Edition.month == date(2031, 3, 1)))
        assert edition.customs_value_pence == 650 and edition.weight_g == 180
        assert edition.cutoff_at == datetime(2031, 3, 10, 23, 59, tzinfo=UTC)  # GMT until the 30th


# ---- subscriptions ------------------------------------------------------------------------


def test_subscriptions_are_filtered_and_paused_for_the_subscriber_with_a_reason(app, seeded, admin_client, monkeypatch):
    from ..subscriptions.account_support import RecordingGateway

    gateway = RecordingGateway()
    monkeypatch.setattr("shop.subscriptions.manage.get_gateway", lambda: gateway)
    with app.app_context():
        make_edition(JAN)
        keep = make_subscription(first_month=JAN, name="Min-ji Kim", country="CA")
        other = make_subscription(first_month=JAN, name="Somebody Else")
        keep_id, other_name = keep.id, other.ship_name
    listed = text(admin_client.get("/admin/subscriptions?country=CA").text)
    assert "Min-ji Kim" in listed and other_name not in listed
    assert "Somebody Else" not in text(admin_client.get("/admin/subscriptions?arrears=y").text)

    no_reason = admin_client.post(f"/admin/subscriptions/{keep_id}/pause", data={"reason": ""}, follow_redirects=True)
    assert "Say why" in text(no_reason.text)
    paused = admin_client.post(
        f"/admin/subscriptions/{keep_id}/pause", data={"reason": "Asked by phone: moving house"}, follow_redirects=True
    )
    page = text(paused.text)
    assert "Paused for" in page and "pause: Asked by phone: moving house" in page
    with app.app_context():
        assert db.session.get(Subscription, keep_id).status is SubscriptionStatus.PAUSED
        assert actions("subscription.pause") == 1
    assert gateway.calls and gateway.calls[-1][0] == "pause"


# ---- shipping, discounts, blog ------------------------------------------------------------


def test_a_weight_band_and_a_discount_code_are_added(app, seeded, admin_client):
    with app.app_context():
        europe_id = db.session.scalar(select(ShippingZone.id).where(ShippingZone.code == "europe"))
    assert (
        admin_client.post(
            f"/admin/shipping/zones/{europe_id}/rates", data={"rate-max_weight_g": "25000", "rate-price": "49.00"}
        ).status_code
        == 303
    )
    with app.app_context():
        assert (
            db.session.scalar(
                select(ParcelRate.price_pence).where(ParcelRate.zone_id == europe_id, ParcelRate.max_weight_g == 25000)
            )
            == 4900
        )

    refused = admin_client.post(
        "/admin/discounts/new", data={"code": "SPRING", "kind": "percentage", "percent_off": "", "is_active": "y"}
    )
    assert "A percentage off is between 1 and 100." in text(refused.text)
    created = admin_client.post(
        "/admin/discounts/new",
        data={
            "code": "spring15",
            "kind": "percentage",
            "percent_off": "15",
            "usage_limit": "100",
            "valid_until": "2031-05-01T00:00",
            "is_active": "y",
        },
    )
    assert created.status_code == 303
    with app.app_context():
        code = db.session.scalar(select(DiscountCode).filter_by(code="SPRING15"))
        assert (code.percent_off, code.usage_limit, code.valid_until) == (
            15,
            100,
            datetime(2031, 4, 30, 23, tzinfo=UTC),
        )
    assert "SPRING15" in admin_client.get("/admin/discounts").text


def test_a_post_is_previewed_without_javascript_then_scheduled(app, seeded, admin_client):
    with app.app_context():
        author_id = db.session.scalar(select(Post.author_id).limit(1))
    form = {
        "title": "Rainy-day dramas",
        "slug": "",
        "body_markdown": "## Five dramas\n\nPut the kettle on.",
        "tags": "Dramas",
        "author_id": author_id,
        "publish": "at",
        "publish_at": "",
    }
    previewed = admin_client.post("/admin/blog/new", data={**form, "preview": "1"})
    assert previewed.status_code == 200 and "<h2>Five dramas</h2>" in previewed.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post).filter_by(title="Rainy-day dramas")) == 0
    missing_time = admin_client.post("/admin/blog/new", data=form)
    assert "Choose when the post should appear." in text(missing_time.text)
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    saved = admin_client.post("/admin/blog/new", data={**form, "publish_at": later})
    assert saved.status_code == 303
    assert admin_client.get("/blog/rainy-day-dramas").status_code == 404  # scheduled, not yet out
    fragment = admin_client.post("/admin/blog/preview", data={"body_markdown": "*hello* <script>x</script>"})
    assert fragment.status_code == 200 and "<em>hello</em>" in fragment.text and "<script>" not in fragment.text
