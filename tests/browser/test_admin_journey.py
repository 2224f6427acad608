"""The back office in a real browser, on a phone and on a laptop: an admin signs in with the
code from their authenticator app, adds a product with a picture, creates next month's
Culture Box edition, runs it once its cutoff has passed (the clock moved on), downloads the
packing list and marks a box shipped; the subscriber's account shows the tracking link and
the email with it arrived."""

import io
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from shop.blog.models import Post
from shop.comments import services as comments
from shop.extensions import db

from ..accounts.factories import make_user
from ..admin.factories import make_admin, totp_code
from ..box_factories import make_subscription
from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
ADMIN = "owner@inspiremekorea.co.uk"
SUBSCRIBER = "ji-woo@example.com"
APRIL = date(2027, 4, 1)
# The live server runs in this process, so travelling in time moves the shop's clock.
IN_MARCH = datetime(2027, 3, 20, 10, 0, tzinfo=UTC)
AFTER_APRIL_CUTOFF = datetime(2027, 4, 11, 9, 0, tzinfo=UTC)


def a_photo(tmp_path: Path) -> Path:
    path = tmp_path / "hanji-notebook.png"
    image = Image.new("RGB", (1600, 1200), (246, 239, 227))
    for x in range(200, 1400):
        for y in range(300, 320):
            image.putpixel((x, y), (194, 65, 42))
    image.save(path)
    return path


def sign_in_as_admin(page, live_server, app):
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your second factor")
    with app.app_context():
        from shop.accounts.models import User

        admin = db.session.scalar(db.select(User).filter_by(email=ADMIN))
        code = totp_code(admin)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_an_admin_adds_a_product_runs_the_box_and_ships_it(page, live_server, app, request, tmp_path):
    app.config["MEDIA_FOLDER"] = str(tmp_path / "media")
    photo = a_photo(tmp_path)
    with time_machine.travel(IN_MARCH, tick=True):
        with app.app_context():
            make_admin(ADMIN)
            customer = make_user(SUBSCRIBER, name="Ji-woo Park")
            sub = make_subscription(first_month=APRIL, name="Ji-woo Park")
            sub.user_id, sub.email = customer.id, SUBSCRIBER
            db.session.commit()
            sub_id = sub.id

        sign_in_as_admin(page, live_server, app)
        nav = page.get_by_role("navigation", name="Back office")

        # A product with a picture.
        nav.get_by_role("link", name="Catalogue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
        assert_accessible(page)
        snapshot(page, request, "catalogue")
        page.get_by_role("link", name="New product").click()
        page.get_by_label("Name", exact=True).fill("Hanji notebook")
        page.get_by_label("Address name").fill("hanji-notebook")
        page.get_by_label("Category").select_option(label="Beauty")
        page.get_by_label("Summary").fill("Handmade mulberry paper, stitched in Jeonju")
        page.get_by_role("button", name="Create product").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hanji notebook")
        page.get_by_role("link", name="Add a variant").click()
        page.get_by_label("Name", exact=True).fill("A5")
        page.get_by_label("SKU").fill("NOTE-A5")
        page.get_by_label("Price (£, VAT included)").fill("12.50")
        page.get_by_label("Weight (g)").fill("180")
        page.get_by_label("HS code").fill("4820.10")
        page.get_by_role("button", name="Add variant").click()
        page.get_by_label("Add or take away").fill("24")
        page.get_by_label("Why").fill("First delivery from Jeonju")
        page.get_by_role("button", name="Change stock").click()
        expect(page.get_by_role("status")).to_contain_text("Stock of NOTE-A5 is now 24")
        assert_accessible(page)
        snapshot(page, request, "variant")
        page.get_by_role("link", name="← Hanji notebook").click()
        page.get_by_label("Picture").set_input_files(str(photo))
        page.get_by_label("Describe it").fill("A hanji notebook lying open")
        page.get_by_role("button", name="Upload picture").click()
        expect(page.get_by_role("status")).to_contain_text("The picture is added.")
        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_role("status")).to_contain_text("Hanji notebook is in the shop.")
        assert_accessible(page)
        snapshot(page, request, "product")

        # Next month's edition.
        nav.get_by_role("link", name="Culture Box").click()
        page.get_by_role("link", name="New edition").click()
        expect(page.get_by_label("Month")).to_have_value("2027-04")
        page.get_by_label("Theme").fill("Cherry blossom picnic")
        items = page.locator(".admin-manifest__item")
        for index, (what, hs, value, grams) in enumerate(
            [("Barley tea bags", "0902.30", "4.00", "150"), ("Honey butter crisps", "2005.20", "3.50", "120")]
        ):
            item = items.nth(index)
            item.get_by_label("Customs description").fill(what)
            item.get_by_label("HS code").fill(hs)
            item.get_by_label("Value (£)").fill(value)
            item.get_by_label("Weight (g)").fill(grams)
        assert_accessible(page)
        snapshot(page, request, "edition-form")
        page.get_by_role("button", name="Create edition").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("The April 2027 box")
        page.get_by_role("button", name="Run this edition").click()
        expect(page.get_by_role("status")).to_contain_text("can't be run yet")
        edition_url = page.url

    # Three weeks on, past the cutoff: a new day, a new sign-in.
    with time_machine.travel(AFTER_APRIL_CUTOFF, tick=True):
        page.context.clear_cookies()
        sign_in_as_admin(page, live_server, app)
        page.goto(edition_url)
        page.get_by_role("button", name="Run this edition").click()
        expect(page.get_by_role("status")).to_contain_text("1 new shipments created")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download packing list").click()
        packing_list = Path(download.value.path()).read_text()
        assert packing_list.splitlines()[0].startswith("shipment_id,edition,plan,name")
        assert "Ji-woo Park" in packing_list
        row = page.get_by_role("row").filter(has_text="Ji-woo Park")
        row.get_by_label("Carrier for shipment").select_option(label="Royal Mail")
        row.get_by_label("Tracking number for shipment").fill("RR123456785GB")
        row.get_by_role("button", name="Shipped").click()
        expect(page.get_by_role("status")).to_contain_text(f"{SUBSCRIBER} is emailed the tracking link")
        assert_accessible(page)
        snapshot(page, request, "edition-shipped")

        # The subscriber's side.
        page.context.clear_cookies()
        page.goto(live_server + "/account/sign-in")
        page.get_by_label("Email address").fill(SUBSCRIBER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(live_server + f"/account/subscriptions/{sub_id}")
        link = page.get_by_role("link", name="Track it with Royal Mail")
        expect(link).to_have_attribute(
            "href", "https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB"
        )
        snapshot(page, request, "subscriber")

    emails = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    ]
    shipped = [m for m in emails if m["Subject"] == "Your April Culture Box is on its way"]
    assert len(shipped) == 1 and shipped[0]["To"] == SUBSCRIBER
    assert "RR123456785GB" in shipped[0].get_body(("plain",)).get_content()
    assert io  # pictures above are written to disk, not kept in memory


