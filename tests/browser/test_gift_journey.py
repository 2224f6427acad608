"""A gift in real browsers: the buyer gives the Culture Box to a friend's email → the
friend opens the gift email's link in their own browser and types their address → the
box run packs their box → marked shipped (the tracking goes to the friend), the buyer's page
shows it sent, without the friend's address anywhere the buyer looks."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from shop.extensions import db
from shop.subscriptions import box_run, fulfilment
from shop.subscriptions.models import Edition, Shipment

from ..accounts.factories import emails_to, link_in, make_user
from .conftest import CHROMIUM_ARGS, assert_accessible, snapshot  # noqa: F401

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
BOUGHT = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # before December's cutoff
CLAIMED = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)  # after it: January is the first open box
JANUARY_RUN = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
SHIPPED = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


def test_a_gift_bought_claimed_in_another_browser_and_shipped(page, chromium, viewport, live_server, app, request):
    with app.app_context():
        make_user("ji-woo@example.com", password=PASSWORD)
    with time_machine.travel(BOUGHT, tick=True):
        page.goto(live_server + "/account/sign-in")
        page.get_by_label("Email address").fill("ji-woo@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(live_server + "/culture-box/gift")
        expect(page.get_by_role("heading", level=1)).to_have_text("Give the Culture Box")
        page.get_by_label("Gift of 3 months").check()
        page.get_by_label("Message for the card (optional)").fill("Happy birthday! 생일 축하해!")
        page.get_by_label("From (optional)").fill("Ji-woo")
        page.get_by_label("Full name").fill("Seo-yeon Park")
        page.get_by_label("Country").select_option("US")
        expect(page.get_by_label("Email it to them")).to_be_checked()
        # Sent by email, the address fields are the recipient's to fill: they are hidden.
        expect(page.get_by_label("Address line 1")).to_be_hidden()
        page.get_by_label("Their email address").fill("seo-yeon@example.com")
        assert_accessible(page)
        snapshot(page, request, "choose")
        page.get_by_role("button", name="See the price").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Review your gift")
        expect(page.locator(".checkout__address")).to_contain_text("seo-yeon@example.com")
        page.get_by_label("Discount code").fill("WELCOME10")
        page.get_by_role("button", name="Apply the code").click()
        expect(page.get_by_text("Discount WELCOME10, on your payment")).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "review")
        pay = page.locator(".checkout__pay-button")
        amount = pay.inner_text().removeprefix("Pay ")
        pay.click()
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiry date (MM/YY)").fill("12/30")
        page.get_by_label("Security code (CVC)").fill("123")
        page.get_by_role("button", name=f"Pay {amount} (demo)").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Your gift is on its way")
        expect(page.locator(".card")).to_contain_text("We've emailed Seo-yeon Park")

    [gift_mail] = emails_to(app, "seo-yeon@example.com", "Ji-woo has sent you the Culture Box")
    claim = live_server + link_in(gift_mail)

    # The friend, in a browser of their own.
    friend = chromium.new_context(viewport=viewport, locale="en-US")
    their_page = friend.new_page()
    try:
        with time_machine.travel(CLAIMED, tick=True):
            their_page.goto(claim)
            expect(their_page.get_by_role("heading", level=1)).to_have_text("Ji-woo has given you the Culture Box")
            expect(their_page.get_by_text("생일 축하해!")).to_be_visible()
            their_page.get_by_label("Address line 1").fill("350 Fifth Avenue")
            their_page.get_by_label("Town or city").fill("New York")
            their_page.get_by_label("Postcode or ZIP").fill("10118")
            their_page.get_by_role("button", name="Send my boxes here").click()
            expect(their_page.get_by_role("alert")).to_contain_text("Please enter the state")
            their_page.get_by_label("State, province or county").fill("New York")
            their_page.get_by_label("Phone (optional)").fill("+1 212 555 0100")
            assert_accessible(their_page)
            snapshot(their_page, request, "claim")
            their_page.get_by_role("button", name="Send my boxes here").click()
            expect(their_page.get_by_role("heading", level=1)).to_contain_text("Your boxes are on their way")
            expect(their_page.locator(".card")).to_contain_text("the January 2027 box")
            assert_accessible(their_page)
            snapshot(their_page, request, "claimed")
            their_page.goto(claim)  # the link works once
            expect(their_page.get_by_role("heading", level=1)).to_have_text("This gift link can't be used")
    finally:
        friend.close()

    # After January's cutoff the box run packs it; then the parcels leave.
    with time_machine.travel(JANUARY_RUN, tick=False), app.app_context():
        january = db.session.scalar(select(Edition).filter_by(month=date(2027, 1, 1)))
        assert box_run.run(january, run_by="browser test").created == 1
        db.session.commit()
    with time_machine.travel(SHIPPED, tick=True):
        with app.app_context():
            january = db.session.scalar(select(Edition).filter_by(month=date(2027, 1, 1)))
            [parcel] = db.session.scalars(select(Shipment).filter_by(edition_id=january.id)).all()
            fulfilment.mark_shipped(parcel, "royal-mail", "LX123456789GB", actor="browser test")
            db.session.commit()
        page.goto(live_server + "/account/sign-in")
        if page.get_by_label("Password").is_visible():
            page.get_by_label("Email address").fill("ji-woo@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
        page.goto(live_server + "/account")
        page.get_by_role("link", name="Manage").first.click()
        expect(page.locator(".sub-shipments")).to_contain_text("The January 2027 box")
        expect(page.locator(".sub-shipments")).to_contain_text("Sent 15 January 2027")
        expect(page.get_by_text("They claimed it on 20 December 2026")).to_be_visible()
        body = page.locator("main").inner_text()
        for secret in ("350 Fifth Avenue", "10118", "555 0100", "LX123456789GB"):
            assert secret not in body
        assert_accessible(page)
        snapshot(page, request, "shipped")
    assert emails_to(app, "ji-woo@example.com", "The January box of your gift is on its way")
