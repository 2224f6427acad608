"""The Stripe path in Chromium, offline: the shop is configured for Stripe with its API base
at the local Stripe double; the buyer checks out, is redirected to the double's hosted
page, pays, and lands on the confirmation while the double's signed webhook pays the order."""

import re
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order, OrderStatus

from ..stripe_double import StripeDouble
from ..stripe_support import WEBHOOK_SECRET

pytestmark = pytest.mark.browser


@pytest.fixture
def double():
    double = StripeDouble(webhook_url="", webhook_secret=WEBHOOK_SECRET).start()
    yield double
    double.stop()


@pytest.fixture
def stripe_shop(app, double):
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_offline",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=double.base_url,
        STRIPE_MAX_RETRIES=0,
    )
    return app


def test_pay_through_stripe_checkout_on_the_local_double(stripe_shop, double, live_server, page):
    double.webhook_url = f"{live_server}/webhooks/stripe"
    page.goto(live_server + "/products/sheet-mask-set")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(live_server + "/cart")
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Email address").fill("jana@example.com")
    page.get_by_label("Full name").fill("Jana Müller")
    page.get_by_label("Address line 1").fill("Hauptstraße 5")
    page.get_by_label("Town or city").fill("Berlin")
    page.get_by_label("Postcode or ZIP").fill("10115")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_role("button", name="Continue to review").click()
    expect(page).to_have_url(live_server + "/checkout/review")
    total = page.locator(".checkout__pay-button").inner_text().removeprefix("Pay £")

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    # The form's redirect to the hosted page is allowed by the CSP (form-action) outside production.
    expect(page).to_have_url(re.compile(re.escape(double.base_url) + r"/pay/cs_double_\d+$"))
    expect(page.locator("#total")).to_have_text(f"{total} GBP")
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/checkout/complete/IMK-"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Your order is confirmed")
    with stripe_shop.app_context():
        order = db.session.scalar(select(Order))
        assert order.status is OrderStatus.PAID
        assert order.payment_provider == "stripe"
    [mail] = [message_from_bytes(p.read_bytes()) for p in Path(stripe_shop.config["MAIL_OUTBOX_DIR"]).glob("*.eml")]
    assert mail["To"] == "jana@example.com"
