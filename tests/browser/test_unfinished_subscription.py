"""Pay, go back, pay again, in a real browser: the account lists the one subscription that
was paid (no "Ended" ghost of the first attempt); an attempt left unpaid reads "Not
completed" with "Finish paying", which brings the subscriber back to pay it."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from ..accounts.factories import PASSWORD, make_user
from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

BEFORE_DECEMBER_CUTOFF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def choose_monthly_to_leeds(page, live_server):
    page.goto(live_server + "/culture-box/subscribe?plan=monthly")
    page.get_by_label("Full name").fill("Min-ji Kim")
    page.get_by_label("Address line 1").fill("1 Hanok Lane")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode or ZIP").fill("LS1 1AA")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="See the price").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")


def test_pay_go_back_pay_again_then_an_unfinished_attempt(page, live_server, app, request):
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=True):
        with app.app_context():
            make_user("min-ji@example.com")
        page.goto(live_server + "/account/sign-in")
        page.get_by_label("Email address").fill("min-ji@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        choose_monthly_to_leeds(page, live_server)
        page.get_by_role("button", name=re.compile(r"^Pay £")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Demo payment — no money is taken")
        page.go_back()  # changed their mind, for a moment
        expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
        page.get_by_role("button", name=re.compile(r"^Pay £")).click()
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiry date (MM/YY)").fill("12/30")
        page.get_by_label("Security code (CVC)").fill("123")
        page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to the Culture Box!")

        page.goto(live_server + "/account")
        listed = page.locator("#subscriptions")
        expect(listed.get_by_role("link", name="Culture Box · Monthly")).to_have_count(1)
        expect(listed).to_contain_text("Active")
        expect(listed).not_to_contain_text("Ended")

        # A second box, for someone else, left on the payment page.
        choose_monthly_to_leeds(page, live_server)
        page.get_by_role("button", name=re.compile(r"^Pay £")).click()
        page.goto(live_server + "/account")
        expect(listed.get_by_role("link", name="Culture Box · Monthly")).to_have_count(2)
        expect(listed).to_contain_text("Not completed")
        assert_accessible(page)
        snapshot(page, request, "unfinished")
        listed.get_by_role("button", name=re.compile("Finish paying")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
        expect(page.get_by_text("1 Hanok Lane")).to_be_visible()
