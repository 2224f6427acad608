"""A subscriber reading the film article adds the magazine on its product card to their next
Culture Box, pays on the demo page, and finds it in their account: one order, no shipping,
travelling in the box. On a phone and on a desktop, each page checked with axe-core."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import OrderStatus
from shop.subscriptions.models import BoxAddOn

from ..accounts.factories import PASSWORD, make_user
from ..box_factories import make_subscription
from .conftest import ARTIFACTS, assert_accessible, snapshot

pytestmark = pytest.mark.browser

BEFORE_DECEMBER_CUTOFF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
ARTICLE = "/blog/top-5-korean-movies-that-make-you-cry"


def test_add_a_magazine_to_the_next_box_from_the_film_article(page, live_server, app, request):
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=True):
        with app.app_context():
            user = make_user("min-ji@example.com")
            sub = make_subscription("monthly", first_month=date(2026, 12, 1), name="Min-ji Kim")
            sub.user_id = user.id
            db.session.commit()

        page.goto(live_server + "/account/sign-in?next=" + ARTICLE)
        page.get_by_label("Email address").fill("min-ji@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(ARTICLE + "$"))

        card = page.get_by_role("complementary", name="Inspire Me Korea Magazine — Issue 1: Hallyu")
        expect(card).to_contain_text("travels in your Culture Box: no shipping")
        assert_accessible(page)
        snapshot(page, request, "article")
        card.screenshot(path=str(ARTIFACTS / f"{request.node.name}-card.png"))
        card.get_by_role("button", name=re.compile("Add to my December box")).click()

        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("body")).to_contain_text("£6.99")
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiry date (MM/YY)").fill("12/39")
        page.get_by_label("Security code (CVC)").fill("123")
        snapshot(page, request, "pay")
        page.get_by_role("button", name=re.compile("^Pay")).click()

        expect(page.locator("body")).to_contain_text("In your Culture Box (December 2026 box)")
        assert_accessible(page)
        snapshot(page, request, "confirmation")

        page.goto(live_server + "/account")
        expect(page.locator("#orders")).to_contain_text("Inspire Me Korea Magazine — Issue 1: Hallyu")
        snapshot(page, request, "account")

    with app.app_context():
        [addon] = db.session.scalars(select(BoxAddOn)).all()
        assert addon.order.status is OrderStatus.PAID and addon.order.total_pence == 699
        assert addon.order.shipping_pence == 0 and addon.month == date(2026, 12, 1)
