"""An admin works an order in a real browser, on a phone and on a laptop: the dashboard,
the order list and its filters, one order, shipping it with a tracking number, a partial
refund and the packing slip; every page checked with axe-core."""

import pytest
from playwright.sync_api import expect

from shop.extensions import db

from ..admin.factories import make_admin, totp_code
from ..admin.test_orders import paid_order
from ..commerce import items, place
from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def test_an_admin_ships_and_refunds_an_order(page, live_server, app, request):
    with app.app_context():
        admin = make_admin("owner@inspiremekorea.co.uk")
    number = paid_order(app, country="DE", email="jana@example.de", MASK_MIX_7=2, MAG_001=1)
    paid_order(app, email="faye@example.com")
    with app.app_context():
        place(items(MAG_002=1), "US", email="sam@example.com")
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email address").fill("owner@inspiremekorea.co.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your second factor")
    with app.app_context():
        code = totp_code(db.session.merge(admin))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("svg.chart")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "dashboard")

    page.get_by_role("link", name="Waiting to ship").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    expect(page.get_by_role("table")).to_contain_text(number)
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 order", exact=True)).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "orders")

    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {number}")
    assert_accessible(page)
    snapshot(page, request, "order")
    page.get_by_label("Carrier").select_option("royal-mail")
    page.get_by_label("Tracking number").fill("AB123456789GB")
    page.get_by_role("button", name="Mark shipped and email the customer").click()
    expect(page.get_by_role("status")).to_contain_text("emailed the tracking link")
    page.get_by_label("Amount (£)").fill("2.50")
    page.get_by_label("Reason").fill("a dented magazine")
    page.get_by_role("button", name="Refund and email the customer").click()
    expect(page.get_by_role("status")).to_contain_text("£2.50 of order")
    expect(page.locator(".admin-history")).to_contain_text("a dented magazine")
    assert_accessible(page)
    snapshot(page, request, "shipped-and-refunded")

    page.get_by_role("link", name="Packing slip").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Packing slip")
    expect(page.get_by_text("HS code")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "packing-slip")
