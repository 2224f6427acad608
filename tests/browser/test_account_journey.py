"""A customer's account in a real browser, on a phone and on a desktop, every page
checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from ..accounts.factories import emails_to, link_in
from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def test_register_add_an_address_and_see_it_in_the_account(page, live_server, app, request):
    page.goto(live_server + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    # A wrong password first: the same message as an unknown email, on the page.
    page.get_by_label("Email address").fill("min-ji@example.com")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    assert_accessible(page)

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("Your name").fill("Min-ji Kim")
    page.get_by_label("Email address").fill("min-ji@example.com")
    page.get_by_label("Choose a password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Use at least 10 characters.")
    expect(page.get_by_label("Email address")).to_have_value("min-ji@example.com")  # kept
    assert_accessible(page)
    snapshot(page, request, "register-error")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    # The same answer whoever owns the email: the emailed link, opened here, signs in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)
    [message] = emails_to(app, "min-ji@example.com", "Confirm your email")
    page.goto(live_server + link_in(message))
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page).to_have_url(live_server + "/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_role("status")).to_contain_text("min-ji@example.com is confirmed")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Account")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add an address").click()
    assert_accessible(page)
    snapshot(page, request, "address-form")
    page.get_by_label("Full name").fill("Min-ji Kim")
    page.get_by_label("Address line 1").fill("1 Tea Street")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode or ZIP").fill("ls1 1aa")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Save address").click()

    expect(page).to_have_url(re.compile(r"/account#addresses$"))
    addresses = page.locator("#addresses")
    expect(addresses).to_contain_text("1 Tea Street")
    expect(addresses).to_contain_text("LS1 1AA")
    expect(addresses.get_by_text("Default")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "account")

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()


def test_guest_order_then_create_an_account_and_find_the_order(page, live_server, app, request):
    """A guest buys with the demo gateway, creates an account from the confirmation page
    (email already filled in) and finds the order in /account."""
    page.goto(live_server + "/products/magazine-issue-1-hallyu")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(live_server + "/cart")
    page.get_by_role("link", name="Go to checkout").click()

    page.get_by_label("Email address").fill("ji-woo@example.com")
    page.get_by_label("Full name").fill("Ji-woo Park")
    page.get_by_label("Address line 1").fill("3 Hanok Row")
    page.get_by_label("Town or city").fill("Bristol")
    page.get_by_label("Postcode or ZIP").fill("BS1 4DJ")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Demo payment")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date (MM/YY)").fill("12/34")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name=re.compile(r"Pay .* \(demo\)")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Your order is confirmed")
    number = page.locator(".lead strong").first.inner_text()
    assert number.startswith("IMK-")
    assert_accessible(page)
    snapshot(page, request, "confirmation")

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    expect(page.get_by_label("Email address")).to_have_value("ji-woo@example.com")
    expect(page.get_by_text(f"your order {number} will be waiting")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    [message] = emails_to(app, "ji-woo@example.com", "Confirm your email")
    page.goto(live_server + link_in(message))
    page.get_by_role("button", name="Confirm my email address").click()

    expect(page).to_have_url(live_server + "/account")
    orders = page.locator("#orders")
    expect(orders.get_by_role("link", name=f"Order {number}")).to_be_visible()
    expect(orders).to_contain_text("Paid")
    expect(orders).to_contain_text("Magazine")
    assert_accessible(page)
    snapshot(page, request, "account-with-order")

    orders.get_by_role("link", name=f"Order {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    expect(page.get_by_text("3 Hanok Row")).to_be_visible()
    assert_accessible(page)
