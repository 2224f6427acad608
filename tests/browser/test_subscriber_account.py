"""The subscriber's own pages in a real browser, on a phone and on a desktop, each page
checked with axe-core: the account card → the subscription → move to Canada (the new
price shown before confirming) → cancel, told which box is the last."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from shop.extensions import db

from ..accounts.factories import PASSWORD, make_user
from ..box_factories import make_subscription
from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

BEFORE_DECEMBER_CUTOFF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_move_to_canada_then_cancel(page, live_server, app, request):
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=True):
        with app.app_context():
            user = make_user("min-ji@example.com")
            sub = make_subscription("monthly", first_month=date(2026, 12, 1), name="Min-ji Kim")
            sub.user_id = user.id
            db.session.commit()

        page.goto(live_server + "/account/sign-in")
        page.get_by_label("Email address").fill("min-ji@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#subscriptions")).to_contain_text("Next box: December 2026")
        page.get_by_role("link", name="Culture Box · Monthly").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Monthly")
        expect(page.get_by_text("£24.99 on 1 January 2027")).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "manage")

        page.get_by_role("link", name="Change the address").first.click()
        expect(page.get_by_label("Address line 1")).to_have_value(re.compile(r"\d+ Hanok Lane"))
        page.get_by_label("Address line 1").fill("88 Queen Street West")
        page.get_by_label("Town or city").fill("Toronto")
        page.get_by_label("Postcode or ZIP").fill("M5H 2N2")
        page.get_by_label("Country").select_option("RU")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("alert")).to_contain_text("we can't ship to")
        expect(page.get_by_label("Address line 1")).to_have_value("88 Queen Street West")
        assert_accessible(page)
        page.get_by_label("Country").select_option("CA")
        page.get_by_label("State, province or county").fill("ON")
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Check the new address and price")
        expect(page.locator(".lead")).to_contain_text("from £24.99 to £29.11")
        expect(page.get_by_text("VAT removed: export")).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "review")
        page.get_by_role("button", name="Confirm the new address").click()

        expect(page.locator(".flash")).to_contain_text("boxes now go to Toronto, Canada")
        expect(page.get_by_text("£29.11 on 1 January 2027")).to_be_visible()
        page.get_by_role("link", name="Cancel my subscription…").click()

        expect(page.get_by_text("Your last box will be the December 2026 box")).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "cancel")
        page.get_by_label("I get more than I can use").check()
        page.get_by_role("button", name="Yes, end after the December box").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Would a break do instead?")
        assert_accessible(page)
        snapshot(page, request, "offer")
        page.get_by_role("button", name="No thanks, cancel my subscription").click()
        expect(page.get_by_text("No more payments", exact=True)).to_be_visible()
        expect(page.get_by_text("Your subscription ends after the December 2026 box")).to_be_visible()
        assert_accessible(page)
        snapshot(page, request, "cancelled")
