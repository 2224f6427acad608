"""A buyer's journeys in Chromium, on a phone and on a desktop, each page checked with
axe-core: the 1-month sheet masks to a German address paid with the demo card, and a
declined card retried on the payment step, then 4242 paying the same order."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, assert_accessible

pytestmark = pytest.mark.browser


def check(page, step: str) -> None:
    """axe-core on the page, and a full-page screenshot of the step for people to look at."""
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.screenshot(path=str(ARTIFACTS / f"buyer-{step}-{size}.png"), full_page=True)


def add_month_of_masks_and_check_out_to_germany(page, live_server):
    page.goto(live_server + "/products/sheet-mask-set")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sheet Mask Set")
    check(page, "product")
    page.get_by_role("navigation", name="Choose a size").get_by_role("link", name=re.compile("1-month set")).click()
    expect(page.locator(".price--large")).to_have_text("£39.00")
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(live_server + "/cart")
    expect(page.get_by_text("Added 1 × Sheet Mask Set — 1-month set to your cart.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sheet Mask Set — 1-month set")).to_be_visible()
    expect(page.locator(".site-nav__count")).to_have_text("1")
    check(page, "cart")
    page.get_by_role("link", name="Go to checkout").click()

    expect(page).to_have_url(live_server + "/checkout")
    check(page, "checkout")
    page.get_by_label("Email address").fill("jana@example.com")
    page.get_by_label("Full name").fill("Jana Müller")
    page.get_by_label("Address line 1").fill("Hauptstraße 5")
    page.get_by_label("Address line 2 (optional)").fill("2. OG")
    page.get_by_label("Town or city").fill("Berlin")
    page.get_by_label("Postcode or ZIP").fill("10115")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_role("button", name="Continue to review").click()

    expect(page).to_have_url(live_server + "/checkout/review")
    totals = page.locator("dl.totals")
    expect(totals).to_contain_text("VAT removed: export")
    # £39.00 masks → £32.50; £9.95 shipping to Europe → £8.29: £8.16 of UK VAT taken off.
    expect(totals).to_contain_text("£8.16 taken off")
    expect(totals).to_contain_text("£40.79")
    expect(page.get_by_text("Zero-rated export — no UK VAT charged")).to_be_visible()
    check(page, "review")


def test_masks_to_germany_paid_with_the_demo_card(page, live_server, app):
    add_month_of_masks_and_check_out_to_germany(page, live_server)
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Demo payment — no money is taken")
    check(page, "demo-payment")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date (MM/YY)").fill("12/34")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Your order is confirmed")
    number = page.locator(".lead strong").first.inner_text()
    assert re.fullmatch(r"IMK-[2-9A-Z]{8}", number)
    expect(page.locator(".status")).to_have_text("Paid")
    expect(page.get_by_text("Hauptstraße 5")).to_be_visible()
    expect(page.locator(".site-nav__count")).to_have_text("0")
    check(page, "confirmation")

    emails = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(emails) == 1
    assert number in emails[0].read_text(encoding="utf-8", errors="replace")


def test_a_declined_card_then_4242_pays_the_same_order(page, live_server, app):
    add_month_of_masks_and_check_out_to_germany(page, live_server)
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo payment — no money is taken")
    payment_url = page.url
    number = re.search(r"Order (IMK-[2-9A-Z]{8})", page.locator(".demo-pay__amount").inner_text())[1]
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry date (MM/YY)").fill("12/34")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()

    # Still on the payment step, for the same order, saying why.
    expect(page).to_have_url(payment_url)
    error = page.locator("#card_number-error")
    expect(error).to_contain_text("Your card was declined, so nothing was charged")
    expect(error).to_contain_text(f"Order {number} is still waiting, with your cart and address")
    expect(page.locator(".demo-pay__amount")).to_contain_text(number)
    expect(page.locator(".site-nav__count")).to_have_text("1")
    check(page, "declined")

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Your order is confirmed")
    expect(page.locator(".lead strong").first).to_have_text(number)
    expect(page.get_by_text("Hauptstraße 5")).to_be_visible()
    expect(page.locator(".site-nav__count")).to_have_text("0")
    check(page, "declined-then-paid")
    emails = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(emails) == 1 and number in emails[0].read_text(encoding="utf-8", errors="replace")
