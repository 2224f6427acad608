"""Which post sold it, in a real browser on a phone and a laptop: a reader opens the sheet-mask
post, adds the set from the post's card and pays with the demo card; the admin's dashboard
lists the post among its top posts and the report per post credits it the order. Each page
is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from ..admin.factories import make_admin
from .conftest import assert_accessible, snapshot
from .test_admin_journey import ADMIN, sign_in_as_admin

pytestmark = pytest.mark.browser

MASKS = "A Week of Sheet Masks: Our 7-Day Pamper Plan"


def read_the_post_and_buy_from_its_card(page, live_server) -> str:
    page.goto(live_server + "/blog/a-week-of-sheet-masks")
    expect(page.get_by_role("heading", level=1)).to_have_text(MASKS)
    card = page.get_by_role("complementary", name="Sheet Mask Set")
    card.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(live_server + "/cart")
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Email address").fill("faye@example.com")
    page.get_by_label("Full name").fill("Faye Broadbent")
    page.get_by_label("Address line 1").fill("12 Tea Lane")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode or ZIP").fill("LS1 4AP")
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_role("button", name="Continue to review").click()
    total = page.get_by_role("button", name=re.compile(r"^Pay £")).inner_text().removeprefix("Pay ").strip()
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date (MM/YY)").fill("12/34")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Your order is confirmed")
    return total


def test_the_post_that_sold_is_on_the_dashboard_and_in_the_report(page, live_server, app, request):
    total = read_the_post_and_buy_from_its_card(page, live_server)
    page.context.clear_cookies()  # the admin, on the same device

    with app.app_context():
        make_admin(ADMIN)
    sign_in_as_admin(page, live_server, app)
    panel = page.get_by_role("region", name="Top blog posts, last 30 days")
    expect(panel.get_by_role("row", name=re.compile(re.escape(MASKS)))).to_contain_text(total)
    panel.scroll_into_view_if_needed()
    assert_accessible(page)
    snapshot(page, request, "dashboard")

    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales by blog post")
    row = page.get_by_role("row", name=re.compile(re.escape(MASKS)))
    expect(row).to_contain_text(total)
    expect(page.get_by_role("row", name=re.compile("All sales"))).to_contain_text(total)
    assert_accessible(page)
    snapshot(page, request, "report")

    page.get_by_label("Period").select_option(label="Last 7 days")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/admin/reports/posts\?days=7$"))
    expect(page.get_by_role("row", name=re.compile(re.escape(MASKS)))).to_contain_text(total)
