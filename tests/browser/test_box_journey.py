"""The Culture Box in a real browser, on a phone and on a desktop: subscribe monthly to a
Canadian address, creating the account on the subscribe page, with the demo card → the account shows the next box → skip it → the box
run leaves that subscriber out (and packs their box a month later instead)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from shop.extensions import db
from shop.subscriptions import box_run
from shop.subscriptions.models import Edition, Shipment, Subscription

from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
# The live server runs in this process, so travelling in time moves the shop's clock: it is
# 5 December 2026, before the December box's cutoff (10 December, 23:59 UK time).
BEFORE_DECEMBER_CUTOFF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_subscribe_to_canada_then_skip_the_next_box(page, live_server, app, request):
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=True):
        page.goto(live_server + "/culture-box")
        page.get_by_role("link", name="Choose Monthly").click()
        # No detour to sign in: the account is made on the subscribe page, beside the address.
        expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to the Culture Box")
        expect(page.get_by_label("Monthly")).to_be_checked()
        assert_accessible(page)
        page.get_by_role("button", name="See the price").click()
        expect(page.get_by_role("alert")).to_contain_text("Please enter the first line of the address.")
        expect(page.get_by_role("alert")).to_contain_text("Please enter your email address")
        page.get_by_label("Email address", exact=True).fill("ji-woo@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Full name").fill("Ji-woo Park")
        page.get_by_label("Address line 1").fill("12 Maple Street")
        page.get_by_label("Town or city").fill("Toronto")
        page.get_by_label("Postcode or ZIP").fill("M5V 2T6")
        page.get_by_label("Country").select_option("CA")
        page.get_by_role("button", name="See the price").click()
        expect(page.get_by_role("alert")).to_contain_text("Please enter the province or territory")
        page.get_by_label("State, province or county").fill("Ontario")
        page.get_by_label("Password", exact=True).fill(PASSWORD)  # never sent back to the page
        page.get_by_role("button", name="See the price").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
        expect(page.get_by_text("Shipping: North America")).to_be_visible()
        expect(page.get_by_text("VAT removed: export")).to_be_visible()
        expect(page.locator(".box-when")).to_contain_text("the December 2026 box")
        assert_accessible(page)
        snapshot(page, request, "review")
        page.get_by_role("button", name="Pay £29.11").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Demo payment — no money is taken")
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiry date (MM/YY)").fill("12/30")
        page.get_by_label("Security code (CVC)").fill("123")
        page.get_by_role("button", name="Pay £29.11 (demo)").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to the Culture Box!")
        assert_accessible(page)
        page.get_by_role("link", name="Manage your subscription").click()

        # The account: the next box is December's, the next payment 1 January.
        expect(page.get_by_text("The December 2026 box").first).to_be_visible()
        expect(page.get_by_text("1 January 2027").first).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "account")
        page.get_by_role("button", name="Skip the December box").click()

        expect(page.get_by_role("status").or_(page.locator(".flash")).first).to_contain_text("December")
        expect(page.get_by_text("The January 2027 box").first).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "skipped")

    with app.app_context():
        editions = {e.month: e for e in db.session.scalars(select(Edition))}
        december, january = (
            box_run.run(e, run_by="browser test", now=e.cutoff_at + timedelta(minutes=1))
            for e in (editions[date(2026, 12, 1)], editions[date(2027, 1, 1)])
        )
        db.session.commit()  # as `flask box run` does
        sub = db.session.scalar(select(Subscription).filter_by(email="ji-woo@example.com"))
        shipped = [s.edition.month for s in db.session.scalars(select(Shipment).filter_by(subscription_id=sub.id))]
    assert december.created == 0 and january.created == 1
    assert shipped == [date(2027, 1, 1)]