def test_the_other_back_office_pages_and_the_blog_editor_s_live_preview(page, live_server, app, request):
    with app.app_context():
        make_admin(ADMIN)
        customer = make_user(SUBSCRIBER, name="Ji-woo Park")
        sub = make_subscription(first_month=APRIL, name="Ji-woo Park")
        sub.user_id = customer.id
        film_article = db.session.scalar(select(Post).order_by(Post.id).limit(1))
        comments.add_comment(
            comments.NewComment(film_article.id, "Min-ji", "min-ji@example.com", "I cried at the second film too.")
        )
        db.session.commit()
        sub_id, article_slug = sub.id, film_article.slug
    sign_in_as_admin(page, live_server, app)
    nav = page.get_by_role("navigation", name="Back office")
    for section, heading, step in [
        ("Subscriptions", "Subscriptions", "subscriptions"),
        ("Shipping", "Shipping", "shipping"),
        ("Discounts", "Discount codes", "discounts"),
        ("Blog", "Blog", "blog"),
        ("Exports", "Exports", "exports"),
        ("Comments", "Comments", "comments"),
    ]:
        nav.get_by_role("link", name=section).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
        snapshot(page, request, step)

    # the comment waiting for moderation is approved from the queue and shows under its post
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.goto(live_server + f"/blog/{article_slug}")
    expect(page.get_by_text("I cried at the second film too.")).to_be_visible()

    page.goto(live_server + f"/admin/subscriptions/{sub_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Subscription #{sub_id}")
    assert_accessible(page)
    snapshot(page, request, "subscription")

    nav.get_by_role("link", name="Shipping").click()
    page.get_by_role("link", name="Europe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Europe")
    assert_accessible(page)
    snapshot(page, request, "zone")

    nav.get_by_role("link", name="Blog").click()
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Five dramas for a rainy day")
    page.get_by_label("Text (Markdown)").fill("## Put the kettle on\n\nThen press *play*.")
    preview = page.locator("[data-preview]")
    expect(preview.get_by_role("heading", name="Put the kettle on")).to_be_visible()  # as you type
    expect(preview.locator("em")).to_have_text("play")
    page.get_by_label("Publish now").check()
    assert_accessible(page)
    snapshot(page, request, "post-editor")
    page.get_by_role("button", name="Save post").click()
    expect(page.get_by_role("status")).to_contain_text("it is on the blog")
    page.goto(live_server + "/blog/five-dramas-for-a-rainy-day")
    expect(page.get_by_role("heading", level=1)).to_have_text("Five dramas for a rainy day")
